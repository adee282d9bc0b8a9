using System;
using System.Globalization;
using System.Net;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// The engine's entry point for one project in one region: endpoints, credentials (held privately, never
    /// shown), retry settings and the pooled HTTP client every call through it reuses; reads through
    /// <see cref="Api"/>, changes through <see cref="Snapshots"/>. The module shows it to users wrapped in
    /// EvsSnapshot.EvsContext.
    /// </summary>
    public sealed class EvsClient : IDisposable
    {
        private readonly PasswordAuthProvider? _passwordAuth;
        private readonly AkSkAuthProvider? _akSkAuth;

        private EvsClient(EvsClientSettings settings, EvsApi api, AuthProvider auth)
        {
            Region = settings.Region;
            Endpoint = api.Transport.EvsEndpoint;
            IamEndpoint = api.Transport.IamEndpoint;
            AuthType = settings.AuthType;
            AccessKey = settings.AuthType == EvsAuthType.AkSk ? settings.AccessKey : null;
            UsesSecurityToken = settings.AuthType == EvsAuthType.AkSk && settings.SecurityToken != null;
            UserName = settings.UserName;
            DomainName = settings.DomainName;
            SkipCertificateCheck = settings.SkipCertificateCheck;
            Proxy = settings.Proxy;
            Api = api;
            Snapshots = new SnapshotOperations(api);
            _passwordAuth = auth as PasswordAuthProvider;
            _akSkAuth = auth as AkSkAuthProvider;
            ConnectedAt = api.Transport.Time.GetUtcNow().UtcDateTime;
        }

        public string Region { get; }
        public string ProjectId => Api.ProjectId ?? string.Empty;
        public Uri Endpoint { get; }
        public Uri IamEndpoint { get; }
        public EvsAuthType AuthType { get; }

        /// <summary>The access key id (an identifier, not a secret); null for token and password auth.</summary>
        public string? AccessKey { get; }

        /// <summary>True when temporary AK/SK with an X-Security-Token are used.</summary>
        public bool UsesSecurityToken { get; }

        public string? UserName { get; }
        public string? DomainName { get; }
        public bool SkipCertificateCheck { get; }

        /// <summary>The explicit forward proxy, or null for the system proxy.</summary>
        public Uri? Proxy { get; }

        public int MaximumRetryCount => Api.Transport.Retry.Options.MaxRetryCount;
        public TimeSpan MaximumRetryWait => Api.Transport.Retry.Options.MaxTotalDelay;
        public TimeSpan RequestTimeout => Api.Transport.Retry.Options.RequestTimeout;

        /// <summary>Correction applied to the signing time after the gateway reported clock skew (zero normally).</summary>
        public TimeSpan ClockOffset => _akSkAuth?.Clock.Offset ?? TimeSpan.Zero;

        /// <summary>When the current IAM token expires (password auth only), UTC.</summary>
        public DateTime? TokenExpiresAt => _passwordAuth?.CurrentToken?.ExpiresAtUtc;

        /// <summary>UTC.</summary>
        public DateTime ConnectedAt { get; }

        /// <summary>The typed API: reads.</summary>
        public EvsApi Api { get; }

        /// <summary>Changes to snapshots, with their rules.</summary>
        public SnapshotOperations Snapshots { get; }

        /// <summary>Test and diagnostics hook: HTTP requests sent through this client, every attempt counted.</summary>
        public long RequestCount => Api.RequestCount;

        public override string ToString()
        {
            string who = AuthType switch
            {
                EvsAuthType.AkSk => "access key " + AccessKey,
                EvsAuthType.Password => "IAM user " + UserName + "@" + DomainName,
                _ => "token",
            };
            return string.Format(CultureInfo.InvariantCulture, "{0}/{1} ({2})", Region, ProjectId, who);
        }

        /// <summary>True once <see cref="Dispose"/> ran (the module was removed): the HTTP client is gone.</summary>
        public bool IsDisposed { get; private set; }

        public void Dispose()
        {
            IsDisposed = true;
            Api.Dispose();
        }

        /// <summary>Builds a client: checks endpoints, sets up auth, and resolves the project id when it is not given.</summary>
        public static async Task<EvsClient> ConnectAsync(EvsClientSettings settings, CallScope call)
        {
            InputValidator.Region(settings.Region);
            if (settings.Endpoint == null) CheckKnownRegion(settings.Region);
            if (settings.ProjectId != null) InputValidator.ProjectId(settings.ProjectId);
            var evsEndpoint = CheckEndpoint(settings.Endpoint ?? new Uri($"https://evs.{settings.Region}.myhuaweicloud.com"), "Endpoint");
            var iamEndpoint = CheckEndpoint(settings.IamEndpoint ?? new Uri($"https://iam.{settings.Region}.myhuaweicloud.com"), "IamEndpoint");
            CheckIamReachable(settings);
            var proxy = settings.Proxy == null ? null : CheckProxy(settings.Proxy);

            var time = settings.TimeProvider ?? TimeProvider.System;
            var transport = new EvsTransport(evsEndpoint, iamEndpoint, settings.Retry.Clone(), settings.SkipCertificateCheck, settings.Handler, time,
                proxy == null ? null : new ProxySettings(proxy, settings.ProxyCredential));
            if (settings.ProxyCredential != null) transport.Redactor.Add(settings.ProxyCredential.Password);
            var api = new EvsApi(transport, settings.Region) { ProjectId = settings.ProjectId };
            try
            {
                AuthProvider auth = CreateAuth(settings, api, time);
                transport.Auth = auth;
                if (auth is PasswordAuthProvider password)
                {
                    var token = await password.GetTokenAsync(call).ConfigureAwait(false); // fails fast on a wrong password
                    if (api.ProjectId == null)
                    {
                        api.ProjectId = token.ProjectId ?? throw new EvsException(EvsErrorKind.MalformedResponse, "ProjectNotResolved",
                            "IAM issued a token without a project.").Advise(EvsAdvice.ChooseProject, ("Region", settings.Region));
                    }
                }
                else if (api.ProjectId == null)
                {
                    api.ProjectId = await api.ResolveProjectIdAsync(call).ConfigureAwait(false);
                }
                InputValidator.ProjectId(api.ProjectId, "ProjectId");
                return new EvsClient(settings, api, auth);
            }
            catch
            {
                api.Dispose();
                throw;
            }
        }

        private static AuthProvider CreateAuth(EvsClientSettings settings, EvsApi api, TimeProvider time)
        {
            var redactor = api.Transport.Redactor;
            switch (settings.AuthType)
            {
                case EvsAuthType.AkSk:
                    RequireCredential(settings.AccessKey, "AccessKey", "access key");
                    RequireCredential(settings.SecretKey, "SecretKey", "secret key");
                    if (settings.SecurityToken != null) RequireCredential(settings.SecurityToken, "SecurityToken", "security token");
                    redactor.Add(settings.SecretKey);
                    redactor.Add(settings.SecurityToken);
                    return new AkSkAuthProvider(settings.AccessKey!, settings.SecretKey!, settings.SecurityToken, new SigningClock(time), () => api.ProjectId);
                case EvsAuthType.Token:
                    RequireCredential(settings.Token, "Token", "token");
                    redactor.Add(settings.Token);
                    return new StaticTokenAuthProvider(settings.Token!);
                case EvsAuthType.Password:
                    RequireCredential(settings.UserName, "UserName", "user name");
                    RequireCredential(settings.DomainName, "DomainName", "account (domain) name");
                    if (string.IsNullOrEmpty(settings.Password))
                        throw new EvsValidationException("CredentialMissing", "Password", "The password is empty.");
                    redactor.Add(settings.Password);
                    string user = settings.UserName!, domain = settings.DomainName!, secret = settings.Password!;
                    return new PasswordAuthProvider(user, domain, c => api.FetchPasswordTokenAsync(user, domain, secret, api.ProjectId, c), time);
                default:
                    throw new ArgumentOutOfRangeException(nameof(settings));
            }
        }

        /// <summary>Credentials go into headers: they must be non-blank and free of whitespace and control characters.</summary>
        private static void RequireCredential(string? value, string parameterName, string what)
        {
            if (value == null || value.Trim().Length == 0)
                throw new EvsValidationException("CredentialMissing", parameterName, $"The {what} is empty or blank.");
            foreach (char c in value)
            {
                if (char.IsControl(c) || (char.IsWhiteSpace(c) && parameterName != "UserName" && parameterName != "DomainName"))
                {
                    // Never echo the value: it may be a secret.
                    throw new EvsValidationException("InvalidCredential", parameterName, $"The {what} contains whitespace or a control character.");
                }
            }
        }

        /// <summary>Without -Endpoint the region names the endpoint, so it must be a region EVS has (evs-api.md §13.1).</summary>
        private static void CheckKnownRegion(string region)
        {
            if (EvsRegions.IsKnown(region)) return;
            string? closest = EvsRegions.Closest(region);
            var error = new EvsValidationException("UnknownRegion", "Region",
                $"'{InputValidator.Printable(region)}' is not an EVS region" + (closest != null ? $" (did you mean {closest}?)" : string.Empty)
                + $". The regions are: {string.Join(", ", EvsRegions.All)}.", region);
            throw error.Advise(EvsAdvice.UseKnownRegion, ("Region", region), ("Suggestion", closest));
        }

        /// <summary>
        /// A private endpoint (-Endpoint) says nothing about where IAM is: whatever needs IAM (password sign-in,
        /// looking up the project) then needs -IamEndpoint, or the project id so that no lookup is needed.
        /// </summary>
        private static void CheckIamReachable(EvsClientSettings settings)
        {
            if (settings.Endpoint == null || settings.IamEndpoint != null) return;
            if (settings.AuthType == EvsAuthType.Password)
            {
                throw new EvsValidationException("IamEndpointRequired", "IamEndpoint",
                    "With -Endpoint, signing in with a user name and password also needs -IamEndpoint: IAM issues the tokens, and a private EVS endpoint does not say where IAM is.", settings.Endpoint);
            }
            if (settings.ProjectId == null)
            {
                throw new EvsValidationException("ProjectIdRequired", "ProjectId",
                    "With -Endpoint, pass -ProjectId, or -IamEndpoint so the project can be looked up: a private EVS endpoint does not say where IAM is.", settings.Endpoint);
            }
        }

        /// <summary>An explicit forward proxy: http(s), no credentials in the URL (they go in -ProxyCredential).</summary>
        internal static Uri CheckProxy(Uri proxy)
        {
            if (!proxy.IsAbsoluteUri || (proxy.Scheme != Uri.UriSchemeHttp && proxy.Scheme != Uri.UriSchemeHttps))
                throw new EvsValidationException("InvalidProxy", "Proxy", $"'{proxy}' is not an http(s) proxy URL such as http://proxy.example.com:8080.", proxy);
            if (!string.IsNullOrEmpty(proxy.UserInfo))
                throw new EvsValidationException("InvalidProxy", "Proxy", "The -Proxy URL must not contain credentials; pass them with -ProxyCredential.", proxy.GetLeftPart(UriPartial.Scheme) + proxy.Host);
            return proxy;
        }

        /// <summary>https only, except plain http to this machine (the emulator); no credentials or query in the URL.</summary>
        internal static Uri CheckEndpoint(Uri endpoint, string parameterName)
        {
            if (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
                throw new EvsValidationException("InvalidEndpoint", parameterName, $"'{endpoint}' is not an http(s) URL.", endpoint);
            if (!string.IsNullOrEmpty(endpoint.UserInfo) || !string.IsNullOrEmpty(endpoint.Query) || !string.IsNullOrEmpty(endpoint.Fragment))
                throw new EvsValidationException("InvalidEndpoint", parameterName, $"The -{parameterName} URL must not contain credentials, a query or a fragment.", endpoint.GetLeftPart(UriPartial.Authority));
            if (endpoint.Scheme == Uri.UriSchemeHttp && !IsLoopback(endpoint))
                throw new EvsValidationException("InsecureEndpoint", parameterName,
                    $"Plain http is only allowed to this machine (localhost, 127.0.0.1, ::1); use https for '{endpoint.Host}'.", endpoint);
            return endpoint;
        }

        private static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
        }
    }
}
