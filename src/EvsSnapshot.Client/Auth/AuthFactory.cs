using System;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// Builds the auth provider for a found credential, and the agency's on top of it when one is asked for.
    /// Every secret is checked (non-blank, no whitespace or control characters: they go into headers) and
    /// registered with the redactor here, before anything is sent.
    /// </summary>
    internal static class AuthFactory
    {
        public static AuthProvider Create(CredentialSpec spec, AgencySettings? agency, EvsApi api, CredentialApi credentials, Uri federationIam, TimeProvider time)
        {
            var clock = new SigningClock(time); // one gateway, one clock: the base and the agency's keys share the correction
            var baseAuth = CreateBase(spec, api, credentials, federationIam, time, clock, scopeToContextProject: agency == null);
            if (agency == null) return baseAuth;
            return new AkSkAuthProvider(new RenewableAccessKey(new AgencyCredentialSource(credentials, baseAuth, agency), time), clock, () => api.ProjectId);
        }

        private static AuthProvider CreateBase(CredentialSpec spec, EvsApi api, CredentialApi credentials, Uri federationIam, TimeProvider time,
            SigningClock clock, bool scopeToContextProject)
        {
            var redactor = api.Transport.Redactor;
            switch (spec.Kind)
            {
                case CredentialKind.AccessKey:
                    RequireCredential(spec.AccessKey, spec.AccessKeyName, "access key");
                    RequireCredential(spec.SecretKey, spec.SecretKeyName, "secret key");
                    if (spec.SecurityToken != null) RequireCredential(spec.SecurityToken, spec.SecurityTokenName, "security token");
                    redactor.Add(spec.SecretKey);
                    redactor.Add(spec.SecurityToken);
                    return new AkSkAuthProvider(spec.AccessKey!, spec.SecretKey!, spec.SecurityToken, clock, () => api.ProjectId);
                case CredentialKind.Token:
                    RequireCredential(spec.Token, "Token", "token");
                    redactor.Add(spec.Token);
                    return new StaticTokenAuthProvider(spec.Token!);
                case CredentialKind.Password:
                    return Password(spec, api, time, scopeToContextProject);
                case CredentialKind.Federation:
                    var federation = new FederationCredentialSource(credentials, spec.IdpId!, spec.IdTokenFile!, federationIam);
                    return new AkSkAuthProvider(new RenewableAccessKey(federation, time), clock, () => api.ProjectId);
                case CredentialKind.EcsAgency:
                    var metadata = new EcsMetadataCredentialSource(credentials, spec.MetadataEndpoint!);
                    return new AkSkAuthProvider(new RenewableAccessKey(metadata, time), clock, () => api.ProjectId);
                default:
                    throw new ArgumentOutOfRangeException(nameof(spec));
            }
        }

        private static AuthProvider Password(CredentialSpec spec, EvsApi api, TimeProvider time, bool scopeToContextProject)
        {
            RequireCredential(spec.UserName, "UserName", "user name");
            RequireCredential(spec.DomainName, "DomainName", "account (domain) name");
            if (string.IsNullOrEmpty(spec.Password))
                throw new EvsValidationException("CredentialMissing", "Password", "The password is empty.");
            api.Transport.Redactor.Add(spec.Password);
            string user = spec.UserName!, domain = spec.DomainName!, secret = spec.Password!;
            PasswordAuthProvider? provider = null;
            // Under an agency the context's project is the delegating account's: the user's own token is scoped
            // by the region's name in the user's account instead.
            provider = new PasswordAuthProvider(user, domain,
                c => api.FetchPasswordTokenAsync(user, domain, secret, scopeToContextProject ? api.ProjectId : null, provider, c), time);
            return provider;
        }

        /// <summary>
        /// Credentials go into headers: they must be non-blank and free of whitespace and control characters, and
        /// keys and tokens printable ASCII (HTTP refuses anything else in a header, at the first call otherwise).
        /// User and account names go into a JSON body: spaces and non-ASCII letters are fine there, but not the
        /// characters that change how a name is shown (bidi overrides, zero-width).
        /// </summary>
        internal static void RequireCredential(string? value, string name, string what)
        {
            if (name.IndexOf('_') >= 0) what += " in " + name; // from a variable or a file: say which
            if (value == null || value.Trim().Length == 0)
                throw new EvsValidationException("CredentialMissing", name, $"The {what} is empty or blank.");
            bool isName = name == "UserName" || name == "DomainName";
            foreach (char c in value)
            {
                if (DisplayText.IsUnsafe(c) || (char.IsWhiteSpace(c) && !isName))
                {
                    // Never echo the value: it may be a secret.
                    throw new EvsValidationException("InvalidCredential", name, $"The {what} contains whitespace, a control character or a bidirectional or zero-width character.");
                }
                if (c > '\u007E' && !isName)
                {
                    throw new EvsValidationException("NonAsciiCredential", name, $"The {what} contains a character that is not printable ASCII; keys and tokens are ASCII, so it cannot be sent in a request header.");
                }
            }
        }
    }
}
