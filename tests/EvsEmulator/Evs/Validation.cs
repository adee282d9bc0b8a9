using System.Globalization;
using System.Text.Json;
using EvsEmulator.Http;

namespace EvsEmulator.Evs;

/// <summary>Request validation shared by the EVS routes; every failure throws an <see cref="ApiException"/> carrying
/// the documented code (§5.2).</summary>
public static class Validation
{
    public const string NotFoundMessage = "Resource(Volume, Snapshot, Backup .etc) cound not be found.";
    public const string MalformedBody = "Malformed request body.";
    public const string MalformedUrl = "Malformed request url.";

    public const int MaxNameChars = 64;
    public const int MaxDescriptionChars = 85;
    public const int MaxMetadataKeyChars = 255;
    public const int MaxMetadataValueChars = 255;
    public const int MaxLimit = 1000;

    // Gap (§10): the docs allow "error" or "itemNotFound" as the wrapper key of a 404; "error" is used, with the
    // documented message (typo included).
    public static ApiException NotFound() => ApiException.Evs(404, "EVS.5404", NotFoundMessage);
    public static ApiException BadRequest(string message) => ApiException.Evs(400, "EVS.5400", message);
    public static ApiException Malformed() => BadRequest(MalformedBody);

    public static bool IsUuid(string s) => s.Length == 36 && Guid.TryParseExact(s, "D", out _);

    public static void VolumeId(string id)
    {
        if (!IsUuid(id)) throw ApiException.Evs(400, "EVS.1002", "invalid volume id!");
    }

    public static void SnapshotId(string id)
    {
        if (!IsUuid(id)) throw ApiException.Evs(400, "EVS.2045", "invalid snapshot_id!");
    }

    /// <summary>offset/limit per §2.1, §5.2 and §9. The page cap (Cinder's osapi_max_limit) bounds the page whether or
    /// not a limit was given.</summary>
    public static (int Offset, int PageSize) Paging(QueryParams q, int pageCap)
    {
        var pageSize = Math.Min(MaxLimit, pageCap);
        var limitRaw = q.Get("limit");
        if (limitRaw is not null)
        {
            if (!long.TryParse(limitRaw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var limit))
                throw BadRequest("limit param must be an integer.");
            if (limit <= 0) throw BadRequest("limit param must be positive.");
            if (limit > MaxLimit) throw ApiException.Evs(400, "EVS.2142", "invalid filter limit, can not greater than 1000.");
            pageSize = (int)Math.Min(limit, pageCap);
        }
        var offset = 0L;
        var offsetRaw = q.Get("offset");
        if (offsetRaw is not null)
        {
            if (!long.TryParse(offsetRaw, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out offset))
                throw BadRequest("offset param must be an integer.");
            // Gap (§10): a negative offset is undocumented; Cinder's wording for it is used.
            if (offset < 0) throw BadRequest("offset param must be positive.");
        }
        return ((int)Math.Min(offset, int.MaxValue), pageSize);
    }

    /// <summary>A marker must be a UUID (EVS.1024, §3.1).</summary>
    public static string? Marker(QueryParams q)
    {
        var marker = q.Get("marker");
        if (marker is null) return null;
        if (!IsUuid(marker)) throw ApiException.Evs(400, "EVS.1024", "invalid filter marker!");
        return marker;
    }

    /// <summary>Parses <c>{"wrapper": {...}}</c>; anything else is 400 EVS.5400 Malformed request body.</summary>
    public static JsonDocument ParseWrapped(byte[] body, string wrapper, out JsonElement inner)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
        }
        catch (JsonException)
        {
            throw Malformed();
        }
        if (doc.RootElement.ValueKind != JsonValueKind.Object
            || !doc.RootElement.TryGetProperty(wrapper, out inner)
            || inner.ValueKind != JsonValueKind.Object)
        {
            doc.Dispose();
            throw Malformed();
        }
        return doc;
    }

    /// <summary>An optional string property: absent → (false, null); null → (true, null) if allowed.</summary>
    public static (bool Present, string? Value) OptionalString(JsonElement obj, string name, bool allowNull)
    {
        if (!obj.TryGetProperty(name, out var p)) return (false, null);
        return p.ValueKind switch
        {
            JsonValueKind.String => (true, p.GetString()),
            JsonValueKind.Null when allowNull => (true, null),
            _ => throw Malformed(),
        };
    }

    public static bool OptionalBool(JsonElement obj, string name)
    {
        if (!obj.TryGetProperty(name, out var p)) return false;
        return p.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw Malformed(),
        };
    }

    /// <summary>A metadata object: values must be strings (§2.1 "map string→string").</summary>
    public static Dictionary<string, string> Metadata(JsonElement p)
    {
        if (p.ValueKind != JsonValueKind.Object) throw Malformed();
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prop in p.EnumerateObject())
        {
            if (prop.Value.ValueKind != JsonValueKind.String) throw Malformed();
            var key = prop.Name;
            var value = prop.Value.GetString()!;
            // Gap (§10): EVS documents no metadata size limits; Cinder's (key 1-255, value 0-255 characters) are used.
            if (key.Length == 0 || key.Length > MaxMetadataKeyChars || value.Length > MaxMetadataValueChars)
                throw BadRequest($"Invalid metadata: keys must be 1-{MaxMetadataKeyChars} and values 0-{MaxMetadataValueChars} characters.");
            result[key] = value;
        }
        return result;
    }

    /// <summary>Length checks for names and descriptions, counted in characters (Unicode scalar values).</summary>
    public static void NameAndDescription(string? name, string? description)
    {
        // Gap (§10): the docs disagree (64/85 characters on the newer HW pages, 255 bytes in the SDK and OTC). The
        // stricter newer limits are enforced so a client that passes here also passes on the real service.
        if (name is not null && CountChars(name) > MaxNameChars)
            throw BadRequest($"Invalid input: name must be at most {MaxNameChars} characters.");
        if (description is not null && CountChars(description) > MaxDescriptionChars)
            throw BadRequest($"Invalid input: description must be at most {MaxDescriptionChars} characters.");
    }

    public static int CountChars(string s)
    {
        var n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }
}
