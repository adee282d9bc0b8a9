using System.Net;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>A repeated delete / rollback / metadata-key delete meets "not deletable" or 404 although the first one worked.</summary>
public class DeleteSnapshotTests
{
    private static string NotDeletable => Respond.Error("EVS.1047", "snapshot status must be available or error when delete snapshot!");
    private static string NotFound => Respond.Error("EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found.");

    private static HttpResponseMessage SnapshotIn(string status, IDictionary<string, string>? metadata = null) =>
        Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot, status, metadata: metadata)));

    [Fact]
    public async Task Delete_Accepted()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Accepted, null);
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call());
        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Delete, sent.Method);
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}", sent.Uri.AbsolutePath);
        Assert.False(sent.HasContent);
    }

    [Fact]
    public async Task ResetThenNotDeletable_SnapshotDeleting_IsSuccess()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.BadRequest, NotDeletable)
            .Then(_ => SnapshotIn("deleting"));
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        await ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(new[] { "DELETE", "DELETE", "GET" }, handler.Requests.Select(r => r.Method.Method));
        Assert.Contains(trace.VerboseLines, l => l.Contains("already being deleted"));
    }

    [Fact]
    public async Task ResetThenNotFound_IsSuccessWithoutAGet()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.NotFound, NotFound);
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        await ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(2, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("earlier attempt of this delete went through"));
    }

    [Fact]
    public async Task FirstAttemptNotFound_IsAnError()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.NotFound, NotFound);
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("ResourceNotFound", ex.ErrorId);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task FirstAttemptNotDeletable_SnapshotCreating_IsSnapshotNotDeletable()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.BadRequest, NotDeletable)
            .Then(_ => SnapshotIn("creating"));
        using var ctx = await Contexts.AkSkAsync(handler);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal("SnapshotNotDeletable", ex.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidState, ex.Kind);
        Assert.Equal("EVS.1047", ex.ErrorCode);
        Assert.Equal(new[] { "DELETE", "GET" }, handler.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task NotDeletable_ThenGone_IsSuccess()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.BadRequest, NotDeletable)
            .Then(HttpStatusCode.NotFound, NotFound);
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task ErrorDeleting_IsReportedAsIs()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.InternalServerError, Respond.Error("EVS.2019", "snapshot is error_deleting!"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.DeleteSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("SnapshotErrorDeleting", ex.ErrorId);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Rollback_ResetThen400_WhileRollbacking_IsSuccess()
    {
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "volume status must be available"))
            .Then(_ => SnapshotIn("rollbacking"));
        using var ctx = await Contexts.AkSkAsync(handler);

        await ctx.Api.RollbackSnapshotAsync(Ids.Snapshot, Ids.Volume, "restored", Contexts.Call());

        Assert.Equal(new[] { "POST", "POST", "GET" }, handler.Requests.Select(r => r.Method.Method));
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}/rollback", handler.Requests[0].Uri.AbsolutePath);
        Assert.Contains("\"volume_id\":\"" + Ids.Volume + "\"", handler.Requests[0].BodyText);
        Assert.Contains("\"name\":\"restored\"", handler.Requests[0].BodyText);
    }

    [Fact]
    public async Task Rollback_400OnFirstAttempt_IsFinal()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "volume status must be available"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.RollbackSnapshotAsync(Ids.Snapshot, Ids.Volume, null, Contexts.Call()));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Rollback_ResetThen400_NotRollbacking_IsTheError()
    {
        var handler = new FakeHandler()
            .Then(Respond.ResetResponder)
            .Then(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "volume status must be available"))
            .Then(_ => SnapshotIn("available"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.RollbackSnapshotAsync(Ids.Snapshot, Ids.Volume, null, Contexts.Call()));
        Assert.Equal("EVS.5400", ex.ErrorCode);
    }

    [Fact]
    public async Task DeleteMetadataKey_404ButKeyAbsent_IsSuccess()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.NotFound, NotFound)
            .Then(_ => SnapshotIn("available", new Dictionary<string, string> { ["other"] = "x" }));
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.DeleteSnapshotMetadataKeyAsync(Ids.Snapshot, "tier", Contexts.Call());
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task DeleteMetadataKey_404AndKeyStillThere_IsTheError()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.NotFound, NotFound)
            .Then(_ => SnapshotIn("available", new Dictionary<string, string> { ["tier"] = "gold" }));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.DeleteSnapshotMetadataKeyAsync(Ids.Snapshot, "tier", Contexts.Call()));
        Assert.Equal(404, ex.StatusCode);
    }

    [Fact]
    public async Task MergeMetadata_SendsAndReturnsTheMap()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, "{\"metadata\":{\"tier\":\"gold\",\"n\":1}}");
        using var ctx = await Contexts.AkSkAsync(handler);
        var result = await ctx.Api.MergeSnapshotMetadataAsync(Ids.Snapshot, new Dictionary<string, string> { ["tier"] = "gold" }, Contexts.Call());
        Assert.Equal("gold", result["tier"]);
        Assert.Equal("1", result["n"]);
        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal($"/v2/{Ids.Project}/snapshots/{Ids.Snapshot}/metadata", sent.Uri.AbsolutePath);
        Assert.Equal("{\"metadata\":{\"tier\":\"gold\"}}", sent.BodyText);
    }

    [Fact]
    public async Task MergeMetadata_IsRetriedAfterAReset()
    {
        var handler = new FakeHandler().Then(Respond.ResetResponder).Then(HttpStatusCode.OK, "{\"metadata\":{\"a\":\"b\"}}");
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.MergeSnapshotMetadataAsync(Ids.Snapshot, new Dictionary<string, string> { ["a"] = "b" }, Contexts.Call());
        Assert.Equal(2, handler.Count);
    }
}
