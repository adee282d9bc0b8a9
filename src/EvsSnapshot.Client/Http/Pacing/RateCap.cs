using System;
using System.Threading;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// A rate the user set (-MaxRequestRate): every request of a context, or of one cmdlet invocation, waits its turn
    /// here, all kinds of calls together, right before it is sent. At most ceil(rate) + 1 requests go out in any
    /// one-second window (one turn may come up to 25 ms early, for timer granularity).
    /// </summary>
    public sealed class RateCap
    {
        private readonly PacedQueue _queue;

        /// <param name="perSecond">Requests per second, more than 0.</param>
        public RateCap(double perSecond) : this(perSecond, TimeProvider.System)
        {
        }

        // Not public: the cmdlet assembly must not name TimeProvider (it lives in the engine's load context).
        internal RateCap(double perSecond, TimeProvider time)
        {
            if (!(perSecond > 0) || double.IsInfinity(perSecond)) throw new ArgumentOutOfRangeException(nameof(perSecond));
            PerSecond = perSecond;
            _queue = new PacedQueue(time, perSecond);
        }

        public double PerSecond { get; }

        internal Task WaitTurnAsync(CancellationToken cancellationToken) => _queue.WaitTurnAsync(cancellationToken);
    }
}
