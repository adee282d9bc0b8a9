using System.Net;
using System.Text.Json;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The ECS metadata service (§14.4), OIDC federation (§14.5) and agencies (§14.6) as the client uses them, against
/// <see cref="CredentialServer"/> on fake time: request shapes, the token step and its 401 retry, errors that name the
/// endpoint, the id token file read at each renewal, and assume_role signed with the base credential.
/// </summary>
public sealed class TemporaryCredentialSourceTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly CredentialServer _server;
    private readonly FakeHandler _handler;
    private readonly RecordingTrace _trace = new();
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "evs-sources-" + Guid.NewGuid().ToString("N"));

    public TemporaryCredentialSourceTests()
    {
        _server = new CredentialServer(_time);
        _handler = new FakeHandler { Fallback = _server.Handle };
        Directory.CreateDirectory(_dir);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<EvsClient> ConnectAsync(Action<EvsClientSettings> credential)
    {
        var options = CredentialContexts.Options(_handler, _time);
        credential(options);
        return EvsClient.ConnectAsync(options, new CallScope(_trace));
    }

    private Task<EvsClient> EcsAgencyAsync() => ConnectAsync(o => { o.EcsAgency = true; o.MetadataEndpoint = CredentialContexts.Metadata; });

    private string IdTokenFile(string content)
    {
        string path = Path.Combine(_dir, "id-token");
        File.WriteAllText(path, content);
        return path;
    }

    private List<RecordedRequest> Requests(string path) => _handler.Requests.Where(r => r.Uri.AbsolutePath == path).ToList();

    // ---------------------------------------------------------------- ECS metadata service

    [Fact]
    public async Task EcsAgency_TokenStepThenSecurityKey_ThenTheProjectOfTheAgencyAccount()
    {
        using var ctx = await EcsAgencyAsync();

        var put = Assert.Single(Requests("/meta-data/latest/api/token"));
        Assert.Equal(HttpMethod.Put, put.Method);
        Assert.Equal("http://127.0.0.1:3/meta-data/latest/api/token", put.Uri.ToString());
        Assert.Equal("21600", put.Header("X-Metadata-Token-Ttl-Seconds"));
        var get = Assert.Single(Requests("/openstack/latest/securitykey"));
        Assert.StartsWith("mdtoken-", get.Header("X-Metadata-Token"));
        Assert.Null(get.Header("Authorization"));

        var lookup = Assert.Single(Requests("/v3/projects"));
        string ak = CredentialServer.AccessKeyOf(lookup.Header("Authorization")!);
        Assert.Equal(_server.Issued(ak).Token, lookup.Header("X-Security-Token"));
        Assert.Equal(CredentialServer.ProjectOfTemporaryKeys, ctx.ProjectId);
        Assert.Equal(ak, ctx.AccessKey);
        Assert.True(ctx.UsesSecurityToken);
        Assert.Equal("EcsAgency", ctx.CredentialSource);
        Assert.Equal(_server.Issued(ak).ExpiresAt, ctx.CredentialExpiresAt);
        Assert.Equal(EvsAuthType.AkSk, ctx.AuthType);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.Equal(ak, _server.EvsCalls.Single().Ak);
        Assert.Equal(1, _server.SecurityKeyRequests); // the same key until its refresh time
    }

    [Fact]
    public async Task EcsAgency_WithoutTheTokenStep_AsksWithoutAToken_AndNotAgainForADay()
    {
        _server.TokenStep = false;
        _server.Lifetime = TimeSpan.FromMinutes(10);
        using var ctx = await EcsAgencyAsync();
        Assert.Null(Requests("/openstack/latest/securitykey").Single().Header("X-Metadata-Token"));

        _time.Advance(TimeSpan.FromMinutes(9)); // renew: no new token step within 24 h
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace));
        Assert.Equal(1, _server.MetadataTokenRequests);
        Assert.Equal(2, _server.SecurityKeyRequests);
        Assert.Contains(_trace.VerboseLines, l => l.Contains("no session-token step"));
    }

    [Fact]
    public async Task EcsAgency_AnUnknownSessionToken_GetsANewTokenAndOneMoreTry()
    {
        _server.Lifetime = TimeSpan.FromMinutes(10);
        using var ctx = await EcsAgencyAsync();
        _server.ForgetMetadataTokens();
        _time.Advance(TimeSpan.FromMinutes(9));

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        var gets = Requests("/openstack/latest/securitykey");
        Assert.Equal(3, gets.Count); // connect, refused token, new token
        Assert.NotEqual(gets[1].Header("X-Metadata-Token"), gets[2].Header("X-Metadata-Token"));
        Assert.Equal(2, _server.MetadataTokenRequests);
    }

    [Fact]
    public async Task EcsAgency_NoAgencyAttached_IsAClearError_WithoutATokenRetry()
    {
        _server.AgencyAttached = false;
        var ex = await Assert.ThrowsAsync<EvsException>(EcsAgencyAsync);
        Assert.Equal("EcsAgencyNotAttached", ex.ErrorId);
        Assert.Equal(EvsErrorKind.Authentication, ex.Kind);
        Assert.Contains("http://127.0.0.1:3", ex.Message);
        Assert.Contains("Please configure Cloud Service Agency first", ex.Message);
        Assert.Contains("Attach an agency to this ECS", ex.RecommendedAction());
        Assert.Equal(1, _server.SecurityKeyRequests);
        Assert.Equal(1, _server.MetadataTokenRequests);
    }

    [Fact]
    public async Task EcsAgency_ServiceDown_FailsAtOnceNamingTheEndpoint()
    {
        _handler.Fallback = (r, ct) => r.Uri.Port == 3 ? Respond.RefusedResponder(r, ct) : _server.Handle(r, ct);
        var ex = await Assert.ThrowsAsync<EvsException>(EcsAgencyAsync);
        Assert.Equal("MetadataServiceUnavailable", ex.ErrorId);
        Assert.Equal(EvsErrorKind.Network, ex.Kind);
        Assert.Contains("The ECS metadata service at http://127.0.0.1:3 could not be reached", ex.Message);
        Assert.Contains("-MetadataEndpoint", ex.RecommendedAction());
        Assert.Equal(1, _handler.Count); // one attempt, no retries
    }

    [Fact]
    public async Task EcsAgency_ServiceSilent_TimesOutAfter3s_NamingTheEndpoint()
    {
        _handler.Fallback = (r, ct) => r.Uri.Port == 3 ? Respond.Hang(r, ct) : _server.Handle(r, ct);
        var connect = EcsAgencyAsync();
        var waited = await _time.AdvanceUntilAsync(connect, TimeSpan.FromMilliseconds(100));

        var ex = await Assert.ThrowsAsync<EvsException>(() => connect);
        Assert.Equal("MetadataServiceUnavailable", ex.ErrorId);
        Assert.Equal(EvsErrorKind.Timeout, ex.Kind);
        Assert.Contains("The ECS metadata service at http://127.0.0.1:3 did not answer within 3 s", ex.Message);
        Assert.InRange(waited.TotalSeconds, 3, 20); // fake time: the 3 s of the SDKs (plus the steps it takes to notice), not the context's 120 s
        Assert.Equal(1, _handler.Count);
    }

    [Fact]
    public async Task EcsAgency_RenewalFailsWhileTheKeyIsValid_KeepsTheKey_ThenRenewsWhenTheServiceIsBack()
    {
        _server.Lifetime = TimeSpan.FromMinutes(10);
        _server.MetadataOverlap = TimeSpan.FromMinutes(3); // the service rotates 3 min before expiry
        using var ctx = await EcsAgencyAsync();
        string first = ctx.AccessKey!;
        bool down = true;
        _handler.Fallback = (r, ct) => down && r.Uri.Port == 3 ? Respond.RefusedResponder(r, ct) : _server.Handle(r, ct);
        _time.Advance(TimeSpan.FromMinutes(8)); // in the refresh window (2.5 min before expiry)

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace));
        Assert.Equal(first, _server.EvsCalls.Last().Ak);
        Assert.Contains(_trace.Lines, l => l.Level == "Warning" && l.Message.Contains("Could not renew the ECS agency credential"));

        down = false;
        _time.Advance(TimeSpan.FromSeconds(31));
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.NotEqual(first, _server.EvsCalls.Last().Ak);
        Assert.NotEqual(first, ctx.AccessKey);
    }

    // ---------------------------------------------------------------- OIDC federation

    [Fact]
    public async Task Federation_IdTokenThenSecurityToken_OnTheGlobalIamUnlessOverridden()
    {
        string file = IdTokenFile(CredentialServer.IdToken + "\n");
        using var ctx = await ConnectAsync(o => { o.IdpId = "ci-idp"; o.IdTokenFile = file; });

        var exchange = Assert.Single(Requests("/v3.0/OS-AUTH/id-token/tokens"));
        Assert.Equal("http://127.0.0.1:2/v3.0/OS-AUTH/id-token/tokens", exchange.Uri.ToString()); // the IAM override
        Assert.Equal("ci-idp", exchange.Header("X-Idp-Id"));
        Assert.Equal(CredentialServer.IdToken, JsonDocument.Parse(exchange.Body).RootElement.GetProperty("auth").GetProperty("id_token").GetProperty("id").GetString());
        Assert.Null(exchange.Header("Authorization"));
        var sts = Assert.Single(Requests("/v3.0/OS-CREDENTIAL/securitytokens"));
        var identity = JsonDocument.Parse(sts.Body).RootElement.GetProperty("auth").GetProperty("identity");
        Assert.Equal("token", identity.GetProperty("methods")[0].GetString());
        Assert.StartsWith("MIIEfederated-unscoped-token-", identity.GetProperty("token").GetProperty("id").GetString());
        Assert.Equal(21600, identity.GetProperty("token").GetProperty("duration_seconds").GetInt32());
        Assert.Null(sts.Header("X-Auth-Token"));
        Assert.Equal("Federation (idp ci-idp)", ctx.CredentialSource);
        Assert.Equal(CredentialServer.ProjectOfTemporaryKeys, ctx.ProjectId);

        var options = CredentialContexts.Options(_handler, _time);
        options.IamEndpoint = null;
        var spec = CredentialResolver.Explicit(new EvsClientSettings { IdpId = "ci-idp", IdTokenFile = file, Region = "ap-southeast-1" }, _ => null)!;
        Assert.Equal(new Uri("https://iam.myhuaweicloud.com"), EndpointSelection.Federation(new EvsClientSettings { Region = "ap-southeast-1" }, spec, _ => null));
        Assert.Equal(new Uri("https://iam.fed.example.com"), EndpointSelection.Federation(new EvsClientSettings { Region = "ap-southeast-1" }, spec,
            n => n == "HUAWEICLOUD_SDK_IAM_ENDPOINT" ? "iam.fed.example.com" : null));
    }

    [Fact]
    public async Task Federation_ReadsTheIdTokenFileAgainAtEveryRenewal()
    {
        _server.Lifetime = TimeSpan.FromMinutes(10);
        string file = IdTokenFile(CredentialServer.IdToken);
        using var ctx = await ConnectAsync(o => { o.IdpId = "ci-idp"; o.IdTokenFile = file; });

        _server.AcceptedIdToken = "eyJrotated.by.the-ci";
        File.WriteAllText(file, "  eyJrotated.by.the-ci  ");
        _time.Advance(TimeSpan.FromMinutes(8));
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(new[] { CredentialServer.IdToken, "eyJrotated.by.the-ci" }, _server.IdTokensSeen);
        Assert.Equal(ctx.AccessKey, _server.EvsCalls.Single().Ak);
    }

    [Theory]
    [InlineData("", "IdTokenEmpty")]
    [InlineData(null, "IdTokenFileNotFound")]
    public async Task Federation_AMissingOrEmptyFile_IsAClearError_BeforeAnyRequest(string? content, string errorId)
    {
        string file = content == null ? Path.Combine(_dir, "missing") : IdTokenFile(content);
        var ex = await Assert.ThrowsAsync<EvsException>(() => ConnectAsync(o => { o.IdpId = "ci-idp"; o.IdTokenFile = file; }));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Contains(file, ex.Message);
        Assert.Equal(0, _handler.Count);
        Assert.Contains("-IdTokenFile", ex.RecommendedAction());
    }

    [Fact]
    public async Task Federation_ARejectedIdToken_SaysToCheckIt_WithoutShowingIt()
    {
        string file = IdTokenFile("eyJnot.accepted.token");
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ConnectAsync(o => { o.IdpId = "ci-idp"; o.IdTokenFile = file; }));
        Assert.Equal(EvsErrorKind.Authentication, ex.Kind);
        Assert.Equal("IAM.0001", ex.ErrorCode);
        Assert.Equal(EvsAdvice.CheckIdToken, ex.Advice);
        Assert.DoesNotContain("eyJnot.accepted.token", ex.ToString());
        Assert.Contains("ci-idp", ex.RecommendedAction());
    }

    // ---------------------------------------------------------------- agencies

    private static AgencySettings Agency(string name = "ops-agency") => new() { Name = name, DomainName = "partner", DurationSeconds = 3600, SessionName = "nightly-backup" };

    [Fact]
    public async Task Agency_FromAkSk_SignsAssumeRoleWithTheBaseKey_ThenWorksWithTheDelegatedKey()
    {
        using var ctx = await ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.AkSk;
            o.AccessKey = Ids.AccessKey;
            o.SecretKey = Ids.SecretKey;
            o.Agency = Agency();
        });

        var sts = Assert.Single(Requests("/v3.0/OS-CREDENTIAL/securitytokens"));
        Assert.Equal(Ids.AccessKey, CredentialServer.AccessKeyOf(sts.Header("Authorization")!));
        Assert.Equal(sts.Header("Authorization"), AuthTests.Resign(sts, Ids.AccessKey, Ids.SecretKey));
        var role = JsonDocument.Parse(sts.Body).RootElement.GetProperty("auth").GetProperty("identity");
        Assert.Equal("assume_role", role.GetProperty("methods")[0].GetString());
        var assume = role.GetProperty("assume_role");
        Assert.Equal("ops-agency", assume.GetProperty("agency_name").GetString());
        Assert.Equal("partner", assume.GetProperty("domain_name").GetString());
        Assert.False(assume.TryGetProperty("domain_id", out _));
        Assert.Equal(3600, assume.GetProperty("duration_seconds").GetInt32());
        Assert.Equal("nightly-backup", assume.GetProperty("session_user").GetProperty("name").GetString());

        Assert.Equal("Agency (ops-agency@partner) from Parameter", ctx.CredentialSource);
        Assert.Equal(CredentialServer.ProjectOfTemporaryKeys, ctx.ProjectId); // looked up with the delegated key
        Assert.NotEqual(Ids.AccessKey, ctx.AccessKey);
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.Equal(ctx.AccessKey, _server.EvsCalls.Single().Ak);
        Assert.Equal(_server.Issued(ctx.AccessKey!).Source, "agency");
    }

    [Fact]
    public async Task Agency_FromAPasswordToken_SendsTheTokenScopedToTheUsersOwnProject()
    {
        _handler.Fallback = (r, ct) => r.Uri.AbsolutePath == "/v3/auth/tokens"
            ? AuthTests.IamToken("MIIEpassword-token-of-the-base-user", TimeSpan.FromHours(24))(r, ct)
            : _server.Handle(r, ct);
        using var ctx = await ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.Password;
            o.UserName = "alice";
            o.DomainName = "acme";
            o.Password = "P@ssw0rd-very-secret-42";
            o.ProjectId = Ids.Project; // given: the agency's project, not used for the user's own token
            o.Agency = Agency();
        });

        var tokenRequest = Assert.Single(Requests("/v3/auth/tokens"));
        var scope = JsonDocument.Parse(tokenRequest.Body).RootElement.GetProperty("auth").GetProperty("scope").GetProperty("project");
        Assert.Equal("cn-north-4", scope.GetProperty("name").GetString());
        Assert.Equal("token:MIIEpassword-token-of-the-base-user", _server.SecurityTokenSigners.Single());
        Assert.Equal(EvsAuthType.AkSk, ctx.AuthType);
        Assert.Equal(Ids.Project, ctx.ProjectId);
        Assert.Equal("alice", ctx.UserName);
    }

    [Fact]
    public async Task Agency_Refused_SaysToCheckTheAgencyAndItsTrust()
    {
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.AkSk;
            o.AccessKey = Ids.AccessKey;
            o.SecretKey = Ids.SecretKey;
            o.Agency = Agency("no-such-agency");
        }));
        Assert.Equal(EvsErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal(403, ex.StatusCode);
        Assert.Contains("assume agency 'no-such-agency' of account 'partner'", ex.Message);
        Assert.Equal(EvsAdvice.CheckAgency, ex.Advice);
        Assert.Contains("-AgencyName 'no-such-agency'", ex.RecommendedAction());
    }

    [Theory]
    [InlineData("", "partner", null, 3600, null, "AgencyNameMissing")]
    [InlineData("ops agency", "partner", null, 3600, null, "InvalidAgencyName")]
    [InlineData("ops-agency", null, null, 3600, null, "AgencyDomainMissing")]
    [InlineData("ops-agency", "partner", null, 899, null, "InvalidAgencyDuration")]
    [InlineData("ops-agency", null, "0123", 86401, null, "InvalidAgencyDuration")]
    [InlineData("ops-agency", "partner", null, 900, "1abcde", "InvalidAgencySessionName")]
    [InlineData("ops-agency", "partner", null, 900, "abcd", "InvalidAgencySessionName")]
    public async Task Agency_BadSettings_AreRefusedBeforeAnyRequest(string name, string? domain, string? domainId, int duration, string? session, string errorId)
    {
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ConnectAsync(o =>
        {
            o.AuthType = EvsAuthType.AkSk;
            o.AccessKey = Ids.AccessKey;
            o.SecretKey = Ids.SecretKey;
            o.Agency = new AgencySettings { Name = name, DomainName = domain, DomainId = domainId, DurationSeconds = duration, SessionName = session };
        }));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(0, _handler.Count);
    }

    [Fact]
    public async Task Agency_IgnoresTheProjectIdOfTheBaseCredential()
    {
        var options = CredentialContexts.Options(_handler, _time, new Dictionary<string, string>
        {
            ["HUAWEICLOUD_SDK_AK"] = Ids.AccessKey,
            ["HUAWEICLOUD_SDK_SK"] = Ids.SecretKey,
            ["HUAWEICLOUD_SDK_PROJECT_ID"] = Ids.Project,
        });
        options.Agency = Agency();
        using var ctx = await EvsClient.ConnectAsync(options, new CallScope(_trace));
        Assert.Equal(CredentialServer.ProjectOfTemporaryKeys, ctx.ProjectId);
        Assert.Equal("Agency (ops-agency@partner) from Environment (HUAWEICLOUD_SDK_AK)", ctx.CredentialSource);
    }

    // ---------------------------------------------------------------- renewal under load

    [Fact]
    public async Task UnderLoad_KeysRotate_EveryCreateIsSentOnce_NoRequestUsesAnExpiredKey()
    {
        _server.Lifetime = TimeSpan.FromSeconds(8);
        _server.MetadataOverlap = TimeSpan.FromSeconds(1);
        using var ctx = await EcsAgencyAsync();
        var gate = new ConcurrencyGate(8);

        var creates = new List<Task<SnapshotDetails>>();
        for (int i = 0; i < 300; i++)
        {
            creates.Add(ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume, Name = "batch-" + i }, Contexts.Call(gate: gate)));
            if (i % 10 == 9) { _time.Advance(TimeSpan.FromSeconds(1)); await Task.Delay(1); } // 30 s of fake time: keys of 8 s rotate
        }
        await Task.WhenAll(creates);

        var posts = _server.EvsCalls.Where(c => c.Path.EndsWith("/cloudsnapshots", StringComparison.Ordinal)).ToList();
        Assert.Equal(300, posts.Count); // each create reached EVS once
        foreach (var (ak, at, _) in _server.Attempts) Assert.True(at < _server.Issued(ak).ExpiresAt, $"{ak} was sent at {at:O}, after its expiry");
        Assert.All(_server.Attempts, a => Assert.True(a.Accepted)); // renewed in time: not a single 401
        Assert.InRange(posts.Select(p => p.Ak).Distinct().Count(), 4, 10);
    }

    [Fact]
    public async Task AKeyExpiredEarly_The401RenewsIt_AndTheRequestIsSignedAgainWithTheNewKey()
    {
        using var ctx = await EcsAgencyAsync();
        string old = ctx.AccessKey!;
        _server.ExpireAll(); // e.g. revoked: the client still believes it valid for an hour
        // Hold the answers until all twenty requests are out with the old key, so their 401s arrive together.
        int withOld = 0;
        var allOut = new TaskCompletionSource();
        _handler.Fallback = async (r, ct) =>
        {
            if (r.Uri.AbsolutePath.StartsWith("/v2/") && CredentialServer.AccessKeyOf(r.Header("Authorization")!) == old)
            {
                if (Interlocked.Increment(ref withOld) == 20) allOut.SetResult();
                await allOut.Task.WaitAsync(ct);
            }
            return await _server.Handle(r, ct);
        };

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)))));

        Assert.Equal(20, withOld);                     // every request first went out with the old key
        Assert.Equal(20, _server.EvsCalls.Count);      // and once more, accepted, with the new one
        Assert.All(_server.EvsCalls, c => Assert.NotEqual(old, c.Ak));
        Assert.Equal(2, _server.SecurityKeyRequests);  // one renewal for all twenty
        Assert.Contains(_trace.VerboseLines, l => l.Contains("no longer accepts the ECS agency credential"));
    }

    [Theory]
    [InlineData("Incorrect IAM authentication information: security token expired,ak:X,expires_at:2030-01-01T00:00:00.000000Z", true)]
    [InlineData("Incorrect IAM authentication information: Get secretKey failed,ak:X,err:ak not exist", true)]
    [InlineData("Incorrect IAM authentication information: token expires, expires_at: 2030", true)]
    [InlineData("Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:x", false)]
    [InlineData("Incorrect IAM authentication information: verify aksk signature fail", false)]
    [InlineData(null, false)]
    public void WhichRejectionsRenewATemporaryKey(string? message, bool renews) =>
        Assert.Equal(renews, AkSkAuthProvider.SaysTemporaryKeyGone(message));
}
