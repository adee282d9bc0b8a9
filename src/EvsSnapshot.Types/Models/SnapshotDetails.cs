using System;
using System.Collections.Generic;

namespace EvsSnapshot
{
    /// <summary>An EVS disk snapshot as the API last reported it (a snapshot of state, not a live object).</summary>
    public sealed class SnapshotDetails
    {
        public string Id { get; internal set; } = string.Empty;

        /// <summary>Same as <see cref="Id"/>; lets snapshots bind by property name to <c>-SnapshotId</c> parameters.</summary>
        public string SnapshotId => Id;

        public string? Name { get; internal set; }
        public string Status { get; internal set; } = string.Empty;
        public string? Description { get; internal set; }

        /// <summary>Size in GiB (the source disk's size).</summary>
        public int? Size { get; internal set; }

        public string? VolumeId { get; internal set; }

        /// <summary>
        /// The source disk's name when the module already knew it (the disk was piped in or named with
        /// -VolumeName); null otherwise: the API does not return it and the module sends no request per row for it.
        /// </summary>
        public string? VolumeName { get; internal set; }

        /// <summary>
        /// Local time (Kind Local), so <c>Where-Object CreatedAt -lt (Get-Date).AddDays(-7)</c> compares the same
        /// instants in every time zone (PowerShell compares DateTime values without looking at their kind).
        /// </summary>
        public DateTime? CreatedAt => Times.Local(CreatedAtUtc);

        /// <summary>The same instant as <see cref="CreatedAt"/> in UTC (Kind Utc).</summary>
        public DateTime? CreatedAtUtc { get; internal set; }

        /// <summary>Local time; null until the snapshot is first updated.</summary>
        public DateTime? UpdatedAt => Times.Local(UpdatedAtUtc);

        /// <summary>UTC; null until the snapshot is first updated.</summary>
        public DateTime? UpdatedAtUtc { get; internal set; }

        public IDictionary<string, string> Metadata { get; internal set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The metadata as one line of text (<c>k=v; k2=v2</c>, see <see cref="MetadataText"/>), for Export-Csv and logs.</summary>
        public string MetadataText => EvsSnapshot.MetadataText.Format(Metadata);

        public string? ProjectId { get; internal set; }

        /// <summary>Creation progress in percent (from <c>os-extended-snapshot-attributes:progress</c>); null when the API omits it.</summary>
        public int? Progress { get; internal set; }

        /// <summary><c>EVS</c>, <c>DSS</c> or <c>DESS</c>; only list responses carry it.</summary>
        public string? ServiceType { get; internal set; }

        public string? DedicatedStorageId { get; internal set; }
        public string? DedicatedStorageName { get; internal set; }

        /// <summary>True for snapshots made by a disk backup (<c>autobk_snapshot_</c> prefix), which must not be changed.</summary>
        public bool IsBackupSnapshot => Validation.InputValidator.IsBackupSnapshotName(Name);

        public override string ToString() => Id;
    }
}
