using EvsSnapshot.Client.Operations;
using System.Net;
using System.Reflection;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>No secret ever reaches a trace line, an exception, or the context's public surface.</summary>
public class SecretTests
{
    private const string SecretKey = "SECRETKEY-qwertyuiop-1234567890-zxcv";
    private const string SecurityToken = "SECTOKEN-asdfghjkl-0987654321-mnbv";
    private const string StaticToken = "STATICTOKEN-poiuytrewq-11223344";
    private const string Password = "PASSWORD-lkjhgfdsa-55667788";
    private const string SubjectToken1 = "SUBJECTTOKEN-one-aaaabbbbccccdddd";
    private const string SubjectToken2 = "SUBJECTTOKEN-two-eeeeffffgggghhhh";

    private static readonly string[] Secrets = { SecretKey, SecurityToken, StaticToken, Password, SubjectToken1, SubjectToken2 };

    private static string Echo(params string[] secrets) =>
        "Incorrect IAM authentication information: verify aksk signature fail: got " + string.Join(" and ", secrets)
        + ", canonicalRequest:GET|/v2/x/cloudsnapshots/|x-security-token:" + SecurityToken + "|" + SecretKey;

    private readonly List<string> _shown = new();
    private readonly RecordingTrace _trace = new();

    private async Task Capture(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception ex)
        {
            _shown.Add(ex.Message);
            _shown.Add(ex.ToString());
            if (ex is EvsException evs && evs.RecommendedAction() is string advice) _shown.Add(advice);
            if (ex is EvsApiException api && api.ApiMessage != null) _shown.Add(api.ApiMessage);
        }
    }

    private void ShowContext(EvsClient ctx)
    {
        _shown.Add(ctx.ToString());
        foreach (var p in typeof(EvsClient).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            _shown.Add(p.Name + "=" + p.GetValue(ctx));
        }
    }

    private void AssertNothingLeaked()
    {
        var everything = _shown.Concat(_trace.All).ToList();
        Assert.NotEmpty(everything);
        foreach (var text in everything)
        {
            foreach (var secret in Secrets) Assert.DoesNotContain(secret, text);
            Assert.DoesNotContain("canonicalRequest", text);
        }
    }

    [Fact]
    public async Task DebugOff_NoRequestTraceIsBuilt()
    {
        // The per-request line (headers, body excerpt, redaction) is work on the hot path: skipped when nobody reads it.
        var handler = new FakeHandler().Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        var quiet = new RecordingTrace { DebugEnabled = false };
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(quiet));
        Assert.DoesNotContain(quiet.Lines, l => l.Level == "Debug");

        var loud = new RecordingTrace();
        handler.Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(loud));
        Assert.Contains(loud.Lines, l => l.Level == "Debug" && l.Message.StartsWith("HTTP GET ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AkSkWithSecurityToken_NothingLeaks()
    {
        var handler = new FakeHandler()
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", Echo(SecretKey, SecurityToken)))
            .Then(HttpStatusCode.ServiceUnavailable, Respond.Error("EVS.5503", "backend saw " + SecretKey))
            .Then(HttpStatusCode.Forbidden, Respond.Error("EVS.5403", "token " + SecurityToken + " lacks roles"))
            .Then(_ => Respond.Text(HttpStatusCode.BadGateway, "<html>" + SecretKey + "</html>"))
            .Then(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "Malformed request body. sk=" + SecretKey))
            // create: ambiguous, then the lookup fails with an echo
            .Then(HttpStatusCode.GatewayTimeout, Respond.Error("EVS.5504", "timeout " + SecurityToken))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", Echo(SecretKey)));
        var options = Contexts.AkSkOptions(handler, Contexts.FastRetry(maxRetries: 1));
        options.SecretKey = SecretKey;
        options.SecurityToken = SecurityToken;
        using var ctx = await Contexts.ConnectAsync(options, _trace);

        await Capture(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)));
        await Capture(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)));
        await Capture(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)));
        await Capture(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call(_trace)));
        await Capture(() => ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call(_trace)));
        ShowContext(ctx);

        Assert.Equal(8, handler.Count);
        Assert.Contains(_shown, s => s.Contains("CreateOutcomeUnknown") || s.Contains("checking whether it was created failed"));
        var debug = _trace.DebugLines.Where(l => l.StartsWith("HTTP ", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, debug.Count);
        Assert.All(debug, l => Assert.Contains("Authorization: [redacted]", l));
        Assert.All(debug, l => Assert.Contains("X-Security-Token: [redacted]", l));
        Assert.Contains(debug, l => l.Contains("response body:") && l.Contains("backend saw [redacted]"));
        Assert.Contains(_shown, s => s.Contains("verify aksk signature fail"));
        Assert.Contains(Ids.AccessKey, ctx.ToString());
        AssertNothingLeaked();
    }

    [Fact]
    public async Task StaticToken_NothingLeaks()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.BadRequest, Respond.Error("Common.0013", "Invalid token in the header: " + StaticToken))
            .Then(_ => Respond.Text(HttpStatusCode.Forbidden, "denied for " + StaticToken))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: token expires " + StaticToken));
        var options = Contexts.AkSkOptions(handler);
        options.AuthType = EvsAuthType.Token;
        options.Token = StaticToken;
        using var ctx = await Contexts.ConnectAsync(options, _trace);

        for (int i = 0; i < 3; i++) await Capture(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)));
        ShowContext(ctx);

        var exchanges = _trace.DebugLines.Where(l => l.StartsWith("HTTP ", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, exchanges.Count);
        Assert.All(exchanges, l => Assert.Contains("X-Auth-Token: [redacted]", l));
        Assert.Contains(_shown, s => s.Contains("denied for [redacted]"));
        Assert.Null(ctx.AccessKey);
        AssertNothingLeaked();
    }

    [Fact]
    public async Task Password_NothingLeaks()
    {
        var handler = new FakeHandler()
            .Then(AuthTests.IamToken(SubjectToken1, TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: token expires " + SubjectToken1))
            .Then(AuthTests.IamToken(SubjectToken2, TimeSpan.FromHours(24)))
            .Then(HttpStatusCode.InternalServerError, Respond.Error("EVS.5500", "Internal server error. " + SubjectToken2 + " " + Password))
            .Then(HttpStatusCode.Unauthorized, "{\"error\":{\"code\":401,\"message\":\"The password " + Password + " is wrong\"}}");
        var options = Contexts.AkSkOptions(handler);
        options.AuthType = EvsAuthType.Password;
        options.UserName = "alice";
        options.DomainName = "acme";
        options.Password = Password;
        using var ctx = await Contexts.ConnectAsync(options, _trace);

        await Capture(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(_trace)));
        // A second context whose IAM login fails with an echo of the password.
        await Capture(() => Contexts.ConnectAsync(options, _trace));
        ShowContext(ctx);

        Assert.Equal(5, handler.Count);
        var iamLines = _trace.DebugLines.Where(l => l.Contains("/v3/auth/tokens")).ToList();
        Assert.Equal(3, iamLines.Count);
        Assert.All(iamLines, l => Assert.Contains("request body: [redacted: contains credentials]", l));
        Assert.Contains(iamLines, l => l.Contains("response header X-Subject-Token: [redacted]"));
        Assert.Contains(_trace.DebugLines, l => l.Contains("/cloudsnapshots/") && l.Contains("X-Auth-Token: [redacted]"));
        Assert.Contains(_shown, s => s.Contains("Internal server error. [redacted] [redacted]"));
        Assert.Contains("alice@acme", ctx.ToString());
        AssertNothingLeaked();
    }

    [Fact]
    public void Redactor_MasksLongestFirst_ShortValuesAsWholeWords_AndStripsSignatures()
    {
        var r = new SecretRedactor();
        r.Add("abcdef123456");
        r.Add("abcdef123456-longer");
        r.Add("short");
        r.Add(null);
        Assert.Equal("x [redacted] y [redacted] z [redacted] shortcut", r.Scrub("x abcdef123456-longer y abcdef123456 z short shortcut"));
        Assert.Equal("Authorization: SDK-HMAC-SHA256 Access=AK, Signature=[redacted]",
            r.Scrub("Authorization: SDK-HMAC-SHA256 Access=AK, Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe"));
        Assert.Equal("verify aksk signature fail", r.Scrub("verify aksk signature fail, canonicalRequest:GET|/|\n|host:x"));
        Assert.Equal("", r.Scrub(null));
    }
}
