using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Signing;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// SDK-HMAC-SHA256 signing (../shared/evs-api.md §6.2) with the pair its source holds now: fixed, or temporary
    /// and renewed. Each attempt is signed with the pair of that moment, so a request sent again after a renewal
    /// carries the new key.
    /// </summary>
    internal sealed class AkSkAuthProvider : AuthProvider
    {
        private readonly IAccessKeySource _keys;
        private readonly Func<string?> _projectId;

        public AkSkAuthProvider(IAccessKeySource keys, SigningClock clock, Func<string?> projectId)
        {
            _keys = keys;
            Clock = clock;
            _projectId = projectId;
        }

        public AkSkAuthProvider(string accessKey, string secretKey, string? securityToken, SigningClock clock, Func<string?> projectId)
            : this(new FixedAccessKey(AccessKeyCredential.Fixed(accessKey, secretKey, securityToken)), clock, projectId)
        {
        }

        public SigningClock Clock { get; }

        internal IAccessKeySource Keys => _keys;

        /// <summary>The access key id in use now (an identifier, not a secret).</summary>
        public string? AccessKey => _keys.Current?.AccessKey;

        public bool UsesSecurityToken => _keys.Current?.SecurityToken != null || _keys is RenewableAccessKey;

        public override string CredentialKey => _keys.Current?.AccessKey ?? string.Empty;

        public override DateTime? ExpiresAtUtc => _keys.Current is AccessKeyCredential c && c.HasKnownExpiry ? c.ExpiresAtUtc : (DateTime?)null;

        public override string CredentialDescription
        {
            get
            {
                var current = _keys.Current;
                if (current == null) return "a temporary access key " + _keys.Origin;
                string text = (current.SecurityToken != null ? "temporary access key '" : "access key '") + current.AccessKey + "'";
                return _keys.Origin.Length == 0 ? text : text + " " + _keys.Origin;
            }
        }

        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckAccessKeys;

        public override Task PrepareAsync(CallScope call) => _keys.GetAsync(call);

        public override async Task<AppliedCredential> ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            var pair = await _keys.GetAsync(call).ConfigureAwait(false);
            var signing = new SigningRequest(message.Method.Method, target.HostHeader, target.LogicalPath) { Body = body };
            foreach (var pairOfQuery in target.Query) signing.Query.Add(pairOfQuery);

            string sdkDate = AkSkSigner.FormatSdkDate(Clock.UtcNow);
            AddSigned(message, signing, AkSkSigner.DateHeader, sdkDate);
            string? projectId = target.Service == ApiService.Evs ? _projectId() : null;
            if (projectId != null) AddSigned(message, signing, "X-Project-Id", projectId);
            if (pair.SecurityToken != null) AddSigned(message, signing, "X-Security-Token", pair.SecurityToken);
            if (message.Content?.Headers.ContentType != null)
            {
                signing.Headers.Add(new KeyValuePair<string, string>("Content-Type", message.Content.Headers.ContentType.ToString()));
            }

            message.Headers.TryAddWithoutValidation("Authorization", AkSkSigner.Sign(signing, pair.AccessKey, pair.SecretKey));
            return new AppliedCredential(pair.AccessKey, pair);
        }

        public override async Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, AppliedCredential? used, CallScope call)
        {
            if (MessageContains(error, "signature expired")) return CorrectClock(response, call);
            if (used?.Credential is AccessKeyCredential pair && pair.SecurityToken != null && SaysTemporaryKeyGone(error.ApiMessage))
            {
                return await _keys.ReplaceAsync(pair, call).ConfigureAwait(false);
            }
            return false;
        }

        /// <summary>
        /// Whether a 401 says a temporary key is expired or no longer known. Not confirmed (§14): the gateway's words
        /// for an expired temporary key are not documented, so any "expired"/"expires" (other than a signature's) or
        /// "not exist" counts. A renewable source then renews once; a second 401 is final, so a wrong guess cannot loop.
        /// </summary>
        internal static bool SaysTemporaryKeyGone(string? apiMessage)
        {
            if (string.IsNullOrEmpty(apiMessage)) return false;
            if (Contains(apiMessage!, "signature expired")) return false;
            return Contains(apiMessage!, "expired") || Contains(apiMessage!, "expires") || Contains(apiMessage!, "not exist");
        }

        private bool CorrectClock(ApiResponse response, CallScope call)
        {
            var serverDate = response.ServerDate;
            if (serverDate == null)
            {
                call.Trace.Verbose("The gateway reports an expired signature but sent no Date header, so the clock cannot be corrected.");
                return false;
            }
            if (!Clock.TryCorrect(serverDate.Value, out var offset)) return false;
            call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture,
                "Clock skew detected: the API gateway's time is {0:u}, this machine is {1} {2:0} s. Signing with the corrected time for the rest of this session.",
                serverDate.Value.UtcDateTime, offset < TimeSpan.Zero ? "ahead by" : "behind by", Math.Abs(offset.TotalSeconds)));
            return true;
        }

        private static bool Contains(string text, string part) => text.IndexOf(part, StringComparison.OrdinalIgnoreCase) >= 0;

        private static void AddSigned(HttpRequestMessage message, SigningRequest signing, string name, string value)
        {
            message.Headers.TryAddWithoutValidation(name, value);
            signing.Headers.Add(new KeyValuePair<string, string>(name, value));
        }
    }
}
