using System;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// The send rate a pacer allows, as the AWS SDKs' "adaptive" retry mode computes it: unpaced until the first
    /// throttling answer; then each throttling answer lowers the rate multiplicatively from the rate actually sent
    /// (not the rate allowed), and while requests get through the rate grows back along a CUBIC curve (slowly near
    /// the rate that was throttled, faster away from it), never above twice the measured send rate unless requests
    /// are waiting for turns (then the measured rate is the allowed one, and says nothing about demand). When the
    /// gateway names its policy (limit per window), the policy's sustained rate less <see cref="Headroom"/> is a
    /// ceiling. Pure: times are seconds passed in by the caller.
    /// </summary>
    internal sealed class AdaptiveRate
    {
        /// <summary>Multiplicative decrease (AWS: 0.7).</summary>
        public const double Beta = 0.7;

        /// <summary>CUBIC's scale constant (AWS: 0.4).</summary>
        public const double Scale = 0.4;

        /// <summary>Share of a policy's sustained rate the pacer aims at, so timing noise never spends a window's last request.</summary>
        public const double Headroom = 0.97;

        /// <summary>The lowest rate without a policy window to go by (AWS: 0.5 per second).</summary>
        public const double DefaultFloor = 0.5;

        private double _lastMax;     // the rate that was throttled (CUBIC's W_max)
        private double _k;           // seconds from the curve's start to W_max
        private double _curveStart;  // time the curve starts at

        /// <summary>Requests per second; positive infinity until the first throttling answer.</summary>
        public double Rate { get; private set; } = double.PositiveInfinity;

        public bool IsPaced => !double.IsPositiveInfinity(Rate);

        /// <summary>The lowest sustained rate of the policies seen, less the headroom; null while none was named.</summary>
        public double? Ceiling { get; private set; }

        /// <summary>The policy behind <see cref="Ceiling"/>.</summary>
        public ThrottlePolicy? Policy { get; private set; }

        /// <summary>
        /// The rate never goes below this: 0.5/s (AWS's floor), or for a policy with a window longer than a second 8
        /// requests per window, so a spent window costs about 8 throttled probes and is found turned within an
        /// eighth of it; never more than a quarter of the ceiling.
        /// </summary>
        public double Floor { get; private set; } = DefaultFloor;

        /// <summary>A throttling answer named its policy. A lower sustained rate than any seen becomes the ceiling.</summary>
        public void Learn(ThrottlePolicy policy)
        {
            double ceiling = policy.SustainedRate * Headroom;
            if (Ceiling is double known && known <= ceiling) return;
            Ceiling = ceiling;
            Policy = policy;
            double window = policy.Window.TotalSeconds;
            Floor = Math.Min(ceiling / 4, window > 1 ? 8 / window : DefaultFloor);
            if (IsPaced && Rate > ceiling) Rate = ceiling;
        }

        /// <summary>A request sent at the current rate was throttled at <paramref name="now"/>; <paramref name="measured"/> is the send rate.</summary>
        public void Decrease(double now, double measured)
        {
            double reference = IsPaced ? Math.Min(Rate, measured) : measured;
            double cap = Ceiling ?? double.PositiveInfinity;
            _lastMax = Math.Min(reference, cap);
            double rate = Math.Max(Floor, Math.Min(reference * Beta, cap));
            _k = Math.Pow(_lastMax * (1 - Beta) / Scale, 1.0 / 3);
            // Start the curve where it equals the new rate: at its start when rate = Beta x W_max, later when the
            // ceiling or the floor cut the decrease short.
            double offset = _k - Cbrt((_lastMax - rate) / Scale);
            _curveStart = now - offset;
            Rate = rate;
        }

        /// <summary>
        /// A request got through at <paramref name="now"/>: the rate follows the curve up (it never falls here).
        /// <paramref name="backlogged"/>: requests are waiting for turns, so the rate is in use whatever was measured.
        /// </summary>
        public void Increase(double now, double measured, bool backlogged = false)
        {
            if (!IsPaced) return;
            double t = now - _curveStart - _k;
            double cubic = Scale * t * t * t + _lastMax;
            double next = backlogged ? cubic : Math.Min(cubic, 2 * measured);
            if (Ceiling is double cap) next = Math.Min(next, cap);
            if (next > Rate) Rate = next;
        }

        private static double Cbrt(double x) => x < 0 ? -Math.Pow(-x, 1.0 / 3) : Math.Pow(x, 1.0 / 3);
    }
}
