using System;
using System.Threading;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>Which of the gateway's budgets a request is counted against (evs-api.md §16: limits per API).</summary>
    internal enum RequestClass
    {
        /// <summary>GET: lists and shows (a waiter's polling).</summary>
        Read,

        /// <summary>POST, PUT, DELETE: create, update, delete, roll back.</summary>
        Write,
    }

    /// <summary>What a pacer changed, for one -Verbose line.</summary>
    internal sealed class PacerChange
    {
        public PacerChange(string calls, bool lowered, double from, double to, double measured, ThrottlePolicy? policy, bool atCeiling)
        {
            Calls = calls;
            Lowered = lowered;
            From = from;
            To = to;
            Measured = measured;
            Policy = policy;
            AtCeiling = atCeiling;
        }

        public string Calls { get; }
        public bool Lowered { get; }

        /// <summary>Requests per second before; positive infinity: unpaced.</summary>
        public double From { get; }

        public double To { get; }

        /// <summary>The send rate measured when it changed.</summary>
        public double Measured { get; }

        public ThrottlePolicy? Policy { get; }

        /// <summary>The new rate is the policy's ceiling.</summary>
        public bool AtCeiling { get; }
    }

    /// <summary>
    /// The send rate of one budget of the gateway: one credential, one endpoint, one class of calls. Shared by every
    /// client, cmdlet and runspace of the process that uses them (<see cref="PacerRegistry"/>), so parallel
    /// pipelines on one credential share one budget, and what it learned is kept for the next cmdlet. Every request
    /// waits for its turn (<see cref="WaitTurnAsync"/>), including re-sent ones. The rate is
    /// <see cref="AdaptiveRate"/>'s; this class adds the clock, the measured send rate, the rule that a throttling
    /// answer to a request sent before the last decrease changes nothing (its burst was already answered), and the
    /// reporting of changes once each.
    /// </summary>
    internal sealed class RatePacer
    {
        /// <summary>A raise is reported when the rate grew by half since the last report (or reached the ceiling).</summary>
        private const double ReportedGrowth = 1.5;

        /// <summary>
        /// The longest a 429 status line holds every turn back while its body (and the policy it names) is read: the
        /// bound for an answer that is never parsed.
        /// </summary>
        internal static readonly TimeSpan PolicyWait = TimeSpan.FromSeconds(1);

        private readonly object _lock = new object();
        private readonly TimeProvider _time;
        private readonly AdaptiveRate _rate = new AdaptiveRate();
        private readonly SendRateMeter _meter = new SendRateMeter();
        private readonly PacedQueue _queue;
        private TimeSpan? _lastDecreaseAt;
        private TimeSpan? _lastAdmittedAt;
        private double _reportedRate = double.PositiveInfinity;
        private long _throttled;
        private long _sent;
        private long _decreases;
        private DateTime? _lastThrottledUtc;
        private double? _unreportedFrom; // the rate before a decrease OnThrottleSeen made and OnThrottled has not reported

        public RatePacer(string calls, TimeProvider time)
        {
            Calls = calls;
            _time = time;
            _queue = new PacedQueue(time);
        }

        /// <summary>"write" or "read" (or "IAM"), for messages.</summary>
        public string Calls { get; }

        /// <summary>This pacer's clock (time since it was created).</summary>
        public TimeSpan Now => _queue.Now;

        public Task WaitTurnAsync(CancellationToken cancellationToken) => _queue.WaitTurnAsync(cancellationToken);

        /// <summary>A request is going out now; returns the time, to hand back with its answer.</summary>
        public TimeSpan OnSent()
        {
            lock (_lock)
            {
                var now = Now;
                _meter.Record(now);
                _sent++;
                return now;
            }
        }

        /// <summary>Times the rate was lowered: a turn granted before a decrease is stale.</summary>
        public long Decreases => Interlocked.Read(ref _decreases);

        /// <summary>When the gateway last let a request of this budget through (null: never).</summary>
        public TimeSpan? LastAdmittedAt
        {
            get { lock (_lock) return _lastAdmittedAt; }
        }

        /// <summary>The longest window of a policy seen (zero when none was named).</summary>
        public TimeSpan PolicyWindow
        {
            get { lock (_lock) return _rate.Policy?.Window ?? TimeSpan.Zero; }
        }

        /// <summary>
        /// A 429's status line has just arrived for the request sent at <paramref name="sentAt"/>, before its body is
        /// read or parsed. Lowers the rate at once (from what is known of the policy so far), so a request waiting for
        /// a slot with a turn granted while unpaced sees the decrease and queues again. A cold process compiles the
        /// error parser on its first 429: without this, the answers that arrived with it let a whole new wave out
        /// into the spent budget. <see cref="OnThrottled"/> follows with the policy and reports the change.
        /// The turns also wait for the policy this answer names (at most <see cref="PolicyWait"/>): the rate stepped
        /// down from a burst (or capped by a policy seen earlier, perhaps a per-second one) can still allow tens per
        /// second, and under CPU load the throttled requests would be sent again at it into a spent window before
        /// their bodies are parsed.
        /// </summary>
        public void OnThrottleSeen(TimeSpan sentAt)
        {
            lock (_lock)
            {
                double before = _rate.Rate;
                DecreaseLocked(sentAt);
                if (_rate.Rate == before) return;
                _unreportedFrom ??= before;
                ApplyLocked();
                _queue.Pause(Now + PolicyWait);
            }
        }

        /// <summary>
        /// The request sent at <paramref name="sentAt"/> was throttled. Lowers the rate unless the request went out
        /// before the last decrease (or <paramref name="seen"/>: <see cref="OnThrottleSeen"/> already decided that);
        /// holds every turn until the server's Retry-After. Returns the change to report.
        /// </summary>
        public PacerChange? OnThrottled(TimeSpan sentAt, ThrottlePolicy? policy, TimeSpan? retryAfter, bool seen = false)
        {
            lock (_lock)
            {
                var now = Now;
                _throttled++;
                _lastThrottledUtc = _time.GetUtcNow().UtcDateTime;
                double before = _unreportedFrom ?? _rate.Rate;
                _unreportedFrom = null;
                double rateNow = _rate.Rate;
                if (policy != null) _rate.Learn(policy, now.TotalSeconds);
                if (retryAfter is TimeSpan wait && wait > TimeSpan.Zero)
                {
                    _queue.HoldUntil(now + wait);
                    _meter.RestartAt(now + wait);
                }
                if (!seen) DecreaseLocked(sentAt);
                if (_rate.Rate != rateNow) ApplyLocked();
                _queue.Resume(); // the policy is read (a no-op unless OnThrottleSeen paused the turns)
                if (_rate.Rate == before) return null;
                return Report(lowered: true, before, _meter.Rate(now));
            }
        }

        /// <summary>Lowers the rate for a throttled request unless its burst was already answered (sent before the last decrease).</summary>
        private void DecreaseLocked(TimeSpan sentAt)
        {
            if (_lastDecreaseAt.HasValue && sentAt < _lastDecreaseAt.Value) return;
            var now = Now;
            _rate.Decrease(now.TotalSeconds, _meter.Rate(now));
            _lastDecreaseAt = now;
        }

        /// <summary>The rate was lowered: turns granted before are stale, and the next is one new interval away.</summary>
        private void ApplyLocked()
        {
            Interlocked.Increment(ref _decreases);
            _queue.SetRate(_rate.Rate, restart: true);
        }

        /// <summary>The gateway let a request through (any answer but 429): progress, and the rate may grow.</summary>
        public PacerChange? OnAdmitted()
        {
            lock (_lock)
            {
                var now = Now;
                _lastAdmittedAt = now;
                if (!_rate.IsPaced) return null;
                double before = _rate.Rate;
                double measured = _meter.Rate(now);
                _rate.Increase(now.TotalSeconds, measured, backlogged: _queue.Waiting > 0);
                if (_rate.Rate == before) return null;
                _queue.SetRate(_rate.Rate, restart: false);
                bool reachedCeiling = _rate.Ceiling is double cap && _rate.Rate >= cap && _reportedRate < cap;
                return _rate.Rate >= _reportedRate * ReportedGrowth || reachedCeiling ? Report(lowered: false, _reportedRate, measured) : null;
            }
        }

        private PacerChange Report(bool lowered, double from, double measured)
        {
            _reportedRate = _rate.Rate;
            bool atCeiling = _rate.Ceiling is double cap && _rate.Rate >= cap;
            return new PacerChange(Calls, lowered, from, _rate.Rate, measured, _rate.Policy, atCeiling);
        }

        /// <summary>What Get-EvsContext shows.</summary>
        public RequestRate Describe()
        {
            lock (_lock)
            {
                return new RequestRate(Calls, _rate.IsPaced ? _rate.Rate : (double?)null, _rate.Ceiling, _rate.Policy?.ToString(), _sent, _throttled, _lastThrottledUtc);
            }
        }
    }
}
