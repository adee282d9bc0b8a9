using Microsoft.Extensions.Time.Testing;
using EvsSnapshot.Client.Operations;
using System.Globalization;
using System.Net;
using System.Text.Json;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Signing;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>AK/SK signing with clock-skew correction, static tokens, IAM password tokens, project resolution.</summary>
public class AuthTests
{
    private const string SecurityToken = "ST-temporary-security-token-9f8e7d6c5b4a";
    private const string SignatureExpired =
        "Incorrect IAM authentication information: calc aksk signature fail:signature expired, signature time:20240301T100000Z,server time:20240301T102000Z";

    internal static List<string> SignedHeaders(RecordedRequest r)
    {
        string auth = r.Header("Authorization") ?? throw new Xunit.Sdk.XunitException("no Authorization header");
        int start = auth.IndexOf("SignedHeaders=", StringComparison.Ordinal) + "SignedHeaders=".Length;
        int end = auth.IndexOf(',', start);
        return auth[start..end].Split(';').ToList();
    }

    /// <summary>Re-signs the request from what was on the wire, with the signer, and the given keys.</summary>
    internal static string Resign(RecordedRequest r, string accessKey, string secretKey)
    {
        string logicalPath = string.Join("/", r.Uri.AbsolutePath.Split('/').Select(Uri.UnescapeDataString));
        var signing = new SigningRequest(r.Method.Method, r.Uri.Authority, logicalPath) { Body = r.Body };
        string query = r.Uri.Query;
        if (query.Length > 1)
        {
            foreach (var part in query[1..].Split('&'))
            {
                int eq = part.IndexOf('=');
                signing.Query.Add(new(Uri.UnescapeDataString(part[..eq]), Uri.UnescapeDataString(part[(eq + 1)..])));
            }
        }
        foreach (var name in SignedHeaders(r).Where(n => n != "host"))
        {
            foreach (var h in r.Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)))
                signing.Headers.Add(new(name, h.Value));
        }
        return AkSkSigner.Sign(signing, accessKey, secretKey);
    }

    private static DateTime SdkDate(RecordedRequest r) =>
        DateTime.ParseExact(r.Header("X-Sdk-Date")!, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    // ------------------------------------------------------------------ AK/SK

    [Fact]
    public async Task AkSk_GetCarriesSignedHeaders_AndTheSignatureVerifies()
    {
        var handler = new FakeHandler().Then(_ => Wire.Ok(Wire.List(Array.Empty<Dictionary<string, object?>>(), count: 0)));
        using var ctx = await Contexts.AkSkAsync(handler);

        await ctx.Api.ListSnapshotsAsync(new SnapshotQuery { Name = "a b&c", Ids = { Ids.Snapshot, Ids.Volume } }, 0, 50, Contexts.Call());

        var r = Assert.Single(handler.Requests);
        Assert.Equal(Ids.Project, r.Header("X-Project-Id"));
        Assert.Null(r.Header("X-Security-Token"));
        Assert.Null(r.Header("X-Auth-Token"));
        var sdkDate = SdkDate(r);
        Assert.InRange(sdkDate, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.StartsWith("SDK-HMAC-SHA256 Access=" + Ids.AccessKey + ", SignedHeaders=", r.Header("Authorization"));
        Assert.Equal(new[] { "host", "x-project-id", "x-sdk-date" }, SignedHeaders(r));
        Assert.Equal(r.Header("Authorization"), Resign(r, Ids.AccessKey, Ids.SecretKey));
        Assert.NotEqual(r.Header("Authorization"), Resign(r, Ids.AccessKey, Ids.SecretKey + "x"));
    }

    [Fact]
    public async Task AkSk_PostSignsContentTypeAndBody()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Accepted, Wire.Envelope(Wire.Snapshot(Ids.Snapshot, "creating")));
        using var ctx = await Contexts.AkSkAsync(handler);

        await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume, Name = "ünïcode name" }, Contexts.Call());

        var r = Assert.Single(handler.Requests);
        Assert.Equal(new[] { "content-type", "host", "x-project-id", "x-sdk-date" }, SignedHeaders(r));
        Assert.Equal(r.Header("Authorization"), Resign(r, Ids.AccessKey, Ids.SecretKey));
    }

    [Fact]
    public async Task AkSk_TemporaryCredentials_SignTheSecurityToken()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => o.SecurityToken = SecurityToken);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        var r = Assert.Single(handler.Requests);
        Assert.Equal(SecurityToken, r.Header("X-Security-Token"));
        Assert.Equal(new[] { "host", "x-project-id", "x-sdk-date", "x-security-token" }, SignedHeaders(r));
        Assert.Equal(r.Header("Authorization"), Resign(r, Ids.AccessKey, Ids.SecretKey));
        Assert.True(ctx.UsesSecurityToken);
    }

    [Fact]
    public async Task AkSk_EndpointWithBasePath_SignsTheFullPath()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => o.Endpoint = new Uri("http://localhost:8080/evs/"));

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        var r = Assert.Single(handler.Requests);
        Assert.Equal($"/evs/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}", r.Uri.AbsolutePath);
        Assert.Equal(r.Header("Authorization"), Resign(r, Ids.AccessKey, Ids.SecretKey));
    }

    [Theory]
    [InlineData(20)]
    [InlineData(-20)]
    public async Task AkSk_SignatureExpired_CorrectsTheClockOnceAndRetries(int minutesServerAhead)
    {
        var trace = new RecordingTrace();
        var skew = TimeSpan.FromMinutes(minutesServerAhead);
        var handler = new FakeHandler()
            .Then(_ =>
            {
                var r = Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", SignatureExpired));
                r.Headers.Date = DateTimeOffset.UtcNow + skew;
                return r;
            })
            .Then(_ => Wire.SnapshotOk())
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        var requests = handler.Requests;
        Assert.Equal(3, requests.Count);
        var shift = SdkDate(requests[1]) - SdkDate(requests[0]);
        Assert.InRange(shift.TotalMinutes, minutesServerAhead - 1, minutesServerAhead + 1);
        Assert.InRange((SdkDate(requests[2]) - DateTime.UtcNow - skew).TotalMinutes, -1, 1); // later calls keep the correction
        Assert.InRange((ctx.ClockOffset - skew).TotalSeconds, -5, 5);
        Assert.Equal(requests[1].Header("Authorization"), Resign(requests[1], Ids.AccessKey, Ids.SecretKey));
        var line = Assert.Single(trace.VerboseLines, l => l.Contains("Clock skew detected"));
        Assert.Contains(minutesServerAhead > 0 ? "behind by" : "ahead by", line);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(40)]
    public async Task AkSk_SecondSignatureExpired_DoesNotLoop(int secondSkewMinutes)
    {
        var handler = new FakeHandler();
        int n = 0;
        handler.Fallback = (_, _) =>
        {
            var r = Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", SignatureExpired));
            r.Headers.Date = DateTimeOffset.UtcNow.AddMinutes(Interlocked.Increment(ref n) == 1 ? 20 : secondSkewMinutes);
            return Task.FromResult(r);
        };
        using var ctx = await Contexts.AkSkAsync(handler);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(2, handler.Count);
        Assert.Equal("AuthenticationFailed", ex.ErrorId);
        Assert.Contains("Synchronise", ex.RecommendedAction());
    }

    [Fact]
    public async Task AkSk_SignatureExpiredWithoutDateHeader_IsNotRetried()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler().Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", SignatureExpired));
        using var ctx = await Contexts.AkSkAsync(handler, trace);
        await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));
        Assert.Equal(1, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("no Date header"));
        Assert.Equal(TimeSpan.Zero, ctx.ClockOffset);
    }

    [Fact]
    public async Task AkSk_SignatureExpiredButClockWithinAMinute_IsNotRetried()
    {
        var handler = new FakeHandler().Then(_ =>
        {
            var r = Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", SignatureExpired));
            r.Headers.Date = DateTimeOffset.UtcNow.AddSeconds(10);
            return r;
        });
        using var ctx = await Contexts.AkSkAsync(handler);
        await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(1, handler.Count);
        Assert.Equal(TimeSpan.Zero, ctx.ClockOffset);
    }

    [Fact]
    public async Task AkSk_VerifyFail_IsNotRetried_NamesAccessKeyNotSecret()
    {
        string echo = "Incorrect IAM authentication information: verify aksk signature fail, canonicalRequest:GET|/v2/" + Ids.Project
                      + "/cloudsnapshots/|x-sdk-date:20240301T100000Z|sk=" + Ids.SecretKey;
        var handler = new FakeHandler().Then(_ =>
        {
            var r = Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", echo));
            r.Headers.Date = DateTimeOffset.UtcNow.AddMinutes(30); // a Date far off must not trigger a clock correction here
            return r;
        });
        using var ctx = await Contexts.AkSkAsync(handler);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(1, handler.Count);
        Assert.Equal(EvsErrorKind.Authentication, ex.Kind);
        Assert.Contains("access key '" + Ids.AccessKey + "'", ex.Message);
        Assert.Contains("verify aksk signature fail", ex.Message);
        Assert.DoesNotContain(Ids.SecretKey, ex.ToString());
        Assert.DoesNotContain("canonicalRequest", ex.Message);
        Assert.DoesNotContain("canonicalRequest", ex.ApiMessage);
        Assert.Equal(TimeSpan.Zero, ctx.ClockOffset);
    }

    [Fact]
    public async Task AkSk_TemporaryKey_IsDescribedAsTemporary()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: ak " + Ids.AccessKey + " not exist"));
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => o.SecurityToken = SecurityToken);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Contains("temporary access key '" + Ids.AccessKey + "'", ex.Message);
    }

    [Theory]
    [InlineData(null, "x")]
    [InlineData("", "x")]
    [InlineData("ak", null)]
    public async Task AkSk_MissingKey_IsCredentialMissing(string? ak, string? sk)
    {
        var handler = new FakeHandler();
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.AkSkAsync(handler, tweak: o => { o.AccessKey = ak; o.SecretKey = sk; }));
        Assert.Equal("CredentialMissing", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    // ------------------------------------------------------------------ static token

    private static EvsClientSettings TokenOptions(FakeHandler handler, string token = "static-token-abcdef-123456") => new()
    {
        Region = "cn-north-4",
        ProjectId = Ids.Project,
        Endpoint = Contexts.Endpoint,
        IamEndpoint = Contexts.IamEndpoint,
        AuthType = EvsAuthType.Token,
        Token = token,
        Retry = Contexts.FastRetry(),
        Handler = handler,
    };

    [Fact]
    public async Task Token_IsSentAsXAuthToken_AndNotRenewedOn401()
    {
        var handler = new FakeHandler()
            .Then(_ => Wire.SnapshotOk())
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: token expires, expires_at: 2024-03-01"));
        using var ctx = await Contexts.ConnectAsync(TokenOptions(handler));

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(2, handler.Count);
        Assert.Equal("static-token-abcdef-123456", handler.Requests[0].Header("X-Auth-Token"));
        Assert.Null(handler.Requests[0].Header("Authorization"));
        Assert.Null(handler.Requests[0].Header("X-Sdk-Date"));
        Assert.Contains("the IAM token given when connecting", ex.Message);
        Assert.Contains("-UserName/-Password", ex.RecommendedAction());
    }

    // ------------------------------------------------------------------ IAM password

    private const string IamUser = Contexts.IamUser;
    private const string IamDomain = Contexts.IamDomain;
    private const string IamPassword = Contexts.IamPassword;

    private static EvsClientSettings PasswordOptions(FakeHandler handler, string? projectId = Ids.Project, TimeProvider? time = null) =>
        Contexts.PasswordOptions(handler, projectId: projectId, time: time);

    internal static Responder IamToken(string token, TimeSpan lifetime, string? projectId = Ids.Project) => (_, _) =>
    {
        var issued = new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc);
        var body = new Dictionary<string, object?>
        {
            ["token"] = new Dictionary<string, object?>
            {
                ["issued_at"] = issued.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                ["expires_at"] = (issued + lifetime).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                ["methods"] = new[] { "password" },
                ["project"] = projectId == null ? null : new Dictionary<string, object?> { ["id"] = projectId, ["name"] = "cn-north-4" },
            },
        };
        var r = Respond.Json(HttpStatusCode.Created, JsonSerializer.Serialize(body), ("X-Subject-Token", token));
        return Task.FromResult(r);
    };

    private static bool IsTokenRequest(RecordedRequest r) => r.Method == HttpMethod.Post && r.Uri.AbsolutePath == "/v3/auth/tokens";

    [Fact]
    public async Task Password_TokenRequestHasTheDocumentedShape_AndTokenIsUsed()
    {
        var handler = new FakeHandler().Then(IamToken("iam-token-one-1234567890", TimeSpan.FromHours(24))).Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler, projectId: null));

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        var iam = handler.Requests[0];
        Assert.Equal("http://127.0.0.1:2/v3/auth/tokens", iam.Uri.GetLeftPart(UriPartial.Path));
        Assert.Null(iam.Header("X-Auth-Token"));
        Assert.Null(iam.Header("Authorization"));
        var auth = JsonDocument.Parse(iam.Body).RootElement.GetProperty("auth");
        Assert.Equal(new[] { "password" }, auth.GetProperty("identity").GetProperty("methods").EnumerateArray().Select(e => e.GetString()));
        var user = auth.GetProperty("identity").GetProperty("password").GetProperty("user");
        Assert.Equal(IamUser, user.GetProperty("name").GetString());
        Assert.Equal(IamPassword, user.GetProperty("password").GetString());
        Assert.Equal(IamDomain, user.GetProperty("domain").GetProperty("name").GetString());
        var project = auth.GetProperty("scope").GetProperty("project");
        Assert.Equal("cn-north-4", project.GetProperty("name").GetString());
        Assert.False(project.TryGetProperty("id", out _));

        var evs = handler.Requests[1];
        Assert.Equal("iam-token-one-1234567890", evs.Header("X-Auth-Token"));
        Assert.Null(evs.Header("Authorization"));
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}", evs.Uri.AbsolutePath); // project taken from the token
        Assert.Equal(Ids.Project, ctx.ProjectId);
        Assert.NotNull(ctx.TokenExpiresAt);
        Assert.InRange((ctx.TokenExpiresAt!.Value - DateTime.UtcNow).TotalHours, 23.9, 24.1);
    }

    [Fact]
    public async Task Password_WithProjectId_ScopesByIdAndDoesNotAskIamForProjects()
    {
        const string otherProject = "fedcba9876543210fedcba9876543210";
        var handler = new FakeHandler().Then(IamToken("iam-token-two-1234567890", TimeSpan.FromHours(24), projectId: Ids.Project));
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler, projectId: otherProject));

        var project = JsonDocument.Parse(handler.Requests[0].Body).RootElement.GetProperty("auth").GetProperty("scope").GetProperty("project");
        Assert.Equal(otherProject, project.GetProperty("id").GetString());
        Assert.False(project.TryGetProperty("name", out _));
        Assert.Equal(otherProject, ctx.ProjectId); // the given id wins
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Password_TokenWithoutProject_AndNoProjectId_IsAClearError()
    {
        var handler = new FakeHandler().Then(IamToken("iam-token-noproject-123", TimeSpan.FromHours(24), projectId: null));
        var ex = await Assert.ThrowsAsync<EvsException>(() => Contexts.ConnectAsync(PasswordOptions(handler, projectId: null)));
        Assert.Equal("ProjectNotResolved", ex.ErrorId);
    }

    [Fact]
    public async Task Password_Wrong_FailsConnectNamingTheUserNotThePassword()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Unauthorized,
            "{\"error\":{\"code\":401,\"message\":\"The username or password is wrong. password=" + IamPassword + "\",\"title\":\"Unauthorized\"}}");
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => Contexts.ConnectAsync(PasswordOptions(handler)));
        Assert.Equal("AuthenticationFailed", ex.ErrorId);
        Assert.Contains("IAM user 'alice' of account 'acme'", ex.Message);
        Assert.DoesNotContain(IamPassword, ex.ToString());
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Password_TokenExpires401_RenewsOnceAndRepeatsTheRequest()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(IamToken("iam-token-old-1234567890", TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: token expires, expires_at: 2024-03-02T10:00:00Z"))
            .Then(IamToken("iam-token-new-1234567890", TimeSpan.FromHours(24)))
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler), trace);

        var s = await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(Ids.Snapshot, s.Id);
        var requests = handler.Requests;
        Assert.Equal(4, requests.Count);
        Assert.Equal(2, requests.Count(IsTokenRequest));
        Assert.Equal("iam-token-old-1234567890", requests[1].Header("X-Auth-Token"));
        Assert.Equal("iam-token-new-1234567890", requests[3].Header("X-Auth-Token"));
        Assert.Contains(trace.VerboseLines, l => l.Contains("no longer accepts the IAM token"));
    }

    [Fact]
    public async Task Password_TokenExpiresAgainAfterRenewal_IsFinal()
    {
        string expired = Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: token expires, expires_at: x");
        var handler = new FakeHandler()
            .Then(IamToken("iam-token-a-1234567890", TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.Unauthorized, expired)
            .Then(IamToken("iam-token-b-1234567890", TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.Unauthorized, expired);
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler));

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(4, handler.Count);
        Assert.Equal(EvsErrorKind.Authentication, ex.Kind);
    }

    [Fact]
    public async Task Password_Other401_DoesNotRenew()
    {
        var handler = new FakeHandler()
            .Then(IamToken("iam-token-c-1234567890", TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found"));
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler));
        await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task Password_TokenNearExpiry_IsRenewedBeforeTheRequest()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(IamToken("iam-token-short-1234567890", TimeSpan.FromMilliseconds(300)))
            .Then(IamToken("iam-token-long-1234567890", TimeSpan.FromHours(24)))
            .Then(_ => Wire.SnapshotOk())
            .Then(_ => Wire.SnapshotOk());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler, time: time), trace);
        time.Advance(TimeSpan.FromMilliseconds(400)); // past the refresh time of the 300 ms token

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(new[] { true, true, false, false }, handler.Requests.Select(IsTokenRequest));
        Assert.Equal("iam-token-long-1234567890", handler.Requests[2].Header("X-Auth-Token"));
        Assert.Equal("iam-token-long-1234567890", handler.Requests[3].Header("X-Auth-Token"));
        Assert.Contains(trace.VerboseLines, l => l.Contains("renewing it now"));
    }

    [Fact]
    public async Task Password_TokenRenewal_WorksWhileTheConcurrencyGateIsFull()
    {
        // A concurrent cmdlet holds a gate slot while the auth provider renews the token: the IAM request must not
        // need a slot of its own, or a -ThrottleLimit 1 batch deadlocks at the first renewal.
        var handler = new FakeHandler()
            .Then(IamToken("iam-token-short-abcdefghij", TimeSpan.FromMilliseconds(300)))
            .Then(IamToken("iam-token-long-abcdefghij", TimeSpan.FromHours(24)))
            .Then(_ => Wire.SnapshotOk());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler, time: time));
        time.Advance(TimeSpan.FromMilliseconds(400));
        var gate = new ConcurrencyGate(1);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(ct: cts.Token, gate: gate));
        var finished = await Task.WhenAny(call, Task.Delay(TimeSpan.FromSeconds(6)));

        Assert.Same(call, finished);
        Assert.Equal(Ids.Snapshot, (await call).Id);
        Assert.Equal(0, gate.InFlight);
    }

    [Fact]
    public async Task Password_ConcurrentRequests_ShareOneRenewal()
    {
        var handler = new FakeHandler();
        int tokens = 0;
        handler.Fallback = (r, ct) => IsTokenRequest(r)
            ? IamToken("iam-token-n" + Interlocked.Increment(ref tokens) + "-abcdefgh", tokens == 1 ? TimeSpan.FromMilliseconds(300) : TimeSpan.FromHours(24))(r, ct)
            : Task.FromResult(Wire.SnapshotOk());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ctx = await Contexts.ConnectAsync(PasswordOptions(handler, time: time));
        time.Advance(TimeSpan.FromMilliseconds(400));

        await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call())));

        Assert.Equal(2, handler.Requests.Count(IsTokenRequest));
        Assert.All(handler.Requests.Where(r => !IsTokenRequest(r)), r => Assert.Equal("iam-token-n2-abcdefgh", r.Header("X-Auth-Token")));
    }

    [Theory]
    [InlineData(null, "d", "p")]
    [InlineData("u", "", "p")]
    [InlineData("u", "d", null)]
    public async Task Password_MissingParts_IsCredentialMissing(string? user, string? domain, string? password)
    {
        var handler = new FakeHandler();
        var options = PasswordOptions(handler);
        options.UserName = user;
        options.DomainName = domain;
        options.Password = password;
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.ConnectAsync(options));
        Assert.Equal("CredentialMissing", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    // ------------------------------------------------------------------ project resolution

    private static string Projects(params string[] ids) => JsonSerializer.Serialize(new
    {
        projects = ids.Select(id => new { id, name = "cn-north-4" }).ToArray(),
    });

    [Fact]
    public async Task ProjectId_ResolvedThroughIam_WhenNotGiven()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, Projects(Ids.Project), ("X-IAM-Trace-Id", "t1")).Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => o.ProjectId = null);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        var iam = handler.Requests[0];
        Assert.Equal(HttpMethod.Get, iam.Method);
        Assert.Equal("127.0.0.1:2", iam.Uri.Authority);
        Assert.Equal("/v3/projects", iam.Uri.AbsolutePath);
        Assert.Equal("cn-north-4", iam.Query("name"));
        Assert.Null(iam.Header("X-Project-Id")); // IAM is not project-scoped
        Assert.Equal(iam.Header("Authorization"), Resign(iam, Ids.AccessKey, Ids.SecretKey));
        Assert.Equal(Ids.Project, ctx.ProjectId);
        Assert.Equal(Ids.Project, handler.Requests[1].Header("X-Project-Id"));
    }

    [Theory]
    [InlineData(0, "ProjectNotFound")]
    [InlineData(2, "ProjectAmbiguous")]
    public async Task ProjectId_ZeroOrSeveralMatches_IsAClearError(int matches, string errorId)
    {
        var ids = Enumerable.Range(0, matches).Select(i => i + Ids.Project[1..]).ToArray();
        var handler = new FakeHandler().Then(HttpStatusCode.OK, Projects(ids));
        var ex = await Assert.ThrowsAsync<EvsException>(() => Contexts.AkSkAsync(handler, tweak: o => o.ProjectId = null));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Contains("cn-north-4", ex.Message);
        Assert.Equal(EvsAdvice.ChooseProject, ex.Advice);
        Assert.Contains("-ProjectId", ex.RecommendedAction()); // worded by the cmdlet layer, not the engine
    }

    [Fact]
    public async Task ProjectId_ResolvedWithAStaticToken()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, Projects(Ids.Project));
        var options = TokenOptions(handler);
        options.ProjectId = null;
        using var ctx = await Contexts.ConnectAsync(options);
        Assert.Equal(Ids.Project, ctx.ProjectId);
        Assert.Equal("static-token-abcdef-123456", handler.Requests[0].Header("X-Auth-Token"));
    }

    [Fact]
    public async Task ProjectId_GivenIsValidated()
    {
        var handler = new FakeHandler();
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.AkSkAsync(handler, tweak: o => o.ProjectId = "../other"));
        Assert.Equal("InvalidProjectId", ex.ErrorId);
    }
}
