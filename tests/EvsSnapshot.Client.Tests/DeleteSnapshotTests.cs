using System.Net;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// Delete and rollback must take effect once although a repeat meets "not deletable" / 400 or 404. The server here
/// is stateful (a DELETE that is carried out moves the snapshot to "deleting"), so the tests check outcomes, not one
/// exact request sequence.
/// </summary>
public class DeleteSnapshotTests
{

    /// <summary>One snapshot; faults are applied to the next DELETE / rollback POST, after or before it is carried out.</summary>
    private sealed class SnapshotServer
    {
        public string? Status; // null: gone
        public int Committed;
        public readonly Queue<string> Faults = new(); // "reset-after", "503-after", "reset-before", "refused"
        public Func<RecordedRequest, HttpResponseMessage?>? GetOverride;

        public SnapshotServer(string? status) { Status = status; }

        public Task<HttpResponseMessage> Handle(RecordedRequest r, CancellationToken ct)
        {
            lock (this)
            {
                bool isRollback = r.Method == HttpMethod.Post && r.Uri.AbsolutePath.EndsWith("/rollback");
                if (r.Method == HttpMethod.Get)
                {
                    var over = GetOverride?.Invoke(r);
                    if (over != null) return Task.FromResult(over);
                    return Task.FromResult(Status == null
                        ? Respond.Json(HttpStatusCode.NotFound, Wire.NotFoundBody)
                        : Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot, Status))));
                }
                if (r.Method != HttpMethod.Delete && !isRollback) throw new InvalidOperationException("unexpected " + r);

                string fault = Faults.Count > 0 ? Faults.Dequeue() : "none";
                if (fault == "refused") return Task.FromException<HttpResponseMessage>(Respond.Refused());
                if (fault == "reset-before") return Task.FromException<HttpResponseMessage>(Respond.Reset());

                HttpResponseMessage answer;
                if (Status == null) answer = Respond.Json(HttpStatusCode.NotFound, Wire.NotFoundBody);
                else if (r.Method == HttpMethod.Delete && Status is not ("available" or "error")) answer = Respond.Json(HttpStatusCode.BadRequest, Wire.NotDeletableBody);
                else if (isRollback && Status != "available") answer = Respond.Json(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "snapshot status must be available"));
                else
                {
                    Status = isRollback ? "rollbacking" : "deleting";
                    Committed++;
                    answer = isRollback
                        ? Respond.Json(HttpStatusCode.Accepted, "{\"rollback\":{\"volume_id\":\"" + Ids.Volume + "\"}}")
                        : Respond.Json(HttpStatusCode.Accepted, null);
                }
                if (fault == "reset-after") return Task.FromException<HttpResponseMessage>(Respond.Reset());
                if (fault == "503-after") return Task.FromResult(Respond.Json(HttpStatusCode.ServiceUnavailable, null));
                return Task.FromResult(answer);
            }
        }
    }

    private static Task<(EvsClient, FakeHandler)> Connect(SnapshotServer server, RecordingTrace? trace = null) => Contexts.ServedBy(server.Handle, trace);

    private static int Count(FakeHandler h, HttpMethod m) => h.Requests.Count(r => r.Method == m);

    [Fact]
    public async Task Delete_Accepted()
    {
        var server = new SnapshotServer("available");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;
        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call());
        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Delete, sent.Method);
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}", sent.Uri.AbsolutePath);
        Assert.False(sent.HasContent);
        Assert.Equal(1, server.Committed);
    }

    [Theory]
    [InlineData("reset-after")]
    [InlineData("503-after")]
    public async Task CarriedOutButAnswerLost_IsSuccess_DeletedOnce(string fault)
    {
        var trace = new RecordingTrace();
        var server = new SnapshotServer("available");
        server.Faults.Enqueue(fault);
        var (ctx, handler) = await Connect(server, trace);
        using var _ = ctx;

        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(1, server.Committed);
        Assert.Equal("deleting", server.Status);
        Assert.True(Count(handler, HttpMethod.Get) >= 1, "the snapshot's state must be looked at");
        Assert.Contains(trace.VerboseLines, l => l.Contains(Ids.Snapshot) && (l.Contains("went through") || l.Contains("being deleted")));
    }

    [Fact]
    public async Task RepeatMeetsNotDeletable_SnapshotDeleting_IsSuccess()
    {
        // The HTTP stack resent the DELETE after a dropped connection: the first copy started the deletion, so the
        // answer we see is EVS.1047, and the snapshot shows "deleting".
        var server = new SnapshotServer("deleting");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(new[] { "DELETE", "GET" }, handler.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task RepeatMeetsNotFound_AfterDeletionFinished_IsSuccess()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("reset-after");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;
        server.GetOverride = _ => { server.Status = null; return null; }; // deletion completes before anyone looks

        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(1, server.Committed);
    }

    [Fact]
    public async Task LostBeforeReachingTheServer_IsSentAgain_DeletedOnce()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("reset-before");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(1, server.Committed);
        Assert.Equal(2, Count(handler, HttpMethod.Delete));
    }

    [Fact]
    public async Task ConnectionRefused_IsSentAgainWithoutLooking()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("refused");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        await ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(new[] { "DELETE", "DELETE" }, handler.Requests.Select(r => r.Method.Method));
        Assert.Equal(1, server.Committed);
    }

    [Fact]
    public async Task FirstAttemptNotFound_IsAnError()
    {
        var server = new SnapshotServer(null);
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("ResourceNotFound", ex.ErrorId);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task FirstAttemptNotDeletable_SnapshotCreating_IsSnapshotNotDeletable()
    {
        var server = new SnapshotServer("creating");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal("SnapshotNotDeletable", ex.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidState, ex.Kind);
        Assert.Equal("EVS.1047", ex.ErrorCode);
        Assert.Contains("Wait-EvsSnapshot", ex.RecommendedAction());
        Assert.Equal(new[] { "DELETE", "GET" }, handler.Requests.Select(r => r.Method.Method));
        Assert.Equal("creating", server.Status);
    }

    [Fact]
    public async Task AnswerLost_AndTheCheckFails_IsOutcomeUnknown()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("reset-after");
        server.GetOverride = _ => Respond.Json(HttpStatusCode.Forbidden, Respond.Error("EVS.5403", "Policy check failed."));
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        var ex = await Assert.ThrowsAsync<EvsException>(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(EvsErrorKind.OutcomeUnknown, ex.Kind);
        Assert.Equal("DeleteOutcomeUnknown", ex.ErrorId);
        Assert.Contains("Policy check failed", ex.Message);
        Assert.Equal(1, Count(handler, HttpMethod.Delete));
    }

    [Fact]
    public async Task ErrorDeleting_IsReportedAsIs()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.InternalServerError, Respond.Error("EVS.2019", "snapshot is error_deleting!"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("SnapshotErrorDeleting", ex.ErrorId);
        Assert.Equal(1, handler.Count);
    }

    // ------------------------------------------------------------------ rollback

    [Fact]
    public async Task Rollback_AnswerLost_WhileRollbacking_IsSuccess_RolledBackOnce()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("reset-after");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;

        await ctx.Snapshots.RollbackOnceAsync(Ids.Snapshot, Ids.Volume, "restored", Contexts.Call());

        Assert.Equal(1, server.Committed);
        var post = handler.Requests.First(r => r.Method == HttpMethod.Post);
        Assert.Equal($"/v2/{Ids.Project}/cloudsnapshots/{Ids.Snapshot}/rollback", post.Uri.AbsolutePath);
        Assert.Contains("\"volume_id\":\"" + Ids.Volume + "\"", post.BodyText);
        Assert.Contains("\"name\":\"restored\"", post.BodyText);
    }

    [Fact]
    public async Task Rollback_400_IsTheAnswer_EvenWhileAnotherRollbackRuns()
    {
        // A POST with a body is never re-sent by the HTTP stack, so a 400 is the API's real refusal (here: a rollback
        // is already running) and must not be mistaken for our own earlier attempt.
        var server = new SnapshotServer("rollbacking");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.RollbackOnceAsync(Ids.Snapshot, Ids.Volume, null, Contexts.Call()));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal(new[] { "POST" }, handler.Requests.Select(r => r.Method.Method));
    }

    [Fact]
    public async Task Rollback_400_SnapshotNotRollbacking_IsTheError()
    {
        var server = new SnapshotServer("creating");
        var (ctx, _) = await Connect(server);
        using var __ = ctx;
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.RollbackOnceAsync(Ids.Snapshot, Ids.Volume, null, Contexts.Call()));
        Assert.Equal(400, ex.StatusCode);
        Assert.Equal("EVS.5400", ex.ErrorCode);
        Assert.Equal(0, server.Committed);
    }

    [Fact]
    public async Task Rollback_LostBeforeReachingTheServer_IsSentAgain_Once()
    {
        var server = new SnapshotServer("available");
        server.Faults.Enqueue("reset-before");
        var (ctx, handler) = await Connect(server);
        using var _ = ctx;
        await ctx.Snapshots.RollbackOnceAsync(Ids.Snapshot, Ids.Volume, null, Contexts.Call());
        Assert.Equal(1, server.Committed);
        Assert.Equal(2, Count(handler, HttpMethod.Post));
    }

    // ------------------------------------------------------------------ metadata

    [Fact]
    public async Task DeleteMetadataKey_404ButKeyAbsent_IsSuccess()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.NotFound, Wire.NotFoundBody)
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot, metadata: new Dictionary<string, string> { ["other"] = "x" }))));
        using var ctx = await Contexts.AkSkAsync(handler);
        await ctx.Api.DeleteSnapshotMetadataKeyAsync(Ids.Snapshot, "tier", Contexts.Call());
        Assert.Equal(2, handler.Count);
        Assert.Equal($"/v2/{Ids.Project}/snapshots/{Ids.Snapshot}/metadata/tier", handler.Requests[0].Uri.AbsolutePath);
    }

    [Fact]
    public async Task DeleteMetadataKey_404AndKeyStillThere_IsTheError()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.NotFound, Wire.NotFoundBody)
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot, metadata: new Dictionary<string, string> { ["tier"] = "gold" }))));
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
