using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Evs;

/// <summary>The body of POST /v2.1/{project_id}/cloudvolumes (§11.3), parsed; shape errors are 400 EVS.5400
/// "Malformed request body." Rules that need the project's state are in <see cref="VolumeCreateRules"/>.</summary>
public sealed record VolumeCreateRequest
{
    public required string AvailabilityZone { get; init; }
    public required string VolumeType { get; init; }
    /// <summary>GB; decimals are truncated (§11.3). Null when absent.</summary>
    public long? Size { get; init; }
    public string? SnapshotId { get; init; }
    public string? BackupId { get; init; }
    public string? ImageRef { get; init; }
    public string? Name { get; init; }
    public string? Description { get; init; }
    public required Dictionary<string, string> Metadata { get; init; }
    public bool Multiattach { get; init; }
    public long? Iops { get; init; }
    public long? Throughput { get; init; }
    public required Dictionary<string, string> Tags { get; init; }
    public long Count { get; init; } = 1;
    public string? EnterpriseProjectId { get; init; }
    public string? ServerId { get; init; }
    public string? ChargingMode { get; init; }
    public string? DedicatedStorageId { get; init; }

    public static VolumeCreateRequest Parse(byte[] body)
    {
        using var doc = Validation.ParseWrapped(body, "volume", out var v);
        var root = doc.RootElement;
        string? chargingMode = null;
        if (root.TryGetProperty("bssParam", out var bss) && bss.ValueKind != JsonValueKind.Null)
        {
            if (bss.ValueKind != JsonValueKind.Object) throw Validation.Malformed();
            chargingMode = Validation.OptionalString(bss, "chargingMode", allowNull: true).Value;
        }
        string? dedicated = null;
        if (root.TryGetProperty("OS-SCH-HNT:scheduler_hints", out var hints) && hints.ValueKind != JsonValueKind.Null)
        {
            if (hints.ValueKind != JsonValueKind.Object) throw Validation.Malformed();
            dedicated = Validation.OptionalString(hints, "dedicated_storage_id", allowNull: true).Value;
        }
        return new VolumeCreateRequest
        {
            AvailabilityZone = Required(v, "availability_zone"),
            VolumeType = Required(v, "volume_type"),
            Size = Number(v, "size"),
            SnapshotId = Text(v, "snapshot_id"),
            BackupId = Text(v, "backup_id"),
            ImageRef = Text(v, "imageRef"),
            Name = Text(v, "name"),
            Description = Text(v, "description"),
            Metadata = Map(v, "metadata", metadata: true),
            Multiattach = Validation.OptionalBool(v, "multiattach"),
            Iops = Number(v, "iops"),
            Throughput = Number(v, "throughput"),
            Tags = Map(v, "tags", metadata: false),
            Count = Number(v, "count") ?? 1,
            EnterpriseProjectId = Text(v, "enterprise_project_id"),
            ServerId = Validation.OptionalString(root, "server_id", allowNull: true).Value,
            ChargingMode = chargingMode,
            DedicatedStorageId = dedicated,
        };
    }

    private static string Required(JsonElement o, string name) =>
        Validation.OptionalString(o, name, allowNull: false).Value ?? throw Validation.Malformed();

    /// <summary>An optional string; "" counts as absent (SDKs send empty strings for unset optional fields).</summary>
    private static string? Text(JsonElement o, string name) =>
        Validation.OptionalString(o, name, allowNull: true).Value is { Length: > 0 } s ? s : null;

    /// <summary>An optional JSON number, truncated to an integer (§11.3: "decimals are truncated").</summary>
    private static long? Number(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null) return null;
        if (p.ValueKind != JsonValueKind.Number || !p.TryGetDouble(out var d) || !double.IsFinite(d)) throw Validation.Malformed();
        return (long)Math.Clamp(Math.Truncate(d), long.MinValue / 2, long.MaxValue / 2);
    }

    private static Dictionary<string, string> Map(JsonElement o, string name, bool metadata)
    {
        if (!o.TryGetProperty(name, out var p) || p.ValueKind == JsonValueKind.Null)
            return new Dictionary<string, string>(StringComparer.Ordinal);
        if (metadata) return Validation.Metadata(p);
        if (p.ValueKind != JsonValueKind.Object) throw Validation.Malformed();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prop in p.EnumerateObject())
        {
            if (prop.Value.ValueKind != JsonValueKind.String) throw Validation.Malformed();
            result[prop.Name] = prop.Value.GetString()!;
        }
        return result;
    }
}

/// <summary>What a valid create request makes: the disks' shared properties, decided by <see cref="VolumeCreateRules"/>.</summary>
public sealed record VolumePlan(string AvailabilityZone, string VolumeType, int Size, string? Name, string? Description,
    Dictionary<string, string> Metadata, Dictionary<string, string> ImageMetadata, bool Bootable, bool Multiattach, int? Iops,
    int? Throughput, Dictionary<string, string> Tags, int Count, string EnterpriseProjectId, Snapshot? Source, Server? Server,
    bool ReturnVolumeIds);

/// <summary>The §11.3 / §11.4 rules of disk creation, in the order they are checked; each failure throws the documented
/// (or, where §11 lists a gap, the chosen and README-documented) error.</summary>
public static class VolumeCreateRules
{
    public static readonly string[] VolumeTypes = ["SATA", "SAS", "GPSSD", "SSD", "ESSD", "GPSSD2", "ESSD2"];
    public const string CreateForVolumeIdKey = "create_for_volume_id";
    public const int MaxCount = 100;
    public const int MaxSize = 32768;
    public const int MinBlankSize = 10;

    private static readonly string[] InheritedKeys = [Volume.EncryptedKey, Volume.KmsKeyIdKey, Volume.PassthroughKey];

    public static VolumePlan Check(VolumeCreateRequest r, Store store, IReadOnlyList<string> zones)
    {
        var sources = new[] { r.SnapshotId, r.BackupId, r.ImageRef }.Count(x => x is not null);
        if (sources > 1)
            throw ApiException.Evs(400, "EVS.1016", "Invalid input received: May specify only one of imageRef, snapshot_id, backup_id!");
        // Gap (§11.3): backups and images are not emulated; refused with a message that says so.
        if (r.BackupId is not null || r.ImageRef is not null)
            throw Validation.BadRequest(
                "Invalid input: the EVS emulator does not create disks from a backup (backup_id) or an image (imageRef); use snapshot_id or create a blank disk.");
        // Gap (§11.3): prePaid needs BSS orders, which are not emulated; the emulator makes pay-per-use disks only.
        if (r.ChargingMode == "prePaid")
            throw Validation.BadRequest(
                "Invalid input: the EVS emulator creates pay-per-use disks only (bssParam.chargingMode postPaid); prePaid is not emulated.");
        if (r.ChargingMode is not (null or "postPaid")) throw Validation.Malformed();
        if (r.DedicatedStorageId is not null)
            throw Validation.BadRequest("Invalid input: dedicated storage (OS-SCH-HNT:scheduler_hints.dedicated_storage_id) is not emulated.");
        if (r.Count is < 1 or > MaxCount) throw ApiException.Evs(400, "EVS.1021", "the quantity of volume is invalid!");
        // The same limits as snapshot names and descriptions (64 / 85 characters; README "Choices").
        Validation.NameAndDescription(r.Name, r.Description);
        // Gap (§11.3): the error for too many or too long tags is undocumented.
        if (r.Tags.Count > 10 || r.Tags.Any(t => t.Key.Length is 0 or > 36 || t.Value.Length > 43))
            throw Validation.BadRequest("Invalid tags: at most 10 tags, keys 1-36 and values 0-43 characters.");
        if (!VolumeTypes.Contains(r.VolumeType)) throw ApiException.Evs(400, "EVS.1020", "invalid volume type!");

        var metadata = new Dictionary<string, string>(r.Metadata, StringComparer.Ordinal);
        var returnIds = metadata.Remove(CreateForVolumeIdKey, out var forIds) && forIds == "true";
        var imageMetadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var bootable = false;
        Snapshot? source = null;
        int size;
        if (r.SnapshotId is { } snapshotId)
        {
            Validation.SnapshotId(snapshotId);
            // Gap (§11.4): that EVS.5404 applies to a missing snapshot is not confirmed; it is the documented 404.
            source = store.FindSnapshot(snapshotId) ?? throw Validation.NotFound();
            if (source.Status is not (SnapshotStatus.Available or SnapshotStatus.BackingUp))
                throw ApiException.Evs(400, "EVS.2043", "The status of snapshot is not available or backing-up.");
            var disk = store.FindVolume(source.VolumeId) ?? throw Validation.NotFound();
            if (r.AvailabilityZone != disk.AvailabilityZone)
                throw ApiException.Evs(400, "EVS.2054", "Cannot create volume from snapshot as the az is invalid!");
            // Gap (§11.4): the second %s of EVS.2096 is taken to be the snapshot's (source disk's) type.
            if (r.VolumeType != disk.VolumeType)
                throw ApiException.Evs(400, "EVS.2096", $"Target volumeType[{r.VolumeType}] is not matched with snapshot[{disk.VolumeType}] !");
            // Gap (§11.4): the code for a size below the snapshot's is not confirmed; EVS.1010 is the size error.
            if (r.Size is not { } s || s < source.Size || s > MaxSize) throw InvalidSize();
            size = (int)s;
            if (InheritedKeys.Any(metadata.ContainsKey))
                throw ApiException.Evs(400, "EVS.1043",
                    "encrypt and cmk and passthrougth in metadata is not support when create volume from snapshot or image!");
            // Encryption and SCSI follow the source (§11.3, §11.4); an image disk's snapshot keeps its image.
            foreach (var key in InheritedKeys)
                if (disk.Metadata.TryGetValue(key, out var value)) metadata[key] = value;
            // Gap (§11.4): full clone or linked clone by default is not documented; the API reference asks for "0" to get a
            // linked clone, so an unset full_clone is taken as a full clone ("1").
            metadata.TryAdd(Volume.FullCloneKey, "1");
            // Gap (§11.4): bootable and image metadata of a disk made from a system disk's snapshot are not documented;
            // copied as Cinder does.
            bootable = disk.Bootable;
            foreach (var (k, v) in disk.ImageMetadata) imageMetadata[k] = v;
        }
        else
        {
            if (!zones.Contains(r.AvailabilityZone)) throw ApiException.Evs(400, "EVS.1036", "invalid availability zone!");
            if (r.Size is not { } s || s < MinBlankSize || s > MaxSize) throw InvalidSize();
            size = (int)s;
            if (metadata.TryGetValue(Volume.PassthroughKey, out var pt) && pt is not ("true" or "false"))
                throw ApiException.Evs(400, "EVS.1057", "invalid hw:passthrough in metadata!");
            // Gap (§11.3): the errors for a bad encryption pair are not documented.
            var encrypted = metadata.GetValueOrDefault(Volume.EncryptedKey, "0");
            if (encrypted is not ("0" or "1"))
                throw Validation.BadRequest("Invalid metadata: __system__encrypted must be \"1\" or \"0\".");
            if (encrypted == "1" && metadata.GetValueOrDefault(Volume.KmsKeyIdKey) is not { Length: 36 })
                throw Validation.BadRequest("Invalid metadata: an encrypted disk (__system__encrypted \"1\") needs __system__cmkid, a 36-character KMS key id.");
            metadata[Volume.EncryptedKey] = encrypted;
        }
        metadata.TryAdd(Volume.EncryptedKey, "0");

        var (iops, throughput) = Performance(r);
        var server = r.ServerId is null ? null : FindServer(store, r.ServerId, r.AvailabilityZone);
        return new VolumePlan(r.AvailabilityZone, r.VolumeType, size, r.Name, r.Description, metadata, imageMetadata, bootable,
            r.Multiattach, iops, throughput, r.Tags, (int)r.Count, r.EnterpriseProjectId ?? "0", source, server, returnIds);
    }

    private static ApiException InvalidSize() => ApiException.Evs(400, "EVS.1010", "invalid volume size!");

    /// <summary>iops: required for GPSSD2 and ESSD2 and refused for other types; throughput: required for GPSSD2 and refused
    /// for other types (§11.3).</summary>
    private static (int? Iops, int? Throughput) Performance(VolumeCreateRequest r)
    {
        // Gap (§11.3): the codes for a missing or unexpected iops/throughput are undocumented.
        var provisioned = r.VolumeType is "GPSSD2" or "ESSD2";
        if (provisioned && r.Iops is null) throw Validation.BadRequest($"Invalid input: iops is required for {r.VolumeType} disks.");
        if (!provisioned && r.Iops is not null) throw Validation.BadRequest("Invalid input: iops is only allowed for GPSSD2 and ESSD2 disks.");
        if (r.VolumeType == "GPSSD2" && r.Throughput is null) throw Validation.BadRequest("Invalid input: throughput is required for GPSSD2 disks.");
        if (r.VolumeType != "GPSSD2" && r.Throughput is not null) throw Validation.BadRequest("Invalid input: throughput is only allowed for GPSSD2 disks.");
        if (r.Iops is < 1 or > 1_000_000) throw Validation.BadRequest("Invalid input: iops must be a positive integer.");
        if (r.Throughput is < 1 or > 1_000_000) throw Validation.BadRequest("Invalid input: throughput must be a positive integer.");
        return ((int?)r.Iops, (int?)r.Throughput);
    }

    /// <summary>server_id must be an ECS server of the project in the disk's AZ (§11.3).</summary>
    private static Server FindServer(Store store, string serverId, string zone)
    {
        // Gap (§11.5): a bad server_id is refused at once here (EVS.2134 "attach failed" would come from the job).
        var server = store.Servers.FirstOrDefault(s => s.Id == serverId)
                     ?? throw Validation.BadRequest($"Invalid input: server_id {serverId} is not an ECS server of this project.");
        if (server.AvailabilityZone != zone)
            throw Validation.BadRequest(
                $"Invalid input: server {serverId} is in {server.AvailabilityZone}, the disk would be in {zone}; a disk can only be attached to a server in its own availability zone.");
        return server;
    }
}
