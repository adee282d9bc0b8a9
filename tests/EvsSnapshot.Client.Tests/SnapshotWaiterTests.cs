using Microsoft.Extensions.Time.Testing;
using System.Diagnostics;
using System.Net;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;
using EvsSnapshot.Client.Waiting;

namespace EvsSnapshot.Client.Tests;

/// <summary>The batch poller, against a server whose snapshots move through scripted states.</summary>
public class SnapshotWaiterTests
{
    /// <summary>
    /// Each snapshot has a script of statuses; every observation (a list that includes it, or a GET) moves it one
    /// step, and the last step repeats. A null status means "gone".
    /// </summary>
    private sealed class StateServer
    {
        private readonly Dictionary<string, (string?[] Steps, int Seen)> _snapshots = new(StringComparer.OrdinalIgnoreCase);
        public bool IgnoreIdFilter { get; init; }
        public int Lists;
        public int Gets;
        public List<List<string>> ListedIds { get; } = new();

        public StateServer With(string id, params string?[] steps)
        {
            _snapshots[id] = (steps, 0);
            return this;
        }

        private string? Observe(string id)
        {
            if (!_snapshots.TryGetValue(id, out var s)) return null;
            var status = s.Steps[Math.Min(s.Seen, s.Steps.Length - 1)];
            _snapshots[id] = (s.Steps, s.Seen + 1);
            return status;
        }

        private static Dictionary<string, object?> Snap(string id, string status) => Wire.Snapshot(id, status, name: "snap-" + id.Substring(0, 4), progress: status == "creating" ? "45%" : "100%");

        public Task<HttpResponseMessage> Handle(RecordedRequest r, CancellationToken ct)
        {
            lock (this)
            {
                var path = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Get && path.EndsWith("/cloudsnapshots/detail"))
                {
                    Lists++;
                    var ids = r.QueryValues("id");
                    ListedIds.Add(ids);
                    if (IgnoreIdFilter)
                    {
                        int limit = int.Parse(r.Query("limit")!);
                        var unrelated = Enumerable.Range(0, limit).Select(i => Snap($"99999999-0000-4000-8000-{i:D12}", "available"));
                        return Task.FromResult(Wire.Ok(Wire.List(unrelated, count: 500)));
                    }
                    var found = new List<Dictionary<string, object?>>();
                    foreach (var id in ids)
                    {
                        var status = Observe(id);
                        if (status != null) found.Add(Snap(id, status));
                    }
                    return Task.FromResult(Wire.Ok(Wire.List(found, count: found.Count)));
                }
                if (r.Method == HttpMethod.Get && path.Contains("/cloudsnapshots/"))
                {
                    Gets++;
                    string id = path[(path.LastIndexOf('/') + 1)..];
                    var status = Observe(id);
                    return Task.FromResult(status == null
                        ? Respond.Json(HttpStatusCode.NotFound, Respond.Error("EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found."))
                        : Wire.Ok(Wire.Envelope(Snap(id, status))));
                }
                throw new InvalidOperationException("unexpected " + r);
            }
        }
    }

    private static WaitOptions Fast(TimeSpan? timeout = null, bool deleted = false) => new()
    {
        InitialPollInterval = TimeSpan.FromMilliseconds(5),
        MaxPollInterval = TimeSpan.FromMilliseconds(20),
        BackoffFactor = 1.5,
        Timeout = timeout ?? TimeSpan.FromSeconds(10),
        Deleted = deleted,
    };

    private sealed class Outcomes
    {
        public readonly List<(string Id, SnapshotDetails? Details)> Completed = new();
        public readonly List<(string Id, EvsException Error)> Failed = new();
        public readonly List<(IReadOnlyList<SnapshotDetails> Snapshots, EvsException Error)> TimedOut = new();
        public readonly List<WaitProgress> Progress = new();

        public void Attach(SnapshotWaiter w)
        {
            w.Completed = (id, d) => { lock (this) Completed.Add((id, d)); };
            w.Failed = (id, e) => { lock (this) Failed.Add((id, e)); };
            w.TimedOut = (s, e) => { lock (this) TimedOut.Add((s, e)); };
            w.Progress = p => { lock (this) Progress.Add(p); };
        }
    }

    private static string Id(int i) => $"5a000000-0000-4000-8000-{i:D12}";

    private static Task<(EvsClient Client, FakeHandler Handler)> Connect(StateServer server, RecordingTrace? trace = null) => Contexts.ServedBy(server.Handle, trace);

    [Fact]
    public async Task CompletesWhenStatusBecomesAvailable()
    {
        var server = new StateServer().With(Id(1), "creating", "creating", "available");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);

        var mine = waiter.WaitForAsync(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var details = await mine;
        Assert.Equal("available", details!.Status);
        var completed = Assert.Single(outcomes.Completed);
        Assert.Equal(Id(1), completed.Id);
        Assert.Equal("available", completed.Details!.Status);
        Assert.Empty(outcomes.Failed);
        Assert.Equal(3, server.Lists);
        Assert.Equal(3, waiter.Requests);
        Assert.Equal(100, outcomes.Progress.Last().PercentComplete);
    }

    [Fact]
    public async Task ManyIds_PolledInBatchesOf50()
    {
        var server = new StateServer();
        for (int i = 0; i < 120; i++) server.With(Id(i), "creating", "available");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);

        for (int i = 0; i < 120; i++) waiter.Add(Id(i));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(120, outcomes.Completed.Select(c => c.Id).Distinct().Count());
        Assert.Equal(6, server.Lists); // two rounds of 50 + 50 + 20
        Assert.Equal(0, server.Gets);
        Assert.Equal(new[] { 50, 50, 20, 50, 50, 20 }, server.ListedIds.Select(l => l.Count));
        Assert.Equal(120, server.ListedIds.Take(3).SelectMany(l => l).Distinct().Count());
    }

    [Fact]
    public async Task ErrorState_FailsAtOnce_OthersGoOn()
    {
        var server = new StateServer().With(Id(1), "error").With(Id(2), "creating", "creating", "available");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);

        var failing = waiter.WaitForAsync(Id(1));
        waiter.Add(Id(2));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var ex = await Assert.ThrowsAsync<EvsException>(() => failing);
        Assert.Equal("SnapshotFailed", ex.ErrorId);
        Assert.Equal(EvsErrorKind.WaitFailed, ex.Kind);
        Assert.Contains("'error'", ex.Message);
        var failed = Assert.Single(outcomes.Failed);
        Assert.Equal(Id(1), failed.Id);
        Assert.Equal(Id(2), Assert.Single(outcomes.Completed).Id);
        Assert.Equal(1, server.ListedIds.Count(l => l.Contains(Id(1)))); // not polled again after failing
    }

    [Fact]
    public async Task ErrorDeleting_FailsAWaitForDeletion()
    {
        var server = new StateServer().With(Id(1), "deleting", "error_deleting");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(deleted: true), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);
        waiter.Add(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var failed = Assert.Single(outcomes.Failed);
        Assert.Contains("deleting it failed", failed.Error.Message);
        Assert.Contains("EVS.2019", failed.Error.RecommendedAction());
    }

    [Fact]
    public async Task Timeout_ReportsAllPendingInOneCallback()
    {
        var server = new StateServer().With(Id(1), "creating").With(Id(2), "creating").With(Id(3), "creating", "available");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (ctx, _) = await Contexts.ServedBy(server.Handle, time: time);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(timeout: TimeSpan.FromMilliseconds(300)), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);

        var t1 = waiter.WaitForAsync(Id(1));
        waiter.Add(Id(2));
        waiter.Add(Id(3));
        waiter.CompleteAdding();
        var run = waiter.RunAsync();
        var waited = await time.AdvanceUntilAsync(run, TimeSpan.FromMilliseconds(10));
        await run;

        Assert.InRange(waited, TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(400)); // the timeout, on the waiter's clock
        var timedOut = Assert.Single(outcomes.TimedOut);
        Assert.Equal(new[] { Id(1), Id(2) }, timedOut.Snapshots.Select(s => s.Id).OrderBy(x => x));
        Assert.All(timedOut.Snapshots, s => Assert.Equal("creating", s.Status));
        Assert.Equal("WaitTimeout", timedOut.Error.ErrorId);
        Assert.Equal(EvsErrorKind.WaitTimeout, timedOut.Error.Kind);
        // Name and id, status and progress: what a person needs to find the snapshot.
        Assert.Contains($"'snap-{Id(1).Substring(0, 4)}' ({Id(1)}, creating, 45%)", timedOut.Error.Message);
        Assert.Contains($"'snap-{Id(2).Substring(0, 4)}' ({Id(2)}, creating, 45%)", timedOut.Error.Message);
        Assert.Contains("2 snapshot(s)", timedOut.Error.Message);
        Assert.DoesNotContain(Id(3), timedOut.Error.Message);
        Assert.Equal(Id(3), Assert.Single(outcomes.Completed).Id);
        var ex = await Assert.ThrowsAsync<EvsException>(() => t1);
        Assert.Same(timedOut.Error, ex);
    }

    [Fact]
    public async Task Deleted_CompletesOnAbsence_AfterAConfirming404()
    {
        var server = new StateServer().With(Id(1), "deleting", "deleting", null);
        var (ctx, handler) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(deleted: true), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);

        var mine = waiter.WaitForAsync(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Null(await mine);
        var done = Assert.Single(outcomes.Completed);
        Assert.Null(done.Details);
        Assert.Equal(1, server.Gets);
        Assert.Equal(HttpMethod.Get, handler.Requests.Last().Method);
        Assert.EndsWith("/cloudsnapshots/" + Id(1), handler.Requests.Last().Uri.AbsolutePath);
    }

    [Fact]
    public async Task Deleted_AbsentFromListButGetFindsIt_IsNotDoneYet()
    {
        // list: absent; GET: still "deleting"; list: absent; GET: 404
        var server = new StateServer().With(Id(1), null, "deleting", null);
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(deleted: true), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);
        waiter.Add(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Single(outcomes.Completed);
        Assert.Equal(2, server.Lists);
        Assert.Equal(2, server.Gets);
    }

    [Fact]
    public async Task NotDeletedWait_SnapshotVanishes_IsFailure()
    {
        var server = new StateServer().With(Id(1), "creating", null);
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);
        waiter.Add(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var failed = Assert.Single(outcomes.Failed);
        Assert.Equal("SnapshotVanished", failed.Error.ErrorId);
        Assert.Contains("last status: creating", failed.Error.Message);
    }

    [Fact]
    public async Task ServerIgnoringTheIdFilter_FallsBackToPerIdGet()
    {
        var server = new StateServer { IgnoreIdFilter = true }.With(Id(1), "creating", "available").With(Id(2), "available");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);
        waiter.Add(Id(1));
        waiter.Add(Id(2));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(new[] { Id(1), Id(2) }, outcomes.Completed.Select(c => c.Id).OrderBy(x => x));
        Assert.Empty(outcomes.Failed);
        Assert.Equal(3, server.Gets); // id1 twice, id2 once: unrelated list items were not taken as "gone"
        Assert.Equal(2, server.Lists);
    }

    [Fact]
    public async Task FailedPoll_IsNotAVerdict_WaitGoesOn()
    {
        var trace = new RecordingTrace();
        var server = new StateServer().With(Id(1), "creating", "available");
        var handler = new FakeHandler { Fallback = server.Handle }
            .Then(HttpStatusCode.InternalServerError, Respond.Error("EVS.5500", "Internal server error."));
        using var ctx = await Contexts.AkSkAsync(handler, trace);
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call(trace));
        var outcomes = new Outcomes();
        outcomes.Attach(waiter);
        waiter.Add(Id(1));
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Single(outcomes.Completed);
        Assert.Contains(trace.VerboseLines, l => l.Contains("Polling snapshot status failed"));
        Assert.Equal(3, waiter.Requests);
    }

    [Fact]
    public async Task PermissionDeniedPoll_StopsTheWait()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.Forbidden, Respond.Error("EVS.5403", "Policy check failed."))) };
        using var ctx = await Contexts.AkSkAsync(handler);
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var mine = waiter.WaitForAsync(Id(1));
        waiter.CompleteAdding();

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(EvsErrorKind.PermissionDenied, ex.Kind);
        // Nobody waits forever, and whoever waits learns why.
        var cause = await Assert.ThrowsAsync<EvsApiException>(() => mine);
        Assert.Equal(EvsErrorKind.PermissionDenied, cause.Kind);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task Cancellation_StopsPromptly()
    {
        // Fake time: polls happen only when the test moves the clock, so "no poll after Ctrl+C" is exact.
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new StateServer().With(Id(1), "creating");
        var (ctx, _) = await Contexts.ServedBy(server.Handle, time: time);
        using var _ctx = ctx;
        using var cts = new CancellationTokenSource();
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call(ct: cts.Token));
        var mine = waiter.WaitForAsync(Id(1));
        waiter.CompleteAdding();

        var run = waiter.RunAsync();
        // A real millisecond between clock steps lets the poller's continuations run, even on a busy machine.
        for (int i = 0; server.Lists < 2; i++)
        {
            Assert.True(i < 20000, "the waiter never polled");
            time.Advance(TimeSpan.FromMilliseconds(20));
            await Task.Delay(1);
        }
        cts.Cancel();

        // Ends on the cancellation, not on a timer: the clock does not move while it stops.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.True(mine.IsCanceled);
        int lists = server.Lists;
        time.Advance(TimeSpan.FromMinutes(5));
        await Task.Delay(50);
        Assert.Equal(lists, server.Lists); // no polling after cancel
    }

    [Fact]
    public async Task SnapshotsCanJoinWhileRunning()
    {
        var server = new StateServer().With(Id(1), "creating", "available").With(Id(2), "creating", "available");
        var (ctx, _) = await Connect(server);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        var run = waiter.RunAsync();

        var first = waiter.WaitForAsync(Id(1));
        await first.WaitAsync(TimeSpan.FromSeconds(10));
        var second = waiter.WaitForAsync(Id(2));
        var again = waiter.WaitForAsync(Id(2)); // the same id twice is one entry
        waiter.CompleteAdding();
        await run.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal("available", (await second)!.Status);
        Assert.Equal("available", (await again)!.Status);
        Assert.Equal(2, server.ListedIds.Count(l => l.Contains(Id(2))));
    }

    [Fact]
    public async Task NoSnapshots_EndsAtOnce()
    {
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler);
        var waiter = new SnapshotWaiter(ctx.Api, Fast(), Contexts.Call());
        waiter.CompleteAdding();
        await waiter.RunAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(0, handler.Count);
    }

    // ------------------------------------------------------------------ VolumeWaiter

    [Fact]
    public async Task Volume_ReachesTargetStatus()
    {
        var handler = new FakeHandler()
            .Then(_ => Wire.Ok(Wire.Volume(Ids.Volume, "rollbacking")))
            .Then(HttpStatusCode.ServiceUnavailable, null)
            .Then(_ => Wire.Ok(Wire.Volume(Ids.Volume, "available")));
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(maxRetries: 0));
        var v = await VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", new[] { "error_rollbacking" }, Fast(), Contexts.Call());
        Assert.Equal("available", v.Status);
        Assert.Equal(3, handler.Count);
    }

    [Fact]
    public async Task Volume_FailureStatus_IsVolumeFailed()
    {
        var handler = new FakeHandler().Then(_ => Wire.Ok(Wire.Volume(Ids.Volume, "error_rollbacking")));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() =>
            VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", new[] { "error_rollbacking" }, Fast(), Contexts.Call()));
        Assert.Equal("VolumeFailed", ex.ErrorId);
        Assert.Contains("Restore-EvsSnapshot", ex.RecommendedAction());
    }

    [Fact]
    public async Task Volume_Timeout_NamesTheLastStatus()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Wire.Ok(Wire.Volume(Ids.Volume, "rollbacking"))) };
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() =>
            VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", Array.Empty<string>(), Fast(timeout: TimeSpan.FromMilliseconds(100)), Contexts.Call()));
        Assert.Equal("WaitTimeout", ex.ErrorId);
        Assert.Contains("last status: rollbacking", ex.Message);
    }

    [Fact]
    public async Task Volume_NotFound_IsNotSwallowed()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.NotFound, Respond.Error("EVS.5404", "could not be found"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsException>(() =>
            VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", Array.Empty<string>(), Fast(), Contexts.Call()));
        Assert.Equal(EvsErrorKind.NotFound, ex.Kind);
        Assert.Equal("VolumeNotFound", ex.ErrorId); // names the disk, not the snapshot the caller started from
        Assert.Equal(Ids.Volume, ex.Target);
    }
}
