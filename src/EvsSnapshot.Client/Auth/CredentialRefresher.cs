using System;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// Keeps one expiring credential of a context fresh. Renews it when its refresh time comes or after a 401 says
    /// it is no longer valid; one renewal at a time (single flight): requests that need a renewal while one runs
    /// wait for it and use its result, success or failure, instead of starting their own. A renewal that fails while
    /// the current credential has not expired yet keeps the current one (and retries later), so a short outage of
    /// the issuer costs nothing; a credential whose expiry has passed is never handed out.
    /// </summary>
    internal sealed class CredentialRefresher<T> where T : class, IExpiringCredential
    {
        private readonly Func<CallScope, Task<T>> _fetch;
        private readonly TimeProvider _time;
        private readonly string _what;
        private readonly SemaphoreSlim _lock = new SemaphoreSlim(1, 1);
        private T? _current;
        private long _renewals;          // renewals started
        private long _finished;          // renewals finished; a waiter that sees it change knows one ended while it waited
        private Exception? _lastFailure;
        private long _retryAfterTicks;    // after a failed renewal, the current one is used without trying again until then

        /// <param name="what">Names the credential in trace lines, e.g. "the ECS agency credential".</param>
        public CredentialRefresher(Func<CallScope, Task<T>> fetch, TimeProvider time, string what)
        {
            _fetch = fetch;
            _time = time;
            _what = what;
        }

        public T? Current => Volatile.Read(ref _current);

        /// <summary>Renewals started so far (the first fetch included).</summary>
        public long Renewals => Interlocked.Read(ref _renewals);

        private DateTime UtcNow => _time.GetUtcNow().UtcDateTime;

        /// <summary>The credential to sign with now.</summary>
        public Task<T> GetAsync(CallScope call)
        {
            var current = Current;
            var now = UtcNow;
            if (current != null && now < current.RefreshAtUtc) return Task.FromResult(current);
            if (current != null && now < current.ExpiresAtUtc && now < ReadRetryAfter()) return Task.FromResult(current);
            return RenewAsync(call, rejected: null);
        }

        /// <summary>After a 401 for <paramref name="rejected"/>: a credential other than that one (renewed once for all who ask).</summary>
        public Task<T> ReplaceAsync(T rejected, CallScope call) => RenewAsync(call, rejected);

        private async Task<T> RenewAsync(CallScope call, T? rejected)
        {
            long seen = Interlocked.Read(ref _finished);
            await _lock.WaitAsync(call.CancellationToken).ConfigureAwait(false);
            try
            {
                var current = _current;
                var now = UtcNow;
                bool usable = current != null && current != rejected && now < current.ExpiresAtUtc;
                if (usable && (rejected != null || now < current!.RefreshAtUtc)) return current!; // renewed while we waited
                bool endedWhileWaiting = Interlocked.Read(ref _finished) != seen;
                if (endedWhileWaiting || (usable && now < ReadRetryAfter()))
                {
                    // A renewal ended while we waited and failed: share its outcome instead of asking again at once.
                    if (usable) return current!;
                    if (_lastFailure != null && endedWhileWaiting) ExceptionDispatchInfo.Capture(_lastFailure).Throw();
                }
                return await FetchAsync(current, rejected, call).ConfigureAwait(false);
            }
            finally
            {
                _lock.Release();
            }
        }

        private async Task<T> FetchAsync(T? current, T? rejected, CallScope call)
        {
            Interlocked.Increment(ref _renewals);
            _lastFailure = null; // a cancelled attempt leaves none, so waiters try themselves
            if (current != null)
            {
                call.Trace.Verbose(rejected != null
                    ? $"The service no longer accepts {_what}; getting a new one."
                    : string.Format(CultureInfo.InvariantCulture, "{0} expires at {1:u}; renewing it now.", Capitalized(_what), current.ExpiresAtUtc));
            }
            try
            {
                // Renewal runs inside the auth step of a request that already holds a concurrency-gate slot: its
                // own requests must not wait for a slot, or a full gate (-ThrottleLimit 1) deadlocks.
                var fresh = await _fetch(call.Ungated()).ConfigureAwait(false);
                Volatile.Write(ref _current, fresh);
                _lastFailure = null;
                return fresh;
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && call.CancellationToken.IsCancellationRequested))
            {
                _lastFailure = ex;
                var now = UtcNow;
                if (current == null || current == rejected || now >= current.ExpiresAtUtc) throw;
                var wait = RefreshSchedule.RetryDelay(current.ExpiresAtUtc - now);
                Interlocked.Exchange(ref _retryAfterTicks, (now + wait).Ticks);
                call.Trace.Warning(string.Format(CultureInfo.InvariantCulture,
                    "Could not renew {0}: {1} Still using the current one, valid until {2:u}; trying again in {3:0.#} s.",
                    _what, ex.Message, current.ExpiresAtUtc, wait.TotalSeconds));
                return current;
            }
            finally
            {
                Interlocked.Increment(ref _finished);
            }
        }

        private DateTime ReadRetryAfter() => new DateTime(Interlocked.Read(ref _retryAfterTicks), DateTimeKind.Utc);

        private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
