using System;
using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>A token obtained from IAM.</summary>
    internal sealed class IamToken : IExpiringCredential
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

        public override string ToString() => "IAM token";
    }

    /// <summary>
    /// IAM password authentication: a project-scoped token kept in memory, renewed before it expires and once
    /// when the gateway says it expired anyway (<see cref="CredentialRefresher{T}"/>: one renewal at a time,
    /// requests waiting for it use the new token).
    /// </summary>
    internal sealed class PasswordAuthProvider : AuthProvider
    {
        private readonly string _userName;
        private readonly string _domainName;
        private readonly CredentialRefresher<IamToken> _tokens;

        public PasswordAuthProvider(string userName, string domainName, Func<CallScope, Task<IamToken>> fetchToken, TimeProvider? time = null)
        {
            _userName = userName;
            _domainName = domainName;
            _tokens = new CredentialRefresher<IamToken>(fetchToken, time ?? TimeProvider.System, "the IAM token");
        }

        public override string CredentialDescription => "IAM user '" + _userName + "' of account '" + _domainName + "'";
        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckPassword;
        public override string CredentialKey => "user:" + _domainName + "/" + _userName;
        public override DateTime? ExpiresAtUtc => CurrentToken?.ExpiresAtUtc;
        public IamToken? CurrentToken => _tokens.Current;

        public Task<IamToken> GetTokenAsync(CallScope call) => _tokens.GetAsync(call);

        public override Task PrepareAsync(CallScope call) => GetTokenAsync(call);

        public override async Task<AppliedCredential> ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            var token = await GetTokenAsync(call).ConfigureAwait(false);
            message.Headers.TryAddWithoutValidation("X-Auth-Token", token.Value);
            return new AppliedCredential(CredentialKey, token);
        }

        public override async Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, AppliedCredential? used, CallScope call)
        {
            if (!MessageContains(error, "token expires") && !MessageContains(error, "decrypt token fail")) return false;
            if (!(used?.Credential is IamToken stale)) return false;
            await _tokens.ReplaceAsync(stale, call).ConfigureAwait(false);
            return true;
        }
    }
}
