using System;
using System.Globalization;

namespace EvsSnapshot
{
    /// <summary>
    /// What the module's pacer knows about one kind of call (write or read) of a context's credential and endpoint,
    /// as Get-EvsContext shows it: the rate it sends at, and what the gateway's throttling taught it. Shared by every
    /// context on that credential in this process.
    /// </summary>
    public sealed class RequestRate
    {
        public RequestRate(string calls, double? ratePerSecond, double? ceilingPerSecond, string? policy, long sent, long throttled, DateTime? lastThrottledAt)
        {
            Calls = calls;
            RatePerSecond = ratePerSecond;
            CeilingPerSecond = ceilingPerSecond;
            Policy = policy;
            Sent = sent;
            Throttled = throttled;
            LastThrottledAt = lastThrottledAt;
        }

        /// <summary><c>write</c> (create, update, delete, roll back) or <c>read</c> (list, show).</summary>
        public string Calls { get; }

        /// <summary>Requests per second it sends at; null while unpaced (nothing throttled yet).</summary>
        public double? RatePerSecond { get; }

        /// <summary>The gateway policy's sustained rate less 3%, when a throttling answer named one.</summary>
        public double? CeilingPerSecond { get; }

        /// <summary>The policy the gateway named, e.g. <c>policy user, limit 50 per 10 s</c>.</summary>
        public string? Policy { get; }

        /// <summary>Requests sent through it in this process (every attempt).</summary>
        public long Sent { get; }

        /// <summary>Of those, answered 429 by the gateway.</summary>
        public long Throttled { get; }

        /// <summary>UTC.</summary>
        public DateTime? LastThrottledAt { get; }

        public override string ToString() => RatePerSecond is double rate
            ? string.Format(CultureInfo.InvariantCulture, "{0} {1:0.##}/s", Calls, rate)
            : Calls + " unpaced";
    }
}
