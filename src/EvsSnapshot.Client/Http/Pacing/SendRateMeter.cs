using System;
using System.Collections.Generic;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// The rate requests actually went out at: sends in the last second, over the part of that second since the first
    /// send (at least 100 ms), so the first throttling answer of an unpaced burst sees the burst's real rate. A hold
    /// (the server's Retry-After) starts it afresh at its end: a pause the server asked for says nothing about the
    /// rate requests go out at. Not thread-safe: its owner locks.
    /// </summary>
    internal sealed class SendRateMeter
    {
        private static readonly TimeSpan Span = TimeSpan.FromSeconds(1);
        private static readonly TimeSpan MinSpan = TimeSpan.FromMilliseconds(100);

        private readonly Queue<TimeSpan> _sends = new Queue<TimeSpan>();
        private TimeSpan? _first;

        public void Record(TimeSpan now)
        {
            _first ??= now;
            _sends.Enqueue(now);
            Trim(now);
        }

        /// <summary>Forgets the sends before <paramref name="at"/> and measures from then on.</summary>
        public void RestartAt(TimeSpan at)
        {
            _sends.Clear();
            _first = at;
        }

        /// <summary>Requests per second (0 before the first send).</summary>
        public double Rate(TimeSpan now)
        {
            Trim(now);
            if (_first == null || _sends.Count == 0 || now < _first.Value) return 0;
            var covered = now - _first.Value;
            if (covered > Span) covered = Span;
            if (covered < MinSpan) covered = MinSpan;
            return _sends.Count / covered.TotalSeconds;
        }

        private void Trim(TimeSpan now)
        {
            while (_sends.Count > 0 && now - _sends.Peek() >= Span) _sends.Dequeue();
        }
    }
}
