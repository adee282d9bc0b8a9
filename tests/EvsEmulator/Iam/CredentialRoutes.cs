using System.Text.Json;
using System.Text.RegularExpressions;
using EvsEmulator.Auth;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Iam;

/// <summary>Temporary credentials and federation (§14.5, §14.6):
/// <c>POST /v3.0/OS-CREDENTIAL/securitytokens</c> (methods token and assume_role) and
/// <c>POST /v3.0/OS-AUTH/id-token/tokens</c> (OIDC id token → unscoped or scoped federated token).</summary>
public static class CredentialRoutes
{
    public const string SecurityTokensPath = "/v3.0/OS-CREDENTIAL/securitytokens";
    public const string IdTokenPath = "/v3.0/OS-AUTH/id-token/tokens";
    public const int MinDuration = 900;
    public const int MaxDuration = 86400;
    public const int DefaultDuration = 900;

    private static readonly Regex SessionUserName = new("^[A-Za-z][A-Za-z0-9_-]{4,63}$", RegexOptions.CultureInvariant);

    public static IEnumerable<ApiRoute> All() =>
    [
        // Public: the token method carries its token in the body; assume_role authenticates inside the handler.
        new("POST", SecurityTokensPath, RouteKind.Public, SecurityTokens),
        new("POST", IdTokenPath, RouteKind.Public, IdTokenTokens),
    ];

    // ---- Error bodies ----------------------------------------------------------------------------------------

    private sealed class StsException(ApiResult result) : Exception(result.ErrorCode)
    {
        public ApiResult Result { get; } = result;
    }

    /// <summary>Gap (§15): the error style of securitytokens is not confirmed. Default Keystone style
    /// <c>{"error":{"code":&lt;number&gt;,"message","title"}}</c> (what §15 reports for the credential APIs); with
    /// securityTokenErrorStyle "huawei", <c>{"error_msg","error_code":"IAM.xxxx"}</c> with the §15 codes.</summary>
    private static ApiResult StsError(ApiCall call, int status, string huaweiCode, string message)
    {
        if (call.Config.SecurityTokenErrorStyle == "huawei") return IamError(status, huaweiCode, message);
        var title = status switch
        {
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            _ => "Error",
        };
        return new ApiResult(status, Jsonw.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteNumber("code", status);
            w.WriteString("message", message);
            w.WriteString("title", title);
            w.WriteEndObject();
            w.WriteEndObject();
        })) { ErrorCode = huaweiCode };
    }

    /// <summary>The flat IAM body (§15, Huawei style), used by the OIDC call.</summary>
    private static ApiResult IamError(int status, string code, string message) =>
        new(status, Jsonw.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteString("error_msg", message);
            w.WriteString("error_code", code);
            w.WriteEndObject();
        })) { ErrorCode = code };

    private static StsException BadRequest(ApiCall call, string what) =>
        new(StsError(call, 400, "IAM.0011", "Request body is invalid: " + what));

    private static StsException Forbidden(ApiCall call, string why) =>
        new(StsError(call, 403, "IAM.0002", "You are not authorized to perform the requested action. " + why));

    // ---- JSON helpers ----------------------------------------------------------------------------------------

    private static JsonElement Obj(JsonElement parent, string name, string path, Func<string, Exception> bad) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var e) && e.ValueKind == JsonValueKind.Object
            ? e
            : throw bad($"{path} must be an object");

    private static string? Str(JsonElement parent, string name, string path, Func<string, Exception> bad)
    {
        if (!parent.TryGetProperty(name, out var e) || e.ValueKind == JsonValueKind.Null) return null;
        return e.ValueKind == JsonValueKind.String ? e.GetString() : throw bad($"{path} must be a string");
    }

    private static int Duration(JsonElement parent, string path, Func<string, Exception> bad)
    {
        if (!parent.TryGetProperty("duration_seconds", out var e) || e.ValueKind == JsonValueKind.Null) return DefaultDuration;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var d) && d is >= MinDuration and <= MaxDuration) return d;
        throw bad($"{path}.duration_seconds must be an integer between {MinDuration} and {MaxDuration}");
    }

    private static double Lifetime(ApiCall call, int durationSeconds) => call.Config.SecurityTokenLifetimeSeconds ?? durationSeconds;

    // ---- POST /v3.0/OS-CREDENTIAL/securitytokens ---------------------------------------------------------------

    private static ApiResult SecurityTokens(ApiCall call)
    {
        try
        {
            using var doc = Parse(call);
            var bad = (Func<string, Exception>)(what => BadRequest(call, what));
            var identity = Obj(Obj(doc.RootElement, "auth", "auth", bad), "identity", "auth.identity", bad);
            if (!identity.TryGetProperty("methods", out var methods) || methods.ValueKind != JsonValueKind.Array
                || methods.GetArrayLength() != 1 || methods[0].ValueKind != JsonValueKind.String
                || methods[0].GetString() is not ("token" or "assume_role"))
                throw bad("auth.identity.methods must be [\"token\"] or [\"assume_role\"]");
            return methods[0].GetString() == "token" ? TokenMethod(call, identity, bad) : AssumeRole(call, identity, bad);
        }
        catch (StsException e)
        {
            return e.Result;
        }
    }

    private static JsonDocument Parse(ApiCall call)
    {
        try
        {
            var doc = JsonDocument.Parse(call.Body);
            if (doc.RootElement.ValueKind == JsonValueKind.Object) return doc;
            doc.Dispose();
        }
        catch (JsonException) { }
        throw BadRequest(call, "not a JSON object");
    }

    /// <summary>Method token: a token of this emulator (password or federated, scoped or not) in the body, else in
    /// X-Auth-Token; the credential acts in the token user's account.</summary>
    private static ApiResult TokenMethod(ApiCall call, JsonElement identity, Func<string, Exception> bad)
    {
        var token = Obj(identity, "token", "auth.identity.token", bad);
        var duration = Duration(token, "auth.identity.token", bad);
        var value = Str(token, "id", "auth.identity.token.id", bad) ?? call.Headers["X-Auth-Token"].ToString();
        if (string.IsNullOrEmpty(value))
            throw new StsException(StsError(call, 401, "IAM.0001", "The request you have made requires authentication."));
        var info = call.World.FindToken(value);
        if (info is null)
        {
            call.Log.AuthError = "unknown token";
            throw new StsException(StsError(call, 401, "IAM.0067", "Invalid token."));
        }
        call.Log.Credential = info.UserId;
        call.Log.CredentialSource = info.Source;
        call.Log.Domain = call.World.DomainName(info.DomainId);
        if (call.Now >= info.ExpiresAt)
        {
            call.Log.AuthError = "token expired";
            throw new StsException(StsError(call, 401, "IAM.0066", "The token has expired."));
        }
        var source = info.Source == TokenSources.Federation ? CredentialSources.Federation : CredentialSources.Token;
        var credential = CredentialIssuer.Issue(call.World, call.Stats, source, info.DomainId, info.UserId, info.UserName, call.Now,
            Lifetime(call, duration));
        return CredentialIssuer.Response(201, credential);
    }

    /// <summary>Method assume_role (§14.6): the caller (X-Auth-Token or AK/SK) must belong to the account the agency
    /// trusts; the credential acts in the delegating account.</summary>
    private static ApiResult AssumeRole(ApiCall call, JsonElement identity, Func<string, Exception> bad)
    {
        // Who is asking comes first: an unauthenticated call is 401 whatever its body says.
        var auth = call.Authenticate();
        if (auth.Error is not null) return auth.Error;

        var role = Obj(identity, "assume_role", "auth.identity.assume_role", bad);
        var agencyName = Str(role, "agency_name", "auth.identity.assume_role.agency_name", bad)
                         ?? Str(role, "xrole_name", "auth.identity.assume_role.xrole_name", bad) // OTC's older name
                         ?? throw bad("auth.identity.assume_role.agency_name is required");
        var domainId = Str(role, "domain_id", "auth.identity.assume_role.domain_id", bad);
        var domainName = Str(role, "domain_name", "auth.identity.assume_role.domain_name", bad);
        if (domainId is null && domainName is null) throw bad("auth.identity.assume_role needs domain_id or domain_name");
        var duration = Duration(role, "auth.identity.assume_role", bad);
        string? sessionUser = null;
        if (role.TryGetProperty("session_user", out var su) && su.ValueKind != JsonValueKind.Null)
        {
            if (su.ValueKind != JsonValueKind.Object) throw bad("auth.identity.assume_role.session_user must be an object");
            sessionUser = Str(su, "name", "auth.identity.assume_role.session_user.name", bad)
                          ?? throw bad("auth.identity.assume_role.session_user.name is required");
            if (!SessionUserName.IsMatch(sessionUser))
                throw bad("auth.identity.assume_role.session_user.name must be 5-64 letters, digits, '-' or '_' and start with a letter");
        }
        if (identity.TryGetProperty("policy", out var policy) && policy.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
            throw bad("auth.identity.policy must be an object");

        var world = call.World;
        var byId = domainId is null ? null : world.FindDomain(domainId);
        var byName = domainName is null ? null : world.FindDomainByName(domainName);
        // Gap (§14.6): a 404 for an unknown agency is not confirmed; every refusal is 403 (unknown account or
        // agency, domain_id and domain_name naming different accounts, caller's account not trusted).
        if ((domainId is not null && byId is null) || (domainName is not null && byName is null))
            throw Forbidden(call, $"No account {domainName ?? domainId} delegates to you.");
        if (byId is not null && byName is not null && byId.Id != byName.Id)
            throw Forbidden(call, $"domain_id {domainId} and domain_name {domainName} name different accounts.");
        var delegating = byId ?? byName!;
        var agency = world.Agencies.FirstOrDefault(a => a.DomainId == delegating.Id && a.Name == agencyName)
                     ?? throw Forbidden(call, $"Account {delegating.Name} has no agency {agencyName} for you.");
        if (agency.TrustedDomainId is null || agency.TrustedDomainId != auth.DomainId)
            throw Forbidden(call, $"Agency {agency.Name} of account {delegating.Name} does not trust account {world.DomainName(auth.DomainId ?? "")}.");

        var credential = CredentialIssuer.Issue(world, call.Stats, CredentialSources.Agency, delegating.Id, auth.UserId,
            sessionUser ?? auth.UserName, call.Now, Lifetime(call, duration), agency.Name, sessionUser);
        return CredentialIssuer.Response(201, credential);
    }

    // ---- POST /v3.0/OS-AUTH/id-token/tokens ---------------------------------------------------------------------

    /// <summary>OIDC federation (§14.5): X-Idp-Id names the identity provider, the body carries the id token; an
    /// accepted id token gives a federated token (unscoped, or scoped with auth.scope) in X-Subject-Token.
    /// Errors use the flat IAM body (§15).</summary>
    private static ApiResult IdTokenTokens(ApiCall call)
    {
        ApiException Bad(string what) => new(IamError(400, "IAM.0011", "Request body is invalid: " + what));

        var idpId = call.Headers["X-Idp-Id"].ToString();
        if (idpId.Length == 0) return IamError(400, "IAM.0007", "Invalid parameter: the X-Idp-Id header is required.");
        var world = call.World;
        var idp = world.IdentityProviders.FirstOrDefault(i => i.Id == idpId);
        if (idp is null) return IamError(404, "IAM.0004", $"Could not find identity provider: {idpId}.");

        JsonDocument doc;
        try { doc = JsonDocument.Parse(call.Body); }
        catch (JsonException) { throw Bad("not valid JSON"); }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw Bad("auth must be an object");
            var auth = Obj(root, "auth", "auth", Bad);
            var idToken = Obj(auth, "id_token", "auth.id_token", Bad);
            var jwt = Str(idToken, "id", "auth.id_token.id", Bad) ?? throw Bad("auth.id_token.id is required");

            Project? project = null;
            if (auth.TryGetProperty("scope", out var scope) && scope.ValueKind != JsonValueKind.Null)
            {
                if (scope.ValueKind != JsonValueKind.Object) throw Bad("auth.scope must be an object");
                if (scope.TryGetProperty("project", out var p))
                {
                    if (p.ValueKind != JsonValueKind.Object) throw Bad("auth.scope.project must be an object");
                    var name = Str(p, "name", "auth.scope.project.name", Bad);
                    var id = Str(p, "id", "auth.scope.project.id", Bad);
                    if (name is null && id is null) throw Bad("auth.scope.project needs a name or an id");
                    project = world.ProjectsOf(idp.DomainId).FirstOrDefault(x => (name is null || x.Name == name) && (id is null || x.Id == id))
                              ?? throw Bad($"auth.scope.project {name ?? id} does not exist");
                }
                else if (scope.TryGetProperty("domain", out var d))
                {
                    if (d.ValueKind != JsonValueKind.Object) throw Bad("auth.scope.domain must be an object");
                }
                else throw Bad("auth.scope must have a project or a domain");
            }

            var identity = idp.IdTokens.FirstOrDefault(t => string.Equals(t.IdToken, jwt, StringComparison.Ordinal));
            if (identity is null)
            {
                // Gap (§14.5, §15): the code for a refused id token is not documented; IAM.0001 (authentication required).
                call.Log.AuthError = $"id token not accepted by identity provider {idp.Id}";
                return IamError(401, "IAM.0001", "The request you have made requires authentication.");
            }

            var info = IamRoutes.IssueTokenFor(call, identity.UserId, identity.UserName, idp.DomainId, project?.Id, TokenSources.Federation,
                out var token, idp.Id, idp.Protocol, identity.Groups);
            call.Log.Credential = info.UserId;
            call.Log.CredentialSource = TokenSources.Federation;
            call.Log.Domain = world.DomainName(idp.DomainId);
            return ApiResult.Json(201, w =>
            {
                w.WriteStartObject();
                w.WriteStartObject("token");
                w.WriteString("expires_at", Jsonw.IamTime(info.ExpiresAt));
                w.WriteStartArray("methods");
                w.WriteStringValue("mapped");
                w.WriteEndArray();
                w.WriteString("issued_at", Jsonw.IamTime(info.IssuedAt));
                w.WriteStartObject("user");
                w.WriteStartObject("OS-FEDERATION");
                w.WriteStartObject("identity_provider");
                w.WriteString("id", idp.Id);
                w.WriteEndObject();
                w.WriteStartObject("protocol");
                w.WriteString("id", idp.Protocol);
                w.WriteEndObject();
                w.WriteStartArray("groups");
                foreach (var g in identity.Groups)
                {
                    w.WriteStartObject();
                    w.WriteString("id", g.Id);
                    w.WriteString("name", g.Name);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteEndObject();
                IamRoutes.WriteDomain(w, world, idp.DomainId);
                w.WriteString("id", identity.UserId);
                w.WriteString("name", identity.UserName);
                w.WriteEndObject();
                if (project is not null)
                {
                    IamRoutes.WriteProject(w, world, project);
                    IamRoutes.WriteRolesAndCatalog(w);
                }
                w.WriteEndObject();
                w.WriteEndObject();
            }).WithHeader("X-Subject-Token", token);
        }
    }
}
