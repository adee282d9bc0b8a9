using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Evs;

/// <summary>/v2/{project_id}/cloudvolumes/detail and /cloudvolumes/{volume_id} (§3).</summary>
public static class VolumeRoutes
{
    public const string Base = "/v2/{project_id}/cloudvolumes";

    private static readonly string[] SortKeys = ["id", "status", "size", "created_at"];

    public static IEnumerable<ApiRoute> All() =>
    [
        new("GET", Base + "/detail", RouteKind.Evs, List),
        new("GET", Base + "/{volume_id}", RouteKind.Evs, Show),
    ];

    private static ApiResult Show(ApiCall call)
    {
        var id = call["volume_id"];
        Validation.VolumeId(id);
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var v = store.FindVolume(id) is { } found && !found.IsHidden(call.Now) ? found : throw Validation.NotFound();
            return ApiResult.Json(200, w =>
            {
                w.WriteStartObject();
                w.WritePropertyName("volume");
                EvsJson.WriteVolume(w, v, call.BaseUrl, store);
                w.WriteEndObject();
            });
        }
    }

    private static ApiResult List(ApiCall call)
    {
        var q = call.Query;
        var (offset, pageSize) = Validation.Paging(q, call.Config.PageCap);
        var marker = Validation.Marker(q);
        var sortKey = q.Get("sort_key") ?? "created_at";
        if (!SortKeys.Contains(sortKey)) throw ApiException.Evs(400, "EVS.1039", "invalid sort_key!");
        var sortDir = q.Get("sort_dir") ?? "desc";
        if (sortDir is not ("asc" or "desc")) throw ApiException.Evs(400, "EVS.1040", "invalid sort_dir!");

        var name = q.Get("name");
        var status = q.Get("status");
        var az = q.Get("availability_zone");
        var serviceType = q.Get("service_type");
        var serverId = q.Get("server_id");
        bool? multiattach = q.Get("multiattach") switch
        {
            null => null,
            var m when m.Equals("true", StringComparison.OrdinalIgnoreCase) => true,
            var m when m.Equals("false", StringComparison.OrdinalIgnoreCase) => false,
            _ => throw Validation.BadRequest(Validation.MalformedUrl),
        };
        var metadataFilter = ParseMetadataFilter(q.Get("metadata"));
        var notMetadata = ParseMetadataFilter(q.Get("not_metadata"));
        var enterpriseProject = q.Get("enterprise_project_id");
        var dedicated = q.Get("dedicated_storage_id") is { Length: > 0 } || q.Get("dedicated_storage_name") is { Length: > 0 };
        // `ids` (format ['id1','id2'], up to 60) wins over `id`; invalid ids are ignored (§3.1, §12.1).
        HashSet<string>? ids = null;
        if (q.Get("ids") is { } idsRaw) ids = ParseIds(idsRaw);
        else if (q.Get("id") is { } oneId) ids = [oneId];

        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var all = store.VolumeList.ToList();
            Comparison<Volume> byKey = sortKey switch
            {
                "id" => (a, b) => string.CompareOrdinal(a.Id, b.Id),
                "status" => (a, b) => string.CompareOrdinal(a.Status, b.Status),
                "size" => (a, b) => a.Size.CompareTo(b.Size),
                _ => (a, b) => a.CreatedAt.CompareTo(b.CreatedAt),
            };
            var sign = sortDir == "asc" ? 1 : -1;
            all.Sort((a, b) =>
            {
                var c = byKey(a, b);
                return sign * (c != 0 ? c : string.CompareOrdinal(a.Id, b.Id));
            });

            var start = 0;
            if (marker is not null)
            {
                var at = all.FindIndex(v => v.Id == marker);
                // Gap (§10): a marker that is a UUID but no known disk is refused like a malformed one.
                if (at < 0) throw ApiException.Evs(400, "EVS.1024", "invalid filter marker!");
                start = at + 1;
            }

            bool Matches(Volume v) =>
                (name is null || v.Name == name)
                && (status is null || v.Status == status)
                && (az is null || v.AvailabilityZone == az)
                && (multiattach is null || v.Multiattach == multiattach)
                && (serviceType is null || serviceType == "EVS")
                && (serverId is null || v.Attachments.Any(a => a.ServerId == serverId))
                && (ids is null || ids.Contains(v.Id))
                && (metadataFilter is null || metadataFilter.All(kv => v.Metadata.TryGetValue(kv.Key, out var mv) && mv == kv.Value))
                && (notMetadata is null || !notMetadata.All(kv => MetadataValue(v, kv.Key) == kv.Value))
                && (enterpriseProject is null or "all_granted_eps" || v.EnterpriseProjectId == enterpriseProject)
                // No emulated disk lives on dedicated storage.
                && !dedicated
                && !v.IsHidden(call.Now);

            var page = new List<Volume>();
            int count = 0, skipped = 0;
            var more = false;
            for (var i = 0; i < all.Count; i++)
            {
                var v = all[i];
                if (!Matches(v)) continue;
                count++;
                if (i < start) continue;
                if (skipped < offset)
                {
                    skipped++;
                    continue;
                }
                if (page.Count < pageSize) page.Add(v);
                else more = true;
            }

            return ApiResult.Json(200, w =>
            {
                w.WriteStartObject();
                w.WriteNumber("count", count);
                w.WriteStartArray("volumes");
                foreach (var v in page) EvsJson.WriteVolume(w, v, call.BaseUrl, store);
                w.WriteEndArray();
                if (more && page.Count > 0)
                    EvsJson.WriteNextLink(w, "volumes_links", call.BaseUrl, $"/v2/{call["project_id"]}/cloudvolumes/detail", q,
                        pageSize, page[^1].Id);
                w.WriteEndObject();
            });
        }
    }

    /// <summary>`metadata` is a JSON object string; values are compared as strings.</summary>
    private static Dictionary<string, string>? ParseMetadataFilter(string? raw)
    {
        if (raw is null) return null;
        try
        {
            using var doc = JsonDocument.Parse(raw);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Validation.BadRequest(Validation.MalformedUrl);
            return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name,
                p => p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText());
        }
        catch (JsonException)
        {
            throw Validation.BadRequest(Validation.MalformedUrl);
        }
    }

    /// <summary>A metadata value for not_metadata: a VBD disk without hw:passthrough counts as "false", a disk without
    /// __system__encrypted as "0" (§12.1 lists exactly those four not_metadata forms).</summary>
    private static string? MetadataValue(Volume v, string key) =>
        v.Metadata.TryGetValue(key, out var value) ? value
        : key switch { Volume.PassthroughKey => "false", Volume.EncryptedKey => "0", _ => null };

    public const int MaxIds = 60;

    private static HashSet<string> ParseIds(string raw)
    {
        var items = raw.Trim().TrimStart('[').TrimEnd(']')
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Trim('\'', '"'))
            .ToList();
        // Gap (§12.1): "up to 60 ids" is documented, not what more gives: 400, so a client that batches wrongly fails
        // a test instead of silently losing disks.
        if (items.Count > MaxIds)
            throw Validation.BadRequest($"Invalid input: ids can hold at most {MaxIds} disk ids, got {items.Count}.");
        return items.Where(Validation.IsUuid).ToHashSet(StringComparer.Ordinal);
    }
}
