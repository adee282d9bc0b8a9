using System;
using System.Collections.Generic;
using System.Linq;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// Finds the credential to connect with. A credential given explicitly (AK/SK, token, password, ECS agency,
    /// federation, a credentials file) is used and nothing else is read. Otherwise the chain, first found wins:
    /// <list type="number">
    /// <item>HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE (federation; wins over AK/SK, as in the SDKs);</item>
    /// <item>HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK (+ HUAWEICLOUD_SDK_SECURITY_TOKEN);</item>
    /// <item>CLOUD_SDK_AK + CLOUD_SDK_SK (+ CLOUD_SDK_SECURITY_TOKEN), the names of Huawei's sample code;</item>
    /// <item>the credentials file: $HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials, section [basic];</item>
    /// <item>nothing found: an error listing what was tried.</item>
    /// </list>
    /// The ECS metadata service is never probed (the Go SDK's chain ends with it): off an ECS that would wait on a
    /// link-local address for every connection, so it is used only when asked for.
    /// </summary>
    internal static class CredentialResolver
    {
        public static CredentialSpec Resolve(EvsClientSettings settings, Func<string, string?> env, IEvsTrace trace)
        {
            var spec = Explicit(settings, env);
            if (spec != null)
            {
                trace.Debug("Credential source: " + spec.Source + " (given explicitly, so the environment and credentials files are not read).");
                return spec;
            }
            var trail = new CredentialTrail();
            spec = Chain(env, trail);
            trail.WriteTo(trace);
            if (spec == null) throw NothingFound(trail);
            trace.Debug("Credential source: " + spec.Source + ".");
            return spec;
        }

        /// <summary>The credential the settings name, or null when they name none (then the chain decides).</summary>
        internal static CredentialSpec? Explicit(EvsClientSettings settings, Func<string, string?> env)
        {
            var given = new List<string>();
            if (settings.AuthType != null) given.Add(settings.AuthType.ToString()!);
            if (settings.EcsAgency) given.Add("EcsAgency");
            if (settings.IdpId != null || settings.IdTokenFile != null) given.Add("Federation");
            if (settings.CredentialsFile != null) given.Add("CredentialsFile");
            if (given.Count > 1)
                throw new EvsValidationException("CredentialConflict", given[1], "Only one credential can be given; got " + string.Join(", ", given) + ".");

            switch (settings.AuthType)
            {
                case EvsAuthType.AkSk: return CredentialSpec.ForAccessKey("Parameter", settings.AccessKey, settings.SecretKey, settings.SecurityToken);
                case EvsAuthType.Token: return CredentialSpec.ForToken("Parameter", settings.Token);
                case EvsAuthType.Password: return CredentialSpec.ForPassword("Parameter", settings.UserName, settings.DomainName, settings.Password);
            }
            if (settings.EcsAgency) return CredentialSpec.ForEcsAgency(EndpointSelection.Metadata(settings, env));
            if (settings.IdpId != null || settings.IdTokenFile != null)
            {
                if (string.IsNullOrWhiteSpace(settings.IdpId))
                    throw new EvsValidationException("CredentialMissing", "IdpId", "Federation needs the identity provider id as well as the id token file.");
                if (string.IsNullOrWhiteSpace(settings.IdTokenFile))
                    throw new EvsValidationException("CredentialMissing", "IdTokenFile", "Federation needs the id token file as well as the identity provider id.");
                return CredentialSpec.ForFederation(null, settings.IdpId!.Trim(), settings.IdTokenFile!);
            }
            if (settings.CredentialsFile != null) return CredentialsFileSource.Read(settings.CredentialsFile);
            return null;
        }

        private static CredentialSpec? Chain(Func<string, string?> env, CredentialTrail trail)
        {
            var steps = new (string Place, Func<CredentialSpec?> Read)[]
            {
                ("environment " + EnvironmentCredentialSource.IdpId + "/" + EnvironmentCredentialSource.AccessKey, () => EnvironmentCredentialSource.TryReadOfficial(env, trail)),
                ("environment " + EnvironmentCredentialSource.SampleAccessKey + " + " + EnvironmentCredentialSource.SampleSecretKey, () => EnvironmentCredentialSource.TryReadSample(env, trail)),
                ("credentials file", () => CredentialsFileSource.TryReadDefault(env, trail)),
            };
            for (int i = 0; i < steps.Length; i++)
            {
                var spec = steps[i].Read();
                if (spec == null) continue;
                foreach (var later in steps.Skip(i + 1)) trail.Step(later.Place, "not read (an earlier source was chosen)");
                return spec;
            }
            trail.Step("ECS metadata service", "not probed (used only when asked for)");
            return null;
        }

        private static EvsException NothingFound(CredentialTrail trail) =>
            new EvsException(EvsErrorKind.InvalidArgument, "CredentialMissing",
                "No credentials were given or found. Tried: " + string.Join("; ", trail.Steps) + ".")
                .Advise(EvsAdvice.ProvideCredentials);
    }
}
