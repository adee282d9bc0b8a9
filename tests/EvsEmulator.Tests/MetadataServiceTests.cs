using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The ECS metadata service (§14.4): token step, agency credentials, switches, rotation with overlap.
/// Clock-dependent checks freeze the emulator clock and move it explicitly.</summary>
public class MetadataServiceTests
{
    private const string NoAgency = "Please configure Cloud Service Agency first";

    private static async Task<Resp> PutToken(Emu emu, string? ttl = "21600")
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, "/meta-data/latest/api/token");
        if (ttl is not null) request.Headers.TryAddWithoutValidation("X-Metadata-Token-Ttl-Seconds", ttl);
        var response = await emu.Http.SendAsync(request);
        return new Resp(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static async Task<Resp> SecurityKey(Emu emu, string? token = null, CancellationToken ct = default, bool fresh = false)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openstack/latest/securitykey");
        if (token is not null) request.Headers.TryAddWithoutValidation("X-Metadata-Token", token);
        using var own = fresh ? new HttpClient { BaseAddress = new Uri(emu.BaseUrl) } : null;
        var response = await (own ?? emu.Http).SendAsync(request, ct);
        return new Resp(response.StatusCode, await response.Content.ReadAsStringAsync(ct), response);
    }

    /// <summary>AK/SK + security token from a {"credential":{...}} body.</summary>
    public static Cred CredOf(JsonNode body, string projectId) =>
        Emu.Signed(body["credential"]!["access"]!.GetValue<string>(), body["credential"]!["secret"]!.GetValue<string>(), projectId,
            body["credential"]!["securitytoken"]!.GetValue<string>());

    private static Task Freeze(Emu emu) =>
        emu.AdminAsync(HttpMethod.Post, "clock", "{\"set\":\"2030-01-01T00:00:00Z\",\"freeze\":true}");

    private static Task Advance(Emu emu, double s) =>
        emu.AdminAsync(HttpMethod.Post, "clock", $"{{\"advanceSeconds\":{s.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

    [Fact]
    public async Task TokenStep_ThenSecurityKey_GivesAgencyCredentialsThatWorkOnEvs()
    {
        await using var emu = await Emu.StartAsync();
        await Freeze(emu);
        var token = await PutToken(emu);
        Assert.Equal(200, token.Code);
        Assert.StartsWith("text/plain", token.Header("Content-Type"));
        Assert.True(token.Body.Length >= 32);

        var key = await SecurityKey(emu, token.Body);
        Assert.Equal(200, key.Code);
        var c = key.Json["credential"]!;
        Assert.Equal(["access", "secret", "securitytoken", "expires_at"], c.AsObject().Select(p => p.Key));
        // One hour, in the service's fractional format (milliseconds, written as microseconds).
        Assert.Equal("2030-01-01T01:00:00.000000Z", c["expires_at"]!.GetValue<string>());
        Assert.Matches("^[A-Z0-9]{20}$", c["access"]!.GetValue<string>());

        var cred = CredOf(key.Json, emu.Pid);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", cred)).Code);
        var projects = await emu.GetAsync("/v3/projects?name=cn-north-4", cred);
        Assert.Equal(emu.Pid, Assert.Single(projects.Json["projects"]!.AsArray())!["id"]!.GetValue<string>());

        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        Assert.Equal(["PUT /meta-data/latest/api/token", "GET /openstack/latest/securitykey"], log.Take(2).Select(e => e!["route"]!.GetValue<string>()));
        Assert.Equal("metadata-token", log[1]!["auth"]!.GetValue<string>());
        var evs = log[2]!;
        Assert.Equal(c["access"]!.GetValue<string>(), evs["credential"]!.GetValue<string>());
        Assert.Equal("metadata", evs["credentialSource"]!.GetValue<string>());
        Assert.Equal("aksk-temp", evs["auth"]!.GetValue<string>());
        var stats = (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;
        Assert.Equal(1, stats["credentialsIssued"]!["metadata"]!.GetValue<int>());
        Assert.Equal(1, stats["byRoute"]!["GET /openstack/latest/securitykey"]!.GetValue<int>());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    [InlineData("21601")]
    [InlineData("six hours")]
    public async Task TokenStep_NeedsATtlOf1To21600Seconds(string? ttl)
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal(400, (await PutToken(emu, ttl)).Code);
    }

    [Fact]
    public async Task WithoutTokenStep_PutIs404_AndGetWorksWithoutAToken()
    {
        await using var emu = await Emu.StartAsync();
        await emu.PatchConfigAsync("{\"metadata\":{\"tokenStep\":false}}");
        Assert.Equal(404, (await PutToken(emu)).Code);
        var key = await SecurityKey(emu);
        Assert.Equal(200, key.Code);
        Assert.NotNull(key.Json["credential"]!["securitytoken"]);
        // Without the token step a token header means nothing.
        Assert.Equal(200, (await SecurityKey(emu, "whatever")).Code);
    }

    [Fact]
    public async Task NoAgencyAttached_Is401WithTheAgencyText()
    {
        await using var emu = await Emu.StartAsync();
        await emu.PatchConfigAsync("{\"metadata\":{\"agencyAttached\":false}}");
        var token = (await PutToken(emu)).Body;
        var r = await SecurityKey(emu, token);
        Assert.Equal(401, r.Code);
        Assert.Contains(NoAgency, r.Body);
        Assert.Equal(0, (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["credentialsIssued"]!["metadata"]!.GetValue<int>());
    }

    [Fact]
    public async Task TokenRequired_MissingWrongOrExpiredTokenIs401_WithoutTheAgencyText()
    {
        await using var emu = await Emu.StartAsync();
        await Freeze(emu);
        await emu.PatchConfigAsync("{\"metadata\":{\"tokenRequired\":true}}");
        foreach (var token in new string?[] { null, "not-a-token" })
        {
            var r = await SecurityKey(emu, token);
            Assert.Equal(401, r.Code);
            Assert.DoesNotContain(NoAgency, r.Body);
        }
        var shortLived = (await PutToken(emu, "5")).Body;
        Assert.Equal(200, (await SecurityKey(emu, shortLived)).Code);
        await Advance(emu, 5);
        var expired = await SecurityKey(emu, shortLived);
        Assert.Equal(401, expired.Code);
        Assert.DoesNotContain(NoAgency, expired.Body);
        Assert.Equal(200, (await SecurityKey(emu, (await PutToken(emu)).Body)).Code);

        // Optional mode (the default) still refuses a wrong token, so the SDK's "new token, retry once" path runs.
        await emu.PatchConfigAsync("{\"metadata\":{\"tokenRequired\":false}}");
        Assert.Equal(200, (await SecurityKey(emu)).Code);
        Assert.Equal(401, (await SecurityKey(emu, "not-a-token")).Code);
    }

    [Fact]
    public async Task Credentials_RotateBeforeExpiry_OldAndNewOverlap_ThenTheOldOneExpires()
    {
        // 60 s lifetime: overlap min(600, 60/6) = 10 s, so a new key appears at 50 s and the old one dies at 60 s.
        await using var emu = await Emu.StartAsync("--metadata-credential-lifetime-seconds", "60");
        await Freeze(emu);
        var first = (await SecurityKey(emu)).Json;
        var c1 = CredOf(first, emu.Pid);
        Assert.Equal("2030-01-01T00:01:00.000000Z", first["credential"]!["expires_at"]!.GetValue<string>());

        await Advance(emu, 49.999);
        Assert.Equal(c1.Ak, CredOf((await SecurityKey(emu)).Json, emu.Pid).Ak);

        await Advance(emu, 0.001); // 50 s: rotated
        var second = (await SecurityKey(emu)).Json;
        var c2 = CredOf(second, emu.Pid);
        Assert.NotEqual(c1.Ak, c2.Ak);
        Assert.Equal("2030-01-01T00:01:50.000000Z", second["credential"]!["expires_at"]!.GetValue<string>());
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c1)).Code); // overlap
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c2)).Code);

        await Advance(emu, 10); // 60 s: the first key has expired, the second still works
        var old = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c1);
        Assert.Equal(401, old.Code);
        Assert.Equal("APIGW.0301", old.ErrorCode);
        Assert.Equal($"Incorrect IAM authentication information: security token expired,ak:{c1.Ak},expires_at:2030-01-01T00:01:00.000000Z",
            old.ErrorMessage);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c2)).Code);
        Assert.Equal(c2.Ak, CredOf((await SecurityKey(emu)).Json, emu.Pid).Ak);

        // The log shows the rotation: the keys handed out, in order.
        var handedOut = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray()
            .Where(e => e!["route"]?.GetValue<string>() == "GET /openstack/latest/securitykey")
            .Select(e => e!["credential"]!.GetValue<string>()).ToList();
        Assert.Equal([c1.Ak!, c1.Ak!, c2.Ak!, c2.Ak!], handedOut);
        Assert.Equal(2, (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["credentialsIssued"]!["metadata"]!.GetValue<int>());
    }

    [Fact]
    public async Task ControlPlane_RotatesNow_AndExpiresNow()
    {
        await using var emu = await Emu.StartAsync();
        var c1 = CredOf((await SecurityKey(emu)).Json, emu.Pid);
        var rotated = (await emu.AdminAsync(HttpMethod.Post, "metadata/rotate")).Json;
        Assert.Equal(c1.Ak, rotated["previous"]!.GetValue<string>());
        var c2 = CredOf((await SecurityKey(emu)).Json, emu.Pid);
        Assert.Equal(rotated["access"]!.GetValue<string>(), c2.Ak);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c1)).Code);

        var state = (await emu.AdminAsync(HttpMethod.Get, "metadata")).Json;
        Assert.Equal("ecs_evs_agency", state["agencyName"]!.GetValue<string>());
        Assert.Equal(c2.Ak, state["current"]!["access"]!.GetValue<string>());
        Assert.Equal(600, state["overlapSeconds"]!.GetValue<double>());

        var expired = (await emu.AdminAsync(HttpMethod.Post, "credentials/expire", "{\"source\":\"metadata\"}")).Json;
        Assert.Equal(2, expired["temporaryCredentialsExpired"]!.GetValue<int>());
        Assert.Equal(0, expired["tokensExpired"]!.GetValue<int>());
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c2);
        Assert.Equal(401, r.Code);
        Assert.Contains("expired", r.ErrorMessage);
        // The seeded temporary key is not a metadata credential and still works.
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred
        {
            Ak = emu.Info["tempAccessKey"]!.GetValue<string>(),
            Sk = emu.Info["tempSecretKey"]!.GetValue<string>(),
            SecurityToken = emu.Info["securityToken"]!.GetValue<string>(),
        })).Code);
        // The next fetch hands out a fresh key.
        var c3 = CredOf((await SecurityKey(emu)).Json, emu.Pid);
        Assert.NotEqual(c2.Ak, c3.Ak);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", c3)).Code);
    }

    [Fact]
    public async Task SlowOrDown_AndNeverThrottledOrFaulted()
    {
        await using var emu = await Emu.StartAsync();
        await emu.PatchConfigAsync("{\"metadata\":{\"failure\":\"503\"}}");
        Assert.Equal(503, (await SecurityKey(emu)).Code);
        Assert.Equal(503, (await PutToken(emu)).Code);
        await emu.PatchConfigAsync("{\"metadata\":{\"failure\":\"reset\"}}");
        await Assert.ThrowsAsync<HttpRequestException>(() => SecurityKey(emu, fresh: true));
        await emu.PatchConfigAsync("{\"metadata\":{\"failure\":null,\"latencyMs\":30000}}");
        using (var cts = new CancellationTokenSource(300))
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => SecurityKey(emu, ct: cts.Token, fresh: true));
        await Emu.WaitUntilAsync(async () =>
            (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!["clientAborted"]!.GetValue<bool>());

        await emu.PatchConfigAsync("{\"metadata\":{\"latencyMs\":0},\"rateLimitPerSecond\":1,\"rateLimit\":{\"all\":\"1/1s\"},\"faults\":{\"503\":1,\"paths\":\".*\"}}");
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await SecurityKey(emu)).Code);
        Assert.Equal(400, (await emu.PatchConfigAsync("{\"metadata\":{\"failure\":\"down\"}}")).Code);
        Assert.Equal(400, (await emu.PatchConfigAsync("{\"metadata\":{\"credentialLifetimeSeconds\":60,\"overlapSeconds\":60}}")).Code);
    }

    [Fact]
    public async Task OtherMethodsAndPaths()
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal(405, (await emu.SendAsync(HttpMethod.Get, "/meta-data/latest/api/token", auth: Cred.None)).Code);
        Assert.Equal(405, (await emu.SendAsync(HttpMethod.Post, "/openstack/latest/securitykey", "{}", Cred.None)).Code);
        Assert.Equal(404, (await emu.SendAsync(HttpMethod.Get, "/openstack/latest/meta_data.json", auth: Cred.None)).Code);
        var info = emu.Info;
        Assert.Equal(emu.BaseUrl + "/openstack/latest/securitykey", info["metadata"]!["securityKeyUrl"]!.GetValue<string>());
        Assert.Equal(emu.BaseUrl + "/meta-data/latest/api/token", info["endpoints"]!["metadataToken"]!.GetValue<string>());
        Assert.Equal("evs-demo", info["metadata"]!["domainName"]!.GetValue<string>());
    }
}
