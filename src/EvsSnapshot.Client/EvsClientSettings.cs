using System;
using System.Net.Http;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Http.Pacing;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// What a client is built from: region, project, endpoints, credentials, retry settings. Secrets are plain
    /// strings only for the moment of connecting. With no credential set, the credential chain decides
    /// (<see cref="CredentialResolver"/>).
    /// </summary>
    public sealed class EvsClientSettings
    {
        public string Region { get; set; } = string.Empty;
        public string? ProjectId { get; set; }
        public Uri? Endpoint { get; set; }
        public Uri? IamEndpoint { get; set; }

        /// <summary>An explicit AK/SK, token or password credential; null for the other sources or the chain.</summary>
        public EvsAuthType? AuthType { get; set; }
        public string? AccessKey { get; set; }
        public string? SecretKey { get; set; }
        public string? SecurityToken { get; set; }
        public string? Token { get; set; }
        public string? UserName { get; set; }
        public string? DomainName { get; set; }
        public string? Password { get; set; }

        /// <summary>Temporary AK/SK of the ECS's agency, from the metadata service (never probed unless set).</summary>
        public bool EcsAgency { get; set; }

        /// <summary>The metadata service instead of EVSSNAPSHOT_METADATA_ENDPOINT or http://169.254.169.254.</summary>
        public Uri? MetadataEndpoint { get; set; }

        /// <summary>OIDC federation: the identity provider and the file holding the id token (read at every renewal).</summary>
        public string? IdpId { get; set; }
        public string? IdTokenFile { get; set; }

        /// <summary>An SDK credentials file to read instead of the chain.</summary>
        public string? CredentialsFile { get; set; }

        /// <summary>Act through this IAM agency, assumed with the credential the rest of the settings give.</summary>
        public AgencySettings? Agency { get; set; }

        public bool SkipCertificateCheck { get; set; }

        /// <summary>An explicit forward proxy; null uses the system proxy (see about_EvsSnapshot).</summary>
        public Uri? Proxy { get; set; }

        /// <summary>Credentials for <see cref="Proxy"/> (a secret: only ever sent to the proxy, by the HTTP handler).</summary>
        public System.Net.NetworkCredential? ProxyCredential { get; set; }
        public RetryOptions Retry { get; set; } = new RetryOptions();

        /// <summary>Requests per second this client never exceeds, all calls together (null: no cap; the pacer still adapts to throttling).</summary>
        public double? MaxRequestRate { get; set; }

        /// <summary>Test seam: an HTTP handler to use instead of the network.</summary>
        public HttpMessageHandler? Handler { get; set; }

        /// <summary>Test seam: the clock for backoff, timeouts, token renewal and signing (the system clock by default).</summary>
        internal TimeProvider? TimeProvider { get; set; }

        /// <summary>Test seam: environment variables (the process's by default).</summary>
        internal Func<string, string?>? Environment { get; set; }

        /// <summary>Test seam: the pacers to share (the process-wide ones by default; private ones with a fake clock).</summary>
        internal PacerRegistry? Pacers { get; set; }
    }
}
