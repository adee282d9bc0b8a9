using System;
using System.Net.Http;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client
{
    /// <summary>What a client is built from: region, project, endpoints, credentials, retry settings. Secrets are plain strings only for the moment of connecting.</summary>
    public sealed class EvsClientSettings
    {
        public string Region { get; set; } = string.Empty;
        public string? ProjectId { get; set; }
        public Uri? Endpoint { get; set; }
        public Uri? IamEndpoint { get; set; }
        public EvsAuthType AuthType { get; set; }
        public string? AccessKey { get; set; }
        public string? SecretKey { get; set; }
        public string? SecurityToken { get; set; }
        public string? Token { get; set; }
        public string? UserName { get; set; }
        public string? DomainName { get; set; }
        public string? Password { get; set; }
        public bool SkipCertificateCheck { get; set; }

        /// <summary>An explicit forward proxy; null uses the system proxy (see about_EvsSnapshot).</summary>
        public Uri? Proxy { get; set; }

        /// <summary>Credentials for <see cref="Proxy"/> (a secret: only ever sent to the proxy, by the HTTP handler).</summary>
        public System.Net.NetworkCredential? ProxyCredential { get; set; }
        public RetryOptions Retry { get; set; } = new RetryOptions();

        /// <summary>Test seam: an HTTP handler to use instead of the network.</summary>
        public HttpMessageHandler? Handler { get; set; }

        /// <summary>Test seam: the clock for backoff, timeouts, token renewal and signing (the system clock by default).</summary>
        internal TimeProvider? TimeProvider { get; set; }
    }
}
