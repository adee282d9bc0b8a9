using System.Globalization;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>The -Verbose line for a change of a pacer's rate: one per change, never one per request.</summary>
    internal static class PacerMessages
    {
        public static string Describe(PacerChange change)
        {
            string policy = change.Policy != null ? " (" + change.Policy + ")" : string.Empty;
            if (change.Lowered && double.IsPositiveInfinity(change.From))
            {
                return string.Format(CultureInfo.InvariantCulture,
                    "The gateway is throttling {0} calls{1}: pacing them at {2} from now on (they went out at {3}). Throttled requests wait their turn and are sent again; they do not fail.",
                    change.Calls, policy, Rate(change.To), Rate(change.Measured));
            }
            if (change.Lowered)
            {
                return string.Format(CultureInfo.InvariantCulture, "Still throttled{0}: pacing {1} calls at {2} (was {3}).",
                    policy, change.Calls, Rate(change.To), Rate(change.From));
            }
            return string.Format(CultureInfo.InvariantCulture, "No throttling lately: pacing {0} calls at {1} (was {2}){3}.",
                change.Calls, Rate(change.To), Rate(change.From), change.AtCeiling ? ", the policy's sustained rate less 3%" : string.Empty);
        }

        private static string Rate(double perSecond) => perSecond >= 10
            ? perSecond.ToString("0", CultureInfo.InvariantCulture) + "/s"
            : perSecond.ToString("0.0#", CultureInfo.InvariantCulture) + "/s";
    }
}
