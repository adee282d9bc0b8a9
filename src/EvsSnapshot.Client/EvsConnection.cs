using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client
{
    /// <summary>Everything Connect-EvsProject collected. Secrets are plain strings only for the moment of connecting.</summary>
    public sealed class ConnectOptions
    {
        public string Region { get; set; } = string.Empty;
        public string? ProjectId { get; set; }
        public Uri? Endpoint { get; set; }
        public Uri? IamEndpoint { get; set; }
        public EvsAuthType AuthType { get; set; }
        public string? AccessKey { get; set; }
        public string? SecretKey { get; set; }
        public string? SecurityToken { get; set; }
        public string? Token { get; set; }
        public string? UserName { get; set; }
        public string? DomainName { get; set; }
        public string? Password { get; set; }
        public bool SkipCertificateCheck { get; set; }
        public RetryOptions Retry { get; set; } = new RetryOptions();

        /// <summary>Test seam: an HTTP handler to use instead of the network.</summary>
        public HttpMessageHandler? Handler { get; set; }
    }

    /// <summary>
    /// A connection to one project in one region: endpoints, credentials (held privately, never shown), retry
    /// settings and the pooled HTTP client every call through it reuses. The module shows it to users wrapped in
    /// EvsSnapshot.EvsContext.
    /// </summary>
    public sealed class EvsConnection : IDisposable
    {
        private readonly PasswordAuthProvider? _passwordAuth;
        private readonly AkSkAuthProvider? _akSkAuth;

        private EvsConnection(ConnectOptions options, EvsApi api, AuthProvider auth)
        {
            Region = options.Region;
            Endpoint = api.Transport.EvsEndpoint;
            IamEndpoint = api.Transport.IamEndpoint;
            AuthType = options.AuthType;
            AccessKey = options.AuthType == EvsAuthType.AkSk ? options.AccessKey : null;
            UsesSecurityToken = options.AuthType == EvsAuthType.AkSk && options.SecurityToken != null;
            UserName = options.UserName;
            DomainName = options.DomainName;
            SkipCertificateCheck = options.SkipCertificateCheck;
            Api = api;
            _passwordAuth = auth as PasswordAuthProvider;
            _akSkAuth = auth as AkSkAuthProvider;
            ConnectedAt = DateTime.UtcNow;
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
        public int MaximumRetryCount => Api.Transport.Retry.MaxRetryCount;
        public TimeSpan MaximumRetryWait => Api.Transport.Retry.MaxTotalDelay;
        public TimeSpan RequestTimeout => Api.Transport.Retry.RequestTimeout;

        /// <summary>Correction applied to the signing time after the gateway reported clock skew (zero normally).</summary>
        public TimeSpan ClockOffset => _akSkAuth?.Clock.Offset ?? TimeSpan.Zero;

        /// <summary>When the current IAM token expires (password auth only), UTC.</summary>
        public DateTime? TokenExpiresAt => _passwordAuth?.CurrentToken?.ExpiresAtUtc;

        /// <summary>UTC.</summary>
        public DateTime ConnectedAt { get; }

        /// <summary>The typed API client.</summary>
        public EvsApi Api { get; }

        /// <summary>Test and diagnostics hook: HTTP requests sent through this context, every attempt counted.</summary>
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

        public void Dispose() => Api.Dispose();

        /// <summary>Builds a context: checks endpoints, sets up auth, and resolves the project id when it is not given.</summary>
        public static async Task<EvsConnection> ConnectAsync(ConnectOptions options, CallOptions call)
        {
            InputValidator.Region(options.Region);
            if (options.ProjectId != null) InputValidator.ProjectId(options.ProjectId);
            var evsEndpoint = CheckEndpoint(options.Endpoint ?? new Uri($"https://evs.{options.Region}.myhuaweicloud.com"), "Endpoint");
            var iamEndpoint = CheckEndpoint(options.IamEndpoint ?? new Uri($"https://iam.{options.Region}.myhuaweicloud.com"), "IamEndpoint");

            var transport = new EvsTransport(evsEndpoint, iamEndpoint, options.Retry.Clone(), options.SkipCertificateCheck, options.Handler);
            var api = new EvsApi(transport, options.Region) { ProjectId = options.ProjectId };
            try
            {
                AuthProvider auth = CreateAuth(options, api);
                transport.Auth = auth;
                if (auth is PasswordAuthProvider password)
                {
                    var token = await password.GetTokenAsync(call).ConfigureAwait(false); // fails fast on a wrong password
                    if (api.ProjectId == null)
                    {
                        api.ProjectId = token.ProjectId ?? throw new EvsException(EvsErrorKind.MalformedResponse, "ProjectNotResolved",
                            "IAM issued a token without a project; pass -ProjectId.");
                    }
                }
                else if (api.ProjectId == null)
                {
                    api.ProjectId = await api.ResolveProjectIdAsync(call).ConfigureAwait(false);
                }
                InputValidator.ProjectId(api.ProjectId, "ProjectId");
                return new EvsConnection(options, api, auth);
            }
            catch
            {
                api.Dispose();
                throw;
            }
        }

        private static AuthProvider CreateAuth(ConnectOptions options, EvsApi api)
        {
            var redactor = api.Transport.Redactor;
            switch (options.AuthType)
            {
                case EvsAuthType.AkSk:
                    RequireCredential(options.AccessKey, "AccessKey", "access key");
                    RequireCredential(options.SecretKey, "SecretKey", "secret key");
                    if (options.SecurityToken != null) RequireCredential(options.SecurityToken, "SecurityToken", "security token");
                    redactor.Add(options.SecretKey);
                    redactor.Add(options.SecurityToken);
                    return new AkSkAuthProvider(options.AccessKey!, options.SecretKey!, options.SecurityToken, new SigningClock(), () => api.ProjectId);
                case EvsAuthType.Token:
                    RequireCredential(options.Token, "Token", "token");
                    redactor.Add(options.Token);
                    return new StaticTokenAuthProvider(options.Token!);
                case EvsAuthType.Password:
                    RequireCredential(options.UserName, "UserName", "user name");
                    RequireCredential(options.DomainName, "DomainName", "account (domain) name");
                    if (string.IsNullOrEmpty(options.Password))
                        throw new EvsValidationException("CredentialMissing", "Password", "The password is empty.");
                    redactor.Add(options.Password);
                    string user = options.UserName!, domain = options.DomainName!, secret = options.Password!;
                    return new PasswordAuthProvider(user, domain, c => api.FetchPasswordTokenAsync(user, domain, secret, api.ProjectId, c));
                default:
                    throw new ArgumentOutOfRangeException(nameof(options));
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
