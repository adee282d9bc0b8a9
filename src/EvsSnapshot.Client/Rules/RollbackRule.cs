using System.Linq;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// What a rollback needs (../shared/evs-api.md §2.1, §4.3): the snapshot available and naming its source disk, and that
    /// disk available (detached) or error_rollbacking. Checked before the rollback is sent, so the user gets the
    /// reason instead of the API's 400.
    /// </summary>
    public static class RollbackRule
    {
        /// <summary>The error for a snapshot that cannot be rolled back now, or null.</summary>
        public static EvsException? SnapshotRefusal(SnapshotDetails snapshot)
        {
            var backup = BackupSnapshotRule.Refusal(snapshot, SnapshotAction.RollBack);
            if (backup != null) return backup;
            if (snapshot.Status != SnapshotStatus.Available)
            {
                var error = new EvsException(EvsErrorKind.InvalidState, "SnapshotNotAvailable",
                    $"Snapshot {snapshot.Id} is '{snapshot.Status}'; only an available snapshot can be rolled back.")
                { Target = snapshot };
                return snapshot.Status == SnapshotStatus.Creating ? error.Advise(EvsAdvice.WaitForSnapshot, ("SnapshotId", snapshot.Id)) : error;
            }
            if (string.IsNullOrEmpty(snapshot.VolumeId))
            {
                return new EvsException(EvsErrorKind.InvalidState, "SnapshotHasNoVolume", $"Snapshot {snapshot.Id} names no source volume.") { Target = snapshot };
            }
            return null;
        }

        /// <summary>The error for a source disk that cannot take a rollback now, or null.</summary>
        public static EvsException? VolumeRefusal(VolumeDetails volume)
        {
            if (volume.Status == VolumeStatus.Available || volume.Status == VolumeStatus.ErrorRollbacking) return null;
            bool attached = volume.Status == VolumeStatus.InUse || volume.Attachments.Count > 0;
            var error = new EvsException(EvsErrorKind.InvalidState, "VolumeNotAvailableForRollback",
                $"Volume {volume.Id} ('{volume.Name}') is '{volume.Status}'; a rollback needs the disk 'available' (or 'error_rollbacking')."
                + (attached ? $" It is attached to {string.Join(", ", volume.Attachments.Select(a => a.ServerId + " as " + a.Device))}." : string.Empty))
            { Target = volume };
            return error.Advise(attached ? EvsAdvice.DetachVolume : EvsAdvice.WaitForVolume, ("VolumeId", volume.Id));
        }

        /// <summary>A snapshot in a rollback cannot be deleted until the rollback ends.</summary>
        public static EvsException SnapshotRollingBack(SnapshotDetails snapshot, System.Exception? inner) =>
            new EvsException(EvsErrorKind.InvalidState, "SnapshotRollingBack",
                $"Snapshot {snapshot.Id} ('{snapshot.Name}') is being rolled back onto disk {snapshot.VolumeId}; it can be deleted when the rollback has finished.", inner)
            { Target = snapshot }.Advise(EvsAdvice.WaitForRollback, ("SnapshotId", snapshot.Id), ("VolumeId", snapshot.VolumeId));

        /// <summary>
        /// After the API refused a change to a disk: the error for a disk in a rollback (one GET to find out), or
        /// null when the disk is in some other state (or cannot be read), and the API's own error stands.
        /// </summary>
        internal static async System.Threading.Tasks.Task<EvsException?> VolumeRollingBackAsync(EvsApi api, string volumeId, EvsApiException refusal, Http.CallScope call)
        {
            VolumeDetails volume;
            try
            {
                volume = await api.GetVolumeAsync(volumeId, call).ConfigureAwait(false);
            }
            catch (EvsException)
            {
                return null;
            }
            if (volume.Status != VolumeStatus.Rollbacking) return null;
            return new EvsException(EvsErrorKind.InvalidState, "VolumeRollingBack",
                $"Disk {volume.Id} ('{volume.Name}') is being rolled back to a snapshot; it can be snapshotted when the rollback has finished.", refusal)
            { Target = volume }.Advise(EvsAdvice.WaitForRollback, ("VolumeId", volume.Id));
        }

        /// <summary>The source disk of the snapshot is gone: a rollback cannot go anywhere else.</summary>
        public static EvsException SourceVolumeMissing(SnapshotDetails snapshot, System.Exception inner) =>
            new EvsException(EvsErrorKind.NotFound, "VolumeNotFound",
                $"The source volume {snapshot.VolumeId} of snapshot {snapshot.Id} no longer exists; a snapshot can only be rolled back onto its source disk.", inner)
            { Target = snapshot.VolumeId };
    }
}
