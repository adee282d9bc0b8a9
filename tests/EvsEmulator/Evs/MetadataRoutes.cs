using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Evs;

/// <summary>Cinder snapshot metadata: /v2/{project_id}/snapshots/{snapshot_id}/metadata[/{key}] (§2.2).
/// Keys starting <c>__system__</c> belong to the service: a client cannot add, change or remove them (403 EVS.5403).</summary>
public static class MetadataRoutes
{
    public const string Base = "/v2/{project_id}/snapshots/{snapshot_id}/metadata";

    public static IEnumerable<ApiRoute> All() =>
    [
        new("GET", Base, RouteKind.Evs, GetAll),
        new("POST", Base, RouteKind.Evs, Merge),
        new("PUT", Base, RouteKind.Evs, Replace),
        new("GET", Base + "/{key}", RouteKind.Evs, GetKey),
        new("PUT", Base + "/{key}", RouteKind.Evs, PutKey),
        new("DELETE", Base + "/{key}", RouteKind.Evs, DeleteKey),
    ];

    private static ApiResult GetAll(ApiCall call) =>
        WithSnapshot(call, s => MetadataResult(s.Metadata));

    /// <summary>POST: adds or updates the given keys, returns the whole metadata.</summary>
    private static ApiResult Merge(ApiCall call)
    {
        var incoming = ParseMetadata(call.Body);
        return WithSnapshot(call, s =>
        {
            CheckSystemKeys(s.Metadata, incoming);
            foreach (var (k, v) in incoming) s.Metadata[k] = v;
            s.UpdatedAt = call.Now;
            return MetadataResult(s.Metadata);
        });
    }

    /// <summary>PUT: replaces all client metadata; existing __system__ keys are kept.</summary>
    private static ApiResult Replace(ApiCall call)
    {
        var incoming = ParseMetadata(call.Body);
        return WithSnapshot(call, s =>
        {
            CheckSystemKeys(s.Metadata, incoming);
            var next = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in s.Metadata)
                if (SnapshotRoutes.IsSystemKey(k)) next[k] = v;
            foreach (var (k, v) in incoming) next[k] = v;
            s.Metadata = next;
            s.UpdatedAt = call.Now;
            return MetadataResult(s.Metadata);
        });
    }

    private static ApiResult GetKey(ApiCall call)
    {
        var key = call["key"];
        return WithSnapshot(call, s =>
            s.Metadata.TryGetValue(key, out var value) ? MetaResult(key, value) : throw Validation.NotFound());
    }

    private static ApiResult PutKey(ApiCall call)
    {
        var key = call["key"];
        Dictionary<string, string> meta;
        using (Validation.ParseWrapped(call.Body, "meta", out var o))
            meta = Validation.Metadata(o);
        if (meta.Count > 1) throw Validation.BadRequest("Request body contains too many items.");
        if (meta.Count == 0 || !meta.ContainsKey(key)) throw Validation.BadRequest("Request body and URI mismatch.");
        var value = meta[key];
        return WithSnapshot(call, s =>
        {
            if (SnapshotRoutes.IsSystemKey(key) && !(s.Metadata.TryGetValue(key, out var old) && old == value))
                throw SnapshotRoutes.MetadataForbidden();
            s.Metadata[key] = value;
            s.UpdatedAt = call.Now;
            return MetaResult(key, value);
        });
    }

    private static ApiResult DeleteKey(ApiCall call)
    {
        var key = call["key"];
        return WithSnapshot(call, s =>
        {
            if (!s.Metadata.ContainsKey(key)) throw Validation.NotFound();
            if (SnapshotRoutes.IsSystemKey(key)) throw SnapshotRoutes.MetadataForbidden();
            s.Metadata.Remove(key);
            s.UpdatedAt = call.Now;
            return ApiResult.Empty(200);
        });
    }

    private static ApiResult WithSnapshot(ApiCall call, Func<Snapshot, ApiResult> action)
    {
        var id = call["snapshot_id"];
        Validation.SnapshotId(id);
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var s = store.FindSnapshot(id) ?? throw Validation.NotFound();
            return action(s);
        }
    }

    private static Dictionary<string, string> ParseMetadata(byte[] body)
    {
        using (Validation.ParseWrapped(body, "metadata", out var o))
            return Validation.Metadata(o);
    }

    /// <summary>A request may repeat a __system__ key with its current value (a client that read the metadata and
    /// writes it back), but may not add, change or (for a full replace, by omission: those are kept) remove one.</summary>
    private static void CheckSystemKeys(Dictionary<string, string> current, Dictionary<string, string> incoming)
    {
        // Gap (§10): the docs only say system metadata "can not be operated"; sending an unchanged value is
        // treated as no operation rather than an error.
        foreach (var (k, v) in incoming)
            if (SnapshotRoutes.IsSystemKey(k) && !(current.TryGetValue(k, out var old) && old == v))
                throw SnapshotRoutes.MetadataForbidden();
    }

    private static ApiResult MetadataResult(Dictionary<string, string> metadata) =>
        ApiResult.Json(200, w =>
        {
            w.WriteStartObject();
            w.StringMap("metadata", metadata);
            w.WriteEndObject();
        });

    private static ApiResult MetaResult(string key, string value) =>
        ApiResult.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("meta");
            w.WriteString(key, value);
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
