using System;

namespace EvsSnapshot.Client.Http
{
    /// <summary>How hard the client tries before it reports a failure. Set per context (Connect-EvsProject).</summary>
    public sealed class RetryOptions
    {
        /// <summary>Retries after the first attempt (so at most MaxRetryCount + 1 attempts).</summary>
        public int MaxRetryCount { get; set; } = 5;

        /// <summary>
        /// Upper bound on the total time spent waiting between failed attempts of one call; for throttled requests, how
        /// long none of their budget may get through before they fail.
        /// </summary>
        public TimeSpan MaxTotalDelay { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>First backoff step for 5xx and network failures; doubles each retry, with jitter.</summary>
        public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

        /// <summary>No single wait is longer than this.</summary>
        public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(20);

        /// <summary>Per-request timeout (the official SDKs default to 120 s).</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(120);

        public RetryOptions Clone() => (RetryOptions)MemberwiseClone();
    }
}
