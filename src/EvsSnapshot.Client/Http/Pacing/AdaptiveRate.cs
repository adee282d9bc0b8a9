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
    /// ceiling, and a throttling answer under a window longer than a second goes straight to the floor (the window
    /// is spent). Pure: times are seconds passed in by the caller.
    /// </summary>
    internal sealed class AdaptiveRate
    {
        /// <summary>Multiplicative decrease (AWS: 0.7).</summary>
        public const double Beta = 0.7;

        /// <summary>CUBIC's scale constant (AWS: 0.4).</summary>
        public const double Scale = 0.4;

        /// <summary>Share of a policy's sustained rate the pacer aims at, so timing noise never spends a window's last request.</summary>
        public const double Headroom = 0.97;

        /// <summary>Probes per window into a spent window of a policy longer than a second (see <see cref="Floor"/>).</summary>
        public const double ProbesPerWindow = 4;

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
        /// The rate never goes below this: 0.5/s (AWS's floor), or for a policy with a window longer than a second
        /// <see cref="ProbesPerWindow"/> requests per window, so a spent window costs about that many throttled probes
        /// and is found turned within a quarter of it; never more than a quarter of the ceiling.
        /// </summary>
        public double Floor { get; private set; } = DefaultFloor;

        /// <summary>
        /// A throttling answer at <paramref name="now"/> named its policy. A lower sustained rate than any seen becomes
        /// the ceiling; if the rate was already lowered for this answer (its status line came first), it now follows
        /// what the policy says, as <see cref="Decrease"/> would have.
        /// </summary>
        public void Learn(ThrottlePolicy policy, double now)
        {
            double ceiling = policy.SustainedRate * Headroom;
            if (Ceiling is double known && known <= ceiling) return;
            Ceiling = ceiling;
            Policy = policy;
            double window = policy.Window.TotalSeconds;
            Floor = Math.Min(ceiling / 4, window > 1 ? ProbesPerWindow / window : DefaultFloor);
            if (!IsPaced) return;
            if (WindowSpent) StartCurve(now, Math.Min(_lastMax, ceiling), Floor);
            else if (Rate > ceiling) Rate = ceiling;
        }

        /// <summary>A request sent at the current rate was throttled at <paramref name="now"/>; <paramref name="measured"/> is the send rate.</summary>
        public void Decrease(double now, double measured)
        {
            double reference = IsPaced ? Math.Min(Rate, measured) : measured;
            double cap = Ceiling ?? double.PositiveInfinity;
            double lastMax = Math.Min(reference, cap);
            StartCurve(now, lastMax, WindowSpent ? Floor : Math.Max(Floor, Math.Min(reference * Beta, cap)));
        }

        /// <summary>
        /// A 429 under a policy window longer than a second: the window's budget is spent, and until it turns only a
        /// probe gets through (stepping down by Beta would spend several probes on the way). Per-second policies
        /// refill within the second, so they step down as AWS's mode does.
        /// </summary>
        private bool WindowSpent => Policy != null && Policy.Window > TimeSpan.FromSeconds(1);

        /// <summary>Lowers the rate to <paramref name="rate"/>, on a CUBIC curve back up to <paramref name="lastMax"/> (W_max).</summary>
        private void StartCurve(double now, double lastMax, double rate)
        {
            _lastMax = lastMax;
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
