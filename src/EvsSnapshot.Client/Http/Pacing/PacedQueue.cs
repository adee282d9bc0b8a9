using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// Hands out turns to send, first come first served, at most <see cref="Rate"/> per second: a token bucket kept
    /// as the time of the next turn (GCRA). A turn may come up to 25 ms (at most one interval) early, so timer
    /// granularity (15.6 ms on Windows) does not slow the schedule down; hence at most ceil(rate) + 1 turns in any
    /// one-second window. Time and timers come from a <see cref="TimeProvider"/>, so tests drive it with fake time.
    /// </summary>
    internal sealed class PacedQueue
    {
        private static readonly TimeSpan MaxEarly = TimeSpan.FromMilliseconds(25);

        private readonly object _lock = new object();
        private readonly LinkedList<TaskCompletionSource<bool>> _waiters = new LinkedList<TaskCompletionSource<bool>>();
        private readonly TimeProvider _time;
        private readonly long _origin;
        private double _rate = double.PositiveInfinity;
        private TimeSpan _interval = TimeSpan.Zero;
        private TimeSpan _nextTurn;   // when the next turn is due on the schedule
        private TimeSpan _holdUntil;  // no turn before this (the server's Retry-After)
        private TimeSpan _pauseUntil; // no turn before this either, unless resumed earlier (see Pause)
        private ITimer? _timer;

        public PacedQueue(TimeProvider time, double rate = double.PositiveInfinity)
        {
            _time = time;
            _origin = time.GetTimestamp();
            SetRate(rate, restart: false);
        }

        /// <summary>Turns per second; positive infinity: unpaced.</summary>
        public double Rate
        {
            get { lock (_lock) return _rate; }
        }

        public int Waiting
        {
            get { lock (_lock) return _waiters.Count; }
        }

        /// <summary>Time on this queue's clock (since it was created).</summary>
        public TimeSpan Now => _time.GetElapsedTime(_origin);

        /// <summary>Completes when it is this caller's turn to send.</summary>
        public Task WaitTurnAsync(CancellationToken cancellationToken)
        {
            TaskCompletionSource<bool> waiter;
            LinkedListNode<TaskCompletionSource<bool>> node;
            lock (_lock)
            {
                var now = Now;
                if (_waiters.Count == 0 && TryTakeLocked(now)) return Task.CompletedTask;
                cancellationToken.ThrowIfCancellationRequested();
                waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                node = _waiters.AddLast(waiter);
                ArmLocked(now);
            }
            return cancellationToken.CanBeCanceled ? WaitCancellableAsync(waiter, node, cancellationToken) : waiter.Task;
        }

        private async Task WaitCancellableAsync(TaskCompletionSource<bool> waiter, LinkedListNode<TaskCompletionSource<bool>> node, CancellationToken cancellationToken)
        {
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
        }

        /// <summary>
        /// Changes the rate. <paramref name="restart"/> (after throttling): the next turn is one new interval from
        /// now at the earliest, as the budget was just found spent.
        /// </summary>
        public void SetRate(double rate, bool restart)
        {
            if (!(rate > 0)) throw new ArgumentOutOfRangeException(nameof(rate));
            lock (_lock)
            {
                _rate = rate;
                _interval = double.IsPositiveInfinity(rate) ? TimeSpan.Zero : TimeSpan.FromTicks((long)Math.Ceiling(TimeSpan.TicksPerSecond / rate));
                if (restart)
                {
                    var earliest = Now + _interval;
                    if (_nextTurn < earliest) _nextTurn = earliest;
                }
            }
            Dispatch();
        }

        /// <summary>No turn before <paramref name="until"/> (on this queue's clock).</summary>
        public void HoldUntil(TimeSpan until) => Extend(ref _holdUntil, until);

        /// <summary>
        /// No turn before <paramref name="until"/> unless <see cref="Resume"/> comes first: a pause for something the
        /// caller is about to learn, bounded so that never learning it cannot stop the queue.
        /// </summary>
        public void Pause(TimeSpan until) => Extend(ref _pauseUntil, until);

        /// <summary>Ends a <see cref="Pause"/> (a hold stays).</summary>
        public void Resume()
        {
            lock (_lock)
            {
                if (_pauseUntil == TimeSpan.Zero) return;
                _pauseUntil = TimeSpan.Zero;
            }
            Dispatch();
        }

        /// <summary>Moves a no-turn-before bound (a hold or a pause) later, never earlier.</summary>
        private void Extend(ref TimeSpan bound, TimeSpan until)
        {
            lock (_lock)
            {
                if (until <= bound) return;
                bound = until;
                ArmLocked(Now);
            }
        }

        /// <summary>The later of the hold and the pause: no turn is granted before it.</summary>
        private TimeSpan NoTurnBefore => _holdUntil > _pauseUntil ? _holdUntil : _pauseUntil;

        private bool TryTakeLocked(TimeSpan now)
        {
            if (now < NoTurnBefore) return false;
            if (_interval == TimeSpan.Zero)
            {
                _nextTurn = now;
                return true;
            }
            if (now < _nextTurn - Early) return false;
            _nextTurn = (now > _nextTurn ? now : _nextTurn) + _interval;
            return true;
        }

        private TimeSpan Early => _interval < MaxEarly ? _interval : MaxEarly;

        private void Dispatch()
        {
            List<TaskCompletionSource<bool>>? granted = null;
            lock (_lock)
            {
                var now = Now;
                while (_waiters.Count > 0 && TryTakeLocked(now))
                {
                    (granted ??= new List<TaskCompletionSource<bool>>()).Add(_waiters.First!.Value);
                    _waiters.RemoveFirst();
                }
                ArmLocked(now);
            }
            if (granted == null) return;
            foreach (var waiter in granted) waiter.TrySetResult(true); // continuations run asynchronously
        }

        private void ArmLocked(TimeSpan now)
        {
            if (_waiters.Count == 0) return;
            var blocked = NoTurnBefore;
            var due = blocked > _nextTurn - Early ? blocked : _nextTurn - Early;
            // Whole milliseconds, at least one: timers round down, and a timer due "now" that finds the turn not yet
            // due would only re-arm itself.
            double ms = Math.Max(1, Math.Ceiling((due - now).TotalMilliseconds));
            var dueTime = TimeSpan.FromMilliseconds(ms);
            if (_timer == null) _timer = _time.CreateTimer(_ => Dispatch(), null, dueTime, Timeout.InfiniteTimeSpan);
            else _timer.Change(dueTime, Timeout.InfiniteTimeSpan);
        }
    }
}
