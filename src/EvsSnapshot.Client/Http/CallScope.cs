using System;
using System.Threading;
using EvsSnapshot.Client.Http.Pacing;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// What one caller (a cmdlet invocation) gives each of its calls: where to report, how to cancel, the gate that
    /// bounds its requests in flight, and the rate it may send at (-MaxRequestRate of the invocation, instead of the
    /// context's). Not a context: the project, endpoints and credentials are the client's.
    /// </summary>
    public sealed class CallScope
    {
        public CallScope(IEvsTrace? trace = null, CancellationToken cancellationToken = default, ConcurrencyGate? gate = null, RateCap? rateCap = null)
            : this(trace, cancellationToken, gate, rateCap, new ThrottleNotices())
        {
        }

        private CallScope(IEvsTrace? trace, CancellationToken cancellationToken, ConcurrencyGate? gate, RateCap? rateCap, ThrottleNotices notices)
        {
            Trace = trace ?? NullTrace.Instance;
            CancellationToken = cancellationToken;
            Gate = gate;
            RateCap = rateCap;
            Notices = notices;
        }

        public IEvsTrace Trace { get; }
        public CancellationToken CancellationToken { get; }
        public ConcurrencyGate? Gate { get; }

        /// <summary>This caller's own rate cap; null: the context's (if any).</summary>
        public RateCap? RateCap { get; }

        /// <summary>Keeps -Verbose to one line per few seconds about re-sent throttled requests.</summary>
        internal ThrottleNotices Notices { get; }

        /// <summary>The same caller without the gate (for calls made while a slot is already held).</summary>
        public CallScope Ungated() => Gate == null ? this : new CallScope(Trace, CancellationToken, null, RateCap, Notices);

        /// <summary>The same caller with another cancellation token.</summary>
        public CallScope WithCancellation(CancellationToken cancellationToken) => new CallScope(Trace, cancellationToken, Gate, RateCap, Notices);

        public static CallScope None => new CallScope();
    }

    /// <summary>Debounces the per-request "throttled, sending it again" lines of one caller.</summary>
    internal sealed class ThrottleNotices
    {
        public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

        private readonly object _lock = new object();
        private DateTimeOffset? _last;
        private int _suppressed;

        /// <summary>True when a line is due; <paramref name="suppressed"/>: how many were not reported since the last one.</summary>
        public bool TryReport(DateTimeOffset now, out int suppressed)
        {
            lock (_lock)
            {
                if (_last.HasValue && now - _last.Value < Interval)
                {
                    _suppressed++;
                    suppressed = 0;
                    return false;
                }
                _last = now;
                suppressed = _suppressed;
                _suppressed = 0;
                return true;
            }
        }
    }
}
