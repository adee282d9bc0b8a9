using System;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// When to renew a temporary credential or token. The SDKs renew 40 minutes before expiry (§14.4.5), which is
    /// longer than many lifetimes (and than the whole life of a test credential), so the margin scales with the
    /// lifetime left at receipt: a quarter of it, at least 2 s (so a request signed now still reaches the gateway
    /// in time) but never more than half of it, and at most 10 minutes. For the ECS agency's 1-hour keys that is 10
    /// minutes, when the metadata service rotates them (§14.4.6); for 24-hour IAM tokens 10 minutes; for a 6-second
    /// test credential 2 s. A credential the service hands out again unchanged is simply scheduled again from what
    /// is left, so the next try comes later but still before the end.
    /// </summary>
    internal static class RefreshSchedule
    {
        public static readonly TimeSpan MaxMargin = TimeSpan.FromMinutes(10);
        public static readonly TimeSpan MinMargin = TimeSpan.FromSeconds(2);
        public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

        public static TimeSpan Margin(TimeSpan remaining)
        {
            if (remaining <= TimeSpan.Zero) return TimeSpan.Zero;
            long floor = Math.Min(MinMargin.Ticks, remaining.Ticks / 2);
            return TimeSpan.FromTicks(Math.Min(MaxMargin.Ticks, Math.Max(remaining.Ticks / 4, floor)));
        }

        public static DateTime RefreshAt(DateTime receivedUtc, TimeSpan remaining) => receivedUtc + remaining - Margin(remaining);

        /// <summary>After a failed renewal while the current credential still works: try again after a quarter of what is left, at most 30 s.</summary>
        public static TimeSpan RetryDelay(TimeSpan remaining) =>
            remaining <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, remaining.Ticks / 4));
    }
}
