using System.Text.RegularExpressions;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class SnapshotTests
{
    private const string NotFoundBody =
        "{\"error\":{\"message\":\"Resource(Volume, Snapshot, Backup .etc) cound not be found.\",\"code\":\"EVS.5404\"}}";

    private static string CreateBody(string volumeId, string extra = "") =>
        $"{{\"snapshot\":{{\"volume_id\":\"{volumeId}\"{extra}}}}}";

    [Fact]
    public async Task Create_Returns202Creating_WithAllFields_ThenBecomesAvailable()
    {
        await using var emu = await Emu.StartAsync("--create-seconds", "0.6");
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots",
            CreateBody(emu.VolumeId("db01"), ",\"name\":\"nightly\",\"description\":\"d\",\"metadata\":{\"owner\":\"ops\"}"));
        Assert.Equal(202, r.Code);
        Assert.Equal("application/json", r.Raw.Content.Headers.ContentType!.MediaType);
        Assert.Equal("UTF-8", r.Raw.Content.Headers.ContentType!.CharSet);
        var s = r.Json["snapshot"]!;
        Assert.Equal("creating", s["status"]!.GetValue<string>());
        Assert.Equal("nightly", s["name"]!.GetValue<string>());
        Assert.Equal("d", s["description"]!.GetValue<string>());
        Assert.Equal(40, s["size"]!.GetValue<int>());
        Assert.Equal(emu.VolumeId("db01"), s["volume_id"]!.GetValue<string>());
        Assert.Equal("ops", s["metadata"]!["owner"]!.GetValue<string>());
        Assert.Equal(emu.Pid, s["os-extended-snapshot-attributes:project_id"]!.GetValue<string>());
        Assert.Matches(@"^\d{1,2}%$", s["os-extended-snapshot-attributes:progress"]!.GetValue<string>());
        Assert.Matches(new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}$"), s["created_at"]!.GetValue<string>());
        Assert.Null(s["updated_at"]);
        Assert.True(s.AsObject().ContainsKey("updated_at"));
        Assert.False(s.AsObject().ContainsKey("service_type"));

        var id = s["id"]!.GetValue<string>();
        await Task.Delay(700);
        var shown = await emu.ShowSnapshotAsync(id);
        Assert.Equal("available", shown["status"]!.GetValue<string>());
        Assert.Equal("100%", shown["os-extended-snapshot-attributes:progress"]!.GetValue<string>());
        Assert.Equal("ops", shown["metadata"]!["owner"]!.GetValue<string>());
        var listed = (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?id={id}")).Json["snapshots"]![0]!;
        Assert.Equal("ops", listed["metadata"]!["owner"]!.GetValue<string>());
        Assert.Equal("EVS", listed["service_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Progress_MovesWhileCreating()
    {
        await using var emu = await Emu.StartAsync("--create-seconds", "3");
        var id = await emu.CreateSnapshotAsync();
        var first = await emu.ShowSnapshotAsync(id);
        await Task.Delay(800);
        var second = await emu.ShowSnapshotAsync(id);
        int Pct(System.Text.Json.Nodes.JsonNode n) => int.Parse(n["os-extended-snapshot-attributes:progress"]!.GetValue<string>().TrimEnd('%'));
        Assert.Equal("creating", second["status"]!.GetValue<string>());
        Assert.True(Pct(second) > Pct(first), $"{Pct(first)} -> {Pct(second)}");
        Assert.InRange(Pct(second), 1, 99);
    }

    [Fact]
    public async Task Create_OnAttachingDisk_NeedsForce()
    {
        await using var emu = await Emu.FastAsync();
        var vol = emu.VolumeId("pending01");
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(vol));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("force", r.ErrorMessage);
        var forced = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(vol, ",\"force\":true"));
        Assert.Equal(202, forced.Code);
    }

    [Fact]
    public async Task Create_OnInUseDisk_IsAllowed_AndOnErrorDisk_IsRefused()
    {
        await using var emu = await Emu.FastAsync();
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu.VolumeId("web02")))).Code);
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(emu.VolumeId("broken01")));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("error", r.ErrorMessage);
    }

    [Fact]
    public async Task Create_UnknownVolume_Is404Exact()
    {
        await using var emu = await Emu.FastAsync();
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody("00000000-0000-4000-8000-000000000000"));
        Assert.Equal(404, r.Code);
        Assert.Equal(NotFoundBody, r.Body);
    }

    [Fact]
    public async Task Create_VolumeIdNotUuid_IsEvs1002()
    {
        await using var emu = await Emu.FastAsync();
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody("db01"));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.1002", r.ErrorCode);
        Assert.Equal("invalid volume id!", r.ErrorMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{")]
    [InlineData("[]")]
    [InlineData("{\"snapshot\":\"x\"}")]
    [InlineData("{\"volume_id\":\"x\"}")]
    [InlineData("{\"snapshot\":{}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":42}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"VOL\",\"force\":\"yes\"}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"VOL\",\"name\":5}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"VOL\",\"metadata\":{\"a\":1}}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"VOL\",\"metadata\":[\"a\"]}}")]
    [InlineData("{\"snapshot\":{\"volume_id\":\"VOL\"}} trailing")]
    public async Task Create_MalformedBodies_AreEvs5400(string body)
    {
        await using var emu = await Emu.FastAsync();
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", body.Replace("VOL", emu.VolumeId("app01")));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Equal("Malformed request body.", r.ErrorMessage);
        Assert.Equal(4, (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Create_NameAndDescriptionLimits()
    {
        await using var emu = await Emu.FastAsync();
        var vol = emu.VolumeId("app01");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots",
            CreateBody(vol, $",\"name\":\"{new string('n', 64)}\",\"description\":\"{new string('d', 85)}\""))).Code);
        var longName = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(vol, $",\"name\":\"{new string('n', 65)}\""));
        Assert.Equal(400, longName.Code);
        Assert.Equal("EVS.5400", longName.ErrorCode);
        var longDesc = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(vol, $",\"description\":\"{new string('d', 86)}\""));
        Assert.Equal(400, longDesc.Code);
        // 64 non-ASCII characters are 64 characters, not 192 bytes.
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots",
            CreateBody(vol, $",\"name\":\"{new string('é', 64)}\""))).Code);
    }

    [Fact]
    public async Task Create_SystemMetadataOrBackupPrefix_IsRefused()
    {
        await using var emu = await Emu.FastAsync();
        var vol = emu.VolumeId("app01");
        var sys = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots",
            CreateBody(vol, ",\"metadata\":{\"__system__enableActive\":\"true\"}"));
        Assert.Equal(403, sys.Code);
        Assert.Equal("EVS.5403", sys.ErrorCode);
        Assert.Equal("metadata can not be operated.", sys.ErrorMessage);
        var prefix = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", CreateBody(vol, ",\"name\":\"autobk_snapshot_mine\""));
        Assert.Equal(400, prefix.Code);
        Assert.Equal("EVS.5400", prefix.ErrorCode);
    }

    [Fact]
    public async Task Create_ErrorBehavior_EndsInError_WhichCanBeDeleted()
    {
        await using var emu = await Emu.FastAsync();
        var vol = emu.VolumeId("app01");
        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Patch, "volumes/" + vol, "{\"behavior\":{\"snapshotCreate\":\"error\"}}")).Code);
        var id = await emu.CreateSnapshotAsync();
        await Emu.WaitUntilAsync(async () => (await emu.ShowSnapshotAsync(id))["status"]!.GetValue<string>() != "creating");
        Assert.Equal("error", (await emu.ShowSnapshotAsync(id))["status"]!.GetValue<string>());
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}")).Code);
    }

    [Fact]
    public async Task Show_Unknown_Is404Exact_AndNonUuid_IsEvs2045()
    {
        await using var emu = await Emu.FastAsync();
        var missing = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/11111111-2222-4333-8444-555555555555");
        Assert.Equal(404, missing.Code);
        Assert.Equal(NotFoundBody, missing.Body);
        var bad = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/not-a-uuid");
        Assert.Equal(400, bad.Code);
        Assert.Equal("EVS.2045", bad.ErrorCode);
        Assert.Equal("invalid snapshot_id!", bad.ErrorMessage);
    }

    [Fact]
    public async Task Update_NameAndDescription()
    {
        await using var emu = await Emu.FastAsync();
        var id = emu.SeedSnapshotId("db01-weekly");
        var r = await emu.SendAsync(HttpMethod.Put, $"{emu.Evs}/cloudsnapshots/{id}",
            "{\"snapshot\":{\"name\":\"renamed\",\"description\":\"new desc\"}}");
        Assert.Equal(200, r.Code);
        Assert.Equal("renamed", r.Json["snapshot"]!["name"]!.GetValue<string>());
        Assert.Equal("new desc", r.Json["snapshot"]!["description"]!.GetValue<string>());
        Assert.NotNull(r.Json["snapshot"]!["updated_at"]);
        var cleared = await emu.SendAsync(HttpMethod.Put, $"{emu.Evs}/cloudsnapshots/{id}", "{\"snapshot\":{\"description\":null}}");
        Assert.Null(cleared.Json["snapshot"]!["description"]);
        Assert.Equal("renamed", (await emu.ShowSnapshotAsync(id))["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"snapshot\":{}}", 400, "EVS.5400")]
    [InlineData("{\"snapshot\":{\"name\":null}}", 400, "EVS.5400")]
    [InlineData("{\"snapshot\":{\"name\":[1]}}", 400, "EVS.5400")]
    [InlineData("garbage", 400, "EVS.5400")]
    public async Task Update_BadBodies(string body, int status, string code)
    {
        await using var emu = await Emu.FastAsync();
        var r = await emu.SendAsync(HttpMethod.Put, $"{emu.Evs}/cloudsnapshots/{emu.SeedSnapshotId("db01-weekly")}", body);
        Assert.Equal(status, r.Code);
        Assert.Equal(code, r.ErrorCode);
    }

    [Fact]
    public async Task Delete_Returns202Empty_ThenDeleting_ThenGone()
    {
        await using var emu = await Emu.StartAsync("--delete-seconds", "0.4");
        var id = emu.SeedSnapshotId("db01-weekly");
        var r = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(202, r.Code);
        Assert.Equal("", r.Body);
        Assert.Equal("deleting", (await emu.ShowSnapshotAsync(id))["status"]!.GetValue<string>());
        var again = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(400, again.Code);
        Assert.Equal("EVS.1047", again.ErrorCode);
        await Task.Delay(500);
        var gone = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(404, gone.Code);
        Assert.Equal(NotFoundBody, gone.Body);
    }

    [Fact]
    public async Task Delete_WhileCreating_IsEvs1047()
    {
        await using var emu = await Emu.StartAsync("--create-seconds", "30");
        var id = await emu.CreateSnapshotAsync();
        var r = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.1047", r.ErrorCode);
        Assert.Equal("snapshot status must be available or error when delete snapshot!", r.ErrorMessage);
    }

    [Fact]
    public async Task Delete_ErrorBehavior_EndsInErrorDeleting_ThenEvs2019()
    {
        await using var emu = await Emu.FastAsync();
        await emu.AdminAsync(HttpMethod.Patch, "volumes/" + emu.VolumeId("db01"), "{\"behavior\":{\"snapshotDelete\":\"error\"}}");
        var id = emu.SeedSnapshotId("db01-hourly");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}")).Code);
        await Emu.WaitUntilAsync(async () => (await emu.ShowSnapshotAsync(id))["status"]!.GetValue<string>() == "error_deleting");
        var r = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(500, r.Code);
        Assert.Equal("EVS.2019", r.ErrorCode);
        Assert.Equal("snapshot is error_deleting!", r.ErrorMessage);
    }

    [Fact]
    public async Task BackupSnapshot_CannotBeDeletedOrRenamed_UnlessProtectionOff()
    {
        await using var emu = await Emu.FastAsync();
        var id = emu.BackupSnapshotId;
        var r = await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}");
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("backup", r.ErrorMessage);
        var rename = await emu.SendAsync(HttpMethod.Put, $"{emu.Evs}/cloudsnapshots/{id}", "{\"snapshot\":{\"name\":\"mine\"}}");
        Assert.Equal(400, rename.Code);

        await emu.PatchConfigAsync("{\"protectBackupSnapshots\":false}");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{id}")).Code);
    }
}
