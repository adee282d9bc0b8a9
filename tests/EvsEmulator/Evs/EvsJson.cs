using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Evs;

/// <summary>Wire format of snapshots and disks, field names exactly as §2.1 / §3.3.</summary>
public static class EvsJson
{
    public static void WriteSnapshot(Utf8JsonWriter w, Snapshot s, DateTime now, bool listForm, string projectId)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.StringOrNull("name", s.Name);
        w.StringOrNull("description", s.Description);
        w.WriteString("status", s.Status);
        w.WriteNumber("size", s.Size);
        w.WriteString("created_at", Jsonw.EvsTime(s.CreatedAt));
        w.TimeOrNull("updated_at", s.UpdatedAt);
        w.WriteString("volume_id", s.VolumeId);
        w.StringMap("metadata", s.Metadata);
        w.WriteString("os-extended-snapshot-attributes:project_id", projectId);
        w.WriteString("os-extended-snapshot-attributes:progress", s.Progress(now));
        // service_type is part of the list model only (GO SnapshotList).
        if (listForm) w.WriteString("service_type", "EVS");
        w.WriteEndObject();
    }

    public static void WriteVolume(Utf8JsonWriter w, Volume v, string baseUrl, Store store)
    {
        w.WriteStartObject();
        w.WriteString("id", v.Id);
        w.WriteStartArray("links");
        w.WriteStartObject();
        w.WriteString("href", $"{baseUrl}/v2/{store.ProjectId}/volumes/{v.Id}");
        w.WriteString("rel", "self");
        w.WriteEndObject();
        w.WriteStartObject();
        w.WriteString("href", $"{baseUrl}/{store.ProjectId}/volumes/{v.Id}");
        w.WriteString("rel", "bookmark");
        w.WriteEndObject();
        w.WriteEndArray();
        w.WriteString("name", v.Name);
        w.WriteString("status", v.Status);
        w.WriteStartArray("attachments");
        foreach (var a in v.Attachments)
        {
            w.WriteStartObject();
            w.WriteString("attached_at", Jsonw.EvsTime(a.AttachedAt));
            w.WriteString("attachment_id", a.AttachmentId);
            w.WriteString("device", a.Device);
            w.StringOrNull("host_name", a.HostName);
            w.WriteString("id", v.Id);
            w.WriteString("server_id", a.ServerId);
            w.WriteString("volume_id", v.Id);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteString("availability_zone", v.AvailabilityZone);
        w.WriteString("os-vol-host-attr:host", $"pod01.{v.AvailabilityZone}#{v.VolumeType}");
        w.WriteNull("source_volid");
        w.StringOrNull("snapshot_id", v.SnapshotId);
        w.StringOrNull("description", v.Description);
        w.WriteString("created_at", Jsonw.EvsTime(v.CreatedAt));
        w.TimeOrNull("updated_at", v.UpdatedAt);
        w.WriteString("os-vol-tenant-attr:tenant_id", store.ProjectId);
        w.StringMap("volume_image_metadata", v.ImageMetadata);
        w.WriteString("volume_type", v.VolumeType);
        w.WriteNumber("size", v.Size);
        w.WriteNull("consistencygroup_id");
        w.WriteString("bootable", v.Bootable ? "true" : "false");
        w.StringMap("metadata", v.Metadata);
        w.WriteBoolean("encrypted", false);
        w.WriteString("replication_status", "disabled");
        w.WriteNull("os-volume-replication:extended_status");
        w.WriteNull("os-vol-mig-status-attr:migstat");
        w.WriteNull("os-vol-mig-status-attr:name_id");
        w.WriteString("shareable", v.Multiattach ? "true" : "false");
        w.WriteString("user_id", store.OwnerUserId);
        w.WriteString("service_type", "EVS");
        w.WriteBoolean("multiattach", v.Multiattach);
        w.WriteNull("dedicated_storage_id");
        w.WriteNull("dedicated_storage_name");
        w.StringMap("tags", v.Tags);
        w.WriteString("wwn", v.Wwn);
        w.WriteString("enterprise_project_id", v.EnterpriseProjectId);
        // 1.2 (§12.2): serial_number only on SCSI disks; iops for GPSSD2/ESSD2, throughput for GPSSD2.
        if (v.SerialNumber is { } serial) w.WriteString("serial_number", serial);
        if (v.Iops is { } iops) WriteProvisioned(w, "iops", DerivedIds.Uuid(v.Id, "iops"), iops);
        if (v.Throughput is { } throughput) WriteProvisioned(w, "throughput", DerivedIds.Uuid(v.Id, "throughput"), throughput);
        w.WriteEndObject();
    }

    /// <summary>The iops / throughput object: {id, total_val, frozened} (§12.2).</summary>
    private static void WriteProvisioned(Utf8JsonWriter w, string name, string id, int total)
    {
        w.WriteStartObject(name);
        w.WriteString("id", id);
        w.WriteNumber("total_val", total);
        w.WriteBoolean("frozened", false);
        w.WriteEndObject();
    }

    /// <summary>A Cinder-style "next" link: the original filters, then limit and the marker (the last id).</summary>
    public static void WriteNextLink(Utf8JsonWriter w, string propertyName, string baseUrl, string path, QueryParams query,
        int limit, string lastId)
    {
        var parts = query.Pairs
            .Where(p => p.Key is not ("limit" or "marker" or "offset"))
            .Select(p => PercentCoding.Encode(p.Key) + "=" + PercentCoding.Encode(p.Value))
            .Append("limit=" + limit)
            .Append("marker=" + lastId);
        w.WriteStartArray(propertyName);
        w.WriteStartObject();
        w.WriteString("href", $"{baseUrl}{path}?{string.Join('&', parts)}");
        w.WriteString("rel", "next");
        w.WriteEndObject();
        w.WriteEndArray();
    }
}
