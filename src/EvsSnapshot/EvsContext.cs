using System;
using EvsSnapshot.Client;

namespace EvsSnapshot
{
    /// <summary>
    /// A connection to one project in one region, as Connect-EvsProject returns it: endpoints, identity and retry
    /// settings. Credentials are held privately by the engine and never shown. Pass it to any cmdlet with -Context.
    /// </summary>
    /// <remarks>
    /// Lives in the cmdlet assembly (PowerShell's default load context) so [EvsSnapshot.EvsContext] resolves in
    /// scripts, while the engine it wraps may live in the module's own load context.
    /// </remarks>
    public sealed class EvsContext
    {
        internal EvsContext(EvsConnection connection)
        {
            Connection = connection;
        }

        internal EvsConnection Connection { get; }

        internal EvsApi Api => Connection.Api;

        public string Region => Connection.Region;
        public string ProjectId => Connection.ProjectId;
        public Uri Endpoint => Connection.Endpoint;
        public Uri IamEndpoint => Connection.IamEndpoint;
        public EvsAuthType AuthType => Connection.AuthType;

        /// <summary>The access key id (an identifier, not a secret); null for token and password auth.</summary>
        public string? AccessKey => Connection.AccessKey;

        /// <summary>True when temporary AK/SK with an X-Security-Token are used.</summary>
        public bool UsesSecurityToken => Connection.UsesSecurityToken;

        public string? UserName => Connection.UserName;
        public string? DomainName => Connection.DomainName;
        public bool SkipCertificateCheck => Connection.SkipCertificateCheck;
        public int MaximumRetryCount => Connection.MaximumRetryCount;
        public TimeSpan MaximumRetryWait => Connection.MaximumRetryWait;
        public TimeSpan RequestTimeout => Connection.RequestTimeout;

        /// <summary>Correction applied to the signing time after the gateway reported clock skew (zero normally).</summary>
        public TimeSpan ClockOffset => Connection.ClockOffset;

        /// <summary>When the current IAM token expires (password auth only), UTC.</summary>
        public DateTime? TokenExpiresAt => Connection.TokenExpiresAt;

        /// <summary>UTC.</summary>
        public DateTime ConnectedAt => Connection.ConnectedAt;

        /// <summary>HTTP requests sent through this context, every attempt counted.</summary>
        public long RequestCount => Connection.RequestCount;

        public override string ToString() => Connection.ToString();
    }
}
