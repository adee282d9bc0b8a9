using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The implicit credential chain and explicit sources (§14.1-14.3): the order (official variables with federation
/// first, then CLOUD_SDK_*, then the credentials file), what -Debug says about each step, the error when nothing is
/// found, and the project and IAM endpoint that come with a credential.
/// </summary>
public sealed class CredentialChainTests : IDisposable
{
    private const string FileSecret = "FileSecretKey0000000000000000000000000001";
    private readonly string _home = Path.Combine(Path.GetTempPath(), "evs-chain-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _env = new();
    private readonly RecordingTrace _trace = new();
    private readonly FakeHandler _handler = new();

    public CredentialChainTests()
    {
        Directory.CreateDirectory(_home);
        _env["HOME"] = _home;
        _env["USERPROFILE"] = _home;
    }

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private string WriteDefaultFile(string text)
    {
        string dir = Path.Combine(_home, ".huaweicloud");
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "credentials");
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<EvsClient> ConnectAsync(Action<EvsClientSettings>? tweak = null)
    {
        var options = CredentialContexts.Options(_handler, new FakeTimeProvider(DateTimeOffset.UtcNow), _env);
        options.ProjectId = Ids.Project; // nothing is sent while connecting with fixed AK/SK
        tweak?.Invoke(options);
        return await EvsClient.ConnectAsync(options, new Http.CallScope(_trace));
    }

    private void SetOfficial() { _env["HUAWEICLOUD_SDK_AK"] = "AKOFFICIAL0000000001"; _env["HUAWEICLOUD_SDK_SK"] = "SkOfficial00000000000000000000000000001"; }
    private void SetSample() { _env["CLOUD_SDK_AK"] = "AKSAMPLE000000000001"; _env["CLOUD_SDK_SK"] = "SkSample000000000000000000000000000000001"; }

    [Fact]
    public async Task OfficialVariables_BeatTheSampleOnes_AndTheFile()
    {
        SetOfficial();
        SetSample();
        WriteDefaultFile("[basic]\nak = AKFILE00000000000001\nsk = " + FileSecret + "\n");

        using var ctx = await ConnectAsync();

        Assert.Equal("AKOFFICIAL0000000001", ctx.AccessKey);
        Assert.Equal("Environment (HUAWEICLOUD_SDK_AK)", ctx.CredentialSource);
        Assert.Null(ctx.CredentialExpiresAt);
        Assert.False(ctx.UsesSecurityToken);
        var debug = _trace.DebugLines.ToList();
        Assert.Contains(debug, l => l.StartsWith("Credential chain 1. environment HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE: not set"));
        Assert.Contains(debug, l => l.StartsWith("Credential chain 2. environment HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK: set; chosen"));
        Assert.Contains(debug, l => l.Contains("CLOUD_SDK_AK + CLOUD_SDK_SK: not read (an earlier source was chosen)"));
        Assert.Contains(debug, l => l.Contains("credentials file: not read (an earlier source was chosen)"));
        Assert.Contains(debug, l => l == "Credential source: Environment (HUAWEICLOUD_SDK_AK).");
        Assert.DoesNotContain(_trace.All, l => l.Contains("SkOfficial") || l.Contains(FileSecret));
    }

    [Fact]
    public void FederationInTheEnvironment_WinsOverAkSk()
    {
        SetOfficial();
        _env["HUAWEICLOUD_SDK_IDP_ID"] = "ci-idp";
        _env["HUAWEICLOUD_SDK_ID_TOKEN_FILE"] = "/run/secrets/id-token";
        var spec = CredentialResolver.Resolve(CredentialContexts.Options(_handler, new FakeTimeProvider(), _env), n => _env.GetValueOrDefault(n), _trace);
        Assert.Equal(CredentialKind.Federation, spec.Kind);
        Assert.Equal("ci-idp", spec.IdpId);
        Assert.Equal("/run/secrets/id-token", spec.IdTokenFile);
        Assert.Equal("Federation (idp ci-idp) from Environment (HUAWEICLOUD_SDK_IDP_ID)", spec.Source);
        Assert.Contains(_trace.DebugLines, l => l.Contains("federation wins over AK/SK"));
    }

    [Fact]
    public async Task SampleVariables_WithSecurityToken_WhenTheOfficialOnesAreAbsent()
    {
        SetSample();
        _env["CLOUD_SDK_SECURITY_TOKEN"] = "SampleSecurityToken-0001";
        using var ctx = await ConnectAsync();
        Assert.Equal("AKSAMPLE000000000001", ctx.AccessKey);
        Assert.True(ctx.UsesSecurityToken);
        Assert.Equal("Environment (CLOUD_SDK_AK)", ctx.CredentialSource);
    }

    [Fact]
    public async Task DefaultFile_WhenNoVariableIsSet_ShownAsTilde_WithItsProjectId()
    {
        WriteDefaultFile("[basic]\nak = AKFILE00000000000001\nsk = " + FileSecret + "\nproject_id = fedcba9876543210fedcba9876543210\n");
        using var ctx = await ConnectAsync(o => o.ProjectId = null);
        Assert.Equal("AKFILE00000000000001", ctx.AccessKey);
        Assert.Equal("CredentialsFile (~/.huaweicloud/credentials)", ctx.CredentialSource);
        Assert.Equal("fedcba9876543210fedcba9876543210", ctx.ProjectId); // from the file: no IAM lookup
        Assert.Equal(0, _handler.Count);
        Assert.Contains(_trace.DebugLines, l => l.Contains("credentials file ~/.huaweicloud/credentials (" + _home) && l.EndsWith("found; chosen"));
    }

    [Fact]
    public async Task FileVariable_BeatsTheHomeFile()
    {
        WriteDefaultFile("[basic]\nak = AKHOME00000000000001\nsk = " + FileSecret + "\n");
        string other = Path.Combine(_home, "ci-credentials");
        File.WriteAllText(other, "[basic]\nak = AKVARIABLE0000000001\nsk = " + FileSecret + "\n");
        _env["HUAWEICLOUD_SDK_CREDENTIALS_FILE"] = other;
        using var ctx = await ConnectAsync();
        Assert.Equal("AKVARIABLE0000000001", ctx.AccessKey);
        Assert.Equal("CredentialsFile (" + other + ")", ctx.CredentialSource);
    }

    [Fact]
    public async Task NothingFound_ListsWhatWasTried_AndSendsNothing()
    {
        var ex = await Assert.ThrowsAsync<EvsException>(() => ConnectAsync());
        Assert.Equal("CredentialMissing", ex.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains("environment HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE: not set", ex.Message);
        Assert.Contains("environment HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK: not set", ex.Message);
        Assert.Contains("environment CLOUD_SDK_AK + CLOUD_SDK_SK: not set", ex.Message);
        Assert.Contains("credentials file ~/.huaweicloud/credentials (" + Path.Combine(_home, ".huaweicloud", "credentials") + "): not found", ex.Message);
        Assert.Contains("ECS metadata service: not probed", ex.Message);
        Assert.Equal(EvsAdvice.ProvideCredentials, ex.Advice);
        Assert.Contains("-EcsAgency", ex.RecommendedAction());
        Assert.Equal(0, _handler.Count);
    }

    [Fact]
    public async Task HalfAPairInTheEnvironment_WarnsAndIsSkipped()
    {
        _env["HUAWEICLOUD_SDK_AK"] = "AKHALF00000000000001";
        SetSample();
        using var ctx = await ConnectAsync();
        Assert.Equal("AKSAMPLE000000000001", ctx.AccessKey);
        Assert.Contains(_trace.Lines, l => l.Level == "Warning" && l.Message.Contains("HUAWEICLOUD_SDK_AK is set but HUAWEICLOUD_SDK_SK is not"));
    }

    [Fact]
    public async Task MalformedDefaultFile_IsAnError_NotSkipped()
    {
        WriteDefaultFile("[basic]\nak AKFILE " + FileSecret + "\n");
        var ex = await Assert.ThrowsAsync<EvsException>(() => ConnectAsync());
        Assert.Equal("CredentialsFileInvalid", ex.ErrorId);
        Assert.Contains("~/.huaweicloud/credentials is not valid: line 2", ex.Message);
        Assert.DoesNotContain(FileSecret, ex.Message);
    }

    [Fact]
    public async Task ExplicitCredential_ReadsNoVariableAndNoFile()
    {
        SetOfficial();
        WriteDefaultFile("this file is malformed");
        using var ctx = await ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.AkSk;
            o.AccessKey = Ids.AccessKey;
            o.SecretKey = Ids.SecretKey;
        });
        Assert.Equal(Ids.AccessKey, ctx.AccessKey);
        Assert.Equal("Parameter", ctx.CredentialSource);
        Assert.Contains(_trace.DebugLines, l => l.Contains("given explicitly"));
    }

    [Fact]
    public async Task ExplicitCredentialsFile_MustHaveBasicCredentials()
    {
        string path = Path.Combine(_home, "given");
        File.WriteAllText(path, "[global]\ndomain_id = x\n");
        var ex = await Assert.ThrowsAsync<EvsException>(() => ConnectAsync(o => o.CredentialsFile = path));
        Assert.Equal("CredentialsFileInvalid", ex.ErrorId);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public async Task TwoExplicitCredentials_AreRefused()
    {
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.AkSk;
            o.AccessKey = Ids.AccessKey;
            o.SecretKey = Ids.SecretKey;
            o.EcsAgency = true;
        }));
        Assert.Equal("CredentialConflict", ex.ErrorId);
    }

    [Fact]
    public async Task InvalidCredentialInAVariable_NamesTheVariable_NotTheValue()
    {
        _env["HUAWEICLOUD_SDK_AK"] = "AKOFFICIAL0000000001";
        _env["HUAWEICLOUD_SDK_SK"] = "Sk with a space inside";
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ConnectAsync());
        Assert.Equal("InvalidCredential", ex.ErrorId);
        Assert.Equal("HUAWEICLOUD_SDK_SK", ex.ParameterName);
        Assert.Contains("HUAWEICLOUD_SDK_SK", ex.Message);
        Assert.DoesNotContain("with a space", ex.Message);
    }

    // ---------------------------------------------------------------- endpoints and project that come with a credential

    [Theory]
    [InlineData(null, null, "https://iam.cn-north-4.myhuaweicloud.com/")]
    [InlineData("iam.env.example.com", null, "https://iam.env.example.com/")]
    [InlineData("https://iam.env.example.com:8443", null, "https://iam.env.example.com:8443/")]
    [InlineData("iam.env.example.com", "http://127.0.0.1:9/", "http://127.0.0.1:9/")]
    public async Task IamEndpoint_ParameterThenVariableThenRegion(string? variable, string? parameter, string expected)
    {
        SetOfficial();
        if (variable != null) _env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = variable;
        using var ctx = await ConnectAsync(o => o.IamEndpoint = parameter == null ? null : new Uri(parameter));
        Assert.Equal(expected, ctx.IamEndpoint.ToString());
    }

    [Fact]
    public async Task IamEndpoint_OfTheCredentialsFile_BeatsTheVariable()
    {
        _env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = "iam.env.example.com";
        WriteDefaultFile("[basic]\nak = AKFILE00000000000001\nsk = " + FileSecret + "\niam_endpoint = https://iam.file.example.com\n");
        using var ctx = await ConnectAsync(o => o.IamEndpoint = null);
        Assert.Equal("https://iam.file.example.com/", ctx.IamEndpoint.ToString());
    }

    [Fact]
    public async Task IamEndpoint_VariableWithPlainHttpToAnotherHost_IsRefused()
    {
        SetOfficial();
        _env["HUAWEICLOUD_SDK_IAM_ENDPOINT"] = "http://iam.example.com";
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ConnectAsync(o => o.IamEndpoint = null));
        Assert.Equal("InsecureEndpoint", ex.ErrorId);
        Assert.Equal("HUAWEICLOUD_SDK_IAM_ENDPOINT", ex.ParameterName);
    }

    [Fact]
    public async Task ProjectIdVariable_IsUsed_ButTheParameterWins()
    {
        SetOfficial();
        _env["HUAWEICLOUD_SDK_PROJECT_ID"] = "fedcba9876543210fedcba9876543210";
        using (var fromVariable = await ConnectAsync(o => o.ProjectId = null)) Assert.Equal("fedcba9876543210fedcba9876543210", fromVariable.ProjectId);
        using (var fromParameter = await ConnectAsync()) Assert.Equal(Ids.Project, fromParameter.ProjectId);
        Assert.Equal(0, _handler.Count);
    }

    [Theory]
    [InlineData("http://169.254.169.254", true)]
    [InlineData("http://[fe80::1]", true)]
    [InlineData("http://127.0.0.1:8080", true)]
    [InlineData("https://metadata.example.com", true)]
    [InlineData("http://10.0.0.1", false)]
    [InlineData("http://metadata.example.com", false)]
    public void MetadataEndpoint_PlainHttpOnlyOnTheLinkOrThisMachine(string url, bool accepted)
    {
        if (accepted) Assert.Equal(new Uri(url), EndpointSelection.CheckMetadataEndpoint(new Uri(url), "MetadataEndpoint"));
        else Assert.Equal("InsecureEndpoint", Assert.Throws<EvsValidationException>(() => EndpointSelection.CheckMetadataEndpoint(new Uri(url), "MetadataEndpoint")).ErrorId);
    }

    [Fact]
    public void MetadataEndpoint_ParameterThenVariableThenLinkLocal()
    {
        var options = CredentialContexts.Options(_handler, new FakeTimeProvider(), _env);
        Assert.Equal(new Uri("http://169.254.169.254"), EndpointSelection.Metadata(options, n => _env.GetValueOrDefault(n)));
        _env["EVSSNAPSHOT_METADATA_ENDPOINT"] = "127.0.0.1:7000";
        Assert.Equal(new Uri("http://127.0.0.1:7000"), EndpointSelection.Metadata(options, n => _env.GetValueOrDefault(n)));
        options.MetadataEndpoint = new Uri("http://127.0.0.1:7001");
        Assert.Equal(new Uri("http://127.0.0.1:7001"), EndpointSelection.Metadata(options, n => _env.GetValueOrDefault(n)));
    }
}
