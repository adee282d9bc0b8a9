using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Signing;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>SDK-HMAC-SHA256 signing with a permanent or temporary AK/SK (../shared/evs-api.md §6.2).</summary>
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

        public override string CredentialDescription =>
            (_securityToken != null ? "temporary access key '" : "access key '") + _accessKey + "'";

        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckAccessKeys;

        public override Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            var signing = new SigningRequest(message.Method.Method, target.HostHeader, target.LogicalPath) { Body = body };
            foreach (var pair in target.Query) signing.Query.Add(pair);

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

        public override Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallScope call)
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
    }
}
