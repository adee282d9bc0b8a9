using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class RollbackTests
{
    private static string Body(string volumeId, string extra = "") => $"{{\"rollback\":{{\"volume_id\":\"{volumeId}\"{extra}}}}}";

    /// <summary>Seed snapshots of db01 sit on an in-use disk; detach it (admin) so a rollback is allowed.</summary>
    private static async Task<(string Snapshot, string Volume)> AvailableDb01Async(Emu emu)
    {
        var vol = emu.VolumeId("db01");
        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Patch, "volumes/" + vol, "{\"status\":\"available\"}")).Code);
        return (emu.SeedSnapshotId("db01-weekly"), vol);
    }

    [Fact]
    public async Task Rollback_Returns202_BothRollbacking_ThenAvailable_AndRenames()
    {
        await using var emu = await Emu.StartAsync("--rollback-seconds", "0.5");
        var (snap, vol) = await AvailableDb01Async(emu);
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body(vol, ",\"name\":\"db01-restored\""));
        Assert.Equal(202, r.Code);
        Assert.Equal($"{{\"rollback\":{{\"volume_id\":\"{vol}\"}}}}", r.Body);
        Assert.Equal("rollbacking", (await emu.ShowSnapshotAsync(snap))["status"]!.GetValue<string>());
        var disk = await emu.ShowVolumeAsync(vol);
        Assert.Equal("rollbacking", disk["status"]!.GetValue<string>());
        Assert.Equal("db01-restored", disk["name"]!.GetValue<string>());

        // Nothing else may happen to the snapshot meanwhile.
        Assert.Equal("EVS.1047", (await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{snap}")).ErrorCode);

        await Task.Delay(600);
        Assert.Equal("available", (await emu.ShowSnapshotAsync(snap))["status"]!.GetValue<string>());
        Assert.Equal("available", (await emu.ShowVolumeAsync(vol))["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rollback_ToAnotherDisk_Is400()
    {
        await using var emu = await Emu.FastAsync();
        var (snap, _) = await AvailableDb01Async(emu);
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body(emu.VolumeId("app01")));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("source disk", r.ErrorMessage);
    }

    [Fact]
    public async Task Rollback_ToInUseDisk_Is400()
    {
        await using var emu = await Emu.FastAsync();
        var snap = emu.SeedSnapshotId("db01-weekly");
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body(emu.VolumeId("db01")));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("in-use", r.ErrorMessage);
    }

    [Fact]
    public async Task Rollback_FromSnapshotNotAvailable_Is400()
    {
        await using var emu = await Emu.StartAsync("--create-seconds", "30");
        var id = await emu.CreateSnapshotAsync("app01");
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{id}/rollback", Body(emu.VolumeId("app01")));
        Assert.Equal(400, r.Code);
        Assert.Contains("creating", r.ErrorMessage);
    }

    [Fact]
    public async Task Rollback_FromBackupSnapshot_Is400()
    {
        await using var emu = await Emu.FastAsync();
        await emu.AdminAsync(HttpMethod.Patch, "volumes/" + emu.VolumeId("web01"), "{\"status\":\"available\"}");
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{emu.BackupSnapshotId}/rollback", Body(emu.VolumeId("web01")));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Contains("backup", r.ErrorMessage);
    }

    [Theory]
    [InlineData("{}", "EVS.5400")]
    [InlineData("{\"rollback\":{}}", "EVS.5400")]
    [InlineData("{\"rollback\":{\"volume_id\":\"db01\"}}", "EVS.1002")]
    [InlineData("{\"rollback\":{\"volume_id\":\"VOL\",\"name\":7}}", "EVS.5400")]
    public async Task Rollback_BadBodies(string body, string code)
    {
        await using var emu = await Emu.FastAsync();
        var (snap, vol) = await AvailableDb01Async(emu);
        var r = await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", body.Replace("VOL", vol));
        Assert.Equal(400, r.Code);
        Assert.Equal(code, r.ErrorCode);
    }

    [Fact]
    public async Task Rollback_UnknownSnapshotOrDisk_Is404()
    {
        await using var emu = await Emu.FastAsync();
        var (snap, vol) = await AvailableDb01Async(emu);
        Assert.Equal(404, (await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/99999999-2222-4333-8444-555555555555/rollback", Body(vol))).Code);
        Assert.Equal(404, (await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body("99999999-2222-4333-8444-555555555555"))).Code);
    }

    [Fact]
    public async Task Rollback_ErrorBehavior_LeavesDiskErrorRollbacking_WhichAllowsAnotherRollback()
    {
        await using var emu = await Emu.FastAsync();
        var (snap, vol) = await AvailableDb01Async(emu);
        await emu.AdminAsync(HttpMethod.Patch, "volumes/" + vol, "{\"behavior\":{\"rollback\":\"error\"}}");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body(vol))).Code);
        await Emu.WaitUntilAsync(async () => (await emu.ShowVolumeAsync(vol))["status"]!.GetValue<string>() == "error_rollbacking");
        Assert.Equal("available", (await emu.ShowSnapshotAsync(snap))["status"]!.GetValue<string>());

        await emu.AdminAsync(HttpMethod.Patch, "volumes/" + vol, "{\"behavior\":{\"rollback\":\"ok\"}}");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, $"{emu.Evs}/cloudsnapshots/{snap}/rollback", Body(vol))).Code);
        await Emu.WaitUntilAsync(async () => (await emu.ShowVolumeAsync(vol))["status"]!.GetValue<string>() == "available");
    }
}
