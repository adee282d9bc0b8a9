namespace EvsEmulator.State;

/// <summary>Builds the default seed (README "Default seed"). Every id comes from the seeded generator in a fixed
/// order, so the same seed always yields the same ids.</summary>
public static class Seeder
{
    private sealed record VolumeSpec(string Name, string Status, int Size, string Type, string Az, int AgeDays,
        bool Bootable = false, bool Multiattach = false);

    private static readonly VolumeSpec[] Specs =
    [
        new("db01", VolumeStatus.InUse, 40, "SSD", "cn-north-4a", 120, Bootable: true),
        new("db02", VolumeStatus.InUse, 200, "SSD", "cn-north-4a", 119),
        new("web01", VolumeStatus.InUse, 40, "GPSSD", "cn-north-4b", 90),
        new("web02", VolumeStatus.InUse, 100, "GPSSD", "cn-north-4b", 89),
        new("app01", VolumeStatus.Available, 60, "SAS", "cn-north-4a", 60),
        new("scratch01", VolumeStatus.Available, 10, "SAS", "cn-north-4b", 20),
        new("pending01", VolumeStatus.Attaching, 20, "GPSSD", "cn-north-4a", 1),
        new("broken01", VolumeStatus.Error, 10, "SAS", "cn-north-4b", 5),
        new("shared01", VolumeStatus.InUse, 100, "SSD", "cn-north-4a", 45, Multiattach: true),
    ];

    private static readonly int[] GeneratedSizes = [10, 20, 40, 100];
    private static readonly string[] GeneratedTypes = ["SSD", "GPSSD", "SAS"];

    public static Store Build(RuntimeConfig config, DateTime now)
    {
        var store = new Store(config.Seed);
        var ids = store.Ids;

        var volumes = Specs.Select(spec => NewVolume(store, spec.Name, spec.Status, spec.Size, spec.Type, spec.Az,
            now.AddDays(-spec.AgeDays), spec.Bootable, spec.Multiattach)).ToArray();
        foreach (var v in volumes) store.AddVolume(v);

        var dbServer = ids.NextUuid();
        var webServer = ids.NextUuid();
        var appServer = ids.NextUuid();
        var byName = volumes.ToDictionary(v => v.Name);
        Attach(store, byName["db01"], dbServer, "/dev/sda", now.AddDays(-120));
        Attach(store, byName["db02"], dbServer, "/dev/sdb", now.AddDays(-119));
        Attach(store, byName["web01"], webServer, "/dev/sdb", now.AddDays(-90));
        Attach(store, byName["web02"], webServer, "/dev/sdc", now.AddDays(-89));
        Attach(store, byName["shared01"], dbServer, "/dev/sdc", now.AddDays(-45));
        Attach(store, byName["shared01"], appServer, "/dev/sdb", now.AddDays(-45));
        byName["db01"].Metadata["__system__encrypted"] = "0";
        byName["shared01"].Metadata["hw:passthrough"] = "true";

        var db01 = byName["db01"];
        store.AddSnapshot(NewSnapshot(store, db01, "db01-monthly", now.AddDays(-30), "monthly snapshot before patching",
            new() { ["purpose"] = "monthly" }));
        store.AddSnapshot(NewSnapshot(store, db01, "db01-weekly", now.AddDays(-8), null, new()));
        store.AddSnapshot(NewSnapshot(store, db01, "db01-hourly", now.AddHours(-1), null, new() { ["purpose"] = "hourly" }));
        var web01 = byName["web01"];
        store.AddSnapshot(NewSnapshot(store, web01, Snapshot.BackupPrefix + "vbs_" + ids.NextUuid(), now.AddDays(-2),
            null, new() { ["__system__enableActive"] = "true" }));

        store.SeedVolumeIds.AddRange(volumes.Select(v => v.Id));
        store.SeedSnapshotIds.AddRange(store.SortedSnapshots.Select(s => s.Id));

        if (config.Volumes > 0)
            AddGeneratedVolumes(store, config.Volumes, VolumeStatus.Available, "vol-", null, null, now);
        return store;
    }

    /// <summary>Generated volumes (--volumes and POST /__emulator/volumes): numbered names, mixed sizes and types,
    /// alternating AZs unless given.</summary>
    public static List<Volume> AddGeneratedVolumes(Store store, int count, string status, string namePrefix, int? sizeGb,
        string? availabilityZone, DateTime now)
    {
        var created = new List<Volume>(count);
        for (var i = 0; i < count; i++)
        {
            var n = store.NextNameNumber(namePrefix);
            var v = NewVolume(store, $"{namePrefix}{n:D4}", status, sizeGb ?? GeneratedSizes[n % GeneratedSizes.Length],
                GeneratedTypes[n % GeneratedTypes.Length], availabilityZone ?? Identity.AvailabilityZones[n % 2],
                now.AddSeconds(-count + i), false, false);
            if (status == VolumeStatus.InUse) Attach(store, v, store.Ids.NextUuid(), "/dev/sdb", now);
            store.AddVolume(v);
            created.Add(v);
        }
        return created;
    }

    private static Volume NewVolume(Store store, string name, string status, int size, string type, string az,
        DateTime createdAt, bool bootable, bool multiattach) =>
        new()
        {
            Id = store.Ids.NextUuid(),
            Name = name,
            Status = status,
            Size = size,
            VolumeType = type,
            AvailabilityZone = az,
            Bootable = bootable,
            Multiattach = multiattach,
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddMinutes(1),
            Wwn = "6888603000" + store.Ids.NextHex(11),
        };

    public static void Attach(Store store, Volume v, string serverId, string device, DateTime at) =>
        v.Attachments.Add(new Attachment
        {
            AttachmentId = store.Ids.NextUuid(),
            ServerId = serverId,
            Device = device,
            AttachedAt = at,
        });

    private static Snapshot NewSnapshot(Store store, Volume v, string name, DateTime createdAt, string? description,
        Dictionary<string, string> metadata) =>
        new()
        {
            Id = store.Ids.NextUuid(),
            Name = name,
            Description = description,
            VolumeId = v.Id,
            Size = v.Size,
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddMinutes(2),
            Metadata = metadata,
            Status = SnapshotStatus.Available,
        };
}
