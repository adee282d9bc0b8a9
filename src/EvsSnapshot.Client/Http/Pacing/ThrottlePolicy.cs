using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// The gateway policy a 429 names: <c>policy user over ratelimit,limit:100,time:1 minute</c> (evs-api.md §5.3,
    /// §16). Its sustained rate (limit per window) is a ceiling for the pacer: a window's budget can be spent in one
    /// burst, after which nothing passes until the window turns.
    /// </summary>
    internal sealed class ThrottlePolicy
    {
        private static readonly Regex Shape = new Regex(
            @"policy\s+(?<policy>\w+)\b.*?limit\s*:\s*(?<limit>\d+)\s*,\s*time\s*:\s*(?<count>\d+)\s*(?<unit>second|minute|hour|day)s?",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        private ThrottlePolicy(string policy, int limit, TimeSpan window)
        {
            Policy = policy;
            Limit = limit;
            Window = window;
        }

        /// <summary>What is counted: <c>user</c>, <c>api</c> or <c>ip</c>.</summary>
        public string Policy { get; }

        public int Limit { get; }
        public TimeSpan Window { get; }

        /// <summary>Requests per second the policy allows over time.</summary>
        public double SustainedRate => Limit / Window.TotalSeconds;

        /// <summary>The policy in a 429 message, or null when the message names none (or nonsense).</summary>
        public static ThrottlePolicy? Parse(string? message)
        {
            if (string.IsNullOrEmpty(message)) return null;
            var m = Shape.Match(message);
            if (!m.Success) return null;
            if (!int.TryParse(m.Groups["limit"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int limit) || limit < 1) return null;
            if (!int.TryParse(m.Groups["count"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int count) || count < 1) return null;
            double unitSeconds = m.Groups["unit"].Value.ToLowerInvariant() switch
            {
                "minute" => 60,
                "hour" => 3600,
                "day" => 86400,
                _ => 1,
            };
            return new ThrottlePolicy(m.Groups["policy"].Value.ToLowerInvariant(), limit, TimeSpan.FromSeconds(count * unitSeconds));
        }

        /// <summary>As the gateway words it, e.g. <c>policy user, limit 50 per 10 s</c>.</summary>
        public override string ToString() => string.Format(CultureInfo.InvariantCulture, "policy {0}, limit {1} per {2}", Policy, Limit, WindowText(Window));

        private static string WindowText(TimeSpan window) =>
            window.TotalSeconds % 60 == 0 && window.TotalSeconds >= 60
                ? (window.TotalSeconds == 60 ? "minute" : (window.TotalSeconds / 60).ToString(CultureInfo.InvariantCulture) + " minutes")
                : (window.TotalSeconds == 1 ? "second" : window.TotalSeconds.ToString(CultureInfo.InvariantCulture) + " s");
    }
}
