using System;
using System.Globalization;
using System.Net;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Http.Pacing;
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
        private readonly AuthProvider _auth;

        private EvsClient(EvsClientSettings settings, EvsApi api, AuthProvider auth, CredentialSpec credential, string credentialSource)
        {
            Region = settings.Region;
            Endpoint = api.Transport.EvsEndpoint;
            IamEndpoint = api.Transport.IamEndpoint;
            AuthType = auth is StaticTokenAuthProvider ? EvsAuthType.Token : auth is PasswordAuthProvider ? EvsAuthType.Password : EvsAuthType.AkSk;
            UserName = credential.Kind == CredentialKind.Password ? credential.UserName : null;
            DomainName = credential.Kind == CredentialKind.Password ? credential.DomainName : null;
            CredentialSource = credentialSource;
            SkipCertificateCheck = settings.SkipCertificateCheck;
            Proxy = settings.Proxy;
            Api = api;
            Snapshots = new SnapshotOperations(api);
            Volumes = new VolumeOperations(api);
            _auth = auth;
            ConnectedAt = api.Transport.Time.GetUtcNow().UtcDateTime;
        }

        public string Region { get; }
        public string ProjectId => Api.ProjectId ?? string.Empty;
        public Uri Endpoint { get; }
        public Uri IamEndpoint { get; }
        public EvsAuthType AuthType { get; }

        /// <summary>The access key id in use now (an identifier, not a secret; temporary keys change as they are renewed); null for token and password auth.</summary>
        public string? AccessKey => (_auth as AkSkAuthProvider)?.AccessKey;

        /// <summary>True when temporary AK/SK with an X-Security-Token are used.</summary>
        public bool UsesSecurityToken => (_auth as AkSkAuthProvider)?.UsesSecurityToken ?? false;

        public string? UserName { get; }
        public string? DomainName { get; }

        /// <summary>Where the credential came from: <c>Parameter</c>, <c>Environment (HUAWEICLOUD_SDK_AK)</c>, <c>EcsAgency</c>...</summary>
        public string CredentialSource { get; }

        /// <summary>When the credential in use expires (temporary AK/SK and IAM tokens the module obtains), UTC; null when unknown.</summary>
        public DateTime? CredentialExpiresAt => _auth.ExpiresAtUtc;

        public bool SkipCertificateCheck { get; }

        /// <summary>The explicit forward proxy, or null for the system proxy.</summary>
        public Uri? Proxy { get; }

        public int MaximumRetryCount => Api.Transport.Retry.Options.MaxRetryCount;
        public TimeSpan MaximumRetryWait => Api.Transport.Retry.Options.MaxTotalDelay;
        public TimeSpan RequestTimeout => Api.Transport.Retry.Options.RequestTimeout;

        /// <summary>The -MaxRequestRate given when connecting (requests per second, all calls), or null.</summary>
        public double? MaxRequestRate => Api.Transport.RateCap?.PerSecond;

        /// <summary>What the pacer of this credential and endpoint has learned, write and read calls (shared in the process).</summary>
        public RequestRate[] RequestRates => Api.Transport.DescribeRates();

        /// <summary>Correction applied to the signing time after the gateway reported clock skew (zero normally).</summary>
        public TimeSpan ClockOffset => (_auth as AkSkAuthProvider)?.Clock.Offset ?? TimeSpan.Zero;

        /// <summary>When the current IAM token expires (password auth only), UTC.</summary>
        public DateTime? TokenExpiresAt => (_auth as PasswordAuthProvider)?.CurrentToken?.ExpiresAtUtc;

        /// <summary>UTC.</summary>
        public DateTime ConnectedAt { get; }

        /// <summary>The typed API: reads.</summary>
        public EvsApi Api { get; }

        /// <summary>Changes to snapshots, with their rules.</summary>
        public SnapshotOperations Snapshots { get; }

        /// <summary>Disks made from snapshots (evs-api.md §11).</summary>
        public VolumeOperations Volumes { get; }

        /// <summary>The credential's stable, non-secret key now (see <see cref="AuthProvider.CredentialKey"/>).</summary>
        public string CredentialKey => _auth.CredentialKey;

        internal AuthProvider Auth => _auth;

        /// <summary>Test and diagnostics hook: HTTP requests sent through this client, every attempt counted.</summary>
        public long RequestCount => Api.RequestCount;

        public override string ToString()
        {
            string who = AuthType switch
            {
                EvsAuthType.AkSk => (UsesSecurityToken ? "temporary access key " : "access key ") + AccessKey,
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

        /// <summary>
        /// Builds a client: checks the settings, finds the credential (given, or the chain), picks the endpoints,
        /// gets the first temporary credential or token, and resolves the project id when it is not known.
        /// </summary>
        public static async Task<EvsClient> ConnectAsync(EvsClientSettings settings, CallScope call)
        {
            InputValidator.Region(settings.Region);
            if (settings.Endpoint == null) CheckKnownRegion(settings.Region);
            if (settings.ProjectId != null) InputValidator.ProjectId(settings.ProjectId);
            if (settings.MaxRequestRate is double max) InputValidator.RequestRate(max);
            settings.Agency?.Validate();
            var env = settings.Environment ?? (name => System.Environment.GetEnvironmentVariable(name));
            var credential = CredentialResolver.Resolve(settings, env, call.Trace);
            var evsEndpoint = EndpointSelection.Evs(settings);
            CheckIamReachable(settings, credential, EndpointSelection.HasIamOverride(settings, credential, env));
            var iamEndpoint = EndpointSelection.Iam(settings, credential, env);
            var federationIam = EndpointSelection.Federation(settings, credential, env);
            string source = settings.Agency != null ? credential.ThroughAgency(settings.Agency) : credential.Source;
            var proxy = settings.Proxy == null ? null : CheckProxy(settings.Proxy);

            var time = settings.TimeProvider ?? TimeProvider.System;
            // A fake clock must not leak into the process-wide pacers (nor their learning into a test).
            var pacers = settings.Pacers ?? (settings.TimeProvider != null ? new PacerRegistry() : PacerRegistry.Shared);
            var cap = settings.MaxRequestRate is double rate ? new RateCap(rate, time) : null;
            var transport = new EvsTransport(evsEndpoint, iamEndpoint, settings.Retry.Clone(), settings.SkipCertificateCheck, settings.Handler, time,
                proxy == null ? null : new ProxySettings(proxy, settings.ProxyCredential), pacers, cap);
            if (settings.ProxyCredential != null) transport.Redactor.Add(settings.ProxyCredential.Password);
            var api = new EvsApi(transport, settings.Region) { ProjectId = settings.ProjectId ?? ProjectOfCredential(credential, settings.Agency, call) };
            try
            {
                var auth = AuthFactory.Create(credential, settings.Agency, api, new CredentialApi(transport), federationIam, time);
                transport.Auth = auth;
                await auth.PrepareAsync(call).ConfigureAwait(false); // fails fast on a wrong credential
                if (api.ProjectId == null && auth is PasswordAuthProvider password)
                {
                    api.ProjectId = password.CurrentToken?.ProjectId ?? throw new EvsException(EvsErrorKind.MalformedResponse, "ProjectNotResolved",
                        "IAM issued a token without a project.").Advise(EvsAdvice.ChooseProject, ("Region", settings.Region));
                }
                else if (api.ProjectId == null)
                {
                    api.ProjectId = await api.ResolveProjectIdAsync(call).ConfigureAwait(false);
                }
                InputValidator.ProjectId(api.ProjectId, "ProjectId");
                return new EvsClient(settings, api, auth, credential, source);
            }
            catch
            {
                api.Dispose();
                throw;
            }
        }

        /// <summary>
        /// The project id that came with the credential (environment, credentials file). Not under an agency: that id
        /// is a project of the base account, and the context works in the delegating account's project.
        /// </summary>
        private static string? ProjectOfCredential(CredentialSpec credential, AgencySettings? agency, CallScope call)
        {
            if (credential.ProjectId == null) return null;
            if (agency != null)
            {
                call.Trace.Debug("The project id found with the base credential belongs to its own account; the agency's project is looked up instead.");
                return null;
            }
            return InputValidator.ProjectId(credential.ProjectId, "ProjectId");
        }

        /// <summary>Without -Endpoint the region names the endpoint, so it must be a region EVS has (evs-api.md §13.1).</summary>
        private static void CheckKnownRegion(string region)
        {
            if (Regions.IsKnown(region)) return;
            string? closest = Regions.Closest(region);
            var error = new EvsValidationException("UnknownRegion", "Region",
                $"'{InputValidator.Printable(region)}' is not an EVS region" + (closest != null ? $" (did you mean {closest}?)" : string.Empty)
                + $". The regions are: {string.Join(", ", Regions.All)}.", region);
            throw error.Advise(EvsAdvice.UseKnownRegion, ("Region", region), ("Suggestion", closest));
        }

        /// <summary>
        /// A private endpoint (-Endpoint) says nothing about where IAM is: whatever needs IAM (password sign-in,
        /// looking up the project) then needs -IamEndpoint, or the project id so that no lookup is needed.
        /// </summary>
        /// <summary>
        /// A private -Endpoint does not say where IAM is: whatever needs IAM (tokens, federation, agencies, the project
        /// lookup) needs -IamEndpoint (or the IAM endpoint of the environment or credentials file).
        /// </summary>
        private static void CheckIamReachable(EvsClientSettings settings, CredentialSpec credential, bool iamGiven)
        {
            if (settings.Endpoint == null || iamGiven) return;
            bool needsIam = settings.Agency != null || credential.Kind == CredentialKind.Password || credential.Kind == CredentialKind.Federation;
            if (needsIam)
            {
                throw new EvsValidationException("IamEndpointRequired", "IamEndpoint",
                    "With -Endpoint, signing in through IAM (a user name and password, federation or an agency) also needs -IamEndpoint: IAM issues the credentials, and a private EVS endpoint does not say where IAM is.", settings.Endpoint);
            }
            if (settings.ProjectId == null && credential.ProjectId == null)
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
                throw new EvsValidationException("InvalidEndpoint", parameterName, $"The {Named(parameterName)} URL must not contain credentials, a query or a fragment.", endpoint.GetLeftPart(UriPartial.Authority));
            if (endpoint.Scheme == Uri.UriSchemeHttp && !IsLoopback(endpoint))
                throw new EvsValidationException("InsecureEndpoint", parameterName,
                    $"Plain http is only allowed to this machine (localhost, 127.0.0.1, ::1); use https for '{endpoint.Host}'.", endpoint);
            return endpoint;
        }

        /// <summary>A parameter as -Name; a variable or file setting (it has an underscore) as it is.</summary>
        private static string Named(string name) => name.IndexOf('_') >= 0 ? name : "-" + name;

        private static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback) return true;
            return IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
        }
    }
}
