using System.Diagnostics;

namespace EvsEmulator.Faults;

/// <summary>Token bucket for <c>rateLimitPerSecond</c>: holds at most one second's worth of tokens and refills
/// continuously, so a burst of N requests passes and the sustained rate is capped at N per second.</summary>
public sealed class RateLimiter
{
    private readonly object _gate = new();
    private double _rate;
    private double _tokens;
    private long _lastTicks;

    public void Reset()
    {
        lock (_gate) _rate = 0;
    }

    /// <summary>True if the request may pass. <paramref name="ratePerSecond"/> 0 disables throttling.</summary>
    public bool TryAcquire(double ratePerSecond)
    {
        if (ratePerSecond <= 0) return true;
        lock (_gate)
        {
            var now = Stopwatch.GetTimestamp();
            var capacity = Math.Max(1, ratePerSecond);
            if (_rate != ratePerSecond)
            {
                // A new rate starts with a full bucket.
                _rate = ratePerSecond;
                _tokens = capacity;
                _lastTicks = now;
            }
            var elapsed = (now - _lastTicks) / (double)Stopwatch.Frequency;
            _lastTicks = now;
            _tokens = Math.Min(capacity, _tokens + elapsed * ratePerSecond);
            if (_tokens < 1) return false;
            _tokens -= 1;
            return true;
        }
    }
}
