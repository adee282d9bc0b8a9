using System;
using System.Globalization;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// The ECS agency's temporary AK/SK from the instance metadata service, as the SDKs get them (§14.4): the session
    /// token step first (kept 6 h; a service without it answers 404/405/503 and is asked again only after 24 h), then
    /// <c>securitykey</c> with the token; a 401 that is not "no agency" gets a new token and one more try. 3 s per call.
    /// Used only when asked for: unlike the Go SDK's chain it is never probed, because a machine that is not an ECS
    /// would wait for a link-local address that never answers.
    /// </summary>
    internal sealed class EcsMetadataCredentialSource : ITemporaryCredentialSource
    {
        public static readonly Uri DefaultEndpoint = new Uri("http://169.254.169.254");
        public const string EndpointVariable = "EVSSNAPSHOT_METADATA_ENDPOINT";
        internal const string NoAgencyText = "Please configure Cloud Service Agency first";
        private static readonly TimeSpan TokenStepRetryInterval = TimeSpan.FromHours(24);

        private readonly CredentialApi _api;
        private readonly Uri _endpoint;
        private string? _token;            // only touched by one fetch at a time (the refresher's single flight)
        private DateTime _tokenExpiresUtc;
        private DateTime? _tokenStepTriedUtc;

        public EcsMetadataCredentialSource(CredentialApi api, Uri endpoint)
        {
            _api = api;
            _endpoint = endpoint;
        }

        public Uri Endpoint => _endpoint;
        public string Name => "the ECS agency credential";
        public string Origin => "from the ECS metadata service";

        private DateTime UtcNow => _api.Transport.Time.GetUtcNow().UtcDateTime;

        public async Task<AccessKeyCredential> FetchAsync(CallScope call)
        {
            try
            {
                if (NeedsTokenStep()) await TokenStepAsync(call).ConfigureAwait(false);
                try
                {
                    return await _api.GetMetadataSecurityKeyAsync(_endpoint, _token, call).ConfigureAwait(false);
                }
                catch (EvsApiException ex) when (ex.StatusCode == 401 && !SaysNoAgency(ex))
                {
                    // The token is unknown or expired, or the service now wants one: a new token, then once more (§14.4.2).
                    call.Trace.Verbose("The ECS metadata service refused the session token; getting a new one.");
                    _token = null;
                    await TokenStepAsync(call).ConfigureAwait(false);
                    return await _api.GetMetadataSecurityKeyAsync(_endpoint, _token, call).ConfigureAwait(false);
                }
            }
            catch (EvsApiException ex)
            {
                throw Refused(ex);
            }
            catch (EvsTransportException ex)
            {
                throw Unreachable(ex);
            }
        }

        private bool NeedsTokenStep()
        {
            if (_token != null) return UtcNow >= _tokenExpiresUtc;
            return _tokenStepTriedUtc == null || UtcNow - _tokenStepTriedUtc.Value >= TokenStepRetryInterval;
        }

        private async Task TokenStepAsync(CallScope call)
        {
            var now = UtcNow;
            _tokenStepTriedUtc = now;
            _token = await _api.GetMetadataTokenAsync(_endpoint, call).ConfigureAwait(false);
            // A minute short of its TTL, so a token is never sent in its last seconds.
            _tokenExpiresUtc = now + TimeSpan.FromSeconds(CredentialApi.MetadataTokenTtlSeconds) - TimeSpan.FromMinutes(1);
            if (_token == null) call.Trace.Verbose("The ECS metadata service has no session-token step; asking for the credential without one.");
        }

        private static bool SaysNoAgency(EvsApiException ex) =>
            ex.ApiMessage != null && ex.ApiMessage.IndexOf(NoAgencyText, StringComparison.OrdinalIgnoreCase) >= 0;

        private EvsException Refused(EvsApiException ex)
        {
            string where = _endpoint.GetLeftPart(UriPartial.Authority);
            if (ex.StatusCode == 401 && SaysNoAgency(ex))
            {
                return new EvsException(EvsErrorKind.Authentication, "EcsAgencyNotAttached",
                    $"The ECS metadata service at {where} has no agency credential for this server: {ex.ApiMessage} (HTTP 401).", ex)
                { Target = where }.Advise(EvsAdvice.AttachEcsAgency);
            }
            return new EvsException(ex.Kind, "MetadataServiceError", string.Format(CultureInfo.InvariantCulture,
                "The ECS metadata service at {0} refused to {1}: HTTP {2} {3}", where, OperationOf(ex), ex.StatusCode, ex.ApiMessage ?? string.Empty).TrimEnd() + ".", ex)
            { Target = where }.Advise(EvsAdvice.CheckMetadataService, ("MetadataEndpoint", where));
        }

        private EvsException Unreachable(EvsTransportException ex)
        {
            string where = _endpoint.GetLeftPart(UriPartial.Authority);
            string what = ex.ErrorId == "RequestTimeout"
                ? string.Format(CultureInfo.InvariantCulture, "did not answer within {0:0} s", CredentialApi.MetadataTimeout.TotalSeconds)
                : ex.ErrorId == "MalformedResponse" ? "sent an answer that is not a credential"
                : ex.ErrorId == "UnusableCredential" ? "sent a credential that cannot go into a request header" : "could not be reached";
            string cause = ex.ErrorId == "RequestTimeout" ? string.Empty : " (" + Detail(ex.Message) + ")";
            return new EvsException(ex.Kind, ex.ErrorId == "MalformedResponse" ? "MetadataServiceError" : ex.ErrorId == "UnusableCredential" ? ex.ErrorId : "MetadataServiceUnavailable",
                $"The ECS metadata service at {where} {what}{cause}.", ex)
            { Target = where }.Advise(EvsAdvice.CheckMetadataService, ("MetadataEndpoint", where));
        }

        private static string OperationOf(EvsApiException ex) => ex.Path.EndsWith("/token", StringComparison.Ordinal) ? "issue a session token" : "hand out the credential";

        /// <summary>The part of a transport message after "Could not ...: ".</summary>
        private static string Detail(string message)
        {
            int colon = message.IndexOf(": ", StringComparison.Ordinal);
            return (colon > 0 ? message.Substring(colon + 2) : message).TrimEnd('.');
        }
    }
}
