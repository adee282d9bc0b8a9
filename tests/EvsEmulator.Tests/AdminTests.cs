using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class AdminTests
{
    [Fact]
    public async Task Info_HasSeedConnectionDetails()
    {
        await using var emu = await Emu.StartAsync();
        var i = emu.Info;
        Assert.Equal(emu.BaseUrl, i["endpoint"]!.GetValue<string>());
        Assert.Equal("cn-north-4", i["region"]!.GetValue<string>());
        Assert.Matches("^[0-9a-f]{32}$", i["projectId"]!.GetValue<string>());
        Assert.Equal("EMULATORAK0000000001", i["accessKey"]!.GetValue<string>());
        Assert.Equal("EmulatorSecretKey0000000000000000000001", i["secretKey"]!.GetValue<string>());
        Assert.Equal("EMULATORTEMPAK000001", i["tempAccessKey"]!.GetValue<string>());
        Assert.Equal("emulator-security-token-0001", i["securityToken"]!.GetValue<string>());
        Assert.Equal("evs-demo", i["domainName"]!.GetValue<string>());
        Assert.Equal("ops-user", i["userName"]!.GetValue<string>());
        Assert.Equal("Emulator-Passw0rd!", i["password"]!.GetValue<string>());
        Assert.Equal(42, i["seed"]!.GetValue<int>());
        Assert.Equal(["db01", "db02", "web01", "web02", "app01", "scratch01", "pending01", "broken01", "shared01"],
            i["volumeIds"]!.AsObject().Select(p => p.Key));
        Assert.Equal(4, i["snapshots"]!.AsArray().Count);
        Assert.Equal(3, i["snapshots"]!.AsArray().Count(s => s!["volumeId"]!.GetValue<string>() == emu.VolumeId("db01")));
        var types = i["volumes"]!.AsArray().Select(v => v!["volumeType"]!.GetValue<string>()).Distinct().Order().ToArray();
        Assert.Equal(["GPSSD", "SAS", "SSD"], types);
    }

    [Fact]
    public async Task Config_GetPatchMerge_AndValidation()
    {
        await using var emu = await Emu.StartAsync("--page-cap", "500", "--create-seconds", "1.5");
        var c = (await emu.AdminAsync(HttpMethod.Get, "config")).Json;
        Assert.Equal(500, c["pageCap"]!.GetValue<int>());
        Assert.Equal(1.5, c["createSeconds"]!.GetValue<double>());
        Assert.Equal(1, c["deleteSeconds"]!.GetValue<double>());
        Assert.Equal(86400, c["tokenLifetimeSeconds"]!.GetValue<double>());
        Assert.True(c["protectBackupSnapshots"]!.GetValue<bool>());
        Assert.Equal(0, c["faults"]!["503"]!.GetValue<double>());

        var patched = await emu.PatchConfigAsync("{\"latencyMs\":5,\"faults\":{\"503\":0.25,\"slowMs\":100}}");
        Assert.Equal(200, patched.Code);
        Assert.Equal(5, patched.Json["latencyMs"]!.GetValue<int>());
        Assert.Equal(500, patched.Json["pageCap"]!.GetValue<int>());
        var again = await emu.PatchConfigAsync("{\"faults\":{\"429\":0.1}}");
        Assert.Equal(0.25, again.Json["faults"]!["503"]!.GetValue<double>());
        Assert.Equal(0.1, again.Json["faults"]!["429"]!.GetValue<double>());
        Assert.Equal(100, again.Json["faults"]!["slowMs"]!.GetValue<int>());

        foreach (var bad in new[] { "{\"nope\":1}", "{\"pageCap\":\"x\"}", "{\"faults\":{\"503\":2}}", "{\"faults\":{\"kaboom\":0.1}}",
                     "{\"faults\":{\"paths\":\"(\"}}", "{\"volumes\":3}", "[1]", "not json" })
        {
            var r = await emu.PatchConfigAsync(bad);
            Assert.Equal(400, r.Code);
            Assert.NotNull(r.Json["error"]);
        }
        Assert.Equal(5, (await emu.AdminAsync(HttpMethod.Get, "config")).Json["latencyMs"]!.GetValue<int>());
    }

    [Fact]
    public async Task Reset_RestoresSeedConfigFaultsAndLog()
    {
        await using var emu = await Emu.FastAsync();
        var originalDb01 = emu.VolumeId("db01");
        await emu.CreateSnapshotAsync();
        await emu.AdminAsync(HttpMethod.Post, "volumes", "{\"count\":3}");
        await emu.PatchConfigAsync("{\"pageCap\":7,\"faults\":{\"503\":1}}");
        var token = await emu.IssueTokenAsync();

        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Post, "reset")).Code);
        var config = (await emu.AdminAsync(HttpMethod.Get, "config")).Json;
        Assert.Equal(1000, config["pageCap"]!.GetValue<int>());
        Assert.Equal(0, config["faults"]!["503"]!.GetValue<double>());
        Assert.Equal(0, (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["count"]!.GetValue<int>());
        Assert.Equal(4, (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>());
        Assert.Equal(9, (await emu.AdminAsync(HttpMethod.Get, "volumes")).Json["count"]!.GetValue<int>());
        Assert.Equal(originalDb01, (await emu.AdminAsync(HttpMethod.Get, "info")).Json["volumeIds"]!["db01"]!.GetValue<string>());
        Assert.Equal(401, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(token))).Code);
    }

    [Fact]
    public async Task RequestLog_RecordsApiCallsOnly_IncludingUnauthenticated()
    {
        await using var emu = await Emu.StartAsync();
        await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=2");
        await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.None);
        await emu.AdminAsync(HttpMethod.Get, "config");
        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json;
        Assert.Equal(2, log["count"]!.GetValue<int>());
        var first = log["requests"]![0]!;
        Assert.Equal("GET", first["method"]!.GetValue<string>());
        Assert.Equal(emu.Evs + "/cloudsnapshots/detail", first["path"]!.GetValue<string>());
        Assert.Equal("limit=2", first["query"]!.GetValue<string>());
        Assert.Equal(200, first["status"]!.GetValue<int>());
        Assert.Equal("aksk", first["auth"]!.GetValue<string>());
        Assert.Equal("GET /v2/{project_id}/cloudsnapshots/detail", first["route"]!.GetValue<string>());
        Assert.True(first["durationMs"]!.GetValue<double>() >= 0);
        var second = log["requests"]![1]!;
        Assert.Equal(401, second["status"]!.GetValue<int>());
        Assert.Equal("none", second["auth"]!.GetValue<string>());
        Assert.Equal("APIGW.0301", second["errorCode"]!.GetValue<string>());

        Assert.Equal(2, (await emu.AdminAsync(HttpMethod.Delete, "requests")).Json["cleared"]!.GetValue<int>());
        Assert.Equal(0, (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Stats_CountRequestsRoutesStatusesAndCreates()
    {
        await using var emu = await Emu.FastAsync();
        await emu.CreateSnapshotAsync();
        await emu.CreateSnapshotAsync();
        await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        await emu.GetAsync("/nowhere");
        var s = (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;
        Assert.Equal(4, s["requests"]!.GetValue<int>());
        Assert.Equal(2, s["snapshotsCreated"]!.GetValue<int>());
        Assert.Equal(2, s["byRoute"]!["POST /v2/{project_id}/cloudsnapshots"]!.GetValue<int>());
        Assert.Equal(1, s["byRoute"]!["(unmatched)"]!.GetValue<int>());
        Assert.Equal(2, s["byStatus"]!["202"]!.GetValue<int>());
        Assert.Equal(1, s["byStatus"]!["404"]!.GetValue<int>());
        Assert.Equal(8, s["faults"]!.AsObject().Count);
    }

    [Fact]
    public async Task AddVolumes_AreVisibleThroughTheApi()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.AdminAsync(HttpMethod.Post, "volumes",
            "{\"count\":3,\"status\":\"in-use\",\"namePrefix\":\"gen-\",\"sizeGb\":77,\"availabilityZone\":\"cn-north-4b\"}");
        Assert.Equal(201, r.Code);
        var ids = r.Json["ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Equal(3, ids.Count);
        Assert.Equal("gen-0001", r.Json["volumes"]![0]!["name"]!.GetValue<string>());
        var v = await emu.ShowVolumeAsync(ids[2]);
        Assert.Equal("gen-0003", v["name"]!.GetValue<string>());
        Assert.Equal(77, v["size"]!.GetValue<int>());
        Assert.Equal("in-use", v["status"]!.GetValue<string>());
        Assert.Equal("cn-north-4b", v["availability_zone"]!.GetValue<string>());
        Assert.Single(v["attachments"]!.AsArray());
        Assert.Equal(400, (await emu.AdminAsync(HttpMethod.Post, "volumes", "{\"status\":\"bogus\"}")).Code);
    }

    [Fact]
    public async Task PatchVolume_StatusAndBehavior()
    {
        await using var emu = await Emu.StartAsync();
        var id = emu.VolumeId("scratch01");
        var r = await emu.AdminAsync(HttpMethod.Patch, "volumes/" + id, "{\"status\":\"error\",\"behavior\":{\"rollback\":\"error\"}}");
        Assert.Equal(200, r.Code);
        Assert.Equal("error", r.Json["behavior"]!["rollback"]!.GetValue<string>());
        Assert.Equal("ok", r.Json["behavior"]!["snapshotCreate"]!.GetValue<string>());
        Assert.Equal("error", (await emu.ShowVolumeAsync(id))["status"]!.GetValue<string>());
        Assert.Equal(404, (await emu.AdminAsync(HttpMethod.Patch, "volumes/00000000-0000-4000-8000-000000000000", "{\"status\":\"error\"}")).Code);
        Assert.Equal(400, (await emu.AdminAsync(HttpMethod.Patch, "volumes/" + id, "{\"behavior\":{\"rollback\":\"maybe\"}}")).Code);
    }

    [Fact]
    public async Task PatchSnapshot_ForcesStatusNameAndCreatedAt_GetSnapshotsShowsStoredState()
    {
        await using var emu = await Emu.FastAsync();
        var id = emu.SeedSnapshotId("db01-monthly");
        var r = await emu.AdminAsync(HttpMethod.Patch, "snapshots/" + id,
            "{\"status\":\"error_deleting\",\"name\":\"forced\",\"createdAt\":\"2030-01-01T00:00:00Z\"}");
        Assert.Equal(200, r.Code);
        var shown = await emu.ShowSnapshotAsync(id);
        Assert.Equal("error_deleting", shown["status"]!.GetValue<string>());
        Assert.Equal("forced", shown["name"]!.GetValue<string>());
        Assert.Equal("2030-01-01T00:00:00.000000", shown["created_at"]!.GetValue<string>());
        var list = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=1");
        Assert.Equal(id, list.Json["snapshots"]![0]!["id"]!.GetValue<string>());

        var stored = (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json;
        Assert.Equal(4, stored["count"]!.GetValue<int>());
        var mine = stored["snapshots"]!.AsArray().Single(s => s!["id"]!.GetValue<string>() == id)!;
        Assert.Equal("error_deleting", mine["status"]!.GetValue<string>());
        Assert.Equal(400, (await emu.AdminAsync(HttpMethod.Patch, "snapshots/" + id, "{\"status\":\"weird\"}")).Code);
        Assert.Equal(404, (await emu.AdminAsync(HttpMethod.Get, "nothing")).Code);
    }

    [Fact]
    public async Task BulkSnapshots_OnOneVolume_WithStatus()
    {
        await using var emu = await Emu.StartAsync();
        var vol = emu.VolumeId("scratch01");
        var r = await emu.AdminAsync(HttpMethod.Post, "snapshots", $"{{\"count\":25,\"volumeId\":\"{vol}\",\"status\":\"error\",\"namePrefix\":\"b-\"}}");
        Assert.Equal(201, r.Code);
        Assert.Equal(25, r.Json["count"]!.GetValue<int>());
        var list = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?volume_id={vol}&status=error&limit=5");
        Assert.Equal(25, list.Json["count"]!.GetValue<int>());
        Assert.Equal("b-00001", list.Json["snapshots"]![0]!["name"]!.GetValue<string>());
        Assert.Equal(10, list.Json["snapshots"]![0]!["size"]!.GetValue<int>());
        Assert.Equal(404, (await emu.AdminAsync(HttpMethod.Post, "snapshots", "{\"count\":1,\"volumeId\":\"00000000-0000-4000-8000-000000000000\"}")).Code);
    }
}
