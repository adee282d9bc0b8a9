using System.Text.RegularExpressions;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class IamTests
{
    private static string TokenBody(string user = "ops-user", string password = "Emulator-Passw0rd!", string domain = "evs-demo",
        string scope = "{\"project\":{\"name\":\"cn-north-4\"}}") =>
        "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"" + user +
        "\",\"password\":\"" + password + "\",\"domain\":{\"name\":\"" + domain + "\"}}}},\"scope\":" + scope + "}}";

    [Fact]
    public async Task IssueToken_Returns201_SubjectToken_AndTokenBody()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens", TokenBody(), Cred.None);
        Assert.Equal(201, r.Code);
        Assert.StartsWith("MIIE", r.Header("X-Subject-Token"));
        Assert.Matches("^[0-9a-f]{32}$", r.Header("X-IAM-Trace-Id"));
        var t = r.Json["token"]!;
        var iso = new Regex(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$");
        Assert.Matches(iso, t["expires_at"]!.GetValue<string>());
        Assert.Matches(iso, t["issued_at"]!.GetValue<string>());
        var lifetime = DateTime.Parse(t["expires_at"]!.GetValue<string>()).ToUniversalTime() -
                       DateTime.Parse(t["issued_at"]!.GetValue<string>()).ToUniversalTime();
        Assert.Equal(TimeSpan.FromHours(24), lifetime);
        Assert.Equal("password", t["methods"]![0]!.GetValue<string>());
        Assert.Equal(emu.Pid, t["project"]!["id"]!.GetValue<string>());
        Assert.Equal("cn-north-4", t["project"]!["name"]!.GetValue<string>());
        Assert.Equal("evs-demo", t["project"]!["domain"]!["name"]!.GetValue<string>());
        Assert.Equal("ops-user", t["user"]!["name"]!.GetValue<string>());
        Assert.NotNull(t["user"]!["domain"]!["id"]);
        Assert.NotEmpty(t["roles"]!.AsArray());
        Assert.Empty(t["catalog"]!.AsArray());
        Assert.DoesNotContain("Emulator-Passw0rd!", r.Body);
        Assert.DoesNotContain(r.Header("X-Subject-Token")!, r.Body);
    }

    [Fact]
    public async Task ScopeByProjectId_Works()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens", TokenBody(scope: $"{{\"project\":{{\"id\":\"{emu.Pid}\"}}}}"), Cred.None);
        Assert.Equal(201, r.Code);
        Assert.Equal(emu.Pid, r.Json["token"]!["project"]!["id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("nobody", "Emulator-Passw0rd!", "evs-demo")]
    [InlineData("ops-user", "Not-The-Passw0rd", "evs-demo")]
    [InlineData("ops-user", "Emulator-Passw0rd!", "other-account")]
    public async Task WrongCredentials_Are401(string user, string password, string domain)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens", TokenBody(user, password, domain), Cred.None);
        Assert.Equal(401, r.Code);
        Assert.Equal("IAM.0004", r.Json["error_code"]!.GetValue<string>());
        Assert.Equal("The username or password is wrong.", r.Json["error_msg"]!.GetValue<string>());
        Assert.Null(r.Header("X-Subject-Token"));
        Assert.DoesNotContain(password, r.Body);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("{\"auth\":{\"identity\":{\"methods\":[\"token\"]}}}")]
    [InlineData("{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"ops-user\"}}}}}")]
    public async Task MalformedTokenRequest_Is400(string body)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens", body, Cred.None);
        Assert.Equal(400, r.Code);
        Assert.Equal("IAM.0011", r.Json["error_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownScopeProject_Is400()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens", TokenBody(scope: "{\"project\":{\"name\":\"eu-west-0\"}}"), Cred.None);
        Assert.Equal(400, r.Code);
        Assert.Contains("eu-west-0", r.Json["error_msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task Projects_ByName_WithAkSk()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync("/v3/projects?name=cn-north-4");
        Assert.Equal(200, r.Code);
        Assert.NotNull(r.Header("X-IAM-Trace-Id"));
        var p = Assert.Single(r.Json["projects"]!.AsArray())!;
        Assert.Equal(emu.Pid, p["id"]!.GetValue<string>());
        Assert.Equal("cn-north-4", p["name"]!.GetValue<string>());
        Assert.Equal(emu.Info["domainId"]!.GetValue<string>(), p["domain_id"]!.GetValue<string>());
        Assert.True(p["enabled"]!.GetValue<bool>());
        Assert.False(p["is_domain"]!.GetValue<bool>());
        Assert.Equal("", p["description"]!.GetValue<string>());
        Assert.NotNull(p["parent_id"]);
        Assert.EndsWith("/v3/projects?name=cn-north-4", r.Json["links"]!["self"]!.GetValue<string>());
    }

    [Fact]
    public async Task Projects_UnknownName_IsEmpty_AndNeedsAuth()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync("/v3/projects?name=ap-southeast-1", Cred.WithToken(await emu.IssueTokenAsync()));
        Assert.Equal(200, r.Code);
        Assert.Empty(r.Json["projects"]!.AsArray());
        var anonymous = await emu.GetAsync("/v3/projects?name=cn-north-4", Cred.None);
        Assert.Equal(401, anonymous.Code);
        Assert.Equal("APIGW.0301", anonymous.ErrorCode);
    }
}
