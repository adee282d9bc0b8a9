using System.Net;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>The rules reach the client's public operations: nothing that changes state is sent when a rule refuses.</summary>
public class SnapshotOperationsTests
{
    private static Task<EvsClient> Connect(FakeHandler handler) => Contexts.AkSkAsync(handler);

    private static bool Changes(RecordedRequest r) => r.Method != HttpMethod.Get;

    [Fact]
    public async Task Delete_ByIdOfABackupSnapshot_LooksItUp_AndSendsNoDelete()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "autobk_snapshot_vbs_1"));
        using var client = await Connect(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.DeleteAsync(Ids.Snapshot, null, Contexts.Call()));
        Assert.Equal("BackupSnapshotProtected", ex.ErrorId);
        Assert.Single(handler.Requests);
        Assert.DoesNotContain(handler.Requests, Changes);
    }

    [Fact]
    public async Task Delete_OfAKnownBackupSnapshot_SendsNothing()
    {
        var handler = new FakeHandler();
        using var client = await Connect(handler);
        var known = SnapshotRulesTests.Snapshot("autobk_snapshot_x");
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.DeleteAsync(Ids.Snapshot, known, Contexts.Call()));
        Assert.Equal("BackupSnapshotProtected", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task Delete_ByIdOfAnOrdinarySnapshot_LooksItUpThenDeletes()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "nightly")).Then(HttpStatusCode.Accepted);
        using var client = await Connect(handler);
        await client.Snapshots.DeleteAsync(Ids.Snapshot.ToUpperInvariant(), null, Contexts.Call());
        Assert.Equal(new[] { HttpMethod.Get, HttpMethod.Delete }, handler.Requests.Select(r => r.Method));
        Assert.EndsWith("/cloudsnapshots/" + Ids.Snapshot, handler.Requests[1].Uri.AbsolutePath);
    }

    [Fact]
    public async Task Update_OfABackupSnapshot_SendsNoChange()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "autobk_snapshot_vbs_1"));
        using var client = await Connect(handler);
        var change = new SnapshotChange { Name = "renamed", AddMetadata = new Dictionary<string, string> { ["k"] = "v" } };
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.UpdateAsync(Ids.Snapshot, null, change, true, Contexts.Call()));
        Assert.Equal("BackupSnapshotProtected", ex.ErrorId);
        Assert.DoesNotContain(handler.Requests, Changes);
    }

    [Fact]
    public async Task Update_RenamesAndMergesMetadata_ThenReadsTheResult()
    {
        var handler = new FakeHandler()
            .Then(_ => Wire.SnapshotOk(name: "renamed"))
            .Then(HttpStatusCode.OK, "{\"metadata\":{\"k\":\"v\"}}")
            .Then(_ => Wire.SnapshotOk(name: "renamed"));
        using var client = await Connect(handler);
        var known = SnapshotRulesTests.Snapshot("nightly");
        var change = new SnapshotChange { Name = "renamed", AddMetadata = new Dictionary<string, string> { ["k"] = "v" } };
        var result = await client.Snapshots.UpdateAsync(Ids.Snapshot, known, change, true, Contexts.Call());
        Assert.Equal("renamed", result!.Name);
        Assert.Equal(new[] { HttpMethod.Put, HttpMethod.Post, HttpMethod.Get }, handler.Requests.Select(r => r.Method));
    }

    [Theory]
    [InlineData("creating", "available", "SnapshotNotAvailable")]
    [InlineData("available", "in-use", "VolumeNotAvailableForRollback")]
    [InlineData("available", "attaching", "VolumeNotAvailableForRollback")]
    public async Task Rollback_IsCheckedOnFreshState_AndNotSentWhenRefused(string snapshotStatus, string volumeStatus, string errorId)
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(status: snapshotStatus, name: "nightly")).Then(_ => Wire.VolumeOk(status: volumeStatus));
        using var client = await Connect(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.RollbackAsync(Ids.Snapshot, null, Contexts.Call()));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.DoesNotContain(handler.Requests, Changes);
    }

    [Fact]
    public async Task Rollback_FromABackupSnapshot_IsRefused()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "autobk_snapshot_a"));
        using var client = await Connect(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.RollbackAsync(Ids.Snapshot, null, Contexts.Call()));
        Assert.Equal("BackupSnapshotProtected", ex.ErrorId);
        Assert.Single(handler.Requests);
    }

    [Fact]
    public async Task Rollback_OntoAMissingSourceDisk_IsVolumeNotFound()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "nightly"))
            .Then(HttpStatusCode.NotFound, Wire.NotFoundBody);
        using var client = await Connect(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() => client.Snapshots.RollbackAsync(Ids.Snapshot, null, Contexts.Call()));
        Assert.Equal("VolumeNotFound", ex.ErrorId);
        Assert.DoesNotContain(handler.Requests, Changes);
    }

    [Fact]
    public async Task Rollback_WhenAllowed_SendsTheSourceDiskAndTheNewName()
    {
        var handler = new FakeHandler().Then(_ => Wire.SnapshotOk(name: "nightly")).Then(_ => Wire.VolumeOk(status: "error_rollbacking"))
            .Then(HttpStatusCode.Accepted, "{\"rollback\":{\"volume_id\":\"" + Ids.Volume + "\"}}");
        using var client = await Connect(handler);
        var started = await client.Snapshots.RollbackAsync(Ids.Snapshot, "db01-restored", Contexts.Call());
        Assert.Equal(Ids.Volume, started.Volume.Id);
        var post = handler.Requests[2];
        Assert.EndsWith($"/cloudsnapshots/{Ids.Snapshot}/rollback", post.Uri.AbsolutePath);
        Assert.Contains("\"volume_id\":\"" + Ids.Volume + "\"", post.BodyText);
        Assert.Contains("\"name\":\"db01-restored\"", post.BodyText);
    }
}
