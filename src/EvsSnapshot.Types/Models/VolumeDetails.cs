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

        /// <summary>The snapshot this disk was made from (the API's <c>snapshot_id</c>); same as <see cref="SourceSnapshotId"/>.</summary>
        /// <remarks>New-EvsVolume refuses a disk piped in rather than binding this, so a disk never stands in for its snapshot.</remarks>
        public string? SnapshotId => SourceSnapshotId;

        public string? ServiceType { get; internal set; }

        /// <summary>
        /// From <c>metadata.__system__encrypted</c> ("1"/"0"): the top-level <c>encrypted</c> field is documented as
        /// unsupported by the service (evs-api.md §12.2). Null when the metadata does not say.
        /// </summary>
        public bool? Encrypted => Metadata.TryGetValue(EncryptedKey, out var flag) ? flag == "1" : (bool?)null;

        /// <summary>The KMS key of an encrypted disk (<c>metadata.__system__cmkid</c>).</summary>
        public string? KmsKeyId => Metadata.TryGetValue(KmsKeyIdKey, out var key) && key.Length > 0 ? key : null;

        /// <summary>A SCSI disk (<c>metadata.hw:passthrough</c> "true"); false for VBD disks.</summary>
        public bool IsScsi => Metadata.TryGetValue(PassthroughKey, out var flag) && string.Equals(flag, "true", StringComparison.OrdinalIgnoreCase);

        /// <summary>The disk's WWN: matches <c>/dev/disk/by-id/wwn-0x...</c> inside the guest.</summary>
        public string? Wwn { get; internal set; }

        /// <summary>The serial number of a SCSI disk (what <c>lsblk -o SERIAL</c> shows in the guest); null on VBD disks.</summary>
        public string? SerialNumber { get; internal set; }

        public string? EnterpriseProjectId { get; internal set; }

        /// <summary>Provisioned IOPS of a GPSSD2 / ESSD2 disk (<c>iops.total_val</c>); null for other types.</summary>
        public int? Iops { get; internal set; }

        /// <summary>Provisioned throughput in MiB/s of a GPSSD2 disk (<c>throughput.total_val</c>); null for other types.</summary>
        public int? Throughput { get; internal set; }

        /// <summary>The image a system disk was made from (<c>volume_image_metadata.image_name</c>).</summary>
        public string? ImageName => ImageMetadata.TryGetValue("image_name", out var name) && name.Length > 0 ? name : null;

        /// <summary><c>Linux</c> or <c>Windows</c> (<c>volume_image_metadata.__os_type</c>).</summary>
        public string? OsType => ImageMetadata.TryGetValue("__os_type", out var os) && os.Length > 0 ? os : null;

        /// <summary>The API's <c>volume_image_metadata</c>; empty unless the disk comes from an image.</summary>
        public IDictionary<string, string> ImageMetadata { get; internal set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public IDictionary<string, string> Tags { get; internal set; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The first attachment's server id, for tables (null when detached).</summary>
        public string? AttachedServerId => Attachments.Count > 0 ? Attachments[0].ServerId : null;

        /// <summary>The first attachment's device, for tables.</summary>
        public string? Device => Attachments.Count > 0 ? Attachments[0].Device : null;

        public const string EncryptedKey = "__system__encrypted";
        public const string KmsKeyIdKey = "__system__cmkid";
        public const string PassthroughKey = "hw:passthrough";

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
