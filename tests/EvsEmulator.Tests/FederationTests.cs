using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>OIDC federation, POST /v3.0/OS-CREDENTIAL/securitytokens (token and assume_role) and the temporary
/// credentials they issue (§14.5, §14.6).</summary>
public class FederationTests
{
    private const string SecurityTokens = "/v3.0/OS-CREDENTIAL/securitytokens";
    private const string IdTokenTokens = "/v3.0/OS-AUTH/id-token/tokens";

    private static string IdToken(Emu emu) => emu.Info["identityProviders"]![0]!["idTokens"]![0]!["idToken"]!.GetValue<string>();

    private static async Task<Resp> Federate(Emu emu, string? idToken, string? idp = "evs-oidc", string scope = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, IdTokenTokens);
        if (idp is not null) request.Headers.TryAddWithoutValidation("X-Idp-Id", idp);
        var body = idToken is null ? "{\"auth\":{}}" : $"{{\"auth\":{{\"id_token\":{{\"id\":\"{idToken}\"}}{scope}}}}}";
        request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        var response = await emu.Http.SendAsync(request);
        return new Resp(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string TokenMethodBody(string? token, int? duration = 21600) =>
        "{\"auth\":{\"identity\":{\"methods\":[\"token\"],\"token\":{" +
        string.Join(",", new[] { token is null ? null : $"\"id\":\"{token}\"", duration is null ? null : $"\"duration_seconds\":{duration}" }
            .Where(x => x is not null)) + "}}}}";

    private static string AssumeRoleBody(string agency = "evs-demo-ops", string? domainName = "evs-partner", string? domainId = null,
        string? duration = null, string? sessionUser = null)
    {
        var fields = new List<string> { $"\"agency_name\":\"{agency}\"" };
        if (domainName is not null) fields.Add($"\"domain_name\":\"{domainName}\"");
        if (domainId is not null) fields.Add($"\"domain_id\":\"{domainId}\"");
        if (duration is not null) fields.Add($"\"duration_seconds\":{duration}");
        if (sessionUser is not null) fields.Add($"\"session_user\":{{\"name\":\"{sessionUser}\"}}");
        return "{\"auth\":{\"identity\":{\"methods\":[\"assume_role\"],\"assume_role\":{" + string.Join(",", fields) + "}}}}";
    }

    private static Task Freeze(Emu emu) =>
        emu.AdminAsync(HttpMethod.Post, "clock", "{\"set\":\"2030-01-01T00:00:00Z\",\"freeze\":true}");

    private static Task Advance(Emu emu, double s) =>
        emu.AdminAsync(HttpMethod.Post, "clock", $"{{\"advanceSeconds\":{s.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

    private static void AssertKeystone(Resp r, int status, string title)
    {
        Assert.Equal(status, r.Code);
        var e = r.Json["error"]!;
        Assert.Equal(status, e["code"]!.GetValue<int>());
        Assert.Equal(title, e["title"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(e["message"]!.GetValue<string>()));
    }

    // ---- OIDC ----

    [Fact]
    public async Task Oidc_AcceptedIdToken_GivesAFederatedToken()
    {
        await using var emu = await Emu.StartAsync();
        var r = await Federate(emu, IdToken(emu));
        Assert.Equal(201, r.Code);
        Assert.StartsWith("MIIE", r.Header("X-Subject-Token"));
        Assert.Matches("^[0-9a-f]{32}$", r.Header("X-Request-Id"));
        var t = r.Json["token"]!;
        Assert.Equal(["expires_at", "methods", "issued_at", "user"], t.AsObject().Select(p => p.Key));
        Assert.Equal("mapped", Assert.Single(t["methods"]!.AsArray())!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", t["expires_at"]!.GetValue<string>());
        var user = t["user"]!;
        Assert.Equal("evs-oidc", user["OS-FEDERATION"]!["identity_provider"]!["id"]!.GetValue<string>());
        Assert.Equal("oidc", user["OS-FEDERATION"]!["protocol"]!["id"]!.GetValue<string>());
        Assert.Equal("evs-operators", user["OS-FEDERATION"]!["groups"]![0]!["name"]!.GetValue<string>());
        Assert.Equal("evs-demo", user["domain"]!["name"]!.GetValue<string>());
        Assert.Equal(emu.Info["domainId"]!.GetValue<string>(), user["domain"]!["id"]!.GetValue<string>());
        Assert.Equal("fed-ops", user["name"]!.GetValue<string>());
        Assert.Equal(emu.Info["identityProviders"]![0]!["idTokens"]![0]!["userId"]!.GetValue<string>(), user["id"]!.GetValue<string>());
        Assert.Equal(1, (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["tokensIssued"]!["federation"]!.GetValue<int>());

        // Unscoped: not usable on EVS directly; scoped to the project: usable.
        Assert.Equal("Common.0018", (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(r.Header("X-Subject-Token")!))).ErrorCode);
        var scoped = await Federate(emu, IdToken(emu), scope: ",\"scope\":{\"project\":{\"name\":\"cn-north-4\"}}");
        Assert.Equal(emu.Pid, scoped.Json["token"]!["project"]!["id"]!.GetValue<string>());
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(scoped.Header("X-Subject-Token")!))).Code);
        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!;
        Assert.Equal("federation", log["credentialSource"]!.GetValue<string>());
        Assert.Equal(user["id"]!.GetValue<string>(), log["credential"]!.GetValue<string>());
    }

    [Fact]
    public async Task Oidc_UnknownIdToken_Is401_UnknownIdp_Is404_MissingHeader_Is400()
    {
        await using var emu = await Emu.StartAsync();
        var unknown = await Federate(emu, "eyJhbGciOiJub25lIn0.eyJzdWIiOiJtYWxsb3J5In0.");
        Assert.Equal(401, unknown.Code);
        Assert.Equal("IAM.0001", unknown.Json["error_code"]!.GetValue<string>());
        Assert.Equal("The request you have made requires authentication.", unknown.Json["error_msg"]!.GetValue<string>());
        Assert.Null(unknown.Header("X-Subject-Token"));
        Assert.Contains("not accepted",
            (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!["authError"]!.GetValue<string>());

        var idp = await Federate(emu, IdToken(emu), idp: "no-such-idp");
        Assert.Equal(404, idp.Code);
        Assert.Equal("IAM.0004", idp.Json["error_code"]!.GetValue<string>());
        Assert.Contains("no-such-idp", idp.Json["error_msg"]!.GetValue<string>());

        Assert.Equal(400, (await Federate(emu, IdToken(emu), idp: null)).Code);
        var noToken = await Federate(emu, null);
        Assert.Equal(400, noToken.Code);
        Assert.Equal("IAM.0011", noToken.Json["error_code"]!.GetValue<string>());
    }

    // ---- securitytokens, method token ----

    [Fact]
    public async Task TokenMethod_FederatedOrPasswordToken_GivesTemporaryCredentialsOfThatAccount()
    {
        await using var emu = await Emu.StartAsync();
        await Freeze(emu);
        var federated = (await Federate(emu, IdToken(emu))).Header("X-Subject-Token")!;
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(federated), Cred.None);
        Assert.Equal(201, r.Code);
        var c = r.Json["credential"]!;
        Assert.Equal(["access", "secret", "securitytoken", "expires_at"], c.AsObject().Select(p => p.Key));
        Assert.Equal("2030-01-01T06:00:00.000000Z", c["expires_at"]!.GetValue<string>()); // duration_seconds 21600
        var cred = MetadataServiceTests.CredOf(r.Json, emu.Pid);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", cred)).Code);
        var entry = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!;
        Assert.Equal("federation", entry["credentialSource"]!.GetValue<string>());
        Assert.Equal(cred.Ak, entry["credential"]!.GetValue<string>());

        // A password token, this time in X-Auth-Token instead of the body; default duration 900 s.
        var password = await emu.IssueTokenAsync(projectName: null);
        var fromHeader = await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(null, duration: null), Cred.WithToken(password));
        Assert.Equal(201, fromHeader.Code);
        Assert.Equal("2030-01-01T00:15:00.000000Z", fromHeader.Json["credential"]!["expires_at"]!.GetValue<string>());
        var tokenCred = MetadataServiceTests.CredOf(fromHeader.Json, emu.Pid);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", tokenCred)).Code);
        Assert.Equal("token", (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!["credentialSource"]!.GetValue<string>());

        var issued = (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["credentialsIssued"]!;
        Assert.Equal(1, issued["federation"]!.GetValue<int>());
        Assert.Equal(1, issued["token"]!.GetValue<int>());
        var listed = (await emu.AdminAsync(HttpMethod.Get, "credentials?source=federation")).Json;
        Assert.Equal("fed-ops", Assert.Single(listed["credentials"]!.AsArray())!["userName"]!.GetValue<string>());

        // The partner's password token gives credentials of the partner account.
        var (pid, _) = emu.Partner();
        var partnerToken = await emu.IssueTokenAsync("cn-north-4", "partner-user", "Partner-Passw0rd!", "evs-partner");
        var partnerCred = MetadataServiceTests.CredOf(
            (await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(partnerToken), Cred.None)).Json, pid);
        Assert.Equal(200, (await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", partnerCred)).Code);
        var projects = await emu.GetAsync("/v3/projects?name=cn-north-4", partnerCred);
        Assert.Equal(pid, Assert.Single(projects.Json["projects"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TokenMethod_Errors_KeystoneStyleByDefault_HuaweiStyleOnRequest()
    {
        await using var emu = await Emu.StartAsync("--token-lifetime-seconds", "60");
        await Freeze(emu);
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody("MIIEnotatoken"), Cred.None), 401, "Unauthorized");
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(null), Cred.None), 401, "Unauthorized");
        var token = await emu.IssueTokenAsync();
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token, 899), Cred.None), 400, "Bad Request");
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token, 86401), Cred.None), 400, "Bad Request");
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, "{\"auth\":{\"identity\":{\"methods\":[\"password\"]}}}", Cred.None),
            400, "Bad Request");
        await Advance(emu, 60);
        var expired = await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token), Cred.None);
        AssertKeystone(expired, 401, "Unauthorized");
        Assert.Equal("The token has expired.", expired.Json["error"]!["message"]!.GetValue<string>());

        await emu.PatchConfigAsync("{\"securityTokenErrorStyle\":\"huawei\"}");
        var huawei = await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token), Cred.None);
        Assert.Equal(401, huawei.Code);
        Assert.Equal("IAM.0066", huawei.Json["error_code"]!.GetValue<string>());
        var bad = await emu.SendAsync(HttpMethod.Post, SecurityTokens, "not json", Cred.None);
        Assert.Equal("IAM.0011", bad.Json["error_code"]!.GetValue<string>());
        Assert.Equal(400, (await emu.PatchConfigAsync("{\"securityTokenErrorStyle\":\"xml\"}")).Code);
    }

    // ---- securitytokens, method assume_role ----

    [Fact]
    public async Task AssumeRole_CredentialWorksInTheDelegatingAccountOnly()
    {
        await using var emu = await Emu.StartAsync();
        await Freeze(emu);
        var (pid, _) = emu.Partner();
        var token = await emu.IssueTokenAsync();
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(duration: "3600"), Cred.WithToken(token));
        Assert.Equal(201, r.Code);
        Assert.Equal("2030-01-01T01:00:00.000000Z", r.Json["credential"]!["expires_at"]!.GetValue<string>());
        var inPartner = MetadataServiceTests.CredOf(r.Json, pid);
        Assert.Equal(200, (await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", inPartner)).Code);
        var entry = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!;
        Assert.Equal("agency", entry["credentialSource"]!.GetValue<string>());
        Assert.Equal("evs-partner", entry["domain"]!.GetValue<string>());

        var inOwn = inPartner with { ProjectIdHeader = emu.Pid };
        var refused = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", inOwn);
        Assert.Equal(400, refused.Code);
        Assert.Equal("EVS.0001", refused.ErrorCode);
        var projects = await emu.GetAsync("/v3/projects?name=cn-north-4", inPartner);
        Assert.Equal(pid, Assert.Single(projects.Json["projects"]!.AsArray())!["id"]!.GetValue<string>());

        // An AK/SK caller of the trusted account, by domain_id, default duration 900 s.
        var partnerDomain = emu.Info["domains"]!.AsArray().Single(d => d!["name"]!.GetValue<string>() == "evs-partner")!["id"]!.GetValue<string>();
        var byAk = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(domainName: null, domainId: partnerDomain));
        Assert.Equal(201, byAk.Code);
        Assert.Equal("2030-01-01T00:15:00.000000Z", byAk.Json["credential"]!["expires_at"]!.GetValue<string>());
        Assert.Equal(200, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", MetadataServiceTests.CredOf(byAk.Json, pid))).Code);
        Assert.Equal(2, (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["credentialsIssued"]!["agency"]!.GetValue<int>());
        var listed = (await emu.AdminAsync(HttpMethod.Get, "credentials?source=agency")).Json["credentials"]!.AsArray();
        Assert.All(listed, c => Assert.Equal("evs-demo-ops", c!["agencyName"]!.GetValue<string>()));
    }

    [Theory]
    [InlineData("no-such-agency", "evs-partner", null)]      // unknown agency
    [InlineData("evs-demo-ops", "evs-demo", null)]           // the agency is in another account
    [InlineData("evs-demo-ops", "no-such-account", null)]    // unknown account
    [InlineData("evs-demo-ops", "evs-partner", "9d8c7b6a5f4e4d3c2b1a0f9e8d7c6b5a")] // domain_id and domain_name disagree
    [InlineData("ecs_evs_agency", "evs-demo", null)]         // trusts the ECS service, not an account
    public async Task AssumeRole_Refusals_Are403(string agency, string domainName, string? domainId)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(agency, domainName, domainId), Cred.WithToken(await emu.IssueTokenAsync()));
        AssertKeystone(r, 403, "Forbidden");
        Assert.StartsWith("You are not authorized to perform the requested action.", r.Json["error"]!["message"]!.GetValue<string>());
    }

    [Fact]
    public async Task AssumeRole_CallerOfAnUntrustedAccount_Is403_NoCallerIs401()
    {
        await using var emu = await Emu.StartAsync();
        var (_, partner) = emu.Partner();
        // evs-demo-ops lives in evs-partner and trusts evs-demo; the partner itself is not trusted.
        AssertKeystone(await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(), partner), 403, "Forbidden");
        var anonymous = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(), Cred.None);
        Assert.Equal(401, anonymous.Code);
        Assert.Equal("APIGW.0301", anonymous.Json["error_code"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("899")]
    [InlineData("86401")]
    [InlineData("\"3600\"")]
    [InlineData("1.5")]
    public async Task AssumeRole_DurationOutOfRange_Is400(string duration)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(duration: duration), Cred.WithToken(await emu.IssueTokenAsync()));
        AssertKeystone(r, 400, "Bad Request");
        Assert.Contains("duration_seconds", r.Json["error"]!["message"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("robot", true)]
    [InlineData("ops_robot-1", true)]
    [InlineData("a234567890123456789012345678901234567890123456789012345678901234", true)]   // 64
    [InlineData("a2345678901234567890123456789012345678901234567890123456789012345", false)] // 65
    [InlineData("abcd", false)]        // 4
    [InlineData("1robot", false)]      // must start with a letter
    [InlineData("ro bot", false)]
    [InlineData("robot.1", false)]
    public async Task AssumeRole_SessionUserName_Rules(string name, bool ok)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(sessionUser: name), Cred.WithToken(await emu.IssueTokenAsync()));
        if (ok)
        {
            Assert.Equal(201, r.Code);
            var listed = (await emu.AdminAsync(HttpMethod.Get, "credentials?source=agency")).Json["credentials"]![0]!;
            Assert.Equal(name, listed["sessionUser"]!.GetValue<string>());
        }
        else
        {
            AssertKeystone(r, 400, "Bad Request");
            Assert.Contains("session_user", r.Json["error"]!["message"]!.GetValue<string>());
        }
    }

    // ---- temporary credentials on every call ----

    [Fact]
    public async Task IssuedTemporaryAk_NeedsItsOwnSignedSecurityToken_AndExpires()
    {
        await using var emu = await Emu.StartAsync("--security-token-lifetime-seconds", "30");
        await Freeze(emu);
        var (pid, _) = emu.Partner();
        var r = await emu.SendAsync(HttpMethod.Post, SecurityTokens, AssumeRoleBody(), Cred.WithToken(await emu.IssueTokenAsync()));
        Assert.Equal("2030-01-01T00:00:30.000000Z", r.Json["credential"]!["expires_at"]!.GetValue<string>()); // the configured lifetime wins
        var cred = MetadataServiceTests.CredOf(r.Json, pid);
        var path = $"/v2/{pid}/cloudvolumes/detail";

        var missing = await emu.GetAsync(path, cred with { SecurityToken = null });
        Assert.Equal(401, missing.Code);
        Assert.Equal($"Incorrect IAM authentication information: Get secretKey failed,ak:{cred.Ak},err:ak not exist", missing.ErrorMessage);
        var seeded = emu.Info["securityToken"]!.GetValue<string>();
        var wrong = await emu.GetAsync(path, cred with { SecurityToken = seeded });
        Assert.Equal("Incorrect IAM authentication information: verify aksk signature fail", wrong.ErrorMessage);
        var unsigned = await emu.GetAsync(path, cred with { SignSecurityToken = false });
        Assert.Equal("Incorrect IAM authentication information: verify aksk signature fail", unsigned.ErrorMessage);
        Assert.Equal(200, (await emu.GetAsync(path, cred)).Code);

        await Advance(emu, 29.999);
        Assert.Equal(200, (await emu.GetAsync(path, cred)).Code);
        await Advance(emu, 0.001);
        var expired = await emu.GetAsync(path, cred);
        Assert.Equal(401, expired.Code);
        Assert.Equal("APIGW.0301", expired.ErrorCode);
        Assert.Equal($"Incorrect IAM authentication information: security token expired,ak:{cred.Ak},expires_at:2030-01-01T00:00:30.000000Z",
            expired.ErrorMessage);
        Assert.Equal(401, (await emu.GetAsync("/v3/projects?name=cn-north-4", cred)).Code); // IAM checks it too
        var listed = (await emu.AdminAsync(HttpMethod.Get, "credentials?source=agency")).Json["credentials"]![0]!;
        Assert.True(listed["expired"]!.GetValue<bool>());
    }

    [Fact]
    public async Task ControlPlane_ExpiresTokensAndTemporaryCredentialsNow()
    {
        await using var emu = await Emu.StartAsync();
        var token = await emu.IssueTokenAsync();
        var temp = new Cred
        {
            Ak = emu.Info["tempAccessKey"]!.GetValue<string>(),
            Sk = emu.Info["tempSecretKey"]!.GetValue<string>(),
            SecurityToken = emu.Info["securityToken"]!.GetValue<string>(),
        };
        var issued = MetadataServiceTests.CredOf(
            (await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token), Cred.None)).Json, emu.Pid);
        var onlyTokens = (await emu.AdminAsync(HttpMethod.Post, "credentials/expire", "{\"tokens\":true}")).Json;
        Assert.Equal(1, onlyTokens["tokensExpired"]!.GetValue<int>());
        Assert.Equal(0, onlyTokens["temporaryCredentialsExpired"]!.GetValue<int>());
        var t = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(token));
        Assert.StartsWith("Incorrect IAM authentication information: token expires, expires_at: ", t.ErrorMessage);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", issued)).Code);

        var all = (await emu.AdminAsync(HttpMethod.Post, "credentials/expire")).Json;
        Assert.Equal(2, all["temporaryCredentialsExpired"]!.GetValue<int>()); // the seeded temporary key and the issued one
        Assert.Contains("security token expired", (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", issued)).ErrorMessage);
        Assert.Contains("security token expired", (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", temp)).ErrorMessage);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Code); // permanent keys never expire
        await emu.AdminAsync(HttpMethod.Post, "reset");
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", temp)).Code);
        Assert.Equal(401, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", issued)).Code); // issued ones are gone
    }

    [Fact]
    public async Task ControlPlane_ListsSecretsOnlyWhenAskedFor()
    {
        await using var emu = await Emu.StartAsync();
        var token = await emu.IssueTokenAsync();
        var issued = (await emu.SendAsync(HttpMethod.Post, SecurityTokens, TokenMethodBody(token), Cred.None)).Json["credential"]!;

        var plain = (await emu.AdminAsync(HttpMethod.Get, "credentials?source=token")).Json["credentials"]![0]!.AsObject();
        Assert.False(plain.ContainsKey("secret"));
        Assert.False(plain.ContainsKey("securityToken"));

        var withSecrets = (await emu.AdminAsync(HttpMethod.Get, "credentials?secrets=true")).Json["credentials"]!.AsArray();
        var listed = withSecrets.Single(c => c!["access"]!.GetValue<string>() == issued["access"]!.GetValue<string>())!;
        Assert.Equal(issued["secret"]!.GetValue<string>(), listed["secret"]!.GetValue<string>());
        Assert.Equal(issued["securitytoken"]!.GetValue<string>(), listed["securityToken"]!.GetValue<string>());
        var permanent = withSecrets.First(c => c!["access"]!.GetValue<string>() == emu.Info["accessKey"]!.GetValue<string>())!;
        Assert.Equal(emu.Info["secretKey"]!.GetValue<string>(), permanent["secret"]!.GetValue<string>());
        Assert.Null(permanent["securityToken"]);
        Assert.Equal(400, (await emu.AdminAsync(HttpMethod.Get, "credentials?secrets=yes")).Code);
    }
}
