using System;
using System.Globalization;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Http
{
    /// <summary>Attempts and waiting time already spent on one logical call; shared when a caller retries on its own.</summary>
    internal sealed class RetryState
    {
        public int Attempts;
        public TimeSpan Waited;
    }

    /// <summary>The policy's answer: wait this long and try again, or give up for the stated reason.</summary>
    internal readonly struct RetryDecision
    {
        private RetryDecision(TimeSpan? delay, string? giveUpReason)
        {
            Delay = delay;
            GiveUpReason = giveUpReason;
        }

        public TimeSpan? Delay { get; }
        public string? GiveUpReason { get; }

        public static RetryDecision After(TimeSpan delay) => new RetryDecision(delay, null);
        public static RetryDecision GiveUp(string reason) => new RetryDecision(null, reason);
    }

    /// <summary>
    /// How long to wait before the next attempt after a failure (5xx, network, timeout): exponential backoff with
    /// "equal jitter" (half fixed, half random), the server's Retry-After when it sends one, and two budgets per call
    /// (attempts, total waiting time). Throttling (429) is not a failure: the pacer handles it. Time comes from a <see cref="TimeProvider"/>, so tests never sleep.
    /// </summary>
    internal sealed class RetryPolicy
    {
        private readonly TimeProvider _time;
        private readonly Random _jitter;

        public RetryPolicy(RetryOptions options, TimeProvider time, Random? jitter = null)
        {
            Options = options;
            _time = time;
            _jitter = jitter ?? new Random();
        }

        public RetryOptions Options { get; }

        public int MaxAttempts => Options.MaxRetryCount + 1;

        public RetryDecision Decide(RetryState state, TimeSpan? serverDelay)
        {
            if (state.Attempts >= MaxAttempts)
            {
                return RetryDecision.GiveUp(string.Format(CultureInfo.InvariantCulture, "failed {0} times", state.Attempts));
            }
            var delay = serverDelay ?? Backoff(state.Attempts, Options.BaseDelay);
            if (state.Waited + delay > Options.MaxTotalDelay)
            {
                return RetryDecision.GiveUp(string.Format(CultureInfo.InvariantCulture,
                    "failed and the next wait ({0:0.0} s) would exceed the retry time budget of {1:0} s", delay.TotalSeconds, Options.MaxTotalDelay.TotalSeconds));
            }
            return RetryDecision.After(delay);
        }

        /// <summary>Exponential backoff with equal jitter, capped at <see cref="RetryOptions.MaxDelay"/>.</summary>
        public TimeSpan Backoff(int attempt, TimeSpan baseDelay)
        {
            double step = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
            step = Math.Min(step, Options.MaxDelay.TotalMilliseconds);
            double random;
            lock (_jitter) random = _jitter.NextDouble();
            return TimeSpan.FromMilliseconds(step / 2 + random * step / 2);
        }

        public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => _time.Delay(delay, cancellationToken);

        /// <summary>The server's Retry-After as a wait from now (seconds or a date), or null when it sent none.</summary>
        public static TimeSpan? RetryAfter(HttpResponseHeaders headers, DateTimeOffset now)
        {
            var header = headers.RetryAfter;
            if (header == null) return null;
            if (header.Delta != null) return header.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : header.Delta.Value;
            if (header.Date != null)
            {
                var wait = header.Date.Value - (headers.Date ?? now);
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }
    }
}
