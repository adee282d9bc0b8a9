using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Signing;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>Where a request goes, as the auth provider needs to see it.</summary>
    internal sealed class RequestTarget
    {
        public RequestTarget(Uri uri, string logicalPath, ApiService service)
        {
            Uri = uri;
            LogicalPath = logicalPath;
            Service = service;
        }

        public Uri Uri { get; }
        public string LogicalPath { get; }
        public ApiService Service { get; }

        /// <summary>Host header value as HttpClient sends it: the port only when it is not the scheme's default.</summary>
        public string HostHeader => Uri.IsDefaultPort ? Uri.Host : Uri.Host + ":" + Uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Adds credentials to requests and recovers from the 401s that can be recovered from.</summary>
    internal abstract class AuthProvider
    {
        /// <summary>AkSk, Token or Password.</summary>
        public abstract string Kind { get; }

        /// <summary>Names the credential for error messages without revealing it.</summary>
        public abstract string CredentialDescription { get; }

        public abstract Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallOptions call);

        /// <summary>Called once per request on a 401; true means "fixed, send it again".</summary>
        public virtual Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallOptions call) =>
            Task.FromResult(false);

        protected static bool MessageContains(EvsApiException error, string text) =>
            error.ApiMessage != null && error.ApiMessage.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>SDK-HMAC-SHA256 signing with a permanent or temporary AK/SK (evs-api.md §6.2).</summary>
    internal sealed class AkSkAuthProvider : AuthProvider
    {
        private readonly string _accessKey;
        private readonly string _secretKey;
        private readonly string? _securityToken;
        private readonly Func<string?> _projectId;

        public AkSkAuthProvider(string accessKey, string secretKey, string? securityToken, SigningClock clock, Func<string?> projectId)
        {
            _accessKey = accessKey;
            _secretKey = secretKey;
            _securityToken = securityToken;
            Clock = clock;
            _projectId = projectId;
        }

        public SigningClock Clock { get; }
        public string AccessKey => _accessKey;
        public override string Kind => "AkSk";

        public override string CredentialDescription =>
            (_securityToken != null ? "temporary access key '" : "access key '") + _accessKey + "'";

        public override Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallOptions call)
        {
            var signing = new SigningRequest(message.Method.Method, target.HostHeader, target.LogicalPath) { Body = body };
            foreach (var pair in ParseQuery(target.Uri)) signing.Query.Add(pair);

            string sdkDate = AkSkSigner.FormatSdkDate(Clock.UtcNow);
            AddSigned(message, signing, AkSkSigner.DateHeader, sdkDate);
            string? projectId = target.Service == ApiService.Evs ? _projectId() : null;
            if (projectId != null) AddSigned(message, signing, "X-Project-Id", projectId);
            if (_securityToken != null) AddSigned(message, signing, "X-Security-Token", _securityToken);
            if (message.Content?.Headers.ContentType != null)
            {
                signing.Headers.Add(new KeyValuePair<string, string>("Content-Type", message.Content.Headers.ContentType.ToString()));
            }

            message.Headers.TryAddWithoutValidation("Authorization", AkSkSigner.Sign(signing, _accessKey, _secretKey));
            return Task.CompletedTask;
        }

        public override Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallOptions call)
        {
            if (!MessageContains(error, "signature expired")) return Task.FromResult(false);
            var serverDate = response.ServerDate;
            if (serverDate == null)
            {
                call.Trace.Verbose("The gateway reports an expired signature but sent no Date header, so the clock cannot be corrected.");
                return Task.FromResult(false);
            }
            if (!Clock.TryCorrect(serverDate.Value, out var offset)) return Task.FromResult(false);
            call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture,
                "Clock skew detected: the API gateway's time is {0:u}, this machine is {1} {2:0} s. Signing with the corrected time for the rest of this session.",
                serverDate.Value.UtcDateTime, offset < TimeSpan.Zero ? "ahead by" : "behind by", Math.Abs(offset.TotalSeconds)));
            return Task.FromResult(true);
        }

        private static void AddSigned(HttpRequestMessage message, SigningRequest signing, string name, string value)
        {
            message.Headers.TryAddWithoutValidation(name, value);
            signing.Headers.Add(new KeyValuePair<string, string>(name, value));
        }

        private static IEnumerable<KeyValuePair<string, string>> ParseQuery(Uri uri)
        {
            string query = uri.Query;
            if (query.Length <= 1) yield break;
            foreach (var part in query.Substring(1).Split('&'))
            {
                if (part.Length == 0) continue;
                int eq = part.IndexOf('=');
                string name = eq < 0 ? part : part.Substring(0, eq);
                string value = eq < 0 ? string.Empty : part.Substring(eq + 1);
                yield return new KeyValuePair<string, string>(Uri.UnescapeDataString(name), Uri.UnescapeDataString(value));
            }
        }
    }

    /// <summary>An existing X-Auth-Token given by the user; it cannot be renewed.</summary>
    internal sealed class StaticTokenAuthProvider : AuthProvider
    {
        private readonly string _token;

        public StaticTokenAuthProvider(string token) { _token = token; }

        public override string Kind => "Token";
        public override string CredentialDescription => "the token passed with -Token";

        public override Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallOptions call)
        {
            message.Headers.TryAddWithoutValidation("X-Auth-Token", _token);
            return Task.CompletedTask;
        }
    }

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
    /// when the gateway says it expired anyway.
    /// </summary>
    internal sealed class PasswordAuthProvider : AuthProvider
    {
        private readonly string _userName;
        private readonly string _domainName;
        private readonly Func<CallOptions, Task<IamToken>> _fetchToken;
        private readonly SemaphoreSlim _refreshLock = new SemaphoreSlim(1, 1);
        private IamToken? _token;

        public PasswordAuthProvider(string userName, string domainName, Func<CallOptions, Task<IamToken>> fetchToken)
        {
            _userName = userName;
            _domainName = domainName;
            _fetchToken = fetchToken;
        }

        public override string Kind => "Password";
        public override string CredentialDescription => "IAM user '" + _userName + "' of account '" + _domainName + "'";
        public IamToken? CurrentToken => _token;

        public async Task<IamToken> GetTokenAsync(CallOptions call, IamToken? stale = null)
        {
            var token = _token;
            if (token != null && token != stale && DateTime.UtcNow < token.RefreshAtUtc) return token;
            await _refreshLock.WaitAsync(call.CancellationToken).ConfigureAwait(false);
            try
            {
                token = _token;
                if (token != null && token != stale && DateTime.UtcNow < token.RefreshAtUtc) return token; // renewed by another request meanwhile
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

        public override async Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallOptions call)
        {
            var token = await GetTokenAsync(call).ConfigureAwait(false);
            message.Headers.TryAddWithoutValidation("X-Auth-Token", token.Value);
        }

        public override async Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallOptions call)
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
