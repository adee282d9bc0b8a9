using System;
using EvsSnapshot.Client;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Commands;

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
        internal EvsContext(EvsClient client)
        {
            Client = client;
        }

        /// <summary>The engine behind this context.</summary>
        internal EvsClient Client { get; }

        internal EvsApi Api => Client.Api;

        internal SnapshotOperations Snapshots => Client.Snapshots;
        internal VolumeOperations Volumes => Client.Volumes;

        /// <summary>Answers for argument completion, kept for a short while per context.</summary>
        internal CompletionCache Completions => _completions ??= new CompletionCache(Client.Api);

        private CompletionCache? _completions;

        public string Region => Client.Region;
        public string ProjectId => Client.ProjectId;
        public Uri Endpoint => Client.Endpoint;
        public Uri IamEndpoint => Client.IamEndpoint;
        public EvsAuthType AuthType => Client.AuthType;

        /// <summary>Where the credential came from: Parameter, Environment (HUAWEICLOUD_SDK_AK), CredentialsFile (...), EcsAgency, Federation (idp ...), Agency (name@account) from ...</summary>
        public string CredentialSource => Client.CredentialSource;

        /// <summary>When the credential in use expires (temporary AK/SK and tokens the module renews), UTC; null for credentials without a known expiry.</summary>
        public DateTime? CredentialExpiresAt => Client.CredentialExpiresAt;

        /// <summary>The access key id in use now (an identifier, not a secret; renewed temporary keys change); null for token and password auth.</summary>
        public string? AccessKey => Client.AccessKey;

        /// <summary>True when temporary AK/SK with an X-Security-Token are used.</summary>
        public bool UsesSecurityToken => Client.UsesSecurityToken;

        public string? UserName => Client.UserName;
        public string? DomainName => Client.DomainName;
        public bool SkipCertificateCheck => Client.SkipCertificateCheck;

        /// <summary>The explicit proxy from Connect-EvsProject -Proxy; null when the system proxy is used.</summary>
        public Uri? Proxy => Client.Proxy;

        /// <summary>Who this context acts as: the access key, user@account, or "(token)". Never a secret.</summary>
        public string Identity => AccessKey ?? (UserName != null ? UserName + "@" + DomainName : "(token)");
        public int MaximumRetryCount => Client.MaximumRetryCount;
        public TimeSpan MaximumRetryWait => Client.MaximumRetryWait;
        public TimeSpan RequestTimeout => Client.RequestTimeout;

        /// <summary>Requests per second this context never exceeds (Connect-EvsProject -MaxRequestRate), or null.</summary>
        public double? MaxRequestRate => Client.MaxRequestRate;

        /// <summary>
        /// The rates the pacer sends this credential's write and read calls at, learned from the gateway's throttling
        /// (unpaced until then). Shared by every context on the same credential and endpoint in this process.
        /// </summary>
        public RequestRate[] RequestRates => Client.RequestRates;

        /// <summary>Correction applied to the signing time after the gateway reported clock skew (zero normally).</summary>
        public TimeSpan ClockOffset => Client.ClockOffset;

        /// <summary>When the current IAM token expires (password auth only), UTC.</summary>
        public DateTime? TokenExpiresAt => Client.TokenExpiresAt;

        /// <summary>UTC.</summary>
        public DateTime ConnectedAt => Client.ConnectedAt;

        /// <summary>HTTP requests sent through this context, every attempt counted.</summary>
        public long RequestCount => Client.RequestCount;

        public override string ToString() => Client.ToString();

        /// <summary>Closes the HTTP connections (Remove-Module); the context cannot be used afterwards.</summary>
        internal void Dispose() => Client.Dispose();
    }
}
