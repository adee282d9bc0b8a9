using System;
using System.Collections.Generic;

namespace EvsSnapshot
{
    /// <summary>What a retention policy (Limit-EvsSnapshot) decides for a snapshot.</summary>
    public enum RetentionAction
    {
        Keep,
        Remove,
    }

    /// <summary>
    /// One snapshot's decision under a retention policy: the action, the rules that kept it (empty for a removal),
    /// and the snapshot itself, so a runbook can log why each snapshot stayed or went.
    /// </summary>
    public sealed class SnapshotRetention
    {
        public SnapshotRetention(SnapshotDetails snapshot, RetentionAction action, IReadOnlyList<string> reasons, string group)
        {
            Snapshot = snapshot;
            Action = action;
            Reasons = reasons;
            Group = group;
        }

        public RetentionAction Action { get; }

        /// <summary>Why it is kept: <c>Newest</c>, <c>Last</c>, <c>Daily 2026-12-01</c>, <c>Weekly 2026-W49</c>, <c>Monthly 2026-12</c>, <c>Yearly 2026</c>, <c>Within</c>, <c>NotAvailable</c>, <c>BackupSnapshot</c>, <c>NoCreationTime</c>.</summary>
        public IReadOnlyList<string> Reasons { get; }

        /// <summary>The group the rules were counted in: the source disk's id (-GroupBy VolumeId), or empty (-GroupBy None).</summary>
        public string Group { get; }

        public SnapshotDetails Snapshot { get; }

        public string Id => Snapshot.Id;
        public string? Name => Snapshot.Name;
        public string? VolumeId => Snapshot.VolumeId;
        public string? VolumeName => Snapshot.VolumeName;
        public string Status => Snapshot.Status;
        public DateTime? CreatedAt => Snapshot.CreatedAt;
        public DateTime? CreatedAtUtc => Snapshot.CreatedAtUtc;

        public override string ToString() => Action + " " + Snapshot.Id;
    }
}
