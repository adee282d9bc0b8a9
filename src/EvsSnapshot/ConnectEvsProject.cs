using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using EvsSnapshot.Client;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Connects to one project of one region and makes it the session's current context.
    /// Credentials: AK/SK (parameters or a PSCredential), an existing token, an IAM user's password, the ECS
    /// agency, OIDC federation, a credentials file, or (with none of these) the SDKs' chain: environment, then the
    /// credentials file. Optionally through an IAM agency of another account. The client finds and renews them.
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "EvsProject", DefaultParameterSetName = EnvironmentSet)]
    [OutputType(typeof(EvsContext))]
    public sealed class ConnectEvsProjectCommand : CancellableCmdlet
    {
        private const string EnvironmentSet = "Environment";
        private const string AkSkSet = "AccessKey";
        private const string CredentialSet = "Credential";
        private const string TokenSet = "Token";
        private const string PasswordSet = "Password";
        private const string IamCredentialSet = "IamCredential";
        private const string EcsAgencySet = "EcsAgency";
        private const string FederationSet = "Federation";
        private const string CredentialsFileSet = "CredentialsFile";

        /// <summary>Region id, e.g. cn-north-4.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ArgumentCompleter(typeof(RegionCompleter))]
        public string Region { get; set; } = string.Empty;

        /// <summary>Project id; resolved through IAM when omitted.</summary>
        [Parameter]
        public string? ProjectId { get; set; }

        /// <summary>EVS endpoint instead of https://evs.{region}.myhuaweicloud.com.</summary>
        [Parameter]
        public Uri? Endpoint { get; set; }

        /// <summary>IAM endpoint instead of HUAWEICLOUD_SDK_IAM_ENDPOINT or the region's IAM.</summary>
        [Parameter]
        public Uri? IamEndpoint { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = AkSkSet)]
        public string? AccessKey { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = AkSkSet)]
        [SecureStringFromText]
        public SecureString? SecretKey { get; set; }

        /// <summary>AK/SK as a PSCredential: user name = access key, password = secret key.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>X-Security-Token for temporary AK/SK.</summary>
        [Parameter(ParameterSetName = AkSkSet)]
        [Parameter(ParameterSetName = CredentialSet)]
        [SecureStringFromText]
        public SecureString? SecurityToken { get; set; }

        /// <summary>An existing IAM token (X-Auth-Token).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        [SecureStringFromText]
        public SecureString? Token { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        public string? UserName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [SecureStringFromText]
        public SecureString? Password { get; set; }

        /// <summary>IAM user name and password as a PSCredential.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IamCredentialSet)]
        [Credential]
        public PSCredential? IamCredential { get; set; }

        /// <summary>The account (domain) the IAM user belongs to.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [Parameter(Mandatory = true, ParameterSetName = IamCredentialSet)]
        public string? DomainName { get; set; }

        /// <summary>An explicit forward proxy for every request of this context; without it the system proxy is used.</summary>
        [Parameter]
        public Uri? Proxy { get; set; }

        /// <summary>Credentials for -Proxy (sent only to the proxy, when it asks for them).</summary>
        [Parameter]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>Temporary AK/SK of this ECS's agency, from the metadata service.</summary>
        [Parameter(Mandatory = true, ParameterSetName = EcsAgencySet)]
        public SwitchParameter EcsAgency { get; set; }

        /// <summary>The metadata service instead of EVSSNAPSHOT_METADATA_ENDPOINT or http://169.254.169.254.</summary>
        [Parameter(ParameterSetName = EcsAgencySet)]
        public Uri? MetadataEndpoint { get; set; }

        /// <summary>OIDC federation: the identity provider's id in IAM.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FederationSet)]
        public string? IdpId { get; set; }

        /// <summary>The file holding the OIDC id token; read again at every renewal.</summary>
        [Parameter(Mandatory = true, ParameterSetName = FederationSet)]
        public string? IdTokenFile { get; set; }

        /// <summary>An SDK credentials file (INI, section [basic]).</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialsFileSet)]
        public string? CredentialsFile { get; set; }

        /// <summary>Act through this IAM agency of another account.</summary>
        [Parameter]
        public string? AgencyName { get; set; }

        /// <summary>The account that delegates the agency, by name.</summary>
        [Parameter]
        public string? AgencyDomainName { get; set; }

        /// <summary>The account that delegates the agency, by id.</summary>
        [Parameter]
        public string? AgencyDomainId { get; set; }

        /// <summary>How long each agency credential lives, 900-86400 s.</summary>
        [Parameter]
        [ValidateRange(AgencySettings.MinDurationSeconds, AgencySettings.MaxDurationSeconds)]
        public int AgencyDurationSeconds { get; set; } = AgencySettings.DefaultDurationSeconds;

        /// <summary>The session user name the delegating account's audit trail shows.</summary>
        [Parameter]
        public string? AgencySessionName { get; set; }

        /// <summary>Accept any TLS certificate (private clouds with their own CA only).</summary>
        [Parameter]
        public SwitchParameter SkipCertificateCheck { get; set; }

        /// <summary>Retries after a failed attempt (throttling, 502/503/504, lost connections, timeouts).</summary>
        [Parameter]
        [ValidateRange(0, 20)]
        public int MaximumRetryCount { get; set; } = 5;

        /// <summary>Total seconds one call may spend waiting between retries.</summary>
        [Parameter]
        [ValidateRange(0, 3600)]
        public int MaximumRetryWaitSec { get; set; } = 60;

        /// <summary>Per-request timeout in seconds.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public int TimeoutSec { get; set; } = 120;

        /// <summary>
        /// Requests per second this context never exceeds, all calls together, from the first request on (for users who
        /// know their quota). Without it, the module starts unpaced and paces itself when the gateway throttles.
        /// </summary>
        [Parameter]
        [ValidateRange(InputValidator.MinRequestRate, InputValidator.MaxRequestRate)]
        public double MaxRequestRate { get; set; }

        /// <summary>Return the context as well as making it current.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var settings = new EvsClientSettings
            {
                Region = Region,
                ProjectId = ProjectId,
                Endpoint = Endpoint,
                IamEndpoint = IamEndpoint,
                SkipCertificateCheck = SkipCertificateCheck.IsPresent,
                Proxy = Proxy,
                ProxyCredential = ProxyCredential?.GetNetworkCredential(),
                Retry = new RetryOptions
                {
                    MaxRetryCount = MaximumRetryCount,
                    MaxTotalDelay = TimeSpan.FromSeconds(MaximumRetryWaitSec),
                    RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
                },
                MaxRequestRate = MyInvocation.BoundParameters.ContainsKey(nameof(MaxRequestRate)) ? MaxRequestRate : (double?)null,
            };
            FillCredentials(settings);
            FillAgency(settings);

            if (SkipCertificateCheck.IsPresent)
            {
                WriteWarning("-SkipCertificateCheck: TLS certificates are not checked for this context, so the connection can be intercepted. Use it only for private clouds with their own CA, never over the internet.");
            }

            EvsContext context;
            try
            {
                context = new EvsContext(RunToCompletion(EvsClient.ConnectAsync(settings, new CallScope(Trace, StopToken))));
            }
            catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (EvsException ex)
            {
                ThrowTerminatingError(ErrorRecords.From(ex, Region));
                return;
            }
            finally
            {
                settings.SecretKey = settings.Password = settings.Token = settings.SecurityToken = null;
                settings.ProxyCredential = null;
            }

            CurrentContext.Value = context;
            Streams.Verbose(this, $"Connected to project {context.ProjectId} in {context.Region} ({context.AuthType}, credential: {context.CredentialSource}) through {context.Endpoint}.");
            if (PassThru.IsPresent) WriteObject(context);
            else if (TypedAtThePrompt()) WriteSummary(context);
        }

        /// <summary>
        /// Typed at an interactive prompt (not inside a script or function, not in a -NonInteractive or hosted
        /// session): then one line says what was connected, as Connect-AzAccount does. Scripts stay quiet.
        /// </summary>
        private bool TypedAtThePrompt()
        {
            if (MyInvocation.CommandOrigin != CommandOrigin.Runspace) return false;
            if (Host?.UI?.RawUI == null || Host.Name == "Default Host" || Host.Name == "ServerRemoteHost") return false;
            foreach (var argument in Environment.GetCommandLineArgs())
            {
                string a = argument.TrimStart('-', '/').ToLowerInvariant();
                if (a.Length >= 4 && "noninteractive".StartsWith(a, StringComparison.Ordinal)) return false;
            }
            return true;
        }

        /// <summary>To the host through the information stream (as Write-Host does): never into captured output.</summary>
        private void WriteSummary(EvsContext context)
        {
            string proxy = context.Proxy != null ? $" via proxy {context.Proxy.GetLeftPart(UriPartial.Authority)}" : string.Empty;
            string line = $"Connected to project {context.ProjectId} in {context.Region} as {context.Identity} ({context.AuthType}), endpoint {context.Endpoint.GetLeftPart(UriPartial.Authority)}{proxy}.";
            WriteInformation(new HostInformationMessage { Message = line }, new[] { "PSHOST" });
        }

        private void FillCredentials(EvsClientSettings settings)
        {
            switch (ParameterSetName)
            {
                case AkSkSet:
                    settings.AuthType = EvsAuthType.AkSk;
                    settings.AccessKey = AccessKey;
                    settings.SecretKey = Plain(SecretKey);
                    settings.SecurityToken = Plain(SecurityToken);
                    break;
                case CredentialSet:
                    settings.AuthType = EvsAuthType.AkSk;
                    settings.AccessKey = Credential!.UserName;
                    settings.SecretKey = Plain(Credential.Password);
                    settings.SecurityToken = Plain(SecurityToken);
                    break;
                case TokenSet:
                    settings.AuthType = EvsAuthType.Token;
                    settings.Token = Plain(Token);
                    break;
                case PasswordSet:
                    settings.AuthType = EvsAuthType.Password;
                    settings.UserName = UserName;
                    settings.DomainName = DomainName;
                    settings.Password = Plain(Password);
                    break;
                case IamCredentialSet:
                    settings.AuthType = EvsAuthType.Password;
                    settings.UserName = IamCredential!.UserName;
                    settings.DomainName = DomainName;
                    settings.Password = Plain(IamCredential.Password);
                    break;
                case EcsAgencySet:
                    settings.EcsAgency = true;
                    settings.MetadataEndpoint = MetadataEndpoint;
                    break;
                case FederationSet:
                    settings.IdpId = IdpId;
                    settings.IdTokenFile = FileSystemPath(IdTokenFile);
                    break;
                case CredentialsFileSet:
                    settings.CredentialsFile = FileSystemPath(CredentialsFile);
                    break;
                default:
                    break; // no credential parameter: the client's chain (environment, then the credentials file)
            }
        }

        private void FillAgency(EvsClientSettings settings)
        {
            var bound = MyInvocation.BoundParameters;
            bool anyAgencyParameter = bound.ContainsKey(nameof(AgencyName)) || bound.ContainsKey(nameof(AgencyDomainName)) || bound.ContainsKey(nameof(AgencyDomainId))
                                      || bound.ContainsKey(nameof(AgencyDurationSeconds)) || bound.ContainsKey(nameof(AgencySessionName));
            if (!anyAgencyParameter) return;
            if (!bound.ContainsKey(nameof(AgencyName)))
            {
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-AgencyDomainName, -AgencyDomainId, -AgencyDurationSeconds and -AgencySessionName need -AgencyName."),
                    "AgencyNameMissing", ErrorCategory.InvalidArgument, null));
            }
            settings.Agency = new AgencySettings
            {
                Name = AgencyName ?? string.Empty,
                DomainName = AgencyDomainName,
                DomainId = AgencyDomainId,
                DurationSeconds = AgencyDurationSeconds,
                SessionName = AgencySessionName,
            };
        }

        /// <summary>A path as PowerShell resolves it (relative to the current location, ~ expanded), for the client to open.</summary>
        private string? FileSystemPath(string? path) =>
            string.IsNullOrWhiteSpace(path) ? path : SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);

        private static string? Plain(SecureString? secure) => secure == null ? null : new NetworkCredential(string.Empty, secure).Password;
    }
}
