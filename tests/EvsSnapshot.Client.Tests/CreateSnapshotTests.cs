using EvsSnapshot.Client.Operations;
using System.Net;
using System.Text.Json;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// POST cloudsnapshots is not idempotent: after an ambiguous failure the client must look for its client token
/// before sending the create again.
/// </summary>
public class CreateSnapshotTests
{
    private const string TokenKey = "evssnapshot_client_token";
    private const string CommittedId = "cccccccc-0000-4000-8000-000000000001";
    private const string SecondId = "cccccccc-0000-4000-8000-000000000002";

    private static JsonElement SnapshotBody(RecordedRequest post) => JsonDocument.Parse(post.Body).RootElement.GetProperty("snapshot");

    private static string TokenOf(RecordedRequest post) => SnapshotBody(post).GetProperty("metadata").GetProperty(TokenKey).GetString()!;

    /// <summary>The create is committed on the server, then the answer is lost in the given way.</summary>
    private static Responder CommitThen(string failure) => failure switch
    {
        "reset" => Respond.ResetResponder,
        "504" => (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.GatewayTimeout, null)),
        "502" => (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.BadGateway, "<html>bad gateway</html>")),
        "malformed202" => (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.Accepted, "{\"snapshot\":{\"id\":")),
        "emptybody202" => (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.Accepted, null)),
        "timeout" => Respond.Hang,
        _ => throw new ArgumentException(failure),
    };

    private static Infrastructure.RecordedRequest FirstPost(FakeHandler h) => h.Requests.First(r => r.Method == HttpMethod.Post);

    private static async Task<EvsClient> Connect(FakeHandler handler, RecordingTrace? trace = null, int maxRetries = 3)
    {
        var retry = Contexts.FastRetry(maxRetries);
        retry.RequestTimeout = TimeSpan.FromMilliseconds(300);
        return await Contexts.AkSkAsync(handler, trace, retry);
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("504")]
    [InlineData("502")]
    [InlineData("malformed202")]
    [InlineData("emptybody202")]
    [InlineData("timeout")]
    public async Task AmbiguousFailure_SnapshotFoundByToken_IsReturnedWithoutSecondPost(string failure)
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler();
        handler.Then(CommitThen(failure))
            .Then(r => Wire.Ok(Wire.List(new[]
            {
                Wire.Snapshot(Ids.NewUuid(), metadata: new Dictionary<string, string> { [TokenKey] = "someone-elses-token" }),
                Wire.Snapshot(Ids.NewUuid()),
                Wire.Snapshot(CommittedId, "creating", metadata: new Dictionary<string, string> { [TokenKey] = TokenOf(FirstPost(handler)), ["tier"] = "gold" }),
            }, count: 3)));
        using var ctx = await Connect(handler, trace);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec
        {
            VolumeId = Ids.Volume,
            Metadata = new Dictionary<string, string> { ["tier"] = "gold" },
        }, Contexts.Call(trace));

        Assert.Equal(CommittedId, created.Id);
        Assert.Single(handler.Requests, r => r.Method == HttpMethod.Post);
        var lookup = handler.Requests[1];
        Assert.Equal(HttpMethod.Get, lookup.Method);
        Assert.EndsWith("/cloudsnapshots/detail", lookup.Uri.AbsolutePath);
        Assert.Equal(Ids.Volume, lookup.Query("volume_id"));
        Assert.Equal(2, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("may or may not have"));
        Assert.Contains(trace.VerboseLines, l => l.Contains(CommittedId) && l.Contains(TokenOf(FirstPost(handler))));
    }

    [Theory]
    [InlineData("reset")]
    [InlineData("504")]
    [InlineData("malformed202")]
    public async Task AmbiguousFailure_NothingFound_PostsAgainWithTheSameToken(string failure)
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(CommitThen(failure))
            .Then(_ => Wire.Ok(Wire.List(new[]
            {
                Wire.Snapshot(Ids.NewUuid(), metadata: new Dictionary<string, string> { [TokenKey] = "0123456789abcdef0123456789abcdef" }),
            }, count: 1)))
            .Then(_ => Wire.Created(SecondId));
        using var ctx = await Connect(handler, trace);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume, Name = "nightly" }, Contexts.Call(trace));

        Assert.Equal(SecondId, created.Id);
        var posts = handler.Requests.Where(r => r.Method == HttpMethod.Post).ToList();
        Assert.Equal(2, posts.Count);
        Assert.Equal(TokenOf(posts[0]), TokenOf(posts[1]));
        Assert.Equal(posts[0].BodyText, posts[1].BodyText);
        Assert.Equal(new[] { "POST", "GET", "POST" }, handler.Requests.Select(r => r.Method.Method));
        Assert.Contains(trace.VerboseLines, l => l.Contains(TokenOf(posts[0])) && l.Contains("did not happen"));
    }

    [Fact]
    public async Task Lookup_PagesThroughTheVolumesSnapshots()
    {
        var handler = new FakeHandler();
        handler.Then(Respond.ResetResponder)
            .Then(_ => Wire.Ok(Wire.List(new[] { Wire.Snapshot(Ids.NewUuid()), Wire.Snapshot(Ids.NewUuid()) }, count: 3)))
            .Then(_ => Wire.Ok(Wire.List(new[]
            {
                Wire.Snapshot(CommittedId, metadata: new Dictionary<string, string> { [TokenKey] = TokenOf(FirstPost(handler)) }),
            }, count: 3)));
        using var ctx = await Connect(handler);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call());

        Assert.Equal(CommittedId, created.Id);
        var lookups = handler.Requests.Where(r => r.Method == HttpMethod.Get).ToList();
        Assert.Equal(2, lookups.Count);
        Assert.Equal("0", lookups[0].Query("offset"));
        Assert.Equal("2", lookups[1].Query("offset")); // next offset from the items actually returned
    }

    [Fact]
    public async Task LookupFailure_IsCreateOutcomeUnknown_NamingTheToken()
    {
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.Forbidden, Respond.Error("EVS.5403", "Policy check failed."));
        using var ctx = await Connect(handler);

        var ex = await Assert.ThrowsAsync<EvsException>(() => ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call()));

        string token = TokenOf(FirstPost(handler));
        Assert.Equal("CreateOutcomeUnknown", ex.ErrorId);
        Assert.Equal(EvsErrorKind.OutcomeUnknown, ex.Kind);
        Assert.Contains(token, ex.Message);
        Assert.Contains(TokenKey, ex.Message);
        Assert.Contains("Policy check failed", ex.Message);
        Assert.Contains(Ids.Volume, ex.RecommendedAction());
        Assert.IsType<EvsTransportException>(ex.InnerException);
        Assert.Single(handler.Requests, r => r.Method == HttpMethod.Post);
    }

    [Fact]
    public async Task AmbiguousFailure_WithNoRetriesLeft_StillLooksButDoesNotPostAgain()
    {
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(_ => Wire.Ok(Wire.List(Array.Empty<Dictionary<string, object?>>(), count: 0)));
        using var ctx = await Connect(handler, maxRetries: 0);

        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call()));

        Assert.Equal("ConnectionLost", ex.ErrorId);
        Assert.Equal(new[] { "POST", "GET" }, handler.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task AmbiguousFailure_WithNoRetriesLeft_FoundSnapshotIsStillReturned()
    {
        var handler = new FakeHandler();
        handler.Then(CommitThen("504"))
            .Then(_ => Wire.Ok(Wire.List(new[] { Wire.Snapshot(CommittedId, metadata: new Dictionary<string, string> { [TokenKey] = TokenOf(FirstPost(handler)) }) }, count: 1)));
        using var ctx = await Connect(handler, maxRetries: 0);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call());
        Assert.Equal(CommittedId, created.Id);
    }

    [Fact]
    public async Task Throttled_Create_IsRetriedWithoutLookup()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "over ratelimit"))
            .Then(_ => Wire.Created(CommittedId));
        using var ctx = await Connect(handler);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call());

        Assert.Equal(CommittedId, created.Id);
        Assert.Equal(new[] { "POST", "POST" }, handler.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task CreateBody_HasTheDocumentedShape()
    {
        var handler = new FakeHandler().Then(_ => Wire.Created(CommittedId)).Then(_ => Wire.Created(SecondId));
        using var ctx = await Connect(handler);

        await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec
        {
            VolumeId = Ids.Volume.ToUpperInvariant(),
            Name = "nightly",
            Description = "before upgrade",
            Force = true,
            Metadata = new Dictionary<string, string> { ["tier"] = "gold" },
        }, Contexts.Call());
        await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call());

        var first = handler.Requests[0];
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots", first.Uri.AbsolutePath);
        Assert.StartsWith("application/json", first.Header("Content-Type"));
        var s = SnapshotBody(first);
        Assert.Equal(Ids.Volume, s.GetProperty("volume_id").GetString()); // normalised to lowercase
        Assert.Equal("nightly", s.GetProperty("name").GetString());
        Assert.Equal("before upgrade", s.GetProperty("description").GetString());
        Assert.True(s.GetProperty("force").GetBoolean());
        Assert.Equal("gold", s.GetProperty("metadata").GetProperty("tier").GetString());
        Assert.Matches("^[0-9a-f]{32}$", TokenOf(first));

        var second = SnapshotBody(handler.Requests[1]);
        Assert.False(second.TryGetProperty("force", out _));
        // No name given: the client's default, snapshot-<UTC yyyyMMdd-HHmmss>-<first 8 of the disk id>.
        Assert.Matches("^snapshot-[0-9]{8}-[0-9]{6}-" + Ids.Volume[..8] + "$", second.GetProperty("name").GetString());
        Assert.NotEqual(TokenOf(first), TokenOf(handler.Requests[1])); // a fresh token per create
    }

    [Fact]
    public async Task InvalidVolumeId_SendsNothing()
    {
        var handler = new FakeHandler();
        using var ctx = await Connect(handler);
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = "vol-1" }, Contexts.Call()));
        Assert.Equal("InvalidVolumeId", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }
}
