using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Evs;

/// <summary>/v2/{project_id}/cloudsnapshots... (§2.1, state rules §4).</summary>
public static class SnapshotRoutes
{
    public const string Base = "/v2/{project_id}/cloudsnapshots";
    private const string SystemPrefix = "__system__";

    public static IEnumerable<ApiRoute> All() =>
    [
        new("POST", Base, RouteKind.Evs, Create),
        new("GET", Base + "/detail", RouteKind.Evs, List),
        new("GET", Base + "/{snapshot_id}", RouteKind.Evs, Show),
        new("PUT", Base + "/{snapshot_id}", RouteKind.Evs, Update),
        new("DELETE", Base + "/{snapshot_id}", RouteKind.Evs, Delete),
        new("POST", Base + "/{snapshot_id}/rollback", RouteKind.Evs, Rollback),
    ];

    private static ApiResult Create(ApiCall call)
    {
        string volumeId;
        string? name, description;
        bool force;
        Dictionary<string, string> metadata;
        using (Validation.ParseWrapped(call.Body, "snapshot", out var o))
        {
            if (!o.TryGetProperty("volume_id", out var vid) || vid.ValueKind != JsonValueKind.String) throw Validation.Malformed();
            volumeId = vid.GetString()!;
            force = Validation.OptionalBool(o, "force");
            name = Validation.OptionalString(o, "name", allowNull: true).Value;
            description = Validation.OptionalString(o, "description", allowNull: true).Value;
            metadata = o.TryGetProperty("metadata", out var md) && md.ValueKind != JsonValueKind.Null
                ? Validation.Metadata(md)
                : new Dictionary<string, string>(StringComparer.Ordinal);
        }
        Validation.VolumeId(volumeId);
        Validation.NameAndDescription(name, description);
        CheckClientName(name, call.Config);
        if (metadata.Keys.Any(IsSystemKey)) throw MetadataForbidden();

        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var volume = store.FindVolume(volumeId) ?? throw Validation.NotFound();
            switch (volume.Status)
            {
                case VolumeStatus.Available:
                // Gap (§10): whether EVS snapshots an in-use disk without force is not confirmed. Allowed, because
                // Huawei documents force only for attaching disks and the console snapshots attached disks.
                case VolumeStatus.InUse:
                    break;
                case VolumeStatus.Attaching when force:
                    break;
                case VolumeStatus.Attaching:
                    throw Validation.BadRequest(
                        $"Invalid volume: volume {volume.Id} is attaching; set force to true to snapshot it anyway.");
                default:
                    throw Validation.BadRequest(
                        $"Invalid volume: volume status must be available or in-use, but current status is: {volume.Status}.");
            }

            // Gap (§10): no snapshot quota is emulated (the quota error code is undocumented; EVS.5413 is the
            // volume quota).
            var snapshot = new Snapshot
            {
                Id = store.Ids.NextUuid(),
                Name = name,
                Description = description,
                VolumeId = volume.Id,
                Size = volume.Size,
                CreatedAt = call.Now,
                Metadata = metadata,
                Status = SnapshotStatus.Creating,
            };
            store.StartPhase(snapshot, Phase.Creating, call.Now, call.Config.CreateSeconds, volume.Behavior.SnapshotCreateFails);
            store.AddSnapshot(snapshot);
            call.Stats.SnapshotCreated();
            return Wrapped(202, snapshot, call.Now, store.ProjectId);
        }
    }

    private static ApiResult List(ApiCall call)
    {
        var q = call.Query;
        var (offset, pageSize) = Validation.Paging(q, call.Config.PageCap);
        var marker = Validation.Marker(q);
        var name = q.Get("name");
        var status = q.Get("status");
        var volumeId = q.Get("volume_id");
        var az = q.Get("availability_zone");
        var serviceType = q.Get("service_type");
        var dedicatedName = q.Get("dedicated_storage_name");
        var dedicatedId = q.Get("dedicated_storage_id");
        var ids = q.Has("id") ? q.GetAll("id").ToHashSet(StringComparer.Ordinal) : null;
        // Gap (§10): `ids`, `sort_key` and `sort_dir` are not documented for snapshots and are ignored here (as an
        // unknown parameter would be); the order is always created_at descending, then id.

        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            HashSet<string>? volumesInAz = az is null
                ? null
                : store.VolumeList.Where(v => v.AvailabilityZone == az).Select(v => v.Id).ToHashSet(StringComparer.Ordinal);

            bool Matches(Snapshot s) =>
                // Gap (§10): the default order is Cinder's, created_at descending, then id for a stable page order.
                // Gap (§10): the name filter is an exact match (Cinder: "no fuzzy match").
                (name is null || s.Name == name)
                && (status is null || s.Status == status)
                && (volumeId is null || s.VolumeId == volumeId)
                && (volumesInAz is null || volumesInAz.Contains(s.VolumeId))
                && (ids is null || ids.Contains(s.Id))
                && (serviceType is null || serviceType == "EVS")
                // No emulated snapshot lives on dedicated storage.
                && string.IsNullOrEmpty(dedicatedName) && string.IsNullOrEmpty(dedicatedId);

            var start = 0;
            if (marker is not null)
            {
                // Gap (§10): marker is undocumented for cloudsnapshots/detail but is what snapshots_links uses, so it
                // is honoured (applied before offset, as in Cinder). A deleted marker still works; an id that never
                // existed is EVS.1024.
                start = store.PositionAfter(marker);
                if (start < 0) throw ApiException.Evs(400, "EVS.1024", "invalid filter marker!");
            }

            var sorted = store.SortedSnapshots;
            var page = new List<Snapshot>(Math.Min(pageSize, 1024));
            var count = 0;
            var skipped = 0;
            var more = false;
            for (var i = 0; i < sorted.Count; i++)
            {
                var s = sorted[i];
                if (!Matches(s)) continue;
                count++;
                if (i < start) continue;
                if (skipped < offset)
                {
                    skipped++;
                    continue;
                }
                if (page.Count < pageSize) page.Add(s);
                else more = true;
            }

            return ApiResult.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("count", count);
                w.WriteStartArray("snapshots");
                foreach (var s in page) EvsJson.WriteSnapshot(w, s, call.Now, listForm: true, store.ProjectId);
                w.WriteEndArray();
                // Emitted whenever the page was cut short, whether the limit came from the client or the page cap.
                if (more && page.Count > 0)
                    EvsJson.WriteNextLink(w, "snapshots_links", call.BaseUrl,
                        $"/v2/{call["project_id"]}/cloudsnapshots/detail", q, pageSize, page[^1].Id);
                w.WriteEndObject();
            });
        }
    }

    private static ApiResult Show(ApiCall call)
    {
        var id = call["snapshot_id"];
        Validation.SnapshotId(id);
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var s = store.FindSnapshot(id) ?? throw Validation.NotFound();
            return Wrapped(200, s, call.Now, store.ProjectId);
        }
    }

    private static ApiResult Update(ApiCall call)
    {
        var id = call["snapshot_id"];
        Validation.SnapshotId(id);
        (bool Present, string? Value) name, description;
        using (Validation.ParseWrapped(call.Body, "snapshot", out var o))
        {
            name = Validation.OptionalString(o, "name", allowNull: false);
            description = Validation.OptionalString(o, "description", allowNull: true);
        }
        // Gap (§10): an update that changes nothing is undocumented; it is rejected like any body of the wrong shape.
        if (!name.Present && !description.Present) throw Validation.Malformed();
        Validation.NameAndDescription(name.Value, description.Value);
        if (name.Present) CheckClientName(name.Value, call.Config);

        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var s = store.FindSnapshot(id) ?? throw Validation.NotFound();
            // Gap (§4.4): backup snapshots keep their name, otherwise renaming would sidestep their protection.
            if (name.Present && s.IsBackupSnapshot && call.Config.ProtectBackupSnapshots && name.Value != s.Name)
                throw Validation.BadRequest($"Snapshot {s.Id} is a backup snapshot ({Snapshot.BackupPrefix}*) and cannot be renamed.");
            if (name.Present) s.Name = name.Value;
            if (description.Present) s.Description = description.Value;
            s.UpdatedAt = call.Now;
            return Wrapped(200, s, call.Now, store.ProjectId);
        }
    }

    private static ApiResult Delete(ApiCall call)
    {
        var id = call["snapshot_id"];
        Validation.SnapshotId(id);
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var s = store.FindSnapshot(id) ?? throw Validation.NotFound();
            // Gap (§10/§4.4): the docs only advise against deleting backup snapshots; with protectBackupSnapshots
            // (default true) the emulator refuses, so a client that would delete one fails a test.
            if (s.IsBackupSnapshot && call.Config.ProtectBackupSnapshots)
                throw Validation.BadRequest(
                    $"Snapshot {s.Id} was created by a backup ({Snapshot.BackupPrefix}*) and cannot be deleted.");
            if (s.Status == SnapshotStatus.ErrorDeleting)
                throw ApiException.Evs(500, "EVS.2019", "snapshot is error_deleting!");
            if (s.Status is not (SnapshotStatus.Available or SnapshotStatus.Error))
                throw ApiException.Evs(400, "EVS.1047", "snapshot status must be available or error when delete snapshot!");

            var fails = store.FindVolume(s.VolumeId)?.Behavior.SnapshotDeleteFails ?? false;
            s.Status = SnapshotStatus.Deleting;
            s.UpdatedAt = call.Now;
            store.StartPhase(s, Phase.Deleting, call.Now, call.Config.DeleteSeconds, fails);
            return ApiResult.Empty(202);
        }
    }

    private static ApiResult Rollback(ApiCall call)
    {
        var id = call["snapshot_id"];
        Validation.SnapshotId(id);
        string volumeId;
        (bool Present, string? Value) newName;
        using (Validation.ParseWrapped(call.Body, "rollback", out var o))
        {
            if (!o.TryGetProperty("volume_id", out var vid) || vid.ValueKind != JsonValueKind.String) throw Validation.Malformed();
            volumeId = vid.GetString()!;
            newName = Validation.OptionalString(o, "name", allowNull: true);
        }
        Validation.VolumeId(volumeId);
        if (newName.Value is not null && (newName.Value.Length == 0 || Validation.CountChars(newName.Value) > Validation.MaxNameChars))
            throw Validation.BadRequest($"Invalid input: the disk name must be 1-{Validation.MaxNameChars} characters.");

        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var s = store.FindSnapshot(id) ?? throw Validation.NotFound();
            // Gap (§10): the error code for each refused rollback is undocumented; all use 400 EVS.5400 with a
            // message that says what is wrong.
            if (s.IsBackupSnapshot && call.Config.ProtectBackupSnapshots)
                throw Validation.BadRequest(
                    $"Rollback from snapshot {s.Id} is not allowed: it was created by a backup ({Snapshot.BackupPrefix}*).");
            var volume = store.FindVolume(volumeId) ?? throw Validation.NotFound();
            if (volume.Id != s.VolumeId)
                throw Validation.BadRequest(
                    $"Invalid volume: a snapshot can only be rolled back to its source disk {s.VolumeId}, not to {volume.Id}.");
            if (s.Status != SnapshotStatus.Available)
                throw Validation.BadRequest(
                    $"Invalid snapshot: snapshot status must be available, but current status is: {s.Status}.");
            if (volume.Status is not (VolumeStatus.Available or VolumeStatus.ErrorRollbacking))
                throw Validation.BadRequest(
                    $"Invalid volume: volume status must be available or error_rollbacking, but current status is: {volume.Status}.");

            s.Status = SnapshotStatus.Rollbacking;
            s.UpdatedAt = call.Now;
            s.RollbackVolumeId = volume.Id;
            volume.Status = VolumeStatus.Rollbacking;
            volume.UpdatedAt = call.Now;
            if (newName.Value is not null) volume.Name = newName.Value;
            store.StartPhase(s, Phase.Rollback, call.Now, call.Config.RollbackSeconds, volume.Behavior.RollbackFails);

            return ApiResult.Json(202, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("rollback");
                w.WriteString("volume_id", volume.Id);
                w.WriteEndObject();
                w.WriteEndObject();
            });
        }
    }

    private static ApiResult Wrapped(int status, Snapshot s, DateTime now, string projectId) =>
        ApiResult.Json(status, w =>
        {
            w.WriteStartObject();
            w.WritePropertyName("snapshot");
            EvsJson.WriteSnapshot(w, s, now, listForm: false, projectId);
            w.WriteEndObject();
        });

    public static bool IsSystemKey(string key) => key.StartsWith(SystemPrefix, StringComparison.Ordinal);

    public static ApiException MetadataForbidden() => ApiException.Evs(403, "EVS.5403", "metadata can not be operated.");

    /// <summary>Clients may not give their own snapshots the backup prefix (§4.4).</summary>
    private static void CheckClientName(string? name, RuntimeConfig config)
    {
        // Gap (§4.4): the docs tell users not to use the prefix but quote no error; refused while backup snapshots
        // are protected, so a client cannot make a snapshot it could then never delete.
        if (name is not null && config.ProtectBackupSnapshots && name.StartsWith(Snapshot.BackupPrefix, StringComparison.Ordinal))
            throw Validation.BadRequest($"Invalid input: snapshot names must not start with {Snapshot.BackupPrefix} (reserved for backups).");
    }
}
