using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>What a cmdlet is about to do to a snapshot, for the rules that may refuse it.</summary>
    public enum SnapshotAction
    {
        Delete,
        RollBack,
        Change,
    }

    /// <summary>
    /// Snapshots made by disk backups (<c>autobk_snapshot_*</c>) must not be deleted, rolled back from or changed:
    /// the backup depends on them (../shared/evs-api.md §4.4). EVS only advises this, so the client enforces it.
    /// </summary>
    public static class BackupSnapshotRule
    {
        /// <summary>The error for acting on a backup's snapshot, or null when the action is allowed.</summary>
        public static EvsException? Refusal(SnapshotDetails snapshot, SnapshotAction action)
        {
            if (!snapshot.IsBackupSnapshot) return null;
            var error = new EvsException(EvsErrorKind.InvalidState, "BackupSnapshotProtected",
                $"Snapshot {snapshot.Id} ('{snapshot.Name}') was made by a disk backup (its name starts with '{InputValidator.BackupSnapshotPrefix}'); EvsSnapshot does not {Verb(action)} such snapshots because the backup depends on them.")
            {
                Target = snapshot,
            };
            return error.Advise(EvsAdvice.UseBackupService, ("SnapshotId", snapshot.Id));
        }

        private static string Verb(SnapshotAction action)
        {
            switch (action)
            {
                case SnapshotAction.Delete: return "delete";
                case SnapshotAction.RollBack: return "roll back from";
                default: return "change";
            }
        }
    }
}
