using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvsEmulator.Evs;
using EvsEmulator.Http;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;

namespace EvsEmulator.Admin;

/// <summary>The test control plane under /__emulator/ (README). No auth, never faulted, delayed or logged.
/// Errors are <c>{"error": "message"}</c> with 400 (bad input) or 404 (unknown endpoint or id).</summary>
public static class AdminRoutes
{
    private sealed class AdminException(int status, string message) : Exception(message)
    {
        public int Status { get; } = status;
    }

    public static async Task HandleAsync(HttpContext ctx, EmulatorServer server)
    {
        var segments = ctx.Request.Path.Value!.Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        var method = ctx.Request.Method;
        ApiResult result;
        try
        {
            var body = await ReadJsonAsync(ctx.Request);
            var query = QueryParams.Parse(ctx.Request.QueryString.HasValue ? ctx.Request.QueryString.Value![1..] : "");
            result = (method, segments) switch
            {
                ("GET", ["info"]) => Info(server),
                ("GET", ["config"]) => Json(200, server.Config.Write),
                ("PATCH", ["config"]) => Json(200, server.PatchConfig(RequireObject(body)).Write),
                ("POST", ["reset"]) => Reset(server),
                ("GET", ["requests"]) => Json(200, w => server.Stats.WriteLog(w, OptionalInt(query.Get("limit"), "limit"))),
                ("DELETE", ["requests"]) => Cleared(server.Stats.ClearLog()),
                ("GET", ["stats"]) => Json(200, server.Stats.WriteStats),
                ("DELETE", ["stats"]) => ClearStats(server),
                ("GET", ["clock"]) => ClockResult(server, server.Clock),
                ("GET", ["metadata"]) => MetadataState(server),
                ("POST", ["metadata", "rotate"]) => RotateMetadata(server),
                ("GET", ["credentials"]) => ListCredentials(server, query),
                ("POST", ["credentials", "expire"]) => ExpireCredentials(server, RequireObject(body ?? new JsonObject())),
                ("POST", ["clock"]) => AdjustClock(server, RequireObject(body ?? new JsonObject())),
                ("GET", ["seed"]) => Json(200, w => server.Seed.Source.WriteTo(w)),
                ("POST", ["seed"]) => PostSeed(server, body),
                ("GET", ["volumes"]) => ListVolumes(server, query),
                ("POST", ["volumes"]) => AddVolumes(server, RequireObject(body ?? new JsonObject())),
                ("PATCH", ["volumes", var id]) => PatchVolume(server, id, RequireObject(body)),
                ("GET", ["snapshots"]) => ListSnapshots(server, query),
                ("POST", ["snapshots"]) => AddSnapshots(server, RequireObject(body ?? new JsonObject())),
                ("PATCH", ["snapshots", var id]) => PatchSnapshot(server, id, RequireObject(body)),
                ("GET", ["jobs"]) => ListJobs(server, query),
                ("GET", ["jobs", "failures"]) => ListFailures(server),
                ("POST", ["jobs", "failures"]) => AddFailure(server, RequireObject(body ?? new JsonObject())),
                ("DELETE", ["jobs", "failures"]) => ClearFailures(server),
                ("GET", ["client-tokens"]) => ListClientTokens(server),
                ("GET", ["overrides"]) => ListOverrides(server),
                ("POST", ["overrides"]) => Json(201, server.Overrides.Add(RequireObject(body)).Write),
                ("DELETE", ["overrides"]) => Cleared(server.Overrides.Clear()),
                ("DELETE", ["overrides", var id]) => server.Overrides.Remove(id) ? Cleared(1) : throw new AdminException(404, $"no override {id}"),
                _ => throw new AdminException(404, $"unknown admin endpoint {method} {ctx.Request.Path}"),
            };
        }
        catch (AdminException e)
        {
            result = Error(e.Status, e.Message);
        }
        catch (ConfigException e)
        {
            result = Error(400, e.Message);
        }

        ApiPipeline.WriteCommonHeaders(ctx, Guid.NewGuid().ToString("N"), server.Now);
        ctx.Response.StatusCode = result.Status;
        if (result.ContentType is not null) ctx.Response.ContentType = result.ContentType;
        ctx.Response.ContentLength = result.Body.Length;
        if (result.Body.Length > 0) await ctx.Response.Body.WriteAsync(result.Body);
    }

    private static ApiResult Json(int status, Action<Utf8JsonWriter> write) => ApiResult.Json(status, write);

    /// <summary>The control plane's list shape: <c>{"count": n, "&lt;name&gt;": [...]}</c>.</summary>
    private static ApiResult CountedList<T>(int status, string name, IReadOnlyCollection<T> items, Action<Utf8JsonWriter, T> writeItem) =>
        Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("count", items.Count);
            w.WriteStartArray(name);
            foreach (var item in items) writeItem(w, item);
            w.WriteEndArray();
            w.WriteEndObject();
        });

    private static ApiResult Error(int status, string message) => Json(status, w =>
    {
        w.WriteStartObject();
        w.WriteString("error", message);
        w.WriteEndObject();
    });

    private static async Task<JsonNode?> ReadJsonAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body);
        var text = await reader.ReadToEndAsync();
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException e) { throw new AdminException(400, "body is not valid JSON: " + e.Message); }
    }

    private static JsonObject RequireObject(JsonNode? body) =>
        body as JsonObject ?? throw new AdminException(400, "body must be a JSON object");

    private static int? OptionalInt(string? raw, string name) =>
        raw is null ? null
        : int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v
        : throw new AdminException(400, $"{name} must be a non-negative integer");

    /// <summary>The version of the control plane (info, config, seed and admin calls); README "Changes".</summary>
    public const string ControlPlaneVersion = "1.2";

    private static ApiResult Info(EmulatorServer server)
    {
        var world = server.World;
        var d = DefaultDetails.Of(world);
        var store = world.DefaultProject.Store;
        var now = server.Now;
        var baseUrl = server.BaseUrl;
        // Each project's store is read under its own lock, one after the other.
        var projects = world.Projects.Select(p =>
        {
            lock (p.Store.Gate)
            {
                p.Store.Advance(now);
                return Jsonw.Bytes(w => WriteInfoProject(w, world, p, baseUrl, now));
            }
        }).ToList();
        byte[] defaultPart;
        lock (store.Gate)
        {
            store.Advance(now);
            defaultPart = Jsonw.Bytes(w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("volumeIds");
                foreach (var id in store.SeedVolumeIds)
                    if (store.FindVolume(id) is { } v) w.WriteString(v.Name, v.Id);
                w.WriteEndObject();
                w.WriteStartArray("volumes");
                foreach (var id in store.SeedVolumeIds)
                    if (store.FindVolume(id) is { } v) WriteAdminVolume(w, v);
                w.WriteEndArray();
                w.WriteNumber("generatedVolumes", store.VolumeList.Count - store.SeedVolumeIds.Count);
                w.WriteStartArray("snapshots");
                foreach (var id in store.SeedSnapshotIds)
                    if (store.FindSnapshot(id) is { } s) WriteAdminSnapshot(w, s, now);
                w.WriteEndArray();
                w.WriteEndObject();
            });
        }

        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("endpoint", baseUrl);
            w.WriteString("evsEndpoint", baseUrl);
            w.WriteString("iamEndpoint", baseUrl);
            w.WriteString("region", d.Region);
            w.WriteString("projectId", d.ProjectId);
            w.WriteString("projectName", d.ProjectName);
            w.WriteString("domainId", d.DomainId);
            w.WriteString("domainName", d.DomainName);
            w.StringOrNull("userId", d.User?.Id);
            w.StringOrNull("userName", d.User?.Name);
            w.StringOrNull("password", d.User?.Password);
            w.StringOrNull("accessKey", d.AccessKey?.Access);
            w.StringOrNull("secretKey", d.AccessKey?.Secret);
            w.StringOrNull("tempAccessKey", d.TempKey?.Access);
            w.StringOrNull("tempSecretKey", d.TempKey?.Secret);
            w.StringOrNull("securityToken", d.TempKey?.SecurityToken);
            w.WriteNumber("seed", server.Config.Seed);
            w.WriteStartArray("availabilityZones");
            foreach (var az in world.AvailabilityZones) w.WriteStringValue(az);
            w.WriteEndArray();
            w.WriteStartObject("endpoints");
            w.WriteString("iamTokens", baseUrl + "/v3/auth/tokens");
            w.WriteString("iamProjects", baseUrl + "/v3/projects");
            w.WriteString("evs", $"{baseUrl}/v2/{d.ProjectId}");
            w.WriteString("admin", baseUrl + "/__emulator");
            // 1.1
            w.WriteString("iamSecurityTokens", baseUrl + Iam.CredentialRoutes.SecurityTokensPath);
            w.WriteString("iamIdTokenTokens", baseUrl + Iam.CredentialRoutes.IdTokenPath);
            w.WriteString("metadataToken", baseUrl + Metadata.MetadataService.TokenPath);
            w.WriteString("metadataSecurityKey", baseUrl + Metadata.MetadataService.SecurityKeyPath);
            // 1.2
            w.WriteString("evsCreateVolumes", $"{baseUrl}/v2.1/{d.ProjectId}/cloudvolumes");
            w.WriteString("evsJobs", $"{baseUrl}/v1/{d.ProjectId}/jobs");
            w.WriteEndObject();
            using (var part = JsonDocument.Parse(defaultPart))
                foreach (var p in part.RootElement.EnumerateObject()) p.WriteTo(w);

            // 1.1
            w.WriteString("controlPlaneVersion", ControlPlaneVersion);
            w.WriteNumber("seedFormatVersion", SeedDocument.FormatVersion);
            // 1.2: the full version of the seed format this emulator reads (1.1 added the disk fields of §12.2).
            w.WriteString("seedFormat", SeedDocument.FormatVersionText);
            w.WriteString("seedSource", world.SeedSource);
            w.WriteStartArray("domains");
            foreach (var dom in world.Domains)
            {
                w.WriteStartObject();
                w.WriteString("id", dom.Id);
                w.WriteString("name", dom.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("users");
            foreach (var u in world.Users)
            {
                w.WriteStartObject();
                w.WriteString("id", u.Id);
                w.WriteString("name", u.Name);
                w.WriteString("password", u.Password);
                w.WriteString("domainId", u.DomainId);
                w.WriteString("domainName", world.DomainName(u.DomainId));
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("accessKeys");
            foreach (var c in world.SeedCredentials)
            {
                w.WriteStartObject();
                w.WriteString("access", c.Access);
                w.WriteString("secret", c.Secret);
                w.StringOrNull("securityToken", c.SecurityToken);
                w.WriteString("domainId", c.DomainId);
                w.WriteString("domainName", world.DomainName(c.DomainId));
                w.StringOrNull("userName", c.UserName);
                w.WriteString("source", c.Source);
                if (c.ExpiresAt is { } e) w.WriteString("expiresAt", Jsonw.IamTime(e));
                else w.WriteNull("expiresAt");
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("projects");
            foreach (var p in projects) w.WriteRawValue(p);
            w.WriteEndArray();
            w.WriteStartArray("servers");
            foreach (var p in world.Projects)
                lock (p.Store.Gate)
                    foreach (var sv in p.Store.Servers) WriteServer(w, sv);
            w.WriteEndArray();
            w.WriteStartArray("agencies");
            foreach (var a in world.Agencies)
            {
                w.WriteStartObject();
                w.WriteString("id", a.Id);
                w.WriteString("name", a.Name);
                w.WriteString("domainId", a.DomainId);
                w.WriteString("domainName", world.DomainName(a.DomainId));
                w.StringOrNull("trustedDomainId", a.TrustedDomainId);
                w.StringOrNull("trustedDomainName", a.TrustedDomainId is null ? null : world.DomainName(a.TrustedDomainId));
                w.StringOrNull("trustedService", a.TrustedService);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            var ecs = world.EcsAgency;
            w.WriteStartObject("metadata");
            w.WriteString("tokenUrl", baseUrl + Metadata.MetadataService.TokenPath);
            w.WriteString("securityKeyUrl", baseUrl + Metadata.MetadataService.SecurityKeyPath);
            w.StringOrNull("agencyName", ecs?.Name);
            w.StringOrNull("domainName", ecs is null ? null : world.DomainName(ecs.DomainId));
            w.WriteEndObject();
            w.WriteStartArray("identityProviders");
            foreach (var idp in world.IdentityProviders)
            {
                w.WriteStartObject();
                w.WriteString("id", idp.Id);
                w.WriteString("protocol", idp.Protocol);
                w.WriteString("domainId", idp.DomainId);
                w.WriteString("domainName", world.DomainName(idp.DomainId));
                w.WriteStartArray("idTokens");
                foreach (var t in idp.IdTokens)
                {
                    w.WriteStartObject();
                    w.WriteString("idToken", t.IdToken);
                    w.WriteString("userId", t.UserId);
                    w.WriteString("userName", t.UserName);
                    w.WriteStartArray("groups");
                    foreach (var g in t.Groups)
                    {
                        w.WriteStartObject();
                        w.WriteString("id", g.Id);
                        w.WriteString("name", g.Name);
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteInfoProject(Utf8JsonWriter w, World world, Project p, string baseUrl, DateTime now)
    {
        var store = p.Store;
        w.WriteStartObject();
        w.WriteString("id", p.Id);
        w.WriteString("name", p.Name);
        w.WriteString("domainId", p.DomainId);
        w.WriteString("domainName", world.DomainName(p.DomainId));
        w.WriteString("region", world.Region);
        w.WriteString("evs", $"{baseUrl}/v2/{p.Id}");
        w.WriteStartObject("volumeIds");
        foreach (var id in store.SeedVolumeIds)
            if (store.FindVolume(id) is { } v) w.WriteString(v.Name, v.Id);
        w.WriteEndObject();
        w.WriteStartArray("volumes");
        foreach (var id in store.SeedVolumeIds)
            if (store.FindVolume(id) is { } v) WriteAdminVolume(w, v);
        w.WriteEndArray();
        w.WriteStartArray("snapshots");
        foreach (var id in store.SeedSnapshotIds)
            if (store.FindSnapshot(id) is { } s) WriteAdminSnapshot(w, s, now);
        w.WriteEndArray();
        w.WriteStartArray("servers");
        foreach (var sv in store.Servers) WriteServer(w, sv);
        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void WriteServer(Utf8JsonWriter w, Server s)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.WriteString("name", s.Name);
        w.WriteString("availabilityZone", s.AvailabilityZone);
        w.WriteString("projectId", s.ProjectId);
        w.WriteEndObject();
    }

    private static ApiResult ClockResult(EmulatorServer server, EmulatorServer.ClockState c) => Json(200, w =>
    {
        w.WriteStartObject();
        w.WriteString("now", Jsonw.IamTime(server.Now));
        w.WriteBoolean("frozen", c.FrozenAt is not null);
        w.WriteNumber("offsetSeconds", c.FrozenAt is null ? Math.Round(c.Offset.TotalSeconds, 6) : 0);
        w.WriteNumber("clockSkewSeconds", server.Config.ClockSkewSeconds);
        w.WriteEndObject();
    });

    private static ApiResult AdjustClock(EmulatorServer server, JsonObject body)
    {
        CheckKeys(body, "set", "freeze", "advanceSeconds");
        DateTime? set = null;
        if (GetString(body, "set") is { } raw)
        {
            if (!DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                    out var parsed))
                throw new AdminException(400, "set must be an ISO-8601 timestamp (UTC if no zone is given)");
            set = parsed;
        }
        bool? freeze = null;
        if (body["freeze"] is { } f)
        {
            try { freeze = ConfigValues.Bool(f, "freeze"); }
            catch (ConfigException e) { throw new AdminException(400, e.Message); }
        }
        var advance = 0.0;
        if (body["advanceSeconds"] is { } a)
        {
            try { advance = ConfigValues.NonNegative(a, "advanceSeconds"); }
            catch (ConfigException e) { throw new AdminException(400, e.Message); }
        }
        return ClockResult(server, server.AdjustClock(set, freeze, advance));
    }

    private static void WriteCredentialSummary(Utf8JsonWriter w, World world, Credential c, DateTime now, bool secrets = false)
    {
        w.WriteStartObject();
        w.WriteString("access", c.Access);
        w.WriteString("source", c.Source);
        w.WriteBoolean("temporary", c.IsTemporary);
        w.WriteBoolean("seeded", c.Seeded);
        w.WriteString("domainId", c.DomainId);
        w.WriteString("domainName", world.DomainName(c.DomainId));
        w.StringOrNull("userName", c.UserName);
        w.StringOrNull("agencyName", c.AgencyName);
        w.StringOrNull("sessionUser", c.SessionUser);
        if (c.IssuedAt is { } i) w.WriteString("issuedAt", Jsonw.IamTime(i));
        else w.WriteNull("issuedAt");
        if (c.ExpiresAt is { } e) w.WriteString("expiresAt", Jsonw.IamTime(e));
        else w.WriteNull("expiresAt");
        w.WriteBoolean("expired", c.ExpiresAt is { } x && now >= x);
        if (secrets)
        {
            // For leak tests: a client's output can be searched for every secret it was ever handed.
            w.WriteString("secret", c.Secret);
            w.StringOrNull("securityToken", c.SecurityToken);
        }
        w.WriteEndObject();
    }

    private static ApiResult MetadataState(EmulatorServer server)
    {
        var world = server.World;
        var config = server.Config.Metadata;
        var agency = world.EcsAgency;
        var current = world.CurrentMetadataCredential;
        var now = server.Now;
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.StringOrNull("agencyName", agency?.Name);
            w.StringOrNull("domainName", agency is null ? null : world.DomainName(agency.DomainId));
            w.WriteBoolean("agencyAttached", config.AgencyAttached && agency is not null);
            w.WriteNumber("credentialLifetimeSeconds", config.CredentialLifetimeSeconds);
            w.WriteNumber("overlapSeconds", config.EffectiveOverlapSeconds);
            w.WritePropertyName("current");
            if (current is null) w.WriteNullValue();
            else WriteCredentialSummary(w, world, current, now);
            if (current?.ExpiresAt is { } e) w.WriteString("rotatesAt", Jsonw.IamTime(e.AddSeconds(-config.EffectiveOverlapSeconds)));
            else w.WriteNull("rotatesAt");
            w.WriteEndObject();
        });
    }

    private static ApiResult RotateMetadata(EmulatorServer server)
    {
        var world = server.World;
        var agency = world.EcsAgency ?? throw new AdminException(400, $"the seed has no agency trusting {Agency.EcsService}: nothing to rotate");
        var previous = world.CurrentMetadataCredential;
        var now = server.Now;
        var next = world.RotateMetadataCredential(() => Metadata.MetadataService.Issue(server, agency, now));
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteString("access", next.Access);
            w.WriteString("issuedAt", Jsonw.IamTime(next.IssuedAt!.Value));
            w.WriteString("expiresAt", Jsonw.IamTime(next.ExpiresAt!.Value));
            w.StringOrNull("previous", previous?.Access);
            w.WriteEndObject();
        });
    }

    private static ApiResult ListCredentials(EmulatorServer server, QueryParams query)
    {
        var world = server.World;
        var source = query.Get("source");
        var secrets = query.Get("secrets") switch
        {
            null or "false" => false,
            "true" => true,
            var other => throw new AdminException(400, $"secrets must be true or false, not '{other}'"),
        };
        var now = server.Now;
        var all = world.SeedCredentials.Concat(world.IssuedCredentials()).Where(c => source is null || c.Source == source).ToList();
        return CountedList(200, "credentials", all, (w, c) => WriteCredentialSummary(w, world, c, now, secrets));
    }

    private static ApiResult ExpireCredentials(EmulatorServer server, JsonObject body)
    {
        CheckKeys(body, "tokens", "temporary", "source");
        var source = GetString(body, "source");
        var neither = !body.ContainsKey("tokens") && !body.ContainsKey("temporary");
        bool Flag(string name, bool fallback)
        {
            if (body[name] is not { } v) return neither && fallback;
            try { return ConfigValues.Bool(v, name); }
            catch (ConfigException e) { throw new AdminException(400, e.Message); }
        }
        // Without tokens/temporary: both, or only temporary credentials when a source is named.
        var tokens = Flag("tokens", source is null);
        var temporary = Flag("temporary", true);
        if (source is not null && !CredentialSources.Issued.Append(CredentialSources.Temporary).Contains(source))
            throw new AdminException(400, $"source must be one of: {string.Join(", ", CredentialSources.Issued.Append(CredentialSources.Temporary))}");
        var now = server.Now;
        var world = server.World;
        var t = tokens ? world.ExpireTokens(now) : 0;
        var c = temporary ? world.ExpireTemporaryCredentials(now, source) : 0;
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("tokensExpired", t);
            w.WriteNumber("temporaryCredentialsExpired", c);
            w.WriteEndObject();
        });
    }

    private static ApiResult PostSeed(EmulatorServer server, JsonNode? body)
    {
        SeedDocument doc;
        try { doc = SeedDocument.Parse(body); }
        catch (ConfigException e) { throw new AdminException(400, "seed: " + e.Message); }
        World world;
        try { world = server.ApplySeed(doc); }
        catch (ConfigException e) { throw new AdminException(400, "seed: " + e.Message); }
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("reset", true);
            w.WriteNumber("seedFormatVersion", SeedDocument.FormatVersion);
            // 1.2: the full version of the seed format this emulator reads (1.1 added the disk fields of §12.2).
            w.WriteString("seedFormat", SeedDocument.FormatVersionText);
            w.WriteNumber("domains", world.Domains.Count);
            w.WriteNumber("projects", world.Projects.Count);
            w.WriteNumber("volumes", world.Projects.Sum(p => p.Store.VolumeList.Count));
            w.WriteNumber("snapshots", world.Projects.Sum(p => p.Store.SnapshotCount));
            w.WriteEndObject();
        });
    }

    /// <summary>The project named by a projectId query parameter or body field; the default project without one.</summary>
    private static Store ProjectStore(EmulatorServer server, string? projectId) =>
        projectId is null ? server.Store
        : server.World.FindProject(projectId)?.Store ?? throw new AdminException(404, $"no project {projectId}");

    /// <summary>The project whose store holds the volume (ids are unique across projects).</summary>
    private static Store StoreOfVolume(EmulatorServer server, string id)
    {
        foreach (var p in server.World.Projects)
            lock (p.Store.Gate)
                if (p.Store.FindVolume(id) is not null) return p.Store;
        throw new AdminException(404, $"no volume {id}");
    }

    private static Store StoreOfSnapshot(EmulatorServer server, string id)
    {
        foreach (var p in server.World.Projects)
            lock (p.Store.Gate)
                if (p.Store.FindSnapshot(id) is not null) return p.Store;
        throw new AdminException(404, $"no snapshot {id}");
    }

    private static ApiResult Reset(EmulatorServer server)
    {
        server.Reset();
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("reset", true);
            w.WriteEndObject();
        });
    }

    private static ApiResult Cleared(int n) => Json(200, w =>
    {
        w.WriteStartObject();
        w.WriteNumber("cleared", n);
        w.WriteEndObject();
    });

    private static ApiResult ClearStats(EmulatorServer server)
    {
        server.Stats.ClearCounters();
        return Cleared(0);
    }

    private static ApiResult ListVolumes(EmulatorServer server, QueryParams query)
    {
        var store = ProjectStore(server, query.Get("projectId"));
        lock (store.Gate)
        {
            store.Advance(server.Now);
            return CountedList(200, "volumes", store.VolumeList, (w, v) => WriteAdminVolume(w, v));
        }
    }

    private static ApiResult AddVolumes(EmulatorServer server, JsonObject body)
    {
        var count = GetInt(body, "count", 1, 1, 1_000_000);
        var status = GetEnum(body, "status", VolumeStatus.Available, VolumeStatus.All);
        var prefix = GetString(body, "namePrefix") ?? "vol-";
        int? size = body.ContainsKey("sizeGb") ? GetInt(body, "sizeGb", 10, 1, 32768) : null;
        var az = GetString(body, "availabilityZone");
        CheckKeys(body, "count", "status", "namePrefix", "sizeGb", "availabilityZone", "projectId");

        var store = ProjectStore(server, GetString(body, "projectId"));
        List<Volume> created;
        lock (store.Gate) created = Seeder.AddGeneratedVolumes(store, count, status, prefix, size, az, server.Now);
        return Json(201, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("ids");
            foreach (var v in created) w.WriteStringValue(v.Id);
            w.WriteEndArray();
            w.WriteStartArray("volumes");
            foreach (var v in created)
            {
                w.WriteStartObject();
                w.WriteString("id", v.Id);
                w.WriteString("name", v.Name);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static ApiResult PatchVolume(EmulatorServer server, string id, JsonObject body)
    {
        CheckKeys(body, "status", "name", "behavior");
        var status = body.ContainsKey("status") ? GetEnum(body, "status", "", VolumeStatus.All) : null;
        var name = GetString(body, "name");
        bool? createFails = null, deleteFails = null, rollbackFails = null;
        if (body["behavior"] is { } behaviorNode)
        {
            if (behaviorNode is not JsonObject behavior) throw new AdminException(400, "behavior must be an object");
            CheckKeys(behavior, "snapshotCreate", "snapshotDelete", "rollback");
            createFails = OkOrError(behavior, "snapshotCreate");
            deleteFails = OkOrError(behavior, "snapshotDelete");
            rollbackFails = OkOrError(behavior, "rollback");
        }

        var store = StoreOfVolume(server, id);
        lock (store.Gate)
        {
            var now = server.Now;
            store.Advance(now);
            var v = store.FindVolume(id) ?? throw new AdminException(404, $"no volume {id}");
            if (status is not null)
            {
                v.Status = status;
                v.UpdatedAt = now;
                // Keep attachments consistent with the forced status.
                if (status == VolumeStatus.Available) v.Attachments.Clear();
                if (status == VolumeStatus.InUse && v.Attachments.Count == 0) Seeder.AttachToNewServer(store, v, now);
            }
            if (name is not null) v.Name = name;
            if (createFails is { } c) v.Behavior.SnapshotCreateFails = c;
            if (deleteFails is { } d) v.Behavior.SnapshotDeleteFails = d;
            if (rollbackFails is { } r) v.Behavior.RollbackFails = r;
            return Json(200, w => WriteAdminVolume(w, v));
        }
    }

    private static ApiResult ListSnapshots(EmulatorServer server, QueryParams query)
    {
        var volumeId = query.Get("volumeId");
        var status = query.Get("status");
        var store = ProjectStore(server, query.Get("projectId"));
        lock (store.Gate)
        {
            var now = server.Now;
            store.Advance(now);
            var items = store.SortedSnapshots.Where(s => (volumeId is null || s.VolumeId == volumeId) && (status is null || s.Status == status)).ToList();
            return CountedList(200, "snapshots", items, (w, s) => WriteAdminSnapshot(w, s, now));
        }
    }

    /// <summary>Bulk seeding: one sort for the whole batch, so 50,000 snapshots take well under a second.
    /// Names are {namePrefix}{n:D5}; created_at is one second apart going back from now; the status is static
    /// (no lifecycle); without volumeId the snapshots are spread round-robin over all disks.</summary>
    private static ApiResult AddSnapshots(EmulatorServer server, JsonObject body)
    {
        if (body.ContainsKey("items")) return AddSnapshotItems(server, body);
        CheckKeys(body, "count", "volumeId", "status", "namePrefix", "projectId");
        var count = GetInt(body, "count", 1, 1, 1_000_000);
        var volumeId = GetString(body, "volumeId");
        var status = GetEnum(body, "status", SnapshotStatus.Available, SnapshotStatus.All);
        var prefix = GetString(body, "namePrefix") ?? "bulk-";

        var projectId = GetString(body, "projectId");
        var store = projectId is null && volumeId is not null ? StoreOfVolumeOr404(server, volumeId) : ProjectStore(server, projectId);
        var ids = new List<string>(count);
        lock (store.Gate)
        {
            var now = server.Now;
            store.Advance(now);
            IReadOnlyList<Volume> targets = volumeId is null
                ? store.VolumeList
                : [store.FindVolume(volumeId) ?? throw new AdminException(404, $"no volume {volumeId}")];
            if (targets.Count == 0) throw new AdminException(400, "there are no volumes to attach snapshots to");
            var batch = new List<Snapshot>(count);
            for (var i = 0; i < count; i++)
            {
                var v = targets[i % targets.Count];
                var createdAt = now.AddSeconds(-(i + 1));
                var s = new Snapshot
                {
                    Id = store.Ids.NextUuid(),
                    Name = $"{prefix}{store.NextNameNumber(prefix):D5}",
                    VolumeId = v.Id,
                    Size = v.Size,
                    CreatedAt = createdAt,
                    UpdatedAt = createdAt,
                    Status = status,
                };
                batch.Add(s);
                ids.Add(s.Id);
            }
            store.AddSnapshots(batch);
        }
        return CountedList(201, "ids", ids, (w, id) => w.WriteStringValue(id));
    }

    /// <summary>POST /__emulator/snapshots with <c>items</c> (1.2): snapshots described one by one (histories for
    /// retention tests): all are checked before any is added, then added with one sort. Static statuses.</summary>
    private static ApiResult AddSnapshotItems(EmulatorServer server, JsonObject body)
    {
        CheckKeys(body, "items", "projectId");
        if (body["items"] is not JsonArray items) throw new AdminException(400, "items must be an array of snapshot descriptions");
        if (items.Count > 1_000_000) throw new AdminException(400, "items: at most 1000000 snapshots at once");
        var projectId = GetString(body, "projectId");
        var firstVolumeId = items.Count > 0 && items[0] is JsonObject f && f["volumeId"] is JsonValue fv
                            && fv.GetValueKind() == JsonValueKind.String ? fv.GetValue<string>() : null;
        var store = projectId is null && firstVolumeId is not null ? StoreOfVolumeOr404(server, firstVolumeId) : ProjectStore(server, projectId);
        // Fixed ids must be unique across projects; the other projects are checked first, each under its own lock.
        var fixedIds = items.OfType<JsonObject>().Select(o => o["id"]).OfType<JsonValue>()
            .Where(v => v.GetValueKind() == JsonValueKind.String).Select(v => v.GetValue<string>()).ToList();
        foreach (var other in server.World.Projects.Select(p => p.Store).Where(x => x != store))
            lock (other.Gate)
                if (fixedIds.FirstOrDefault(id => other.FindSnapshot(id) is not null) is { } taken)
                    throw new AdminException(400, $"items: snapshot id {taken} is used already (in project {other.ProjectId})");
        var ids = new List<string>(items.Count);
        lock (store.Gate)
        {
            var now = server.Now;
            store.Advance(now);
            var byName = store.VolumeList.GroupBy(v => v.Name).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
            var batch = new List<Snapshot>(items.Count);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < items.Count; i++)
            {
                var at = $"items[{i}]";
                if (items[i] is not JsonObject item) throw new AdminException(400, $"{at}: must be an object");
                try { batch.Add(SnapshotItem(item, at, store, byName, now, seen)); }
                catch (ConfigException e) { throw new AdminException(400, e.Message); }
            }
            store.AddSnapshots(batch);
            ids.AddRange(batch.Select(x => x.Id));
        }
        return CountedList(201, "ids", ids, (w, id) => w.WriteStringValue(id));
    }

    private static Snapshot SnapshotItem(JsonObject item, string at, Store store, Dictionary<string, Volume> byName, DateTime now,
        HashSet<string> seen)
    {
        foreach (var (key, _) in item)
            if (key is not ("name" or "volumeId" or "volumeName" or "createdAt" or "status" or "metadata" or "description" or "id"))
                throw new ConfigException($"{at}.{key}: unknown field (allowed: name, volumeId, volumeName, createdAt, status, metadata, description, id)");
        string? Str(string key) => item[key] is null ? null
            : item[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>()
            : throw new ConfigException($"{at}.{key}: must be a string");
        var volumeId = Str("volumeId");
        var volumeName = Str("volumeName");
        if ((volumeId is null) == (volumeName is null)) throw new ConfigException($"{at}: give exactly one of volumeId or volumeName");
        var volume = volumeId is not null
            ? store.FindVolume(volumeId) ?? throw new ConfigException($"{at}.volumeId: no volume {volumeId} in project {store.ProjectId}")
            : byName.GetValueOrDefault(volumeName!) ?? throw new ConfigException($"{at}.volumeName: no volume named '{volumeName}' in project {store.ProjectId}");
        var status = Str("status") ?? SnapshotStatus.Available;
        if (!SnapshotStatus.All.Contains(status)) throw new ConfigException($"{at}.status: must be one of {string.Join(", ", SnapshotStatus.All)}");
        var createdAt = SeedTime.Parse(Str("createdAt") ?? "now", now, at + ".createdAt", mustBePast: true);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        if (item["metadata"] is { } md)
        {
            if (md is not JsonObject mo) throw new ConfigException($"{at}.metadata: must be an object of strings");
            foreach (var (k, v) in mo)
                metadata[k] = v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String ? jv.GetValue<string>()
                    : throw new ConfigException($"{at}.metadata.{k}: must be a string");
        }
        var drawn = store.Ids.NextUuid();
        var id = Str("id") ?? drawn;
        if (!Validation.IsUuid(id)) throw new ConfigException($"{at}.id: must be a UUID");
        if (!seen.Add(id) || store.FindSnapshot(id) is not null)
            throw new ConfigException($"{at}.id: snapshot id {id} is used already");
        return new Snapshot
        {
            Id = id,
            Name = Str("name"),
            Description = Str("description"),
            VolumeId = volume.Id,
            Size = volume.Size,
            CreatedAt = createdAt,
            UpdatedAt = createdAt,
            Metadata = metadata,
            Status = status,
        };
    }

    private static ApiResult PatchSnapshot(EmulatorServer server, string id, JsonObject body)
    {
        CheckKeys(body, "status", "name", "createdAt", "description", "metadata");
        var status = body.ContainsKey("status") ? GetEnum(body, "status", "", SnapshotStatus.All) : null;
        DateTime? createdAt = null;
        if (GetString(body, "createdAt") is { } raw)
        {
            if (!DateTime.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal,
                    out var parsed))
                throw new AdminException(400, "createdAt must be an ISO-8601 timestamp (UTC if no zone is given)");
            createdAt = parsed;
        }
        Dictionary<string, string>? metadata = null;
        if (body["metadata"] is { } md)
        {
            if (md is not JsonObject mo) throw new AdminException(400, "metadata must be an object of strings");
            metadata = mo.ToDictionary(p => p.Key, p => p.Value is JsonValue jv && jv.GetValueKind() == JsonValueKind.String
                ? jv.GetValue<string>()
                : throw new AdminException(400, "metadata values must be strings"));
        }

        var store = StoreOfSnapshot(server, id);
        lock (store.Gate)
        {
            var now = server.Now;
            store.Advance(now);
            var s = store.FindSnapshot(id) ?? throw new AdminException(404, $"no snapshot {id}");
            if (status is not null)
            {
                // A forced status is static: any running lifecycle phase is cancelled.
                store.StopPhase(s);
                s.Status = status;
                s.UpdatedAt = now;
            }
            if (body.ContainsKey("name")) s.Name = GetString(body, "name");
            if (body.ContainsKey("description")) s.Description = GetString(body, "description");
            if (metadata is not null) s.Metadata = metadata;
            if (createdAt is not null) store.SetCreatedAt(s, createdAt.Value);
            return Json(200, w => WriteAdminSnapshot(w, s, now));
        }
    }

    /// <summary>The store of a volume given without a projectId (bulk snapshots): any project's, else 404 as in 1.0.</summary>
    private static Store StoreOfVolumeOr404(EmulatorServer server, string volumeId)
    {
        try { return StoreOfVolume(server, volumeId); }
        catch (AdminException) { return server.Store; }
    }

    private static ApiResult ListOverrides(EmulatorServer server)
    {
        var all = server.Overrides.All();
        return CountedList(200, "overrides", all, (w, o) => o.Write(w));
    }

    /// <summary>GET /__emulator/jobs (1.2): every disk-create job (of one project with projectId), oldest first.</summary>
    private static ApiResult ListJobs(EmulatorServer server, QueryParams query)
    {
        var projectId = query.Get("projectId");
        var projects = projectId is null ? server.World.Projects
            : [server.World.FindProject(projectId) ?? throw new AdminException(404, $"no project {projectId}")];
        var now = server.Now;
        var parts = new List<byte[]>();
        foreach (var p in projects)
            lock (p.Store.Gate)
            {
                p.Store.Advance(now);
                foreach (var job in p.Store.Jobs.Values.OrderBy(j => j.BeginTime))
                    parts.Add(Jsonw.Bytes(w => WriteAdminJob(w, p.Id, job, now)));
            }
        return CountedList(200, "jobs", parts, (w, part) => w.WriteRawValue(part));
    }

    private static void WriteAdminJob(Utf8JsonWriter w, string projectId, Job job, DateTime now)
    {
        w.WriteStartObject();
        w.WriteString("id", job.Id);
        w.WriteString("projectId", projectId);
        w.WriteString("type", job.Type);
        w.WriteString("status", job.Status(now));
        w.WriteString("beginTime", Jsonw.IamTime(job.BeginTime));
        w.WriteString("runningAt", Jsonw.IamTime(job.RunningAt));
        w.WriteString("endTime", Jsonw.IamTime(job.EndTime));
        w.WriteStartArray("volumeIds");
        foreach (var i in job.Items) w.WriteStringValue(i.VolumeId);
        w.WriteEndArray();
        w.StringOrNull("serverId", job.Items[0].ServerId);
        w.StringOrNull("errorCode", job.FailCode);
        w.StringOrNull("failReason", job.FailReason);
        w.StringOrNull("failedDisk", job.Fails ? job.FailedDisk : null);
        w.WriteEndObject();
    }

    private static void WriteFailureRule(Utf8JsonWriter w, FailureRule r)
    {
        w.WriteStartObject();
        w.WriteString("id", r.Id);
        w.StringOrNull("projectId", r.ProjectId);
        w.StringOrNull("snapshotId", r.SnapshotId);
        if (r.Remaining is { } n) w.WriteNumber("remaining", n);
        else w.WriteNull("remaining");
        w.WriteNumber("used", r.Used);
        w.WriteString("errorCode", r.ErrorCode);
        w.WriteString("failReason", r.FailReason);
        w.WriteString("disk", r.Disk);
        w.WriteEndObject();
    }

    private static ApiResult ListFailures(EmulatorServer server)
    {
        var world = server.World;
        lock (world.Gate)
        {
            var rules = world.JobFailures.ToList();
            return CountedList(200, "failures", rules, (w, r) => WriteFailureRule(w, r));
        }
    }

    /// <summary>POST /__emulator/jobs/failures (1.2): the next <c>count</c> disk creates (of a project, from a snapshot)
    /// end in a FAIL job. Without count: 1, or every create from the snapshot when snapshotId is given.</summary>
    private static ApiResult AddFailure(EmulatorServer server, JsonObject body)
    {
        CheckKeys(body, "count", "projectId", "snapshotId", "errorCode", "failReason", "disk");
        var snapshotId = GetString(body, "snapshotId");
        int? count = body["count"] is null ? (snapshotId is null ? 1 : null) : GetInt(body, "count", 1, 1, 1_000_000);
        var projectId = GetString(body, "projectId");
        if (projectId is not null && server.World.FindProject(projectId) is null) throw new AdminException(404, $"no project {projectId}");
        var disk = GetEnum(body, "disk", FailureRule.DiskError, [FailureRule.DiskError, FailureRule.DiskDeleted]);
        var world = server.World;
        FailureRule rule;
        lock (world.Gate)
        {
            rule = new FailureRule
            {
                Id = $"failure-{++world.FailureRulesAdded}",
                ProjectId = projectId,
                SnapshotId = snapshotId,
                Remaining = count,
                ErrorCode = GetString(body, "errorCode") ?? FailureRule.DefaultErrorCode,
                FailReason = GetString(body, "failReason") ?? FailureRule.DefaultFailReason,
                Disk = disk,
            };
            world.JobFailures.Add(rule);
        }
        return Json(201, w => WriteFailureRule(w, rule));
    }

    private static ApiResult ClearFailures(EmulatorServer server)
    {
        var world = server.World;
        int n;
        lock (world.Gate)
        {
            n = world.JobFailures.Count;
            world.JobFailures.Clear();
        }
        return Cleared(n);
    }

    /// <summary>GET /__emulator/client-tokens (1.2): X-Client-Tokens held by a request in flight or with a committed answer.</summary>
    private static ApiResult ListClientTokens(EmulatorServer server)
    {
        var items = server.World.ClientTokens.Snapshot();
        return Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("count", items.Count);
            w.WriteStartArray("tokens");
            foreach (var (token, holder, answer) in items)
            {
                w.WriteStartObject();
                w.WriteString("token", token);
                w.WriteString("state", answer is not null ? "committed" : "in-flight");
                w.StringOrNull("heldBy", holder);
                if (answer is null)
                {
                    w.WriteNull("projectId");
                    w.WriteNull("target");
                    w.WriteNull("committedAt");
                    w.WriteNull("status");
                }
                else
                {
                    w.WriteString("projectId", answer.ProjectId);
                    w.WriteString("target", answer.Target);
                    w.WriteString("committedAt", Jsonw.IamTime(answer.At));
                    w.WriteNumber("status", answer.Status);
                }
                w.WriteStartArray("volumeIds");
                foreach (var id in answer?.VolumeIds ?? []) w.WriteStringValue(id);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private static void WriteAdminVolume(Utf8JsonWriter w, Volume v)
    {
        w.WriteStartObject();
        w.WriteString("id", v.Id);
        w.WriteString("name", v.Name);
        w.WriteString("status", v.Status);
        w.WriteNumber("size", v.Size);
        w.WriteString("volumeType", v.VolumeType);
        w.WriteString("availabilityZone", v.AvailabilityZone);
        w.WriteBoolean("bootable", v.Bootable);
        w.WriteBoolean("multiattach", v.Multiattach);
        w.WriteNumber("attachments", v.Attachments.Count);
        w.WriteStartObject("behavior");
        w.WriteString("snapshotCreate", v.Behavior.SnapshotCreateFails ? "error" : "ok");
        w.WriteString("snapshotDelete", v.Behavior.SnapshotDeleteFails ? "error" : "ok");
        w.WriteString("rollback", v.Behavior.RollbackFails ? "error" : "ok");
        w.WriteEndObject();
        // 1.2
        w.StringOrNull("snapshotId", v.SnapshotId);
        w.WriteBoolean("encrypted", v.IsEncrypted);
        w.StringOrNull("kmsKeyId", v.Metadata.GetValueOrDefault(Volume.KmsKeyIdKey));
        w.WriteBoolean("scsi", v.IsScsi);
        w.StringOrNull("serialNumber", v.SerialNumber);
        w.WriteString("wwn", v.Wwn);
        if (v.Iops is { } iops) w.WriteNumber("iops", iops);
        else w.WriteNull("iops");
        if (v.Throughput is { } tp) w.WriteNumber("throughput", tp);
        else w.WriteNull("throughput");
        w.StringOrNull("serverId", v.Attachments.FirstOrDefault()?.ServerId);
        w.WriteString("origin", v.Origin);
        w.StringOrNull("clientToken", v.ClientToken);
        w.StringOrNull("jobId", v.JobId);
        w.WriteEndObject();
    }

    private static void WriteAdminSnapshot(Utf8JsonWriter w, Snapshot s, DateTime now)
    {
        w.WriteStartObject();
        w.WriteString("id", s.Id);
        w.StringOrNull("name", s.Name);
        w.StringOrNull("description", s.Description);
        w.WriteString("volumeId", s.VolumeId);
        w.WriteString("status", s.Status);
        w.WriteString("progress", s.Progress(now));
        w.WriteNumber("size", s.Size);
        w.WriteString("createdAt", Jsonw.EvsTime(s.CreatedAt));
        w.TimeOrNull("updatedAt", s.UpdatedAt);
        w.StringMap("metadata", s.Metadata);
        w.WriteEndObject();
    }

    private static void CheckKeys(JsonObject body, params string[] allowed)
    {
        foreach (var (key, _) in body)
            if (!allowed.Contains(key))
                throw new AdminException(400, $"unknown field '{key}' (allowed: {string.Join(", ", allowed)})");
    }

    private static int GetInt(JsonObject body, string name, int fallback, int min, int max)
    {
        if (body[name] is null) return fallback;
        try { return ConfigValues.Int(body[name], name, min, max); }
        catch (ConfigException e) { throw new AdminException(400, e.Message); }
    }

    private static string? GetString(JsonObject body, string name)
    {
        if (body[name] is null) return null;
        try { return ConfigValues.String(body[name], name); }
        catch (ConfigException e) { throw new AdminException(400, e.Message); }
    }

    private static string GetEnum(JsonObject body, string name, string fallback, string[] allowed)
    {
        var value = GetString(body, name) ?? fallback;
        return allowed.Contains(value) ? value
            : throw new AdminException(400, $"{name} must be one of: {string.Join(", ", allowed)}");
    }

    private static bool? OkOrError(JsonObject body, string name) =>
        GetString(body, name) switch
        {
            null => null,
            "ok" => false,
            "error" => true,
            _ => throw new AdminException(400, $"behavior.{name} must be \"ok\" or \"error\""),
        };
}
