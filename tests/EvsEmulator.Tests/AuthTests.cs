using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class AuthTests
{
    private const string Prefix = "Incorrect IAM authentication information: ";

    private static void AssertGateway401(Resp r, string message)
    {
        Assert.Equal(401, r.Code);
        Assert.Equal("APIGW.0301", r.Json["error_code"]!.GetValue<string>());
        Assert.Equal(Prefix + message, r.Json["error_msg"]!.GetValue<string>());
        Assert.Equal(r.Header("X-Request-Id"), r.Json["request_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task SignedRequest_IsAccepted()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?limit=5&name=db01");
        Assert.Equal(200, r.Code);
        Assert.Equal(1, r.Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task BadSignature_Is401VerifyFail_WithCanonicalRequestInLogOnly()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", new Cred { Tamper = true });
        AssertGateway401(r, "verify aksk signature fail");
        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        var entry = log.Single()!;
        Assert.Equal("verify aksk signature fail", entry["authError"]!.GetValue<string>());
        Assert.StartsWith("GET|" + emu.Evs + "/cloudsnapshots/detail/|", entry["canonicalRequest"]!.GetValue<string>());
    }

    [Fact]
    public async Task WrongSecretKey_Is401()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { Sk = "not-the-secret" });
        AssertGateway401(r, "verify aksk signature fail");
        Assert.DoesNotContain(emu.Sk, r.Body);
    }

    [Fact]
    public async Task TamperedBody_FailsPayloadHash()
    {
        await using var emu = await Emu.StartAsync();
        var body = $"{{\"snapshot\":{{\"volume_id\":\"{emu.VolumeId("app01")}\",\"name\":\"a\"}}}}";
        using var request = emu.BuildRequest(HttpMethod.Post, emu.Evs + "/cloudsnapshots", body, null);
        request.Content = new StringContent(body.Replace("\"a\"", "\"b\""));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var response = await emu.Http.SendAsync(request);
        Assert.Equal(401, (int)response.StatusCode);
        Assert.Equal(4, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task UnsignedPayload_IsAcceptedWhenDeclared()
    {
        await using var emu = await Emu.StartAsync();
        var body = $"{{\"snapshot\":{{\"volume_id\":\"{emu.VolumeId("app01")}\"}}}}";
        var r = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", body, new Cred { UnsignedPayload = true });
        Assert.Equal(202, r.Code);
    }

    [Fact]
    public async Task SignatureOlderThan15Minutes_IsExpired()
    {
        await using var emu = await Emu.StartAsync();
        var signedAt = emu.Server.Now.AddMinutes(-16);
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignTime = signedAt });
        Assert.Equal(401, r.Code);
        var msg = r.Json["error_msg"]!.GetValue<string>();
        Assert.Matches(new Regex("^" + Regex.Escape(Prefix) +
            @"calc aksk signature fail:signature expired, signature time:\d{8}T\d{6}Z,server time:\d{8}T\d{6}Z$"), msg);
        Assert.Contains("signature time:" + TestSigner.SdkDate(signedAt), msg);
    }

    [Fact]
    public async Task SignatureWithin15Minutes_IsAccepted()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignTime = emu.Server.Now.AddMinutes(14) });
        Assert.Equal(200, r.Code);
    }

    [Fact]
    public async Task ClockSkew_MachineTimeSignatureExpires_EmulatorTimeSignatureWorks()
    {
        await using var emu = await Emu.StartAsync("--clock-skew-seconds", "3600");
        var machine = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignTime = DateTime.UtcNow });
        Assert.Equal(401, machine.Code);
        Assert.Contains("signature expired", machine.Body);
        // A client that reads the Date header can correct for the skew.
        var serverDate = machine.Raw.Headers.Date!.Value.UtcDateTime;
        var corrected = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignTime = serverDate });
        Assert.Equal(200, corrected.Code);
    }

    [Fact]
    public async Task UnknownAk_IsAkNotExist()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { Ak = "NOSUCHAK000000000000" });
        AssertGateway401(r, "ak NOSUCHAK000000000000 not exist");
    }

    [Fact]
    public async Task NoAuth_IsXAuthTokenNotFound()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.None);
        AssertGateway401(r, "x-auth-token not found");
    }

    [Fact]
    public async Task SdkDateNotSigned_IsRejected()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignSdkDate = false });
        AssertGateway401(r, "verify aksk signature fail");
    }

    [Fact]
    public async Task HostSignedWithoutPort_IsAccepted_AndHostNotSignedAtAll_IsAccepted()
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { HostWithoutPort = true })).Code);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { SignHost = false })).Code);
    }

    [Fact]
    public async Task QueryOrderAndEncodingOnTheWire_DoNotMatter()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?volume_id=" + emu.VolumeId("db01") + "&limit=10&name=db01%2Dweekly");
        Assert.Equal(200, r.Code);
        Assert.Equal("db01-weekly", r.Json["snapshots"]![0]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task TemporaryAk_RequiresSignedSecurityToken()
    {
        await using var emu = await Emu.StartAsync();
        var ak = emu.Info["tempAccessKey"]!.GetValue<string>();
        var sk = emu.Info["tempSecretKey"]!.GetValue<string>();
        var token = emu.Info["securityToken"]!.GetValue<string>();
        var path = emu.Evs + "/cloudvolumes/detail";

        var missing = await emu.GetAsync(path, new Cred { Ak = ak, Sk = sk });
        AssertGateway401(missing, $"Get secretKey failed,ak:{ak},err:ak not exist");

        var unsigned = await emu.GetAsync(path, new Cred { Ak = ak, Sk = sk, SecurityToken = token, SignSecurityToken = false });
        AssertGateway401(unsigned, "verify aksk signature fail");

        var wrong = await emu.GetAsync(path, new Cred { Ak = ak, Sk = sk, SecurityToken = "wrong-token" });
        AssertGateway401(wrong, "verify aksk signature fail");
        Assert.DoesNotContain(token, wrong.Body);

        var ok = await emu.GetAsync(path, new Cred { Ak = ak, Sk = sk, SecurityToken = token });
        Assert.Equal(200, ok.Code);
    }

    [Fact]
    public async Task AkSk_OtherProject_IsRejected()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync("/v2/0123456789abcdef0123456789abcdef/cloudvolumes/detail",
            new Cred { ProjectIdHeader = "0123456789abcdef0123456789abcdef" });
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.0001", r.ErrorCode);
        var mismatch = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", new Cred { ProjectIdHeader = "0123456789abcdef0123456789abcdef" });
        Assert.Equal("EVS.0001", mismatch.ErrorCode);
    }

    [Fact]
    public async Task Token_IsAccepted_AndUnknownToken_IsDecryptFail()
    {
        await using var emu = await Emu.StartAsync();
        var token = await emu.IssueTokenAsync();
        var ok = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.WithToken(token));
        Assert.True(ok.Code == 200, ok.Body);
        var bad = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.WithToken("MIIEnotatoken"));
        AssertGateway401(bad, "decrypt token fail");
        Assert.DoesNotContain("MIIEnotatoken", bad.Body);
    }

    [Fact]
    public async Task ExpiredToken_IsTokenExpires()
    {
        await using var emu = await Emu.StartAsync("--token-lifetime-seconds", "1");
        var token = await emu.IssueTokenAsync();
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(token))).Code);
        await Task.Delay(1100);
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", Cred.WithToken(token));
        Assert.Equal(401, r.Code);
        Assert.Matches(@"^Incorrect IAM authentication information: token expires, expires_at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$",
            r.Json["error_msg"]!.GetValue<string>());
    }

    [Fact]
    public async Task Token_ForAnotherProject_IsCommon0018()
    {
        await using var emu = await Emu.StartAsync();
        var token = await emu.IssueTokenAsync();
        var r = await emu.GetAsync("/v2/0123456789abcdef0123456789abcdef/cloudsnapshots/detail", Cred.WithToken(token));
        Assert.Equal(400, r.Code);
        Assert.Equal("Common.0018", r.ErrorCode);

        var domainToken = await emu.IssueTokenAsync(projectName: null);
        var d = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.WithToken(domainToken));
        Assert.Equal("Common.0018", d.ErrorCode);
    }
}
