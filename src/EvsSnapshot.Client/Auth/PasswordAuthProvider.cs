using System;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>A token obtained from IAM.</summary>
    internal sealed class IamToken
    {
        public IamToken(string value, DateTime refreshAtUtc, DateTime expiresAtUtc, string? projectId)
        {
            Value = value;
            RefreshAtUtc = refreshAtUtc;
            ExpiresAtUtc = expiresAtUtc;
            ProjectId = projectId;
        }

        public string Value { get; }
        public DateTime RefreshAtUtc { get; }
        public DateTime ExpiresAtUtc { get; }
        public string? ProjectId { get; }
    }

    /// <summary>
    /// IAM password authentication: a project-scoped token kept in memory, renewed before it expires and once
    /// when the gateway says it expired anyway. One renewal at a time; requests waiting for it use the new token.
    /// </summary>
    internal sealed class PasswordAuthProvider : AuthProvider
    {
        private readonly string _userName;
        private readonly string _domainName;
        private readonly Func<CallScope, Task<IamToken>> _fetchToken;
        private readonly TimeProvider _time;
        private readonly SemaphoreSlim _refreshLock = new SemaphoreSlim(1, 1);
        private IamToken? _token;

        public PasswordAuthProvider(string userName, string domainName, Func<CallScope, Task<IamToken>> fetchToken, TimeProvider? time = null)
        {
            _userName = userName;
            _domainName = domainName;
            _fetchToken = fetchToken;
            _time = time ?? TimeProvider.System;
        }

        public override string CredentialDescription => "IAM user '" + _userName + "' of account '" + _domainName + "'";
        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckPassword;
        public IamToken? CurrentToken => _token;

        private DateTime UtcNow => _time.GetUtcNow().UtcDateTime;

        public async Task<IamToken> GetTokenAsync(CallScope call, IamToken? stale = null)
        {
            var token = _token;
            if (IsUsable(token, stale)) return token!;
            await _refreshLock.WaitAsync(call.CancellationToken).ConfigureAwait(false);
            try
            {
                token = _token;
                if (IsUsable(token, stale)) return token!; // renewed by another request meanwhile
                if (token != null)
                {
                    call.Trace.Verbose(stale != null
                        ? "The IAM token was rejected as expired; requesting a new one."
                        : string.Format(CultureInfo.InvariantCulture, "The IAM token expires at {0:u}; renewing it now.", token.ExpiresAtUtc));
                }
                token = await _fetchToken(call).ConfigureAwait(false);
                _token = token;
                return token;
            }
            finally
            {
                _refreshLock.Release();
            }
        }

        private bool IsUsable(IamToken? token, IamToken? stale) => token != null && token != stale && UtcNow < token.RefreshAtUtc;

        public override async Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            var token = await GetTokenAsync(call).ConfigureAwait(false);
            message.Headers.TryAddWithoutValidation("X-Auth-Token", token.Value);
        }

        public override async Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallScope call)
        {
            if (!MessageContains(error, "token expires") && !MessageContains(error, "decrypt token fail")) return false;
            var stale = _token;
            await GetTokenAsync(call, stale).ConfigureAwait(false);
            return true;
        }

        /// <summary>Renew 5 minutes before expiry, or after 80% of the lifetime for tokens that live less than 25 minutes.</summary>
        public static DateTime RefreshTime(DateTime receivedUtc, TimeSpan lifetime)
        {
            var margin = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(5).Ticks, lifetime.Ticks / 5));
            return receivedUtc + lifetime - margin;
        }
    }
}
