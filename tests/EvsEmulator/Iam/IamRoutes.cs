using System.Security.Cryptography;
using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Iam;

/// <summary>IAM: POST /v3/auth/tokens (password method) and GET /v3/projects (§6.1).
/// Errors use the flat {"error_msg","error_code"} shape the SDKs parse first (§5.1), with these codes (our choice,
/// IAM's own codes are not in the reference): 400 IAM.0011 for a malformed body or unknown scope,
/// 401 IAM.0004 for a wrong user, password or domain.</summary>
// Gap (§10): IAM's own error bodies and codes are not in the reference; the choices above are ours.
public static class IamRoutes
{
    public static IEnumerable<ApiRoute> All() =>
    [
        new("POST", "/v3/auth/tokens", RouteKind.Public, IssueToken),
        new("GET", "/v3/projects", RouteKind.Iam, ListProjects),
    ];

    private static ApiResult IamError(int status, string code, string message) =>
        new(status, Jsonw.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteString("error_msg", message);
            w.WriteString("error_code", code);
            w.WriteEndObject();
        })) { ErrorCode = code };

    private static ApiException Invalid(string what) =>
        new(IamError(400, "IAM.0011", "Request body is invalid: " + what));

    private static JsonElement Obj(JsonElement parent, string name, string path)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind != JsonValueKind.Object)
            throw Invalid($"{path} must be an object");
        return e;
    }

    private static string? Str(JsonElement parent, string name, string path, bool required)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null)
            return required ? throw Invalid($"{path} is required") : null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw Invalid($"{path} must be a string");
    }

    private static ApiResult IssueToken(ApiCall call)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(call.Body); }
        catch (JsonException) { throw Invalid("not valid JSON"); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Invalid("auth must be an object");
            var auth = Obj(doc.RootElement, "auth", "auth");
            var identity = Obj(auth, "identity", "auth.identity");
            if (!identity.TryGetProperty("methods", out var methods) || methods.ValueKind != JsonValueKind.Array
                || !methods.EnumerateArray().Any(m => m.ValueKind == JsonValueKind.String && m.GetString() == "password"))
                throw Invalid("auth.identity.methods must contain \"password\"");
            var user = Obj(Obj(identity, "password", "auth.identity.password"), "user", "auth.identity.password.user");
            var userName = Str(user, "name", "auth.identity.password.user.name", required: false);
            var userId = Str(user, "id", "auth.identity.password.user.id", required: false);
            if (userName is null && userId is null) throw Invalid("auth.identity.password.user.name is required");
            var password = Str(user, "password", "auth.identity.password.user.password", required: true)!;
            string? domainName = null, domainId = null;
            if (userId is null)
            {
                var domain = Obj(user, "domain", "auth.identity.password.user.domain");
                domainName = Str(domain, "name", "auth.identity.password.user.domain.name", required: false);
                domainId = Str(domain, "id", "auth.identity.password.user.domain.id", required: false);
                if (domainName is null && domainId is null) throw Invalid("auth.identity.password.user.domain.name is required");
            }

            var world = call.World;
            // The user's domain when the request names one that exists (a user id names its domain).
            var named = userId is not null
                ? world.Users.FirstOrDefault(u => u.Id == userId)?.DomainId
                : world.Domains.FirstOrDefault(d => (domainName is null || d.Name == domainName) && (domainId is null || d.Id == domainId))?.Id;

            string? pName = null, pId = null;
            var scoped = false;
            if (auth.TryGetProperty("scope", out var scope) && scope.ValueKind != JsonValueKind.Null)
            {
                if (scope.ValueKind != JsonValueKind.Object) throw Invalid("auth.scope must be an object");
                if (scope.TryGetProperty("project", out var project))
                {
                    if (project.ValueKind != JsonValueKind.Object) throw Invalid("auth.scope.project must be an object");
                    pName = Str(project, "name", "auth.scope.project.name", required: false);
                    pId = Str(project, "id", "auth.scope.project.id", required: false);
                    if (pName is null && pId is null) throw Invalid("auth.scope.project needs a name or an id");
                    scoped = true;
                    // Checked before the password, as in 1.0: a scope that names no project anywhere is 400.
                    if (!world.Projects.Any(p => ProjectMatches(p, pName, pId, named)))
                        throw Invalid($"auth.scope.project {pName ?? pId} does not exist");
                }
                else if (scope.TryGetProperty("domain", out var domainScope))
                {
                    if (domainScope.ValueKind != JsonValueKind.Object) throw Invalid("auth.scope.domain must be an object");
                }
                else throw Invalid("auth.scope must have a project or a domain");
            }

            var account = userId is not null
                ? world.Users.FirstOrDefault(u => u.Id == userId)
                : world.Users.FirstOrDefault(u => u.Name == userName && u.DomainId == named);
            var userOk = account is not null && (userName is null || account.Name == userName);
            var passwordOk = CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(password), System.Text.Encoding.UTF8.GetBytes(account?.Password ?? "\0"));
            if (!(userOk && passwordOk))
                return IamError(401, "IAM.0004", "The username or password is wrong.");

            Project? scopeProject = null;
            if (scoped)
                scopeProject = world.Projects.FirstOrDefault(p => p.DomainId == account!.DomainId && ProjectMatches(p, pName, pId, account.DomainId))
                               ?? throw Invalid($"auth.scope.project {pName ?? pId} does not exist");

            var info = IssueTokenFor(call, account!.Id, account.Name, account.DomainId, scopeProject?.Id, TokenSources.Password, out var token);
            return ApiResult.Json(201, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("token");
                w.WriteString("expires_at", Jsonw.IamTime(info.ExpiresAt));
                w.WriteString("issued_at", Jsonw.IamTime(info.IssuedAt));
                w.WriteStartArray("methods");
                w.WriteStringValue("password");
                w.WriteEndArray();
                if (scopeProject is not null) WriteProject(w, world, scopeProject);
                else WriteDomain(w, world, account.DomainId);
                w.WriteStartObject("user");
                w.WriteString("id", account.Id);
                w.WriteString("name", account.Name);
                WriteDomain(w, world, account.DomainId);
                w.WriteString("password_expires_at", "");
                w.WriteEndObject();
                WriteRolesAndCatalog(w);
                w.WriteEndObject();
                w.WriteEndObject();
            }).WithHeader("X-Subject-Token", token);
        }
    }

    private static bool ProjectMatches(Project p, string? name, string? id, string? domainId) =>
        (name is null || p.Name == name) && (id is null || p.Id == id) && (domainId is null || p.DomainId == domainId);

    /// <summary>Stores a new token (lifetime tokenLifetimeSeconds) and returns its record and value.</summary>
    public static TokenInfo IssueTokenFor(ApiCall call, string userId, string userName, string domainId, string? projectId, string source,
        out string token, string? idpId = null, string? protocol = null, IReadOnlyList<FederatedGroup>? groups = null)
    {
        token = "MIIE" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(96));
        var info = new TokenInfo
        {
            ProjectId = projectId,
            IssuedAt = call.Now,
            ExpiresAt = call.Now.AddSeconds(call.Config.TokenLifetimeSeconds),
            UserId = userId,
            UserName = userName,
            DomainId = domainId,
            Source = source,
            IdentityProviderId = idpId,
            Protocol = protocol,
            Groups = groups ?? [],
        };
        call.World.AddToken(token, info);
        call.Stats.TokenIssued(source);
        return info;
    }

    public static void WriteProject(Utf8JsonWriter w, World world, Project project)
    {
        w.WriteStartObject("project");
        w.WriteString("id", project.Id);
        w.WriteString("name", project.Name);
        WriteDomain(w, world, project.DomainId);
        w.WriteEndObject();
    }

    public static void WriteDomain(Utf8JsonWriter w, World world, string domainId)
    {
        w.WriteStartObject("domain");
        w.WriteString("id", domainId);
        w.WriteString("name", world.DomainName(domainId));
        w.WriteEndObject();
    }

    public static void WriteRolesAndCatalog(Utf8JsonWriter w)
    {
        w.WriteStartArray("roles");
        foreach (var (id, name) in new[] { ("0e6c5e9f4b0c4f4c8a0e3c1d2b3a4f50", "te_admin"), ("1f7d6a0e5c1d4e5d9b1f4d2e3c4b5a61", "op_service") })
        {
            w.WriteStartObject();
            w.WriteString("id", id);
            w.WriteString("name", name);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("catalog");
        w.WriteEndArray();
    }

    /// <summary>The projects of the caller's domain (the domain its AK/SK or token acts in), filtered by name and
    /// domain_id. Temporary credentials see the projects of the account they act in.</summary>
    private static ApiResult ListProjects(ApiCall call)
    {
        var name = call.Query.Get("name");
        var domainId = call.Query.Get("domain_id");
        var callerDomain = call.Auth?.DomainId;
        var projects = call.World.Projects
            .Where(p => p.DomainId == callerDomain && (name is null || p.Name == name) && (domainId is null || p.DomainId == domainId))
            .ToList();
        var self = call.BaseUrl + "/v3/projects" + (call.Query.Pairs.Count > 0
            ? "?" + string.Join('&', call.Query.Pairs.Select(p => PercentCoding.Encode(p.Key) + "=" + PercentCoding.Encode(p.Value)))
            : "");
        return ApiResult.Json(200, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("projects");
            foreach (var project in projects)
            {
                w.WriteStartObject();
                w.WriteString("id", project.Id);
                w.WriteString("name", project.Name);
                w.WriteString("domain_id", project.DomainId);
                w.WriteBoolean("enabled", true);
                w.WriteString("description", "");
                w.WriteBoolean("is_domain", false);
                w.WriteString("parent_id", project.DomainId);
                w.WriteStartObject("links");
                w.WriteString("self", $"{call.BaseUrl}/v3/projects/{project.Id}");
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartObject("links");
            w.WriteString("self", self);
            w.WriteNull("previous");
            w.WriteNull("next");
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }
}
