using System;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// Credentials from environment variables (§14.1): the SDKs' official names first, where an identity provider
    /// with an id token file wins over AK/SK as in the SDKs; then the <c>CLOUD_SDK_*</c> names of Huawei's sample code.
    /// Values are trimmed (a secret never starts or ends with whitespace; a trailing newline is a copy-paste slip).
    /// </summary>
    internal static class EnvironmentCredentialSource
    {
        public const string AccessKey = "HUAWEICLOUD_SDK_AK";
        public const string SecretKey = "HUAWEICLOUD_SDK_SK";
        public const string SecurityToken = "HUAWEICLOUD_SDK_SECURITY_TOKEN";
        public const string ProjectId = "HUAWEICLOUD_SDK_PROJECT_ID";
        public const string IdpId = "HUAWEICLOUD_SDK_IDP_ID";
        public const string IdTokenFile = "HUAWEICLOUD_SDK_ID_TOKEN_FILE";
        public const string IamEndpoint = "HUAWEICLOUD_SDK_IAM_ENDPOINT";
        public const string SampleAccessKey = "CLOUD_SDK_AK";
        public const string SampleSecretKey = "CLOUD_SDK_SK";
        public const string SampleSecurityToken = "CLOUD_SDK_SECURITY_TOKEN";

        /// <summary>The official names: federation, else AK/SK; null (with the reason in the trail) when neither pair is set.</summary>
        public static CredentialSpec? TryReadOfficial(Func<string, string?> env, CredentialTrail trail)
        {
            var spec = Federation(env, trail) ?? Pair(env, trail, AccessKey, SecretKey, SecurityToken);
            if (spec != null) spec.ProjectId = Read(env, ProjectId);
            return spec;
        }

        /// <summary>The sample code's <c>CLOUD_SDK_AK</c> / <c>CLOUD_SDK_SK</c> / <c>CLOUD_SDK_SECURITY_TOKEN</c>.</summary>
        public static CredentialSpec? TryReadSample(Func<string, string?> env, CredentialTrail trail) =>
            Pair(env, trail, SampleAccessKey, SampleSecretKey, SampleSecurityToken);

        private static CredentialSpec? Federation(Func<string, string?> env, CredentialTrail trail)
        {
            string? idp = Read(env, IdpId), file = Read(env, IdTokenFile);
            string place = "environment " + IdpId + " + " + IdTokenFile;
            if (idp != null && file != null)
            {
                trail.Step(place, "set; chosen (federation wins over AK/SK, as in the SDKs)");
                return CredentialSpec.ForFederation("Environment (" + IdpId + ")", idp, file);
            }
            trail.Step(place, HalfSet(trail, IdpId, idp, IdTokenFile, file));
            return null;
        }

        private static CredentialSpec? Pair(Func<string, string?> env, CredentialTrail trail, string akName, string skName, string tokenName)
        {
            string? ak = Read(env, akName), sk = Read(env, skName);
            string place = "environment " + akName + " + " + skName;
            if (ak != null && sk != null)
            {
                string? token = Read(env, tokenName);
                trail.Step(place, "set" + (token != null ? " (with " + tokenName + ")" : string.Empty) + "; chosen");
                return CredentialSpec.ForAccessKey("Environment (" + akName + ")", ak, sk, token, akName, skName, tokenName);
            }
            trail.Step(place, HalfSet(trail, akName, ak, skName, sk));
            return null;
        }

        /// <summary>"not set", or a warning when only one of the two is: that is more likely a mistake than a choice.</summary>
        private static string HalfSet(CredentialTrail trail, string firstName, string? first, string secondName, string? second)
        {
            if (first == null && second == null) return "not set";
            string set = first != null ? firstName : secondName, missing = first != null ? secondName : firstName;
            trail.Warn($"The environment variable {set} is set but {missing} is not; both are needed, so neither is used.");
            return $"only {set} is set; skipped";
        }

        internal static string? Read(Func<string, string?> env, string name)
        {
            string? value = env(name)?.Trim();
            return string.IsNullOrEmpty(value) ? null : value;
        }
    }
}
