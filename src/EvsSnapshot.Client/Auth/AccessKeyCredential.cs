using System;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>A credential that is renewed before it expires: temporary AK/SK and IAM tokens.</summary>
    internal interface IExpiringCredential
    {
        /// <summary>From then on, a request first renews it (on this machine's clock, UTC).</summary>
        DateTime RefreshAtUtc { get; }

        /// <summary>No request is signed with it from then on (on this machine's clock, UTC).</summary>
        DateTime ExpiresAtUtc { get; }
    }

    /// <summary>An AK/SK pair, permanent or temporary (with its security token and expiry).</summary>
    internal sealed class AccessKeyCredential : IExpiringCredential
    {
        public AccessKeyCredential(string accessKey, string secretKey, string? securityToken, DateTime refreshAtUtc, DateTime expiresAtUtc)
        {
            AccessKey = accessKey;
            SecretKey = secretKey;
            SecurityToken = securityToken;
            RefreshAtUtc = refreshAtUtc;
            ExpiresAtUtc = expiresAtUtc;
        }

        /// <summary>A pair whose expiry the module does not know (given by the user): never renewed.</summary>
        public static AccessKeyCredential Fixed(string accessKey, string secretKey, string? securityToken) =>
            new AccessKeyCredential(accessKey, secretKey, securityToken, DateTime.MaxValue, DateTime.MaxValue);

        public string AccessKey { get; }
        public string SecretKey { get; }
        public string? SecurityToken { get; }
        public DateTime RefreshAtUtc { get; }
        public DateTime ExpiresAtUtc { get; }

        public bool HasKnownExpiry => ExpiresAtUtc != DateTime.MaxValue;

        /// <summary>Never the secret parts.</summary>
        public override string ToString() => (SecurityToken != null ? "temporary access key " : "access key ") + AccessKey;
    }
}
