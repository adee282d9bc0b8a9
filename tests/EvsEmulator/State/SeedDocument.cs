using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EvsEmulator.State;

public sealed record SeedDomainSpec(string Name, string? Id, string Path);
public sealed record SeedUserSpec(string Name, string Password, string Domain, string? Id, string Path);
public sealed record SeedAccessKeySpec(string Access, string Secret, string Domain, string? User, string? SecurityToken,
    string? ExpiresAt, string Path);
public sealed record SeedServerSpec(string Name, string? Id, string? AvailabilityZone, string Path);
public sealed record SeedAttachmentSpec(string Server, string? Device, string Path, string? AttachmentId = null);
public sealed record SeedVolumeSpec(string Name, string? Id, int Size, string VolumeType, string? AvailabilityZone, string Status,
    IReadOnlyList<SeedAttachmentSpec> Attachments, bool Bootable, bool Multiattach, IReadOnlyDictionary<string, string> Metadata,
    IReadOnlyDictionary<string, string> ImageMetadata, string CreatedAt, string? Description, string Path)
{
    /// <summary>Seed format 1.1 (control plane 1.2): the §12.2 disk fields.</summary>
    public SeedVolumeFeatures Features { get; init; } = SeedVolumeFeatures.None;
}

/// <summary>The optional §12.2 fields of a seed disk (seed format 1.1). Encryption and SCSI end up in the disk's
/// metadata (__system__encrypted, __system__cmkid, hw:passthrough).</summary>
public sealed record SeedVolumeFeatures(string? Wwn, string? SerialNumber, bool? Encrypted, string? KmsKeyId, bool? Scsi, int? Iops,
    int? Throughput, string? EnterpriseProjectId, IReadOnlyDictionary<string, string> Tags, string? Snapshot)
{
    public static readonly SeedVolumeFeatures None = new(null, null, null, null, null, null, null, null, new Dictionary<string, string>(), null);
}
public sealed record SeedSnapshotSpec(string Name, string Volume, string? Id, string Status, string CreatedAt,
    IReadOnlyDictionary<string, string> Metadata, string? Description, string Path);
public sealed record SeedProjectSpec(string Name, string Domain, string? Id, IReadOnlyList<SeedServerSpec> Servers,
    IReadOnlyList<SeedVolumeSpec> Volumes, IReadOnlyList<SeedSnapshotSpec> Snapshots, string Path);
public sealed record SeedAgencySpec(string Name, string Domain, string? TrustedDomain, string? TrustedService, string? Id, string Path);
public sealed record SeedIdTokenSpec(string IdToken, string User, string? UserId, IReadOnlyList<string> Groups, string Path);
public sealed record SeedIdentityProviderSpec(string Id, string Protocol, string Domain, IReadOnlyList<SeedIdTokenSpec> IdTokens,
    string Path);

/// <summary>A parsed seed document (README "Seed format"). Parsing checks shapes and types with the JSON path of
/// every problem; <see cref="Seeder.Build"/> checks references and uniqueness.</summary>
public sealed class SeedDocument
{
    /// <summary>The major version of the seed format this emulator reads.</summary>
    public const int FormatVersion = 1;
    /// <summary>Major.minor: 1.1 added optional disk fields (wwn, serialNumber, encrypted, kmsKeyId, scsi, iops,
    /// throughput, enterpriseProjectId, tags, snapshot) and attachments[].attachmentId; every 1.0 document reads the same.</summary>
    public const string FormatVersionText = "1.1";

    public required string Region { get; init; }
    public IReadOnlyList<string>? AvailabilityZones { get; init; }
    public required IReadOnlyList<SeedDomainSpec> Domains { get; init; }
    public required IReadOnlyList<SeedUserSpec> Users { get; init; }
    public required IReadOnlyList<SeedAccessKeySpec> AccessKeys { get; init; }
    public required IReadOnlyList<SeedProjectSpec> Projects { get; init; }
    public required IReadOnlyList<SeedAgencySpec> Agencies { get; init; }
    public required IReadOnlyList<SeedIdentityProviderSpec> IdentityProviders { get; init; }
    /// <summary>The document as given (GET /__emulator/seed returns it).</summary>
    public required JsonObject Source { get; init; }

    private static readonly Lazy<SeedDocument> DefaultDocument = new(() => Parse(DefaultSeed.Json));

    /// <summary>The built-in seed (README "Default seed").</summary>
    public static SeedDocument Default => DefaultDocument.Value;

    private static readonly string[] VolumeTypes = ["SATA", "SAS", "GPSSD", "SSD", "ESSD", "GPSSD2", "ESSD2"];
    private static readonly Regex IdPattern = new("^[A-Za-z0-9_-]{1,64}$", RegexOptions.CultureInvariant);
    private static readonly Regex AccessPattern = new("^[A-Za-z0-9]{1,128}$", RegexOptions.CultureInvariant);

    public static SeedDocument Parse(string json)
    {
        JsonNode? node;
        try { node = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ConfigException("not valid JSON: " + e.Message); }
        return Parse(node);
    }

    public static SeedDocument Parse(JsonNode? node)
    {
        var root = node as JsonObject ?? throw new ConfigException("the seed must be a JSON object");
        CheckVersion(root);
        var r = new Reader();
        r.Keys(root, "", "seedFormatVersion", "region", "availabilityZones", "domains", "users", "accessKeys", "projects",
            "agencies", "identityProviders", "comment");
        var region = r.Str(root, "region", "", required: false, Validate.Name) ?? "cn-north-4";
        var azs = root.ContainsKey("availabilityZones") ? r.StrList(root, "availabilityZones", "") : null;
        if (azs is { Count: 0 }) throw new ConfigException("availabilityZones: must not be empty (leave it out to derive the zones)");

        var domains = r.Items(root, "domains", "", required: true, (o, p) =>
        {
            r.Keys(o, p, "name", "id");
            return new SeedDomainSpec(r.Str(o, "name", p, true, Validate.Name)!, r.Str(o, "id", p, false, Validate.Id), p);
        });
        if (domains.Count == 0) throw new ConfigException("domains: at least one domain (account) is required");

        var users = r.Items(root, "users", "", required: false, (o, p) =>
        {
            r.Keys(o, p, "name", "password", "domain", "id");
            return new SeedUserSpec(r.Str(o, "name", p, true, Validate.Name)!, r.Str(o, "password", p, true, Validate.NonEmpty)!,
                r.Str(o, "domain", p, true, Validate.Name)!, r.Str(o, "id", p, false, Validate.Id), p);
        });

        var keys = r.Items(root, "accessKeys", "", required: false, (o, p) =>
        {
            r.Keys(o, p, "access", "secret", "domain", "user", "securityToken", "expiresAt");
            var token = r.Str(o, "securityToken", p, false, Validate.NonEmpty);
            var expires = r.Str(o, "expiresAt", p, false, Validate.NonEmpty);
            if (expires is not null && token is null)
                throw new ConfigException($"{p}.expiresAt: only temporary keys (with a securityToken) can expire");
            return new SeedAccessKeySpec(r.Str(o, "access", p, true, Validate.Access)!, r.Str(o, "secret", p, true, Validate.NonEmpty)!,
                r.Str(o, "domain", p, true, Validate.Name)!, r.Str(o, "user", p, false, Validate.Name), token, expires, p);
        });

        var projects = r.Items(root, "projects", "", required: true, (o, p) =>
        {
            r.Keys(o, p, "name", "domain", "id", "servers", "volumes", "snapshots");
            var servers = r.Items(o, "servers", p, false, (so, sp) =>
            {
                r.Keys(so, sp, "name", "id", "availabilityZone");
                return new SeedServerSpec(r.Str(so, "name", sp, true, Validate.Name)!, r.Str(so, "id", sp, false, Validate.Uuid),
                    r.Str(so, "availabilityZone", sp, false, Validate.Name), sp);
            });
            var volumes = r.Items(o, "volumes", p, false, (vo, vp) => ParseVolume(r, vo, vp));
            var snapshots = r.Items(o, "snapshots", p, false, (so, sp) =>
            {
                r.Keys(so, sp, "name", "volume", "id", "status", "createdAt", "metadata", "description");
                var status = r.Str(so, "status", sp, false, Validate.NonEmpty) ?? SnapshotStatus.Available;
                if (!SnapshotStatus.All.Contains(status))
                    throw new ConfigException($"{sp}.status: must be one of {string.Join(", ", SnapshotStatus.All)}");
                return new SeedSnapshotSpec(r.Str(so, "name", sp, true, Validate.NonEmpty)!, r.Str(so, "volume", sp, true, Validate.Name)!,
                    r.Str(so, "id", sp, false, Validate.Uuid), status, r.Str(so, "createdAt", sp, false, Validate.NonEmpty) ?? "-1h",
                    r.StrMap(so, "metadata", sp), r.Str(so, "description", sp, false, null), sp);
            });
            return new SeedProjectSpec(r.Str(o, "name", p, true, Validate.Name)!, r.Str(o, "domain", p, true, Validate.Name)!,
                r.Str(o, "id", p, false, Validate.Id), servers, volumes, snapshots, p);
        });
        if (projects.Count == 0) throw new ConfigException("projects: at least one project is required");

        var agencies = r.Items(root, "agencies", "", required: false, (o, p) =>
        {
            r.Keys(o, p, "name", "domain", "trustedDomain", "trustedService", "id");
            var trustedDomain = r.Str(o, "trustedDomain", p, false, Validate.Name);
            var trustedService = r.Str(o, "trustedService", p, false, Validate.Name);
            if ((trustedDomain is null) == (trustedService is null))
                throw new ConfigException($"{p}: give exactly one of trustedDomain (an account name) or trustedService (e.g. {Agency.EcsService})");
            return new SeedAgencySpec(r.Str(o, "name", p, true, Validate.Name)!, r.Str(o, "domain", p, true, Validate.Name)!,
                trustedDomain, trustedService, r.Str(o, "id", p, false, Validate.Id), p);
        });

        var idps = r.Items(root, "identityProviders", "", required: false, (o, p) =>
        {
            r.Keys(o, p, "id", "protocol", "domain", "idTokens");
            var protocol = r.Str(o, "protocol", p, false, Validate.Name) ?? "oidc";
            var tokens = r.Items(o, "idTokens", p, true, (to, tp) =>
            {
                r.Keys(to, tp, "idToken", "user", "userId", "groups");
                return new SeedIdTokenSpec(r.Str(to, "idToken", tp, true, Validate.NonEmpty)!, r.Str(to, "user", tp, true, Validate.Name)!,
                    r.Str(to, "userId", tp, false, Validate.Id), to.ContainsKey("groups") ? r.StrList(to, "groups", tp) : [], tp);
            });
            return new SeedIdentityProviderSpec(r.Str(o, "id", p, true, Validate.Id)!, protocol, r.Str(o, "domain", p, true, Validate.Name)!,
                tokens, p);
        });

        return new SeedDocument
        {
            Region = region,
            AvailabilityZones = azs,
            Domains = domains,
            Users = users,
            AccessKeys = keys,
            Projects = projects,
            Agencies = agencies,
            IdentityProviders = idps,
            Source = (JsonObject)root.DeepClone(),
        };
    }

    private static SeedVolumeSpec ParseVolume(Reader r, JsonObject o, string p)
    {
        r.Keys(o, p, "name", "id", "size", "volumeType", "availabilityZone", "status", "attachments", "bootable", "multiattach",
            "metadata", "imageMetadata", "createdAt", "description",
            // 1.1
            "wwn", "serialNumber", "encrypted", "kmsKeyId", "scsi", "iops", "throughput", "enterpriseProjectId", "tags", "snapshot");
        var status = r.Str(o, "status", p, false, Validate.NonEmpty) ?? VolumeStatus.Available;
        if (!VolumeStatus.All.Contains(status))
            throw new ConfigException($"{p}.status: must be one of {string.Join(", ", VolumeStatus.All)}");
        var type = r.Str(o, "volumeType", p, false, Validate.NonEmpty) ?? "SSD";
        if (!VolumeTypes.Contains(type)) throw new ConfigException($"{p}.volumeType: must be one of {string.Join(", ", VolumeTypes)}");
        var attachments = r.Items(o, "attachments", p, false, (ao, ap) =>
        {
            r.Keys(ao, ap, "server", "device", "attachmentId");
            return new SeedAttachmentSpec(r.Str(ao, "server", ap, true, Validate.Name)!, r.Str(ao, "device", ap, false, Validate.NonEmpty), ap,
                r.Str(ao, "attachmentId", ap, false, Validate.Uuid));
        });
        var metadata = r.StrMap(o, "metadata", p);
        var features = ParseFeatures(r, o, p, type, metadata);
        return new SeedVolumeSpec(r.Str(o, "name", p, true, Validate.Name)!, r.Str(o, "id", p, false, Validate.Uuid),
            r.Int(o, "size", p, 10, 1, 32768), type, r.Str(o, "availabilityZone", p, false, Validate.Name), status, attachments,
            r.Bool(o, "bootable", p), r.Bool(o, "multiattach", p), metadata, r.StrMap(o, "imageMetadata", p),
            r.Str(o, "createdAt", p, false, Validate.NonEmpty) ?? "-30d", r.Str(o, "description", p, false, null), p)
        {
            Features = features,
        };
    }

    /// <summary>Default provisioned performance of the disk types that have it (seed disks that do not give it).</summary>
    public const int DefaultIops = 3000;
    public const int DefaultThroughput = 125;

    private static SeedVolumeFeatures ParseFeatures(Reader r, JsonObject o, string p, string type, IReadOnlyDictionary<string, string> metadata)
    {
        bool? OptBool(string key) => o.ContainsKey(key) && o[key] is not null ? r.Bool(o, key, p) : null;
        int? OptInt(string key) => o.ContainsKey(key) && o[key] is not null ? r.Int(o, key, p, 0, 1, 1_000_000) : null;
        var encrypted = OptBool("encrypted");
        var kms = r.Str(o, "kmsKeyId", p, false, Validate.NonEmpty);
        var scsi = OptBool("scsi");
        var serial = r.Str(o, "serialNumber", p, false, Validate.NonEmpty);
        if (kms is not null && kms.Length != 36) throw new ConfigException($"{p}.kmsKeyId: must be a 36-character KMS key id");
        if (kms is not null && encrypted == false) throw new ConfigException($"{p}.kmsKeyId: an unencrypted disk has no KMS key");
        if (encrypted == true && kms is null) throw new ConfigException($"{p}.encrypted: an encrypted disk needs its kmsKeyId");
        if ((encrypted is not null || kms is not null) && (metadata.ContainsKey("__system__encrypted") || metadata.ContainsKey("__system__cmkid")))
            throw new ConfigException($"{p}: give encryption either as encrypted/kmsKeyId or as metadata __system__encrypted/__system__cmkid, not both");
        if (scsi is not null && metadata.ContainsKey("hw:passthrough"))
            throw new ConfigException($"{p}: give scsi or metadata hw:passthrough, not both");
        var isScsi = scsi ?? (metadata.TryGetValue("hw:passthrough", out var pt) && pt == "true");
        if (serial is not null && !isScsi) throw new ConfigException($"{p}.serialNumber: only SCSI disks (scsi: true) have a serial number");
        var iops = OptInt("iops");
        var throughput = OptInt("throughput");
        if (iops is not null && type is not ("GPSSD2" or "ESSD2")) throw new ConfigException($"{p}.iops: only GPSSD2 and ESSD2 disks have provisioned IOPS");
        if (throughput is not null && type != "GPSSD2") throw new ConfigException($"{p}.throughput: only GPSSD2 disks have provisioned throughput");
        if (type is "GPSSD2" or "ESSD2") iops ??= DefaultIops;
        if (type == "GPSSD2") throughput ??= DefaultThroughput;
        var tags = r.StrMap(o, "tags", p);
        if (tags.Count > 10) throw new ConfigException($"{p}.tags: at most 10 tags");
        return new SeedVolumeFeatures(r.Str(o, "wwn", p, false, Validate.NonEmpty), serial, encrypted ?? (kms is not null ? true : null), kms, scsi,
            iops, throughput, r.Str(o, "enterpriseProjectId", p, false, Validate.NonEmpty), tags, r.Str(o, "snapshot", p, false, Validate.NonEmpty));
    }

    /// <summary><c>seedFormatVersion</c>: 1, "1" or "1.x"; any other major version is refused.</summary>
    private static void CheckVersion(JsonObject root)
    {
        if (!root.TryGetPropertyValue("seedFormatVersion", out var v) || v is null)
            throw new ConfigException($"seedFormatVersion is required (this emulator reads seed format {FormatVersion})");
        string text;
        if (v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number) text = jv.GetValue<double>().ToString(CultureInfo.InvariantCulture);
        else if (v is JsonValue sv && sv.GetValueKind() == JsonValueKind.String) text = sv.GetValue<string>();
        else throw new ConfigException("seedFormatVersion must be a number such as 1 or a string such as \"1.0\"");
        var majorText = text.Split('.')[0];
        if (!int.TryParse(majorText, NumberStyles.None, CultureInfo.InvariantCulture, out var major))
            throw new ConfigException($"seedFormatVersion '{text}' is not a version number");
        if (major != FormatVersion)
            throw new ConfigException(
                $"seedFormatVersion {text} is not supported: this emulator reads seed format {FormatVersion} (any {FormatVersion}.x)");
    }

    private enum Validate { NonEmpty, Name, Id, Uuid, Access }

    /// <summary>Typed reads with the JSON path of every problem in the message.</summary>
    private sealed class Reader
    {
        private static string At(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

        public void Keys(JsonObject o, string path, params string[] allowed)
        {
            foreach (var (key, _) in o)
                if (!allowed.Contains(key))
                    throw new ConfigException($"{At(path, key)}: unknown field (allowed here: {string.Join(", ", allowed)})");
        }

        public string? Str(JsonObject o, string key, string path, bool required, Validate? rule)
        {
            var at = At(path, key);
            if (!o.TryGetPropertyValue(key, out var v) || v is null)
                return required ? throw new ConfigException($"{at}: is required") : null;
            if (v is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String) throw new ConfigException($"{at}: must be a string");
            var s = jv.GetValue<string>();
            switch (rule)
            {
                case Validate.NonEmpty when s.Length == 0:
                    throw new ConfigException($"{at}: must not be empty");
                case Validate.Name when s.Length is 0 or > 64:
                    throw new ConfigException($"{at}: must be 1-64 characters");
                case Validate.Id when !IdPattern.IsMatch(s):
                    throw new ConfigException($"{at}: must be 1-64 letters, digits, '-' or '_' (ids are used in URLs)");
                case Validate.Uuid when !(s.Length == 36 && Guid.TryParseExact(s, "D", out _)):
                    throw new ConfigException($"{at}: must be a UUID such as 3e17ba96-ae04-4d3b-9986-9e56f0adbf3a");
                case Validate.Access when !AccessPattern.IsMatch(s):
                    throw new ConfigException($"{at}: must be 1-128 letters or digits");
            }
            return s;
        }

        public int Int(JsonObject o, string key, string path, int fallback, int min, int max)
        {
            if (!o.TryGetPropertyValue(key, out var v) || v is null) return fallback;
            if (v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number)
            {
                var d = jv.GetValue<double>();
                if (d == Math.Floor(d) && d >= min && d <= max) return (int)d;
            }
            throw new ConfigException($"{At(path, key)}: must be an integer between {min} and {max}");
        }

        public bool Bool(JsonObject o, string key, string path)
        {
            if (!o.TryGetPropertyValue(key, out var v) || v is null) return false;
            return v is JsonValue jv && jv.GetValueKind() is JsonValueKind.True or JsonValueKind.False
                ? jv.GetValue<bool>()
                : throw new ConfigException($"{At(path, key)}: must be true or false");
        }

        public IReadOnlyList<string> StrList(JsonObject o, string key, string path)
        {
            var at = At(path, key);
            if (o[key] is not JsonArray arr) throw new ConfigException($"{at}: must be an array of strings");
            var list = new List<string>();
            for (var i = 0; i < arr.Count; i++)
            {
                if (arr[i] is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String || jv.GetValue<string>().Length == 0)
                    throw new ConfigException($"{at}[{i}]: must be a non-empty string");
                list.Add(jv.GetValue<string>());
            }
            return list;
        }

        public IReadOnlyDictionary<string, string> StrMap(JsonObject o, string key, string path)
        {
            var at = At(path, key);
            if (!o.TryGetPropertyValue(key, out var v) || v is null) return new Dictionary<string, string>();
            if (v is not JsonObject map) throw new ConfigException($"{at}: must be an object of strings");
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, value) in map)
            {
                if (value is not JsonValue jv || jv.GetValueKind() != JsonValueKind.String)
                    throw new ConfigException($"{at}.{k}: must be a string");
                result[k] = jv.GetValue<string>();
            }
            return result;
        }

        public IReadOnlyList<T> Items<T>(JsonObject o, string key, string path, bool required, Func<JsonObject, string, T> item)
        {
            var at = At(path, key);
            if (!o.TryGetPropertyValue(key, out var v) || v is null)
                return required ? throw new ConfigException($"{at}: is required") : [];
            if (v is not JsonArray arr) throw new ConfigException($"{at}: must be an array");
            var list = new List<T>(arr.Count);
            for (var i = 0; i < arr.Count; i++)
            {
                var p = $"{at}[{i}]";
                list.Add(item(arr[i] as JsonObject ?? throw new ConfigException($"{p}: must be an object"), p));
            }
            return list;
        }
    }
}

/// <summary>Seed times: ISO-8601 (UTC when no zone is given) or relative to the time the seed is applied:
/// "now", or "-" followed by amounts with units d, h, m, s ("-30d", "-1h", "-1d12h", "-90s").</summary>
public static class SeedTime
{
    private static readonly Regex Relative = new(@"^-(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$", RegexOptions.CultureInvariant);

    public static DateTime Parse(string text, DateTime now, string path, bool mustBePast)
    {
        DateTime t;
        if (text == "now") t = now;
        else if (Relative.Match(text) is { Success: true } m && text.Length > 1)
        {
            double Part(int i) => m.Groups[i].Success ? double.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : 0;
            t = now - (TimeSpan.FromDays(Part(1)) + TimeSpan.FromHours(Part(2)) + TimeSpan.FromMinutes(Part(3)) + TimeSpan.FromSeconds(Part(4)));
        }
        else if (DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                     out var parsed))
            t = parsed;
        else
            throw new ConfigException($"{path}: '{text}' is neither an ISO-8601 time nor a relative time such as -30d, -1h30m, -90s or now");
        if (mustBePast && t > now) throw new ConfigException($"{path}: '{text}' is in the future; seed times must be in the past");
        return t;
    }
}
