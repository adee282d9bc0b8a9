using EvsSnapshot.Client.Rules;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>The business rules as pure functions (evs-api.md §2.1, §4.3, §4.4).</summary>
public class SnapshotRulesTests
{
    internal static SnapshotDetails Snapshot(string name = "nightly", string status = "available", string? volumeId = Ids.Volume) =>
        new() { Id = Ids.Snapshot, Name = name, Status = status, VolumeId = volumeId };

    internal static VolumeDetails Volume(string status = "available", params VolumeAttachment[] attachments) =>
        new() { Id = Ids.Volume, Name = "db01", Status = status, Attachments = attachments };

    [Theory]
    [InlineData("autobk_snapshot_vbs_1234", SnapshotAction.Delete, "does not delete")]
    [InlineData("AUTOBK_SNAPSHOT_x", SnapshotAction.RollBack, "does not roll back from")]
    [InlineData("autobk_snapshot_", SnapshotAction.Change, "does not change")]
    public void BackupSnapshots_AreRefused_ForEveryAction(string name, SnapshotAction action, string words)
    {
        var refusal = BackupSnapshotRule.Refusal(Snapshot(name), action);
        Assert.NotNull(refusal);
        Assert.Equal("BackupSnapshotProtected", refusal!.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidState, refusal.Kind);
        Assert.Equal(EvsAdvice.UseBackupService, refusal.Advice);
        Assert.Contains(words, refusal.Message);
    }

    [Theory]
    [InlineData("nightly")]
    [InlineData("my-autobk_snapshot_")] // the prefix, not anywhere in the name
    [InlineData("")]
    public void OtherSnapshots_AreAllowed(string name)
    {
        foreach (var action in Enum.GetValues<SnapshotAction>()) Assert.Null(BackupSnapshotRule.Refusal(Snapshot(name), action));
    }

    [Theory]
    [InlineData("creating", EvsAdvice.WaitForSnapshot)]
    [InlineData("error", EvsAdvice.None)]
    [InlineData("deleting", EvsAdvice.None)]
    [InlineData("rollbacking", EvsAdvice.None)]
    public void Rollback_NeedsAnAvailableSnapshot(string status, EvsAdvice advice)
    {
        var refusal = RollbackRule.SnapshotRefusal(Snapshot(status: status));
        Assert.Equal("SnapshotNotAvailable", refusal!.ErrorId);
        Assert.Contains($"'{status}'", refusal.Message);
        Assert.Equal(advice, refusal.Advice);
    }

    [Fact]
    public void Rollback_NeedsASourceDisk() => Assert.Equal("SnapshotHasNoVolume", RollbackRule.SnapshotRefusal(Snapshot(volumeId: null))!.ErrorId);

    [Fact]
    public void Rollback_FromABackupSnapshot_IsRefusedFirst() =>
        Assert.Equal("BackupSnapshotProtected", RollbackRule.SnapshotRefusal(Snapshot("autobk_snapshot_1", "creating"))!.ErrorId);

    [Fact]
    public void Rollback_FromAnAvailableSnapshot_IsAllowed() => Assert.Null(RollbackRule.SnapshotRefusal(Snapshot()));

    [Theory]
    [InlineData("available")]
    [InlineData("error_rollbacking")]
    public void Rollback_OntoADetachedOrFailedDisk_IsAllowed(string status) => Assert.Null(RollbackRule.VolumeRefusal(Volume(status)));

    [Fact]
    public void Rollback_OntoAnAttachedDisk_SaysWhereItIsAttached_AndToDetach()
    {
        var refusal = RollbackRule.VolumeRefusal(Volume("in-use", new VolumeAttachment { ServerId = "srv-1", Device = "/dev/vdb" }));
        Assert.Equal("VolumeNotAvailableForRollback", refusal!.ErrorId);
        Assert.Contains("srv-1 as /dev/vdb", refusal.Message);
        Assert.Equal(EvsAdvice.DetachVolume, refusal.Advice);
    }

    [Theory]
    [InlineData("creating")]
    [InlineData("extending")]
    [InlineData("rollbacking")]
    public void Rollback_OntoABusyDisk_SaysToWait(string status)
    {
        var refusal = RollbackRule.VolumeRefusal(Volume(status));
        Assert.Equal(EvsAdvice.WaitForVolume, refusal!.Advice);
        Assert.Contains($"'{status}'", refusal.Message);
    }

    [Fact]
    public void DefaultName_IsSortableUtcAndNamesTheDisk()
    {
        var local = new DateTime(2026, 12, 1, 3, 4, 5, DateTimeKind.Utc).ToLocalTime();
        Assert.Equal("snapshot-20261201-030405-11111111", SnapshotNaming.DefaultName(Ids.Volume, local));
    }
}
