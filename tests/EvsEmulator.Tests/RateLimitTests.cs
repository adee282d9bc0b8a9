using System.Text.Json.Nodes;
using EvsEmulator.Faults;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The gateway's per-credential rate limits (rateLimit). Every test freezes the emulator clock, so budgets
/// depend on the clock moves the test makes and never on how fast the machine is.</summary>
public class RateLimitTests
{
    private const string Prefix = "The throttling threshold has been reached: policy user over ratelimit,";

    private static async Task Freeze(Emu emu, string at = "2030-01-01T00:00:03Z")
    {
        var r = await emu.AdminAsync(HttpMethod.Post, "clock", $"{{\"set\":\"{at}\",\"freeze\":true}}");
        Assert.Equal(200, r.Code);
        Assert.True(r.Json["frozen"]!.GetValue<bool>());
    }

    private static Task Advance(Emu emu, double seconds) =>
        emu.AdminAsync(HttpMethod.Post, "clock", $"{{\"advanceSeconds\":{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

    private static Task<Resp> Read(Emu emu, Cred? cred = null) => emu.GetAsync(emu.Evs + "/cloudvolumes/detail?limit=1", cred);

    private static async Task<int> Passing(Emu emu, int attempts, Cred? cred = null)
    {
        var n = 0;
        for (var i = 0; i < attempts; i++)
        {
            var r = await Read(emu, cred);
            if (r.Code == 200) n++;
            else Assert.Equal(429, r.Code);
        }
        return n;
    }

    private static void AssertThrottled(Resp r, string limitAndTime)
    {
        Assert.Equal(429, r.Code);
        Assert.Equal("APIGW.0308", r.Json["error_code"]!.GetValue<string>());
        Assert.Equal(Prefix + limitAndTime, r.Json["error_msg"]!.GetValue<string>());
        Assert.Equal(r.Header("X-Request-Id"), r.Json["request_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task Bucket_AdmitsNThenRefusesWithinTheSameSecond_AndRefillsContinuously()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "read=5/1s");
        await Freeze(emu);
        Assert.Equal(5, await Passing(emu, 5));
        var refused = await Read(emu);
        AssertThrottled(refused, "limit:5,time:1 second");
        Assert.Null(refused.Header("Retry-After"));

        await Advance(emu, 0.2); // one token (5 per second)
        Assert.Equal(1, await Passing(emu, 3));
        await Advance(emu, 10); // full again, but the burst is capped at N
        Assert.Equal(5, await Passing(emu, 8));
    }

    [Fact]
    public async Task Window_AdmitsNPerWindow_UntilTheWindowTurns()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "all=3/10s:window");
        await Freeze(emu, "2030-01-01T00:00:03Z"); // window [00:00:00, 00:00:10)
        Assert.Equal(3, await Passing(emu, 3));
        AssertThrottled(await Read(emu), "limit:3,time:10 second");
        await Advance(emu, 6.999); // 00:00:09.999: same window, nothing refilled
        Assert.Equal(0, await Passing(emu, 2));
        await Advance(emu, 0.002); // 00:00:10.001: the next window
        Assert.Equal(3, await Passing(emu, 5));
    }

    [Theory]
    [InlineData("1/1s", "limit:1,time:1 second")]
    [InlineData("2/10s:window", "limit:2,time:10 second")]
    [InlineData("2/60s:window", "limit:2,time:1 minute")]
    [InlineData("100/1m", "limit:100,time:1 minute")]
    [InlineData("5/120", "limit:5,time:2 minute")]
    [InlineData("7/90s", "limit:7,time:90 second")]
    public async Task Message_NamesTheLimitAndTheWindow(string spec, string expected)
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "read=" + spec);
        await Freeze(emu);
        var limit = int.Parse(spec.Split('/')[0]);
        Assert.Equal(limit, await Passing(emu, limit));
        AssertThrottled(await Read(emu), expected);
    }

    [Fact]
    public async Task ReadAndWriteBudgets_AreSeparate()
    {
        await using var emu = await Emu.FastAsync("--rate-limit", "write=1/1s,read=2/1s");
        await Freeze(emu);
        var create = $"{{\"snapshot\":{{\"volume_id\":\"{emu.VolumeId("app01")}\"}}}}";
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", create)).Code);
        AssertThrottled(await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", create), "limit:1,time:1 second");
        // The write budget being empty does not stop reads, and reads do not use the write budget.
        Assert.Equal(2, await Passing(emu, 2));
        AssertThrottled(await Read(emu), "limit:2,time:1 second");
        var del = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{emu.SeedSnapshotId("db01-weekly")}");
        AssertThrottled(del, "limit:1,time:1 second");
        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        Assert.Equal(["write", "read", "write"], log.Where(e => e!["rateLimited"]!.GetValue<bool>()).Select(e => e!["throttledBy"]!.GetValue<string>()));
        Assert.Equal(5, (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task AllAndSpecificBudgets_BothApply()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "all=3/1s,read=10/1s");
        await Freeze(emu);
        Assert.Equal(3, await Passing(emu, 5));
        var r = await Read(emu);
        AssertThrottled(r, "limit:3,time:1 second");
    }

    [Fact]
    public async Task RetryAfter_OnlyWithTheSwitch_SecondsUntilARequestWouldPass()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "read=1/10s");
        await Freeze(emu);
        Assert.Equal(1, await Passing(emu, 1));
        Assert.Null((await Read(emu)).Header("Retry-After"));

        await emu.PatchConfigAsync("{\"rateLimit\":{\"retryAfter\":true}}"); // a patch restarts the budgets
        Assert.Equal(1, await Passing(emu, 1));
        Assert.Equal("10", (await Read(emu)).Header("Retry-After")); // bucket: 1 token per 10 s
        await Advance(emu, 7.5);
        Assert.Equal("3", (await Read(emu)).Header("Retry-After")); // 2.5 s left, rounded up

        await emu.PatchConfigAsync("{\"rateLimit\":{\"read\":{\"limit\":1,\"windowSeconds\":60,\"mode\":\"window\"}}}");
        await Freeze(emu, "2030-01-01T00:01:15Z");
        Assert.Equal(1, await Passing(emu, 1));
        var r = await Read(emu);
        AssertThrottled(r, "limit:1,time:1 minute");
        Assert.Equal("45", r.Header("Retry-After")); // until 00:02:00
    }

    [Fact]
    public async Task Budgets_ArePerCredential()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "read=2/1s");
        await Freeze(emu);
        var temp = new Cred
        {
            Ak = emu.Info["tempAccessKey"]!.GetValue<string>(),
            Sk = emu.Info["tempSecretKey"]!.GetValue<string>(),
            SecurityToken = emu.Info["securityToken"]!.GetValue<string>(),
        };
        var token = Cred.WithToken(await emu.IssueTokenAsync());
        var (pid, partner) = emu.Partner();

        Assert.Equal(2, await Passing(emu, 3));          // EMULATORAK0000000001
        Assert.Equal(2, await Passing(emu, 3, temp));    // its own budget
        Assert.Equal(2, await Passing(emu, 3, token));   // the token's user
        var partnerOk = 0;
        for (var i = 0; i < 3; i++)
            if ((await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", partner)).Code == 200) partnerOk++;
        Assert.Equal(2, partnerOk);

        var stats = (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;
        var byCredential = stats["throttledByCredential"]!.AsObject();
        Assert.Equal(1, byCredential["EMULATORAK0000000001"]!.GetValue<int>());
        Assert.Equal(1, byCredential["EMULATORTEMPAK000001"]!.GetValue<int>());
        Assert.Equal(1, byCredential[emu.Info["userId"]!.GetValue<string>()]!.GetValue<int>());
        Assert.Equal(1, byCredential["EMULATORPARTNERAK001"]!.GetValue<int>());
        Assert.Equal(4, stats["rateLimited"]!.GetValue<int>());

        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        var tokenEntry = log.First(e => e!["auth"]!.GetValue<string>() == "token" && e["route"]?.GetValue<string>()?.StartsWith("GET /v2") == true)!;
        Assert.Equal(emu.Info["userId"]!.GetValue<string>(), tokenEntry["rateLimitKey"]!.GetValue<string>());
        Assert.Equal("password", tokenEntry["credentialSource"]!.GetValue<string>());
        Assert.Equal("EMULATORTEMPAK000001", log.First(e => e!["auth"]!.GetValue<string>() == "aksk-temp")!["rateLimitKey"]!.GetValue<string>());
    }

    [Fact]
    public async Task NotApplied_ToIam_TheControlPlane_OrUnknownCredentials()
    {
        await using var emu = await Emu.StartAsync("--rate-limit", "all=1/1s");
        await Freeze(emu);
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await emu.GetAsync("/v3/projects?name=cn-north-4")).Code);
        for (var i = 0; i < 5; i++) Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Get, "stats")).Code);
        var unknown = new Cred { Ak = "NOSUCHAK000000000000", Sk = "x" };
        for (var i = 0; i < 3; i++) Assert.Equal(401, (await Read(emu, unknown)).Code);
        Assert.Equal(1, await Passing(emu, 2));
    }

    [Fact]
    public async Task Config_PatchGetAndCommandLine()
    {
        await using var emu = await Emu.StartAsync();
        var c = (await emu.AdminAsync(HttpMethod.Get, "config")).Json["rateLimit"]!;
        Assert.Equal("{\"all\":null,\"read\":null,\"write\":null,\"retryAfter\":false}", c.ToJsonString());

        var patched = await emu.PatchConfigAsync("{\"rateLimit\":{\"write\":{\"limit\":10},\"read\":\"100/1m:window\"}}");
        Assert.Equal(200, patched.Code);
        Assert.Equal("{\"limit\":10,\"windowSeconds\":1,\"mode\":\"bucket\"}", patched.Json["rateLimit"]!["write"]!.ToJsonString());
        Assert.Equal("{\"limit\":100,\"windowSeconds\":60,\"mode\":\"window\"}", patched.Json["rateLimit"]!["read"]!.ToJsonString());
        var cleared = await emu.PatchConfigAsync("{\"rateLimit\":{\"read\":null}}");
        Assert.Null(cleared.Json["rateLimit"]!["read"]);
        Assert.NotNull(cleared.Json["rateLimit"]!["write"]);
        foreach (var bad in new[] { "{\"rateLimit\":{\"read\":{\"limit\":0}}}", "{\"rateLimit\":{\"nope\":1}}",
                     "{\"rateLimit\":{\"read\":{\"limit\":1,\"mode\":\"sliding\"}}}", "{\"rateLimit\":{\"read\":\"ten per second\"}}" })
            Assert.Equal(400, (await emu.PatchConfigAsync(bad)).Code);

        var o = EmulatorOptions.Parse(["--rate-limit", "write=10/1s,read=100/1m", "--rate-limit", "all=50/10s:window,retry-after"]).Config.RateLimit;
        Assert.Equal(new RateLimitRule(10, 1, "bucket"), o.Write);
        Assert.Equal(new RateLimitRule(100, 60, "bucket"), o.Read);
        Assert.Equal(new RateLimitRule(50, 10, "window"), o.All);
        Assert.True(o.RetryAfter);
        Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--rate-limit", "writes=10/1s"]));
        Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--rate-limit", "read=10/0s"]));
        // The 1.0 form keeps working alongside.
        Assert.Equal(7, EmulatorOptions.Parse(["--rate-limit-per-second", "7"]).Config.RateLimitPerSecond);
    }

    [Fact]
    public async Task Clock_CanBeSetFrozenAdvancedAndUnfrozen_AndResetRestoresIt()
    {
        await using var emu = await Emu.StartAsync();
        await Freeze(emu, "2030-06-01T12:00:00Z");
        var c = (await emu.AdminAsync(HttpMethod.Get, "clock")).Json;
        Assert.Equal("2030-06-01T12:00:00.000000Z", c["now"]!.GetValue<string>());
        await Advance(emu, 90);
        Assert.Equal("2030-06-01T12:01:30.000000Z", (await emu.AdminAsync(HttpMethod.Get, "clock")).Json["now"]!.GetValue<string>());
        var r = await Read(emu);
        Assert.Equal(200, r.Code);
        Assert.Equal("Sat, 01 Jun 2030 12:01:30 GMT", r.Header("Date"));
        var thawed = (await emu.AdminAsync(HttpMethod.Post, "clock", "{\"freeze\":false}")).Json;
        Assert.False(thawed["frozen"]!.GetValue<bool>());
        Assert.True(DateTime.Parse(thawed["now"]!.GetValue<string>()).ToUniversalTime() >= new DateTime(2030, 6, 1, 12, 1, 30, DateTimeKind.Utc));
        Assert.Equal(400, (await emu.AdminAsync(HttpMethod.Post, "clock", "{\"advanceSeconds\":-1}")).Code);
        await emu.AdminAsync(HttpMethod.Post, "reset");
        var reset = (await emu.AdminAsync(HttpMethod.Get, "clock")).Json;
        Assert.False(reset["frozen"]!.GetValue<bool>());
        Assert.Equal(0, reset["offsetSeconds"]!.GetValue<double>());
    }
}
