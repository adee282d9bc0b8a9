using System;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading;
using EvsSnapshot.Diagnostics;
using EvsSnapshot.Client;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Connects to one project of one region and makes it the session's current context.
    /// Credentials: AK/SK (parameters, a PSCredential, or the CLOUD_SDK_* environment variables),
    /// an existing token, or an IAM user's password (token obtained and renewed in memory).
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "EvsProject", DefaultParameterSetName = EnvironmentSet)]
    [OutputType(typeof(EvsContext))]
    public sealed class ConnectEvsProjectCommand : PSCmdlet
    {
        private const string EnvironmentSet = "Environment";
        private const string AkSkSet = "AccessKey";
        private const string CredentialSet = "Credential";
        private const string TokenSet = "Token";
        private const string PasswordSet = "Password";
        private const string IamCredentialSet = "IamCredential";

        public const string AccessKeyVariable = "CLOUD_SDK_AK";
        public const string SecretKeyVariable = "CLOUD_SDK_SK";
        public const string SecurityTokenVariable = "CLOUD_SDK_SECURITY_TOKEN";

        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();

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

        /// <summary>IAM endpoint instead of https://iam.{region}.myhuaweicloud.com.</summary>
        [Parameter]
        public Uri? IamEndpoint { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = AkSkSet)]
        public string? AccessKey { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = AkSkSet)]
        public SecureString? SecretKey { get; set; }

        /// <summary>AK/SK as a PSCredential: user name = access key, password = secret key.</summary>
        [Parameter(Mandatory = true, ParameterSetName = CredentialSet)]
        [Credential]
        public PSCredential? Credential { get; set; }

        /// <summary>X-Security-Token for temporary AK/SK.</summary>
        [Parameter(ParameterSetName = AkSkSet)]
        [Parameter(ParameterSetName = CredentialSet)]
        public SecureString? SecurityToken { get; set; }

        /// <summary>An existing IAM token (X-Auth-Token).</summary>
        [Parameter(Mandatory = true, ParameterSetName = TokenSet)]
        public SecureString? Token { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        public string? UserName { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        public SecureString? Password { get; set; }

        /// <summary>IAM user name and password as a PSCredential.</summary>
        [Parameter(Mandatory = true, ParameterSetName = IamCredentialSet)]
        [Credential]
        public PSCredential? IamCredential { get; set; }

        /// <summary>The account (domain) the IAM user belongs to.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PasswordSet)]
        [Parameter(Mandatory = true, ParameterSetName = IamCredentialSet)]
        public string? DomainName { get; set; }

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

        /// <summary>Return the context as well as making it current.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var options = new ConnectOptions
            {
                Region = Region,
                ProjectId = ProjectId,
                Endpoint = Endpoint,
                IamEndpoint = IamEndpoint,
                SkipCertificateCheck = SkipCertificateCheck.IsPresent,
                Retry = new RetryOptions
                {
                    MaxRetryCount = MaximumRetryCount,
                    MaxTotalDelay = TimeSpan.FromSeconds(MaximumRetryWaitSec),
                    RequestTimeout = TimeSpan.FromSeconds(TimeoutSec),
                },
            };
            FillCredentials(options);

            if (SkipCertificateCheck.IsPresent)
            {
                WriteWarning("-SkipCertificateCheck: TLS certificates are not checked for this context, so the connection can be intercepted. Use it only for private clouds with their own CA, never over the internet.");
            }

            EvsContext context;
            try
            {
                var trace = new CollectingTrace();
                var task = EvsConnection.ConnectAsync(options, new CallOptions(trace, _stopping.Token));
                try
                {
                    context = new EvsContext(task.GetAwaiter().GetResult());
                }
                finally
                {
                    trace.WriteTo(this);
                }
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
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
                options.SecretKey = options.Password = options.Token = options.SecurityToken = null;
            }

            EvsSession.Current = context;
            Streams.Verbose(this, $"Connected to project {context.ProjectId} in {context.Region} ({context.AuthType}) through {context.Endpoint}.");
            if (PassThru.IsPresent) WriteObject(context);
        }

        protected override void StopProcessing() => _stopping.Cancel();

        private void FillCredentials(ConnectOptions options)
        {
            switch (ParameterSetName)
            {
                case AkSkSet:
                    options.AuthType = EvsAuthType.AkSk;
                    options.AccessKey = AccessKey;
                    options.SecretKey = Plain(SecretKey);
                    options.SecurityToken = Plain(SecurityToken);
                    break;
                case CredentialSet:
                    options.AuthType = EvsAuthType.AkSk;
                    options.AccessKey = Credential!.UserName;
                    options.SecretKey = Plain(Credential.Password);
                    options.SecurityToken = Plain(SecurityToken);
                    break;
                case TokenSet:
                    options.AuthType = EvsAuthType.Token;
                    options.Token = Plain(Token);
                    break;
                case PasswordSet:
                    options.AuthType = EvsAuthType.Password;
                    options.UserName = UserName;
                    options.DomainName = DomainName;
                    options.Password = Plain(Password);
                    break;
                case IamCredentialSet:
                    options.AuthType = EvsAuthType.Password;
                    options.UserName = IamCredential!.UserName;
                    options.DomainName = DomainName;
                    options.Password = Plain(IamCredential.Password);
                    break;
                default:
                    // As Huawei's own samples: AK/SK (and optionally a security token) from the environment.
                    string? ak = Environment.GetEnvironmentVariable(AccessKeyVariable);
                    string? sk = Environment.GetEnvironmentVariable(SecretKeyVariable);
                    if (string.IsNullOrEmpty(ak) || string.IsNullOrEmpty(sk))
                    {
                        ThrowTerminatingError(new ErrorRecord(
                            new ArgumentException($"No credentials given. Pass -Credential (AK as user name, SK as password), -AccessKey/-SecretKey, -Token or -UserName/-Password, or set the {AccessKeyVariable} and {SecretKeyVariable} environment variables."),
                            "CredentialMissing", ErrorCategory.InvalidArgument, null));
                    }
                    options.AuthType = EvsAuthType.AkSk;
                    options.AccessKey = ak;
                    options.SecretKey = sk;
                    string? securityToken = Environment.GetEnvironmentVariable(SecurityTokenVariable);
                    options.SecurityToken = string.IsNullOrEmpty(securityToken) ? null : securityToken;
                    Streams.Verbose(this, $"Using AK/SK from the {AccessKeyVariable}/{SecretKeyVariable} environment variables.");
                    break;
            }
        }

        private static string? Plain(SecureString? secure) => secure == null ? null : new NetworkCredential(string.Empty, secure).Password;

        /// <summary>Connect runs on the pipeline thread from start to end, so the trace is written afterwards in order.</summary>
        private sealed class CollectingTrace : IEvsTrace
        {
            public bool DebugEnabled => true; // a handful of requests; WriteDebug drops what nobody asked for

            private readonly System.Collections.Concurrent.ConcurrentQueue<(int kind, string text)> _messages = new System.Collections.Concurrent.ConcurrentQueue<(int, string)>();
            public void Verbose(string message) => _messages.Enqueue((0, message));
            public void Debug(string message) => _messages.Enqueue((1, message));
            public void Warning(string message) => _messages.Enqueue((2, message));

            public void WriteTo(PSCmdlet cmdlet)
            {
                while (_messages.TryDequeue(out var m))
                {
                    if (m.kind == 0) Streams.Verbose(cmdlet, m.text);
                    else if (m.kind == 1) cmdlet.WriteDebug(m.text);
                    else cmdlet.WriteWarning(m.text);
                }
            }
        }
    }
}
