using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>X-Client-Token on disk creation (§11.2): a repeat is answered with the first answer and creates nothing;
/// EVS.2218-2221; faults that act after processing commit first, so a retried create never makes two disks.</summary>
public class ClientTokenTests
{
    /// <summary>A restore of db01's weekly seed snapshot (db01: SSD, 40 GB, cn-north-4a).</summary>
    private static string Body(Emu emu, string name = "t") =>
        $"{{\"volume\":{{\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":40,\"name\":\"{name}\","
        + $"\"snapshot_id\":\"{emu.SeedSnapshotId("db01-weekly")}\",\"metadata\":{{\"create_for_volume_id\":\"true\"}}}}}}";

    private static Task<Emu> StartAsync() => Emu.StartAsync();

    private static Task<Resp> Create(Emu emu, string token, string? body = null, string? projectId = null, Cred? cred = null,
        bool fresh = false) =>
        emu.SendAsync(HttpMethod.Post, $"/v2.1/{projectId ?? emu.Pid}/cloudvolumes", body ?? Body(emu), cred, fresh: fresh,
            headers: new Dictionary<string, string> { ["X-Client-Token"] = token });

    private static async Task<JsonNode> Stats(Emu emu) => (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;

    private static async Task<int> ApiDisks(Emu emu) =>
        (await emu.AdminAsync(HttpMethod.Get, "volumes")).Json["volumes"]!.AsArray().Count(v => v!["origin"]!.GetValue<string>() == "api");

    [Fact]
    public async Task Repeat_ReturnsTheFirstAnswer_AndCreatesNothing()
    {
        await using var emu = await StartAsync();
        var token = Guid.NewGuid().ToString();
        var first = await Create(emu, token);
        var again = await Create(emu, token);
        Assert.Equal(202, first.Code);
        Assert.Equal(202, again.Code);
        Assert.Equal(first.Body, again.Body);
        Assert.NotEqual(first.Header("X-Request-Id"), again.Header("X-Request-Id"));
        Assert.Equal(1, await ApiDisks(emu));
        var stats = await Stats(emu);
        Assert.Equal(1, stats["volumesCreated"]!.GetValue<int>());
        Assert.Equal(1, stats["clientTokenReplays"]!.GetValue<int>());
        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        Assert.Equal([false, true], log.Select(e => e!["replayed"]!.GetValue<bool>()));
        Assert.All(log, e => Assert.Equal(token, e!["clientToken"]!.GetValue<string>()));
        var disk = (await emu.AdminAsync(HttpMethod.Get, "volumes")).Json["volumes"]!.AsArray().Single(v => v!["origin"]!.GetValue<string>() == "api")!;
        Assert.Equal(token, disk["clientToken"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("5f0c7a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5")]
    [InlineData("{5f0c7a3e-1d2b-4c5d-8e9f-0a1b2c3d4e5f}")]
    public async Task MalformedToken_Is2218(string token)
    {
        await using var emu = await StartAsync();
        var r = await Create(emu, token);
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.2218", r.ErrorCode);
        Assert.Equal(0, await ApiDisks(emu));
    }

    [Fact]
    public async Task SameToken_DifferentBodyUrlOrProject_Is2219()
    {
        await using var emu = await StartAsync();
        var token = Guid.NewGuid().ToString();
        Assert.Equal(202, (await Create(emu, token)).Code);
        var otherBody = await Create(emu, token, Body(emu, "other-name"));
        Assert.Equal(400, otherBody.Code);
        Assert.Equal("EVS.2219", otherBody.ErrorCode);
        var otherUrl = await emu.SendAsync(HttpMethod.Post, $"/v2.1/{emu.Pid}/cloudvolumes?x=1", Body(emu), null,
            headers: new Dictionary<string, string> { ["X-Client-Token"] = token });
        Assert.Equal("EVS.2219", otherUrl.ErrorCode);
        var (pid, cred, _) = emu.Features();
        var otherProject = await Create(emu, token, Body(emu), pid, cred);
        Assert.Equal("EVS.2219", otherProject.ErrorCode);
        Assert.Equal(1, await ApiDisks(emu));
    }

    [Fact]
    public async Task TokenOlderThanTheWindow_Is2220_OnTheEmulatorClock()
    {
        await using var emu = await StartAsync();
        await emu.AdminAsync(HttpMethod.Post, "clock", "{\"freeze\":true}");
        var token = Guid.NewGuid().ToString();
        Assert.Equal(202, (await Create(emu, token)).Code);
        await emu.AdminAsync(HttpMethod.Post, "clock", "{\"advanceSeconds\":28800}");
        Assert.Equal(202, (await Create(emu, token)).Code);
        await emu.AdminAsync(HttpMethod.Post, "clock", "{\"advanceSeconds\":1}");
        var late = await Create(emu, token);
        Assert.Equal(400, late.Code);
        Assert.Equal("EVS.2220", late.ErrorCode);
        Assert.Equal("The X-Client-Token has expired: it was first used more than 8 hours ago.", late.ErrorMessage);

        await emu.PatchConfigAsync("{\"clientTokenTtlSeconds\":60}");
        var short1 = Guid.NewGuid().ToString();
        Assert.Equal(202, (await Create(emu, short1)).Code);
        await emu.AdminAsync(HttpMethod.Post, "clock", "{\"advanceSeconds\":61}");
        Assert.Equal("EVS.2220", (await Create(emu, short1)).ErrorCode);
        Assert.Equal(2, await ApiDisks(emu));
    }

    [Fact]
    public async Task RepeatWhileTheFirstIsInFlight_Is2221_ThenTheFirstAnswer()
    {
        await using var emu = await StartAsync();
        await emu.PatchConfigAsync("{\"latencyMs\":1500}");
        var token = Guid.NewGuid().ToString();
        var first = Create(emu, token, fresh: true);
        await Emu.WaitUntilAsync(async () =>
            (await emu.AdminAsync(HttpMethod.Get, "client-tokens")).Json["tokens"]!.AsArray()
            .Any(t => t!["token"]!.GetValue<string>() == token && t["state"]!.GetValue<string>() == "in-flight"));
        var second = await Create(emu, token, fresh: true);
        Assert.Equal(400, second.Code);
        Assert.Equal("EVS.2221", second.ErrorCode);
        Assert.Equal(202, (await first).Code);
        await emu.PatchConfigAsync("{\"latencyMs\":0}");
        var third = await Create(emu, token);
        Assert.Equal(202, third.Code);
        Assert.Equal((await first).Body, third.Body);
        Assert.Equal(1, await ApiDisks(emu));
        var state = (await emu.AdminAsync(HttpMethod.Get, "client-tokens")).Json["tokens"]![0]!;
        Assert.Equal("committed", state["state"]!.GetValue<string>());
    }

    [Fact]
    public async Task AFailedFirstAttempt_LeavesTheTokenFree()
    {
        await using var emu = await StartAsync();
        var token = Guid.NewGuid().ToString();
        var bad = await Create(emu, token, Body(emu).Replace("\"size\":40", "\"size\":5"));
        Assert.Equal("EVS.1010", bad.ErrorCode);
        Assert.Equal(202, (await Create(emu, token)).Code);
        await emu.PatchConfigAsync("{\"faults\":{\"503\":1}}");
        var other = Guid.NewGuid().ToString();
        Assert.Equal(503, (await Create(emu, other)).Code);
        await emu.PatchConfigAsync("{\"faults\":null}");
        Assert.Equal(202, (await Create(emu, other)).Code);
        Assert.Equal(2, await ApiDisks(emu));
    }

    [Theory]
    [InlineData("reset_after")]
    [InlineData("504_after")]
    [InlineData("malformed")]
    public async Task FaultAfterCommit_ThenARetryWithTheSameToken_MakesOneDisk(string fault)
    {
        await using var emu = await StartAsync();
        await emu.PatchConfigAsync($"{{\"faults\":{{\"{fault}\":1,\"methods\":[\"POST\"]}}}}");
        var token = Guid.NewGuid().ToString();
        if (fault == "reset_after")
            await Assert.ThrowsAsync<HttpRequestException>(() => Create(emu, token, fresh: true));
        else
        {
            var first = await Create(emu, token, fresh: true);
            Assert.True(fault == "504_after" ? first.Code == 504 : first.Body.Length > 0 && !first.Body.EndsWith('}'), first.Body);
        }
        Assert.Equal(1, await ApiDisks(emu));

        await emu.PatchConfigAsync("{\"faults\":null}");
        var retry = await Create(emu, token, fresh: true);
        Assert.Equal(202, retry.Code);
        var jobs = (await emu.AdminAsync(HttpMethod.Get, "jobs")).Json;
        Assert.Equal(1, jobs["count"]!.GetValue<int>());
        Assert.Equal(jobs["jobs"]![0]!["id"]!.GetValue<string>(), retry.Json["job_id"]!.GetValue<string>());
        Assert.Equal(1, await ApiDisks(emu));
        Assert.Equal(1, (await Stats(emu))["volumesCreated"]!.GetValue<int>());
    }

    [Fact]
    public async Task WithoutAToken_EveryRequestCreates()
    {
        await using var emu = await StartAsync();
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, $"/v2.1/{emu.Pid}/cloudvolumes", Body(emu))).Code);
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, $"/v2.1/{emu.Pid}/cloudvolumes", Body(emu))).Code);
        Assert.Equal(2, await ApiDisks(emu));
    }
}
