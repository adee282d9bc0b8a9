using System;
using System.Collections.Generic;

namespace EvsSnapshot
{
    /// <summary>An EVS disk as the API last reported it.</summary>
    public sealed class VolumeDetails
    {
        public string Id { get; internal set; } = string.Empty;

        /// <summary>Same as <see cref="Id"/>; this is what binds <c>Get-EvsVolume | New-EvsSnapshot</c> by property name.</summary>
        public string VolumeId => Id;

        public string? Name { get; internal set; }
        public string Status { get; internal set; } = string.Empty;
        public string? Description { get; internal set; }

        /// <summary>Size in GiB.</summary>
        public int? Size { get; internal set; }

        public string? VolumeType { get; internal set; }
        public string? AvailabilityZone { get; internal set; }
        public bool Bootable { get; internal set; }
        public bool Multiattach { get; internal set; }
        public IReadOnlyList<VolumeAttachment> Attachments { get; internal set; } = Array.Empty<VolumeAttachment>();
        public IDictionary<string, string> Metadata { get; internal set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The metadata as one line of text (<c>k=v; k2=v2</c>, escaping as in <see cref="EvsSnapshot.MetadataText"/>).</summary>
        public string MetadataText => EvsSnapshot.MetadataText.Format(Metadata);

        /// <summary>Local time (Kind Local): compares right with Get-Date in every time zone.</summary>
        public DateTime? CreatedAt => Times.Local(CreatedAtUtc);

        /// <summary>The same instant in UTC (Kind Utc).</summary>
        public DateTime? CreatedAtUtc { get; internal set; }

        /// <summary>Local time.</summary>
        public DateTime? UpdatedAt => Times.Local(UpdatedAtUtc);

        /// <summary>UTC.</summary>
        public DateTime? UpdatedAtUtc { get; internal set; }

        /// <summary>The snapshot this disk was created from, if any.</summary>
        public string? SourceSnapshotId { get; internal set; }

        public string? ServiceType { get; internal set; }
        public bool? Encrypted { get; internal set; }
        public IDictionary<string, string> Tags { get; internal set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public override string ToString() => Id;
    }

    /// <summary>Where a disk is attached.</summary>
    public sealed class VolumeAttachment
    {
        public string? ServerId { get; internal set; }
        public string? Device { get; internal set; }
        public string? AttachmentId { get; internal set; }
        public string? HostName { get; internal set; }

        /// <summary>Local time (Kind Local).</summary>
        public DateTime? AttachedAt => Times.Local(AttachedAtUtc);

        /// <summary>UTC (Kind Utc).</summary>
        public DateTime? AttachedAtUtc { get; internal set; }

        public override string ToString() => ServerId + ":" + Device;
    }
}
