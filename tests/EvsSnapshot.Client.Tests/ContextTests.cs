using System.Net;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>ConnectAsync's checks and the context's public surface.</summary>
public class ContextTests
{
    [Theory]
    [InlineData("http://127.0.0.1:8080")]
    [InlineData("http://127.0.0.2")]
    [InlineData("http://localhost:1/base/")]
    [InlineData("http://[::1]:9000")]
    [InlineData("https://evs.cn-north-4.myhuaweicloud.com")]
    [InlineData("https://10.0.0.5:8443/evs")]
    public void CheckEndpoint_Accepts(string url) => Assert.Equal(new Uri(url), EvsClient.CheckEndpoint(new Uri(url), "Endpoint"));

    [Theory]
    [InlineData("http://evs.cn-north-4.myhuaweicloud.com", "InsecureEndpoint")]
    [InlineData("http://127.0.0.1.nip.io", "InsecureEndpoint")]
    [InlineData("http://10.0.0.5", "InsecureEndpoint")]
    [InlineData("ftp://127.0.0.1", "InvalidEndpoint")]
    [InlineData("https://user:pw@evs.example.com", "InvalidEndpoint")]
    [InlineData("https://evs.example.com/?x=1", "InvalidEndpoint")]
    [InlineData("https://evs.example.com/#frag", "InvalidEndpoint")]
    public void CheckEndpoint_Rejects(string url, string errorId)
    {
        var ex = Assert.Throws<EvsValidationException>(() => EvsClient.CheckEndpoint(new Uri(url), "IamEndpoint"));
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal("IamEndpoint", ex.ParameterName);
        Assert.DoesNotContain("pw@", ex.Message);
    }

    [Fact]
    public async Task DefaultEndpoints_FollowTheRegion()
    {
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => { o.Endpoint = null; o.IamEndpoint = null; o.Region = "ap-southeast-1"; });
        Assert.Equal(new Uri("https://evs.ap-southeast-1.myhuaweicloud.com"), ctx.Endpoint);
        Assert.Equal(new Uri("https://iam.ap-southeast-1.myhuaweicloud.com"), ctx.IamEndpoint);
        Assert.Equal(0, handler.Count); // project id given: nothing sent while connecting
    }

    [Fact]
    public async Task InvalidRegion_IsRejectedBeforeAnything()
    {
        var handler = new FakeHandler();
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.AkSkAsync(handler, tweak: o => o.Region = "cn-north-4/../x"));
        Assert.Equal("InvalidRegion", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task Properties_ReflectTheOptions_AndRetryOptionsAreCopied()
    {
        var retry = Contexts.FastRetry(maxRetries: 7);
        retry.MaxTotalDelay = TimeSpan.FromSeconds(42);
        retry.RequestTimeout = TimeSpan.FromSeconds(9);
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler, retry: retry);
        retry.MaxRetryCount = 0; // changing the caller's object later does not change the context

        Assert.Equal("cn-north-4", ctx.Region);
        Assert.Equal(Ids.Project, ctx.ProjectId);
        Assert.Equal(EvsAuthType.AkSk, ctx.AuthType);
        Assert.Equal(Ids.AccessKey, ctx.AccessKey);
        Assert.False(ctx.UsesSecurityToken);
        Assert.Equal(7, ctx.MaximumRetryCount);
        Assert.Equal(TimeSpan.FromSeconds(42), ctx.MaximumRetryWait);
        Assert.Equal(TimeSpan.FromSeconds(9), ctx.RequestTimeout);
        Assert.Null(ctx.TokenExpiresAt);
        Assert.Equal(TimeSpan.Zero, ctx.ClockOffset);
        Assert.Equal($"cn-north-4/{Ids.Project} (access key {Ids.AccessKey})", ctx.ToString());
    }

    [Fact]
    public async Task RequestCount_CountsEveryAttempt()
    {
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.ServiceUnavailable, null)
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.Equal(3, ctx.RequestCount);
    }

    [Fact]
    public async Task UserAgentAndAccept_AreSent()
    {
        var handler = new FakeHandler().Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        var r = Assert.Single(handler.Requests);
        Assert.StartsWith("EvsSnapshot/", r.Header("User-Agent"));
        Assert.Equal("application/json", r.Header("Accept"));
    }
}
