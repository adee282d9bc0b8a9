using System;
using System.Threading;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// The time used for X-Sdk-Date. Starts as the machine clock; corrected once per session when the gateway
    /// says the signature expired and its Date header shows the machine clock is off (../shared/evs-api.md §5.3).
    /// </summary>
    public sealed class SigningClock
    {
        private readonly TimeProvider _time;
        private long _offsetTicks;

        public SigningClock() : this(TimeProvider.System)
        {
        }

        internal SigningClock(TimeProvider time)
        {
            _time = time;
        }

        public TimeSpan Offset => TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        public DateTime UtcNow => _time.GetUtcNow().UtcDateTime + Offset;

        /// <summary>Adopts the server's time. Returns false when the correction would not change anything meaningful.</summary>
        public bool TryCorrect(DateTimeOffset serverDate, out TimeSpan newOffset)
        {
            newOffset = serverDate.UtcDateTime - _time.GetUtcNow().UtcDateTime;
            // The Date header has one-second resolution; below a minute the skew cannot explain an expired signature.
            if (Math.Abs((newOffset - Offset).TotalSeconds) < 60) return false;
            Interlocked.Exchange(ref _offsetTicks, newOffset.Ticks);
            return true;
        }
    }
}
