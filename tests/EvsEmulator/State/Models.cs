namespace EvsEmulator.State;

/// <summary>Snapshot statuses (§4.1).</summary>
public static class SnapshotStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string Error = "error";
    public const string Deleting = "deleting";
    public const string ErrorDeleting = "error_deleting";
    public const string Rollbacking = "rollbacking";
    public const string BackingUp = "backing-up";

    public static readonly string[] All = [Creating, Available, Error, Deleting, ErrorDeleting, Rollbacking, BackingUp];
}

/// <summary>Disk statuses (§4.2, plus error_detaching from the SDKs).</summary>
public static class VolumeStatus
{
    public const string Creating = "creating";
    public const string Available = "available";
    public const string InUse = "in-use";
    public const string Attaching = "attaching";
    public const string Error = "error";
    public const string Rollbacking = "rollbacking";
    public const string ErrorRollbacking = "error_rollbacking";

    public static readonly string[] All =
    [
        Creating, Available, InUse, Error, Attaching, "detaching", "restoring-backup", "backing-up", "error_restoring",
        "uploading", "downloading", "extending", "error_extending", "deleting", "error_deleting", Rollbacking,
        ErrorRollbacking, "awaiting-transfer", "error_detaching",
    ];
}

public sealed class Attachment
{
    public required string AttachmentId { get; init; }
    public required string ServerId { get; init; }
    public required string Device { get; init; }
    public string? HostName { get; init; }
    public required DateTime AttachedAt { get; init; }
}

/// <summary>Per-disk failure switches set through PATCH /__emulator/volumes/{id}.</summary>
public sealed class VolumeBehavior
{
    public bool SnapshotCreateFails { get; set; }
    public bool SnapshotDeleteFails { get; set; }
    public bool RollbackFails { get; set; }
}

public sealed class Volume
{
    public const string EncryptedKey = "__system__encrypted";
    public const string KmsKeyIdKey = "__system__cmkid";
    public const string PassthroughKey = "hw:passthrough";
    public const string FullCloneKey = "full_clone";

    public required string Id { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public required string Status { get; set; }
    public required int Size { get; init; }
    public required string VolumeType { get; init; }
    public required string AvailabilityZone { get; init; }
    public bool Bootable { get; init; }
    public bool Multiattach { get; init; }
    public List<Attachment> Attachments { get; } = [];
    public required DateTime CreatedAt { get; init; }
    public DateTime? UpdatedAt { get; set; }
    public Dictionary<string, string> Metadata { get; init; } = new();
    /// <summary>volume_image_metadata (string-valued image properties; empty when the disk is not from an image).</summary>
    public Dictionary<string, string> ImageMetadata { get; init; } = new();
    public VolumeBehavior Behavior { get; } = new();
    public required string Wwn { get; init; }
    /// <summary>The snapshot the disk was created from (snapshot_id), or null.</summary>
    public string? SnapshotId { get; set; }
    /// <summary>Provisioned IOPS (GPSSD2, ESSD2) and throughput in MiB/s (GPSSD2); null for other types.</summary>
    public int? Iops { get; init; }
    public int? Throughput { get; init; }
    public string EnterpriseProjectId { get; init; } = "0";
    public Dictionary<string, string> Tags { get; init; } = new();
    /// <summary>A serial number fixed by the seed; otherwise SCSI disks show one derived from the id.</summary>
    public string? SerialNumberOverride { get; init; }
    /// <summary>"seed", "generated" (--volumes, POST /__emulator/volumes) or "api" (POST /v2.1/.../cloudvolumes).</summary>
    public string Origin { get; init; } = VolumeOrigins.Seed;
    /// <summary>The X-Client-Token of the create request that made the disk (API disks only).</summary>
    public string? ClientToken { get; init; }
    /// <summary>The create job of an API disk.</summary>
    public string? JobId { get; init; }
    /// <summary>While the emulator clock is before this time, GET and list answer as if the disk did not exist yet
    /// (config hideCreatingVolumesSeconds).</summary>
    public DateTime? HiddenUntil { get; set; }

    /// <summary>hw:passthrough "true": a SCSI disk (§12.2); otherwise VBD.</summary>
    public bool IsScsi => Metadata.TryGetValue(PassthroughKey, out var p) && p == "true";
    public bool IsEncrypted => Metadata.TryGetValue(EncryptedKey, out var e) && e == "1";
    /// <summary>serial_number: only for SCSI (non-HyperMetro; the emulator has no HyperMetro disks) disks.</summary>
    public string? SerialNumber => IsScsi ? SerialNumberOverride ?? DerivedIds.SerialNumber(Id) : null;
    public bool IsHidden(DateTime now) => HiddenUntil is { } h && now < h;
}

public static class VolumeOrigins
{
    public const string Seed = "seed";
    public const string Generated = "generated";
    public const string Api = "api";
}

/// <summary>Values derived from a disk id by hashing (not drawn from the project's generator, so adding them in 1.2
/// changed no id drawn in 1.0/1.1).</summary>
public static class DerivedIds
{
    /// <summary>20 upper-case hex digits.</summary>
    public static string SerialNumber(string volumeId) => Hex("serial|" + volumeId)[..20].ToUpperInvariant();

    /// <summary>A version-4-shaped UUID for the iops / throughput objects of a disk.</summary>
    public static string Uuid(string volumeId, string kind)
    {
        var h = Hex(kind + "|" + volumeId).ToCharArray(0, 32);
        h[12] = '4';
        h[16] = "89ab"[Convert.ToInt32(h[16].ToString(), 16) & 3];
        var s = new string(h);
        return $"{s[..8]}-{s[8..12]}-{s[12..16]}-{s[16..20]}-{s[20..32]}";
    }

    private static string Hex(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}

/// <summary>A timed lifecycle phase, resolved lazily from timestamps on each access.</summary>
public enum Phase { None, Creating, Deleting, Rollback }

public sealed class Snapshot
{
    public const string BackupPrefix = "autobk_snapshot_";

    public required string Id { get; init; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public required string VolumeId { get; init; }
    public required int Size { get; init; }
    public required DateTime CreatedAt { get; set; }
    public DateTime? UpdatedAt { get; set; }
    public Dictionary<string, string> Metadata { get; set; } = new();
    public required string Status { get; set; }

    public Phase Phase { get; set; }
    public DateTime PhaseStart { get; set; }
    public DateTime PhaseEnd { get; set; }
    /// <summary>Whether the running phase ends in failure (decided from the disk's behaviour when it started).</summary>
    public bool PhaseFails { get; set; }
    public string? RollbackVolumeId { get; set; }

    public bool IsBackupSnapshot => Name is not null && Name.StartsWith(BackupPrefix, StringComparison.Ordinal);

    /// <summary>os-extended-snapshot-attributes:progress: moves 0% → 99% while creating, 100% once created.</summary>
    public string Progress(DateTime now)
    {
        if (Status == SnapshotStatus.Creating)
        {
            if (Phase != Phase.Creating) return "0%";
            var total = (PhaseEnd - PhaseStart).TotalMilliseconds;
            var pct = total <= 0 ? 99 : (int)Math.Floor((now - PhaseStart).TotalMilliseconds / total * 100);
            return Math.Clamp(pct, 0, 99) + "%";
        }
        return Status == SnapshotStatus.Error ? "0%" : "100%";
    }
}

/// <summary>An issued IAM token (the value itself is the dictionary key and never leaves the directory).</summary>
public sealed class TokenInfo
{
    /// <summary>The project the token is scoped to; null for a domain-scoped or unscoped token.</summary>
    public string? ProjectId { get; init; }
    public required DateTime IssuedAt { get; init; }
    /// <summary>Settable: the control plane can expire tokens early.</summary>
    public required DateTime ExpiresAt { get; set; }
    public required string UserId { get; init; }
    public required string UserName { get; init; }
    public required string DomainId { get; init; }
    /// <summary>"password" (POST /v3/auth/tokens) or "federation" (OIDC id token).</summary>
    public string Source { get; init; } = TokenSources.Password;
    public string? IdentityProviderId { get; init; }
    public string? Protocol { get; init; }
    public IReadOnlyList<FederatedGroup> Groups { get; init; } = [];
}

public static class TokenSources
{
    public const string Password = "password";
    public const string Federation = "federation";
}

/// <summary>Fixed identity of the default seed (§ README "Default seed").</summary>
public static class Identity
{
    public const string Region = "cn-north-4";
    public const string ProjectId = "5e7c3f9a1b2d4e6f8a0b1c2d3e4f5a6b";
    public const string ProjectName = Region;
    public const string DomainId = "9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a";
    public const string DomainName = "evs-demo";
    public const string UserId = "7f6e5d4c3b2a41908f7e6d5c4b3a2910";
    public const string UserName = "ops-user";
    public const string Password = "Emulator-Passw0rd!";
    public const string AccessKey = "EMULATORAK0000000001";
    public const string SecretKey = "EmulatorSecretKey0000000000000000000001";
    public const string TempAccessKey = "EMULATORTEMPAK000001";
    public const string TempSecretKey = "EmulatorTempSecret00000000000000000001";
    public const string SecurityToken = "emulator-security-token-0001";
    public static readonly string[] AvailabilityZones = ["cn-north-4a", "cn-north-4b"];
}
