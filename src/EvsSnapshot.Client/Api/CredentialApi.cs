using System;
using System.IO;
using System.Net.Http;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Json;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// The calls that obtain temporary credentials: the ECS metadata service (§14.4), OIDC federation (§14.5) and
    /// IAM agencies (§14.6). Typed requests and answers only; when to call them is the sources' business
    /// (<see cref="EcsMetadataCredentialSource"/>, <see cref="FederationCredentialSource"/>, <see cref="AgencyCredentialSource"/>).
    /// Every secret an answer carries is registered with the redactor before anything can trace it.
    /// </summary>
    internal sealed class CredentialApi
    {
        /// <summary>The SDKs give the metadata service 3 s (§14.4.4).</summary>
        public static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(3);

        /// <summary>The session token lives 6 h, as the SDKs ask (§14.4.1).</summary>
        public const int MetadataTokenTtlSeconds = 21600;

        public CredentialApi(EvsTransport transport)
        {
            Transport = transport;
        }

        internal EvsTransport Transport { get; }

        private DateTime UtcNow => Transport.Time.GetUtcNow().UtcDateTime;

        // ---------------------------------------------------------------- ECS metadata service

        /// <summary><c>PUT /meta-data/latest/api/token</c>; null when the service has no token step (404, 405, 503: IMDSv1).</summary>
        public async Task<string?> GetMetadataTokenAsync(Uri endpoint, CallScope call)
        {
            var request = Metadata(HttpMethod.Put, endpoint, "get a session token from the ECS metadata service", "meta-data", "latest", "api", "token")
                .WithHeader("X-Metadata-Token-Ttl-Seconds", MetadataTokenTtlSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
            try
            {
                return await Transport.SendAsync(request, response =>
                {
                    string token = Encoding.UTF8.GetString(response.Body).Trim();
                    if (token.Length == 0) throw new InvalidDataException("the session token is empty.");
                    Transport.Redactor.Add(token);
                    return ArrivedCredential.Check(token, "metadata session token");
                }, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.StatusCode == 404 || ex.StatusCode == 405 || ex.StatusCode == 503)
            {
                return null;
            }
        }

        /// <summary><c>GET /openstack/latest/securitykey</c>, with the session token when one is held.</summary>
        public Task<AccessKeyCredential> GetMetadataSecurityKeyAsync(Uri endpoint, string? token, CallScope call)
        {
            var request = Metadata(HttpMethod.Get, endpoint, "get the ECS agency credential from the metadata service", "openstack", "latest", "securitykey")
                .WithHeader("X-Metadata-Token", token);
            return Transport.SendAsync(request, ReadCredential, call);
        }

        private static ApiRequest Metadata(HttpMethod method, Uri endpoint, string operation, params string[] segments) =>
            new ApiRequest(method, ApiService.Metadata, segments)
            {
                Endpoint = endpoint,
                Authenticate = false,
                Idempotent = true,
                Timeout = MetadataTimeout,
                SingleAttempt = true, // as the SDKs: a renewal that fails keeps the current key until it expires
                Operation = operation,
            };

        // ---------------------------------------------------------------- OIDC federation

        /// <summary><c>POST {iam}/v3.0/OS-AUTH/id-token/tokens</c>: an unscoped federated token (X-Subject-Token).</summary>
        public Task<string> GetFederatedTokenAsync(Uri iamEndpoint, string idpId, string idToken, CallScope call)
        {
            var request = new ApiRequest(HttpMethod.Post, ApiService.Iam, "v3.0", "OS-AUTH", "id-token", "tokens")
            {
                Endpoint = iamEndpoint,
                Body = Json(w =>
                {
                    w.WriteStartObject("auth");
                    w.WriteStartObject("id_token");
                    w.WriteString("id", idToken);
                    w.WriteEndObject();
                    w.WriteEndObject();
                }),
                Authenticate = false,
                SensitiveBody = true,
                Idempotent = true, // a second token is harmless
                Operation = $"exchange the id token for an IAM token at identity provider '{idpId}'",
            }.WithHeader("X-Idp-Id", idpId);
            return Transport.SendAsync(request, response =>
            {
                string? token = response.Header("X-Subject-Token");
                if (string.IsNullOrEmpty(token)) throw new InvalidDataException("IAM answered without an X-Subject-Token header.");
                Transport.Redactor.Add(token);
                return ArrivedCredential.Check(token!, "X-Subject-Token");
            }, call);
        }

        /// <summary><c>POST {iam}/v3.0/OS-CREDENTIAL/securitytokens</c>, method token: temporary AK/SK for a token's user.</summary>
        public Task<AccessKeyCredential> GetSecurityTokenAsync(Uri iamEndpoint, string token, int durationSeconds, CallScope call)
        {
            var request = new ApiRequest(HttpMethod.Post, ApiService.Iam, "v3.0", "OS-CREDENTIAL", "securitytokens")
            {
                Endpoint = iamEndpoint,
                Body = Json(w =>
                {
                    w.WriteStartObject("auth");
                    w.WriteStartObject("identity");
                    w.WriteStartArray("methods");
                    w.WriteStringValue("token");
                    w.WriteEndArray();
                    w.WriteStartObject("token");
                    w.WriteString("id", token); // in the body, no X-Auth-Token header (§14.5 step 2)
                    w.WriteNumber("duration_seconds", durationSeconds);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }),
                Authenticate = false,
                SensitiveBody = true,
                Idempotent = true, // issuing a second credential is harmless
                Operation = "get temporary access keys for the federated user",
            };
            return Transport.SendAsync(request, ReadCredential, call);
        }

        // ---------------------------------------------------------------- agencies

        /// <summary><c>POST {iam}/v3.0/OS-CREDENTIAL/securitytokens</c>, method assume_role, signed with the caller's credential.</summary>
        public Task<AccessKeyCredential> AssumeRoleAsync(AuthProvider caller, AgencySettings agency, CallScope call)
        {
            var request = new ApiRequest(HttpMethod.Post, ApiService.Iam, "v3.0", "OS-CREDENTIAL", "securitytokens")
            {
                Body = Json(w =>
                {
                    w.WriteStartObject("auth");
                    w.WriteStartObject("identity");
                    w.WriteStartArray("methods");
                    w.WriteStringValue("assume_role");
                    w.WriteEndArray();
                    w.WriteStartObject("assume_role");
                    w.WriteString("agency_name", agency.Name);
                    if (agency.DomainName != null) w.WriteString("domain_name", agency.DomainName);
                    if (agency.DomainId != null) w.WriteString("domain_id", agency.DomainId);
                    w.WriteNumber("duration_seconds", agency.DurationSeconds);
                    if (agency.SessionName != null)
                    {
                        w.WriteStartObject("session_user");
                        w.WriteString("name", agency.SessionName);
                        w.WriteEndObject();
                    }
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndObject();
                }),
                Auth = caller,
                Idempotent = true, // issuing a second credential is harmless
                Operation = $"assume agency '{agency.Name}' of account '{agency.Account}'",
            };
            return Transport.SendAsync(request, ReadCredential, call);
        }

        // ----------------------------------------------------------------

        private AccessKeyCredential ReadCredential(ApiResponse response)
        {
            var pair = TemporaryCredentialJson.Read(response.Body, UtcNow, response.ServerDate);
            Transport.Redactor.Add(pair.SecretKey);
            Transport.Redactor.Add(pair.SecurityToken);
            ArrivedCredential.Check(pair.AccessKey, "access key");
            ArrivedCredential.Check(pair.SecretKey, "secret key");
            if (pair.SecurityToken != null) ArrivedCredential.Check(pair.SecurityToken, "security token");
            return pair;
        }

        private static byte[] Json(Action<Utf8JsonWriter> writeMembers)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    writeMembers(writer);
                    writer.WriteEndObject();
                }
                return buffer.ToArray();
            }
        }
    }
}
