using System;

namespace EvsSnapshot.Client.Auth
{
    internal enum CredentialKind
    {
        AccessKey,
        Token,
        Password,
        Federation,
        EcsAgency,
    }

    /// <summary>
    /// A credential as it was found (parameters, environment, credentials file): what it is and where it came
    /// from, before any request. Holds secrets only until the auth provider is built from it.
    /// </summary>
    internal sealed class CredentialSpec
    {
        private CredentialSpec(CredentialKind kind, string source)
        {
            Kind = kind;
            Source = source;
        }

        public CredentialKind Kind { get; }

        /// <summary>Where it came from, as the context shows it: <c>Parameter</c>, <c>Environment (HUAWEICLOUD_SDK_AK)</c>...</summary>
        public string Source { get; private set; }

        public string? AccessKey { get; private set; }
        public string? SecretKey { get; private set; }
        public string? SecurityToken { get; private set; }
        public string? Token { get; private set; }
        public string? UserName { get; private set; }
        public string? DomainName { get; private set; }
        public string? Password { get; private set; }
        public string? IdpId { get; private set; }
        public string? IdTokenFile { get; private set; }
        public Uri? MetadataEndpoint { get; private set; }

        /// <summary>The project id found with the credential (HUAWEICLOUD_SDK_PROJECT_ID, <c>project_id</c>).</summary>
        public string? ProjectId { get; set; }

        /// <summary>The credential's own IAM endpoint (<c>iam_endpoint</c> of a credentials file, §13.2 step 1).</summary>
        public Uri? IamEndpoint { get; set; }

        /// <summary>Names of the settings the secrets came from, so a bad value is reported by its name.</summary>
        public string AccessKeyName { get; private set; } = "AccessKey";
        public string SecretKeyName { get; private set; } = "SecretKey";
        public string SecurityTokenName { get; private set; } = "SecurityToken";

        public static CredentialSpec ForAccessKey(string source, string? accessKey, string? secretKey, string? securityToken,
            string accessKeyName = "AccessKey", string secretKeyName = "SecretKey", string securityTokenName = "SecurityToken") =>
            new CredentialSpec(CredentialKind.AccessKey, source)
            {
                AccessKey = accessKey,
                SecretKey = secretKey,
                SecurityToken = securityToken,
                AccessKeyName = accessKeyName,
                SecretKeyName = secretKeyName,
                SecurityTokenName = securityTokenName,
            };

        public static CredentialSpec ForToken(string source, string? token) => new CredentialSpec(CredentialKind.Token, source) { Token = token };

        public static CredentialSpec ForPassword(string source, string? userName, string? domainName, string? password) =>
            new CredentialSpec(CredentialKind.Password, source) { UserName = userName, DomainName = domainName, Password = password };

        /// <summary>Federation, shown as <c>Federation (idp X)</c>, followed by where its settings came from when not from parameters.</summary>
        public static CredentialSpec ForFederation(string? from, string idpId, string idTokenFile) =>
            new CredentialSpec(CredentialKind.Federation, "Federation (idp " + idpId + ")" + (from == null ? string.Empty : " from " + from))
            {
                IdpId = idpId,
                IdTokenFile = idTokenFile,
            };

        public static CredentialSpec ForEcsAgency(Uri metadataEndpoint) =>
            new CredentialSpec(CredentialKind.EcsAgency, "EcsAgency") { MetadataEndpoint = metadataEndpoint };

        /// <summary>The source an agency adds on top of this credential: <c>Agency (name@account) from ...</c>.</summary>
        public string ThroughAgency(AgencySettings agency) => "Agency (" + agency + ") from " + Source;
    }
}
