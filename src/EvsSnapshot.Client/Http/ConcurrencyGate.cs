using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// Bounds the requests one cmdlet invocation has in flight, and adapts like TCP congestion control. It starts
    /// slowly: <see cref="InitialLimit"/> in flight, one more per success (so the limit doubles every round trip) up
    /// to the -ThrottleLimit the user chose; a batch that meets a limit it does not know yet then overshoots it by a
    /// round trip's growth, not by -ThrottleLimit. An overloaded answer (502/503/504, a timeout) ends the slow start
    /// and halves the limit (at most once per cool-down, so one burst counts once); after that every limit's worth
    /// of successes raises it by one.
    /// Throttling (429) is not its business: a rate limit is met by pacing the rate (Pacing/RatePacer), and fewer
    /// requests in flight would only slow a batch below the allowed rate when the latency is high.
    /// </summary>
    public sealed class ConcurrencyGate
    {
        private static readonly TimeSpan DecreaseCoolDown = TimeSpan.FromSeconds(1);

        /// <summary>Requests in flight at first (TCP's initial window is of the same order).</summary>
        public const int InitialLimit = 4;

        private readonly object _lock = new object();
        private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new LinkedList<TaskCompletionSource<bool>>();
        private readonly TimeProvider _time;
        private readonly long _start;
        private double _limit;
        private bool _slowStart = true;
        private int _inFlight;
        private TimeSpan? _lastDecrease; // null until the first decrease (now - TimeSpan.MinValue would overflow)

        public ConcurrencyGate(int maxConcurrency) : this(maxConcurrency, TimeProvider.System)
        {
        }

        // Not public: the cmdlet assembly must not name TimeProvider (it lives in the engine's load context).
        internal ConcurrencyGate(int maxConcurrency, TimeProvider time)
        {
            if (maxConcurrency < 1) throw new ArgumentOutOfRangeException(nameof(maxConcurrency));
            _time = time;
            _start = _time.GetTimestamp();
            MaxConcurrency = maxConcurrency;
            _limit = Math.Min(maxConcurrency, InitialLimit);
        }

        public int MaxConcurrency { get; }

        /// <summary>The current adaptive limit (1..MaxConcurrency).</summary>
        public int CurrentLimit
        {
            get { lock (_lock) return (int)Math.Floor(_limit); }
        }

        public int InFlight
        {
            get { lock (_lock) return _inFlight; }
        }

        /// <summary>Times the limit was lowered because the service was overloaded.</summary>
        public int Decreases { get; private set; }

        public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource<bool> waiter;
            LinkedListNode<TaskCompletionSource<bool>> node;
            lock (_lock)
            {
                if (_inFlight < (int)Math.Floor(_limit) && _waiters.Count == 0)
                {
                    _inFlight++;
                    return new Slot(this);
                }
                waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiters.AddLast(waiter);
            }

            using (cancellationToken.Register(() =>
            {
                bool removed;
                lock (_lock)
                {
                    removed = node.List != null;
                    if (removed) _waiters.Remove(node);
                }
                if (removed) waiter.TrySetCanceled();
            }))
            {
                await waiter.Task.ConfigureAwait(false);
            }
            return new Slot(this);
        }

        /// <summary>An overloaded answer arrived. Returns the new limit when it was lowered, null within the cool-down.</summary>
        public int? OnOverloaded()
        {
            lock (_lock)
            {
                var now = _time.GetElapsedTime(_start);
                if (_lastDecrease.HasValue && now - _lastDecrease.Value < DecreaseCoolDown) return null;
                _lastDecrease = now;
                _slowStart = false;
                _limit = Math.Max(1, Math.Floor(_limit / 2));
                Decreases++;
                return (int)_limit;
            }
        }

        public void OnSuccess()
        {
            lock (_lock)
            {
                if (_limit >= MaxConcurrency) return;
                _limit = Math.Min(MaxConcurrency, _limit + (_slowStart ? 1.0 : 1.0 / Math.Max(1, Math.Floor(_limit))));
                WakeWaitersLocked();
            }
        }

        private void Release()
        {
            lock (_lock)
            {
                _inFlight--;
                WakeWaitersLocked();
            }
        }

        private void WakeWaitersLocked()
        {
            while (_waiters.Count > 0 && _inFlight < (int)Math.Floor(_limit))
            {
                var first = _waiters.First!;
                _waiters.RemoveFirst();
                _inFlight++;
                if (!first.Value.TrySetResult(true)) _inFlight--; // cancelled meanwhile: give the slot to the next one
            }
        }

        private sealed class Slot : IDisposable
        {
            private ConcurrencyGate? _owner;
            public Slot(ConcurrencyGate owner) { _owner = owner; }
            public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Release();
        }
    }
}
