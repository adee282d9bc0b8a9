using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class FaultTests
{
    private static string CreateBody(Emu emu) => $"{{\"snapshot\":{{\"volume_id\":\"{emu.VolumeId("app01")}\",\"name\":\"f\"}}}}";

    private static async Task<int> StoredSnapshots(Emu emu) =>
        (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>();

    private static async Task<JsonNode> Stats(Emu emu) => (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;

    private static async Task<JsonNode> LastLog(Emu emu) =>
        (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!;

    [Fact]
    public async Task ResetBefore_ClientSeesConnectionFailure_NothingCommitted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"reset_before\":1}}");
        await Assert.ThrowsAsync<HttpRequestException>(() => emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu), fresh: true));
        Assert.Equal(4, await StoredSnapshots(emu));
        Assert.Equal(1, (await Stats(emu))["faults"]!["reset_before"]!.GetValue<int>());
        var entry = await LastLog(emu);
        Assert.Equal("reset_before", entry["fault"]!.GetValue<string>());
        Assert.Equal(0, entry["status"]!.GetValue<int>());
    }

    [Fact]
    public async Task Fault503_IsEvs5503_NothingCommitted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"503\":1}}");
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu));
        Assert.Equal(503, r.Code);
        Assert.Equal("EVS.5503", r.ErrorCode);
        Assert.Matches("^[0-9a-f]{32}$", r.Header("X-Request-Id"));
        Assert.Equal(4, await StoredSnapshots(emu));
    }

    [Fact]
    public async Task Fault429_AndRetryAfterVariant()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"429\":1}}");
        var plain = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        Assert.Equal(429, plain.Code);
        Assert.Equal("APIGW.0308", plain.ErrorCode);
        Assert.Equal(plain.Header("X-Request-Id"), plain.Json["request_id"]!.GetValue<string>());
        Assert.Null(plain.Header("Retry-After"));

        await emu.PatchConfigAsync("{\"faults\":{\"429\":0,\"429_retry_after\":1}}");
        var retry = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        Assert.Equal(429, retry.Code);
        Assert.Equal("1", retry.Header("Retry-After"));
        var faults = (await Stats(emu))["faults"]!;
        Assert.Equal(1, faults["429"]!.GetValue<int>());
        Assert.Equal(1, faults["429_retry_after"]!.GetValue<int>());
    }

    [Fact]
    public async Task Slow_DelaysThenProcesses()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"slow\":1,\"slowMs\":400}}");
        var sw = Stopwatch.StartNew();
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu));
        Assert.Equal(202, r.Code);
        Assert.True(sw.ElapsedMilliseconds >= 380, $"{sw.ElapsedMilliseconds} ms");
        Assert.Equal(5, await StoredSnapshots(emu));
    }

    [Fact]
    public async Task Slow_ClientGivesUp_NothingProcessed()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"slow\":1,\"slowMs\":3000}}");
        using var cts = new CancellationTokenSource(200);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu), ct: cts.Token, fresh: true));
        await Emu.WaitUntilAsync(async () => (await Stats(emu))["requests"]!.GetValue<int>() == 1);
        Assert.Equal(4, await StoredSnapshots(emu));
        Assert.True((await LastLog(emu))["clientAborted"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ResetAfter_ClientSeesFailure_ButSnapshotIsCommitted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"reset_after\":1}}");
        await Assert.ThrowsAsync<HttpRequestException>(() => emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu), fresh: true));
        Assert.Equal(5, await StoredSnapshots(emu));
        var entry = await LastLog(emu);
        Assert.Equal("reset_after", entry["fault"]!.GetValue<string>());
        Assert.Equal(202, entry["status"]!.GetValue<int>());
        Assert.Equal(1, (await Stats(emu))["snapshotsCreated"]!.GetValue<int>());
    }

    [Fact]
    public async Task GatewayTimeoutAfter_Is504_ButSnapshotIsCommitted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"504_after\":1}}");
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu));
        Assert.Equal(504, r.Code);
        Assert.Equal("APIGW.0201", r.Json["error_code"]!.GetValue<string>());
        Assert.Equal(r.Header("X-Request-Id"), r.Json["request_id"]!.GetValue<string>());
        Assert.Equal(5, await StoredSnapshots(emu));
        var entry = await LastLog(emu);
        Assert.Equal(504, entry["status"]!.GetValue<int>());
        Assert.Equal(202, entry["processedStatus"]!.GetValue<int>());
    }

    [Fact]
    public async Task Malformed_SuccessStatusWithTruncatedJson_ButCommitted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"malformed\":1}}");
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu));
        Assert.Equal(202, r.Code);
        Assert.StartsWith("{\"snapshot\":{", r.Body);
        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(r.Body));
        Assert.Equal(5, await StoredSnapshots(emu));
    }

    [Fact]
    public async Task MethodAndPathFilters_LimitWhatIsFaulted()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"faults\":{\"503\":1,\"methods\":[\"POST\"]}}");
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail")).Code);
        Assert.Equal(503, (await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu))).Code);

        await emu.PatchConfigAsync("{\"faults\":{\"methods\":null,\"paths\":\"/cloudvolumes\"}}");
        Assert.Equal(503, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Code);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail")).Code);

        // The default path filter covers EVS only: IAM and the control plane are untouched.
        await emu.PatchConfigAsync("{\"faults\":{\"paths\":null}}");
        Assert.Equal(200, (await emu.GetAsync("/v3/projects?name=cn-north-4")).Code);
        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Get, "info")).Code);
    }

    private static async Task<string> Pattern(Emu emu, int n)
    {
        var chars = new char[n];
        for (var i = 0; i < n; i++)
            chars[i] = (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?limit=1")).Code == 503 ? 'F' : '.';
        return new string(chars);
    }

    [Fact]
    public async Task Faults_AreDeterministicUnderTheSeed()
    {
        const string faults = "{\"faults\":{\"503\":0.5}}";
        await using var a = await Emu.StartAsync("--seed", "1234");
        await using var b = await Emu.StartAsync("--seed", "1234");
        await using var c = await Emu.StartAsync("--seed", "999");
        foreach (var e in new[] { a, b, c }) await e.PatchConfigAsync(faults);
        var pa = await Pattern(a, 40);
        var pb = await Pattern(b, 40);
        var pc = await Pattern(c, 40);
        Assert.Equal(pa, pb);
        Assert.NotEqual(pa, pc);
        Assert.Contains('F', pa);
        Assert.Contains('.', pa);

        // Re-applying the same faults restarts the same sequence.
        await a.PatchConfigAsync(faults);
        Assert.Equal(pa, await Pattern(a, 40));
        Assert.Equal(pa.Count(ch => ch == 'F'), (await Stats(a))["faults"]!["503"]!.GetValue<int>() / 2);
    }

    [Fact]
    public async Task RateLimit_ThrottlesAboveTheRate()
    {
        await using var emu = await Emu.FastAsync();
        await emu.PatchConfigAsync("{\"rateLimitPerSecond\":5}");
        var codes = new List<int>();
        for (var i = 0; i < 20; i++) codes.Add((await emu.GetAsync("/nowhere", Cred.None)).Code);
        var throttled = codes.Count(c => c == 429);
        Assert.InRange(throttled, 10, 15);
        var r = await emu.GetAsync("/nowhere", Cred.None);
        if (r.Code == 429)
        {
            Assert.Equal("APIGW.0308", r.ErrorCode);
            Assert.Contains("limit:5", r.ErrorMessage);
        }
        Assert.Equal(throttled + (r.Code == 429 ? 1 : 0), (await Stats(emu))["rateLimited"]!.GetValue<int>());

        await emu.PatchConfigAsync("{\"rateLimitPerSecond\":0}");
        for (var i = 0; i < 10; i++) Assert.Equal(404, (await emu.GetAsync("/nowhere", Cred.None)).Code);
    }

    [Fact]
    public async Task Latency_IsAppliedInParallel()
    {
        await using var emu = await Emu.StartAsync("--latency-ms", "500");
        var sw = Stopwatch.StartNew();
        var tasks = Enumerable.Range(0, 100).Select(_ => emu.GetAsync("/nowhere", Cred.None)).ToArray();
        var results = await Task.WhenAll(tasks);
        Assert.All(results, r => Assert.Equal(404, r.Code));
        Assert.True(sw.ElapsedMilliseconds >= 500);
        Assert.True(sw.ElapsedMilliseconds < 4000, $"100 requests took {sw.ElapsedMilliseconds} ms (serialized would be 50 s)");
        // The control plane is never delayed.
        sw.Restart();
        await emu.AdminAsync(HttpMethod.Get, "config");
        Assert.True(sw.ElapsedMilliseconds < 400);
    }
}
