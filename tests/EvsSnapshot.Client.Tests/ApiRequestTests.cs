using System.Net;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Paths are built from segments, each percent-encoded, so no input can change the path or the query.</summary>
public class ApiRequestTests
{
    private const string Prefix = "/v2/" + Ids.Project + "/snapshots/";

    [Theory]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData("..\\..")]
    [InlineData("")]
    public void SegmentThatWouldChangeThePathLevels_IsRefused(string segment)
    {
        // Defence in depth behind the id validation: such a segment never reaches a URL.
        Assert.Throws<ArgumentException>(() => new ApiRequest(HttpMethod.Get, ApiService.Evs, "v2", Ids.Project, "snapshots", segment));
    }

    [Theory]
    [InlineData("a?b", "a%3Fb")]
    [InlineData("%2e%2e", "%252e%252e")]
    [InlineData("#", "%23")]
    [InlineData("x#frag?q=1", "x%23frag%3Fq%3D1")]
    [InlineData("a b+c", "a%20b%2Bc")]
    [InlineData("...", "...")]
    public async Task HostileSegment_StaysOneSegment_OnTheWire(string segment, string expectedEncoded)
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, "{}");
        using var ctx = await Contexts.AkSkAsync(handler);
        var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "v2", Ids.Project, "snapshots", segment) { Operation = "probe" };

        await ctx.Api.Transport.SendAsync(request, r => r.StatusCode, Contexts.Call());

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(Prefix + expectedEncoded, sent.Uri.AbsolutePath);
        Assert.Equal("", sent.Uri.Query);
        Assert.Equal("", sent.Uri.Fragment);
        Assert.Equal(5, sent.Uri.AbsolutePath.Split('/').Length); // "", v2, project, snapshots, segment
        Assert.Equal(segment, Uri.UnescapeDataString(sent.Uri.AbsolutePath.Split('/')[4]));
    }

    [Theory]
    [InlineData("a&b=c")]
    [InlineData("x#y")]
    [InlineData("1 2/3?")]
    public async Task HostileQueryValue_StaysOneParameter(string value)
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, "{}");
        using var ctx = await Contexts.AkSkAsync(handler);
        var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "v2", Ids.Project, "cloudsnapshots", "detail") { Operation = "probe" }
            .WithQuery("name", value).WithQuery("limit", "5");

        await ctx.Api.Transport.SendAsync(request, r => r.StatusCode, Contexts.Call());

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("/v2/" + Ids.Project + "/cloudsnapshots/detail", sent.Uri.AbsolutePath);
        Assert.Equal(new[] { value }, sent.QueryValues("name"));
        Assert.Equal("5", sent.Query("limit"));
        Assert.Equal(2, sent.Uri.Query.TrimStart('?').Split('&').Length);
    }

    [Fact]
    public void NullQueryValue_IsOmitted()
    {
        var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "a").WithQuery("x", null).WithQuery("y", "1");
        Assert.Equal("?y=1", request.BuildUri(new Uri("https://evs.example.com")).Query);
    }

    [Fact]
    public void LogicalPath_IsUnencoded_AndKeepsTheEndpointBasePath()
    {
        var endpoint = new Uri("https://gw.example.com/evs%20api/");
        var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "v2", "p", "a b");
        Assert.Equal("/evs api/v2/p/a b", request.LogicalPath(endpoint));
        Assert.Equal("/evs%20api/v2/p/a%20b", request.BuildUri(endpoint).AbsolutePath);
    }

    [Fact]
    public async Task DeleteMetadataKey_WithQueryAndHashCharacters_HitsExactlyThatKeyPath()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, null);
        using var ctx = await Contexts.AkSkAsync(handler);

        await ctx.Api.DeleteSnapshotMetadataKeyAsync(Ids.Snapshot, "k?x=1#y %2e%2e", Contexts.Call());

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Delete, sent.Method);
        Assert.Equal($"/v2/{Ids.Project}/snapshots/{Ids.Snapshot}/metadata/k%3Fx%3D1%23y%20%252e%252e", sent.Uri.AbsolutePath);
        Assert.Equal("", sent.Uri.Query);
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData(".")]
    public async Task DeleteMetadataKey_WithPathCharacters_IsRefusedBeforeSending(string key)
    {
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ctx.Api.DeleteSnapshotMetadataKeyAsync(Ids.Snapshot, key, Contexts.Call()));
        Assert.Equal("MetadataKeyInvalidCharacter", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task SnapshotId_IsValidatedBeforeItReachesThePath()
    {
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ctx.Api.GetSnapshotAsync("../../cloudvolumes/x", Contexts.Call()));
        Assert.Equal("InvalidSnapshotId", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public void PostIsNotIdempotentByDefault_OthersAre()
    {
        Assert.False(new ApiRequest(HttpMethod.Post, ApiService.Evs, "x").Idempotent);
        Assert.True(new ApiRequest(HttpMethod.Get, ApiService.Evs, "x").Idempotent);
        Assert.True(new ApiRequest(HttpMethod.Delete, ApiService.Evs, "x").Idempotent);
        Assert.True(new ApiRequest(HttpMethod.Put, ApiService.Evs, "x").Idempotent);
    }
}
