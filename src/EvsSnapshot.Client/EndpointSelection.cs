using System;
using System.Net;
using EvsSnapshot.Client.Auth;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// Which URL each call goes to. EVS: -Endpoint, else the region's (§13.1). IAM (project lookup, password tokens,
    /// agencies): -IamEndpoint, else the credential's <c>iam_endpoint</c>, else <c>HUAWEICLOUD_SDK_IAM_ENDPOINT</c>, else
    /// the region's or the global one (§13.2). Federation: the same overrides, else the global IAM, never the region's
    /// (§14.5). The ECS metadata service: -MetadataEndpoint, else <c>EVSSNAPSHOT_METADATA_ENDPOINT</c>, else
    /// http://169.254.169.254.
    /// </summary>
    internal static class EndpointSelection
    {
        public static Uri Evs(EvsClientSettings settings) =>
            EvsClient.CheckEndpoint(settings.Endpoint ?? Regions.EvsEndpoint(settings.Region), "Endpoint");

        public static Uri Iam(EvsClientSettings settings, CredentialSpec credential, Func<string, string?> env) =>
            IamOverride(settings, credential, env) ?? EvsClient.CheckEndpoint(Regions.IamEndpoint(settings.Region), "IamEndpoint");

        public static Uri Federation(EvsClientSettings settings, CredentialSpec credential, Func<string, string?> env) =>
            IamOverride(settings, credential, env) ?? Regions.GlobalIamEndpoint;

        /// <summary>True when the IAM endpoint is given (parameter, credentials file or environment), not derived from the region.</summary>
        public static bool HasIamOverride(EvsClientSettings settings, CredentialSpec credential, Func<string, string?> env) =>
            IamOverride(settings, credential, env) != null;

        private static Uri? IamOverride(EvsClientSettings settings, CredentialSpec credential, Func<string, string?> env)
        {
            if (settings.IamEndpoint != null) return EvsClient.CheckEndpoint(settings.IamEndpoint, "IamEndpoint");
            if (credential.IamEndpoint != null) return credential.IamEndpoint;
            string? fromEnv = EnvironmentCredentialSource.Read(env, EnvironmentCredentialSource.IamEndpoint);
            return fromEnv == null ? null : ParseEndpointSetting(fromEnv, EnvironmentCredentialSource.IamEndpoint);
        }

        public static Uri Metadata(EvsClientSettings settings, Func<string, string?> env)
        {
            if (settings.MetadataEndpoint != null) return CheckMetadataEndpoint(settings.MetadataEndpoint, "MetadataEndpoint");
            string? fromEnv = EnvironmentCredentialSource.Read(env, EcsMetadataCredentialSource.EndpointVariable);
            if (fromEnv == null) return EcsMetadataCredentialSource.DefaultEndpoint;
            return CheckMetadataEndpoint(ToUri(fromEnv, "http://", EcsMetadataCredentialSource.EndpointVariable), EcsMetadataCredentialSource.EndpointVariable);
        }

        /// <summary>An endpoint from a variable or a file: a host name alone means https, as Go's SDK reads it (§13.2).</summary>
        internal static Uri ParseEndpointSetting(string value, string name) => EvsClient.CheckEndpoint(ToUri(value, "https://", name), name);

        private static Uri ToUri(string value, string defaultScheme, string name)
        {
            string text = value.IndexOf("://", StringComparison.Ordinal) >= 0 ? value : defaultScheme + value;
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
                throw new EvsValidationException("InvalidEndpoint", name, $"{name} is not a URL: '{value}'.");
            return uri;
        }

        /// <summary>
        /// The metadata service is on the machine's own link: plain http is accepted for link-local addresses
        /// (169.254.0.0/16, fe80::/10) and this machine (tests, proxies); anything else must be https.
        /// </summary>
        internal static Uri CheckMetadataEndpoint(Uri endpoint, string name)
        {
            if (endpoint.IsAbsoluteUri && endpoint.Scheme == Uri.UriSchemeHttp && IsLinkLocal(endpoint.Host))
            {
                if (!string.IsNullOrEmpty(endpoint.UserInfo) || !string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment))
                    throw new EvsValidationException("InvalidEndpoint", name, $"The {name} URL must not contain credentials, a query or a fragment.", endpoint.GetLeftPart(UriPartial.Authority));
                return endpoint;
            }
            return EvsClient.CheckEndpoint(endpoint, name);
        }

        private static bool IsLinkLocal(string host)
        {
            if (!IPAddress.TryParse(host.Trim('[', ']'), out var address)) return false;
            if (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) return address.IsIPv6LinkLocal;
            var bytes = address.GetAddressBytes();
            return bytes.Length == 4 && bytes[0] == 169 && bytes[1] == 254;
        }
    }
}
