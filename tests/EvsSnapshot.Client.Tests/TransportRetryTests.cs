using Microsoft.Extensions.Time.Testing;
using EvsSnapshot.Client.Operations;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Retries with backoff, Retry-After, budgets, timeouts and Ctrl+C.</summary>
public class TransportRetryTests
{
    [Fact]
    public async Task ServiceUnavailableThenOk_SucceedsOnSecondAttempt()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(HttpStatusCode.ServiceUnavailable, Respond.Error("EVS.5503", "Service unavailable."))
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        var snapshot = await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(Ids.Snapshot, snapshot.Id);
        Assert.Equal(2, handler.Count);
        Assert.Equal(2, ctx.RequestCount);
        var retryLine = Assert.Single(trace.VerboseLines, l => l.Contains("attempt 2 of"));
        Assert.Contains("attempt 2 of 4", retryLine);
        Assert.Contains("EVS.5503", retryLine);
        Assert.Contains("GET /v2/", retryLine);
    }

    [Fact]
    public async Task TooManyRequests_WithRetryAfterOneSecond_WaitsForIt()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "The throttling threshold has been reached"), ("Retry-After", "1"))
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        var gap = handler.Requests[1].SentAtUtc - handler.Requests[0].SentAtUtc;
        Assert.True(gap >= TimeSpan.FromMilliseconds(900), $"waited only {gap.TotalMilliseconds} ms");
        Assert.Contains(trace.VerboseLines, l => l.Contains("Retry-After") && l.Contains("in 1.00 s"));
    }

    [Fact]
    public async Task TooManyRequests_RetryAfterDateInThePast_RetriesAtOnce()
    {
        var trace = new RecordingTrace();
        var now = DateTimeOffset.UtcNow;
        var handler = new FakeHandler()
            .Then(_ =>
            {
                var r = Respond.Json(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "slow down"));
                r.Headers.Date = now;
                r.Headers.RetryAfter = new RetryConditionHeaderValue(now.AddSeconds(-30));
                return r;
            })
            .Then(_ => Wire.SnapshotOk());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ctx = await Contexts.AkSkAsync(handler, trace, tweak: o => o.TimeProvider = time);

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        var waited = await time.AdvanceUntilAsync(call, TimeSpan.FromMilliseconds(5));
        await call;

        // No hold for a date already past: only the pacer's interval at its lowered rate (1/7 s, less 25 ms early).
        Assert.InRange(waited.TotalSeconds, 1.0 / 7 - 0.025, 1.0 / 7 + 0.02);
        Assert.Contains(trace.VerboseLines, l => l.Contains("in 0.00 s at the earliest (as the server's Retry-After asks)"));
    }

    [Fact]
    public async Task TooManyRequests_WithoutRetryAfter_WaitsForThePacersLoweredRate()
    {
        var trace = new RecordingTrace();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new FakeHandler()
            .Then(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "slow down"))
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, trace, tweak: o => o.TimeProvider = time);

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        var waited = await time.AdvanceUntilAsync(call, TimeSpan.FromMilliseconds(5));
        await call;

        // One send within the meter's shortest span (0.1 s) measures 10/s; the pacer goes on at 0.7 x 10 = 7/s, so the
        // re-send waits one interval (1/7 s), less the 25 ms a turn may come early.
        Assert.InRange(waited.TotalSeconds, 1.0 / 7 - 0.025, 1.0 / 7 + 0.02);
        Assert.Equal(2, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("throttling read calls") && l.Contains("pacing them at 7.0/s"));
        Assert.Contains(trace.VerboseLines, l => l.Contains("was throttled (429): sending it again when the pacer allows"));
        Assert.DoesNotContain(trace.VerboseLines, l => l.Contains("attempt 2 of"));
    }

    [Fact]
    public async Task Throttled_DoesNotSpendTheAttemptBudget_ButFailsWhenNothingGetsThroughForTheWaitBudget()
    {
        var trace = new RecordingTrace();
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var retry = Contexts.FastRetry(maxRetries: 2);
        retry.MaxTotalDelay = TimeSpan.FromSeconds(30);
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "over ratelimit"))) };
        using var ctx = await Contexts.AkSkAsync(handler, trace, retry, o => o.TimeProvider = time);

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        var waited = await time.AdvanceUntilAsync(call, TimeSpan.FromMilliseconds(50));
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => call);

        Assert.Equal(EvsErrorKind.Throttled, ex.Kind);
        Assert.Equal("Throttled", ex.ErrorId);
        Assert.Equal(429, ex.StatusCode);
        Assert.True(handler.Count > 3, $"only {handler.Count} sends: throttling spent the 3-attempt budget");
        Assert.InRange(waited.TotalSeconds, 30, 33); // the wait budget, plus the floor rate's last interval (2 s) at most
        Assert.Contains(trace.VerboseLines, l => l.StartsWith("Giving up") && l.Contains("no read request has got through for 3"));
    }

    [Fact]
    public async Task ZeroRetries_MeansExactlyOneAttempt()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.ServiceUnavailable, null)) };
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(maxRetries: 0));
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(EvsErrorKind.ServiceUnavailable, ex.Kind);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task TimeBudget_StopsBeforeRetriesRunOut()
    {
        var trace = new RecordingTrace();
        var retry = Contexts.FastRetry(maxRetries: 10);
        retry.BaseDelay = TimeSpan.FromMilliseconds(100); // waits: [50,100], then [100,200], ...
        retry.MaxDelay = TimeSpan.FromSeconds(5);
        retry.MaxTotalDelay = TimeSpan.FromMilliseconds(120);
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.BadGateway, null)) };
        using var ctx = await Contexts.AkSkAsync(handler, trace, retry);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));

        Assert.Equal(502, ex.StatusCode);
        Assert.Equal(2, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("retry time budget"));
    }

    [Fact]
    public async Task RetryAfterLongerThanTheBudget_GivesUpWithoutWaiting()
    {
        var trace = new RecordingTrace();
        var retry = Contexts.FastRetry();
        retry.MaxTotalDelay = TimeSpan.FromMilliseconds(500);
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.TooManyRequests, null, ("Retry-After", "30"))) };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // never moved: a wait would never end
        using var ctx = await Contexts.AkSkAsync(handler, trace, retry, o => o.TimeProvider = time);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(EvsErrorKind.Throttled, ex.Kind);
        Assert.Equal(1, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains("(30.0 s) would exceed the retry time budget"));
    }

    [Theory]
    [InlineData(HttpStatusCode.BadRequest, "EVS.5400", EvsErrorKind.BadRequest)]
    [InlineData(HttpStatusCode.NotFound, "EVS.5404", EvsErrorKind.NotFound)]
    [InlineData(HttpStatusCode.Forbidden, "EVS.5403", EvsErrorKind.PermissionDenied)]
    [InlineData(HttpStatusCode.InternalServerError, "EVS.5500", EvsErrorKind.ServerError)]
    public async Task FinalStatuses_AreNeverRetried(HttpStatusCode status, string code, EvsErrorKind kind)
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(status, Respond.Error(code, "no"))) };
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));

        Assert.Equal(kind, ex.Kind);
        Assert.Equal(1, handler.Count);
        Assert.DoesNotContain(trace.VerboseLines, l => l.Contains("Retrying"));
    }

    [Fact]
    public async Task ConnectionRefused_OnCreate_IsRetriedAndCreatesExactlyOnce()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(Respond.RefusedResponder)
            .Then(r => Respond.Json(HttpStatusCode.Accepted, Wire.Envelope(Wire.Snapshot(Ids.Snapshot, "creating"))));
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        var created = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume, Name = "n" }, Contexts.Call(trace));

        Assert.Equal(Ids.Snapshot, created.Id);
        Assert.Equal(2, handler.Count);
        Assert.All(handler.Requests, r => Assert.Equal(HttpMethod.Post, r.Method)); // no lookup: nothing can have been created
        Assert.Equal(handler.Requests[0].BodyText, handler.Requests[1].BodyText);
        Assert.Contains(trace.VerboseLines, l => l.Contains("could not connect") && l.Contains("attempt 2 of"));
    }

    [Fact]
    public async Task ConnectionRefused_Exhausted_IsNetworkError()
    {
        var handler = new FakeHandler { Fallback = Respond.RefusedResponder };
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(maxRetries: 1));
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(EvsErrorKind.Network, ex.Kind);
        Assert.Equal("ConnectionFailed", ex.ErrorId);
        Assert.Contains("127.0.0.1:1", ex.Message);
        Assert.Equal(2, handler.Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ConnectionReset_OnGet_IsRetried(bool rawIoException)
    {
        var handler = new FakeHandler()
            .Then(rawIoException ? Respond.Throw(new IOException("Connection reset by peer")) : Respond.ResetResponder)
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler);

        var s = await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        Assert.Equal(Ids.Snapshot, s.Id);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task ConnectionReset_Exhausted_IsConnectionLost()
    {
        var handler = new FakeHandler { Fallback = Respond.ResetResponder };
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(maxRetries: 1));
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("ConnectionLost", ex.ErrorId);
        Assert.Contains("Connection reset by peer", ex.Message);
    }

    [Fact]
    public async Task Timeout_OnGet_IsRetried()
    {
        var trace = new RecordingTrace();
        var retry = Contexts.FastRetry();
        retry.RequestTimeout = TimeSpan.FromMilliseconds(150);
        var handler = new FakeHandler().Then(Respond.Hang).Then(_ => Wire.SnapshotOk());
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        using var ctx = await Contexts.AkSkAsync(handler, trace, retry, o => o.TimeProvider = time);

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        await WaitUntil(() => handler.Count == 1);
        var waited = await time.AdvanceUntilAsync(call, TimeSpan.FromMilliseconds(10));
        var s = await call;

        Assert.Equal(Ids.Snapshot, s.Id);
        Assert.Equal(2, handler.Count);
        Assert.True(waited >= TimeSpan.FromMilliseconds(150), "the hung attempt ends at the request timeout, on the transport's clock");
        Assert.Contains(trace.DebugLines, l => l.Contains("no answer after") && l.Contains("timeout"));
        Assert.Contains(trace.VerboseLines, l => l.Contains("no answer within") && l.Contains("attempt 2 of"));
    }

    [Fact]
    public async Task Timeout_Exhausted_IsTimeoutKind()
    {
        var retry = Contexts.FastRetry(maxRetries: 1);
        retry.RequestTimeout = TimeSpan.FromMilliseconds(100);
        var handler = new FakeHandler { Fallback = Respond.Hang };
        using var ctx = await Contexts.AkSkAsync(handler, retry: retry);
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(EvsErrorKind.Timeout, ex.Kind);
        Assert.Equal("RequestTimeout", ex.ErrorId);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task CtrlC_WhileARequestHangs_AbortsPromptly()
    {
        var handler = new FakeHandler { Fallback = Respond.Hang };
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // never moved: the 10 s request timeout cannot be what ends it
        using var ctx = await Contexts.AkSkAsync(handler, tweak: o => o.TimeProvider = time);
        using var cts = new CancellationTokenSource();

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(ct: cts.Token));
        await WaitUntil(() => handler.Count == 1);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, handler.Count); // a cancelled request is not retried
    }

    [Fact]
    public async Task CtrlC_DuringABackoffWait_AbortsPromptly()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Respond.Json(HttpStatusCode.TooManyRequests, null, ("Retry-After", "30"))) };
        var retry = Contexts.FastRetry();
        retry.MaxTotalDelay = TimeSpan.FromMinutes(5);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow); // the 30 s wait can only end by cancellation: the clock never moves
        using var ctx = await Contexts.AkSkAsync(handler, retry: retry, tweak: o => o.TimeProvider = time);
        using var cts = new CancellationTokenSource();

        var call = ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(ct: cts.Token));
        await WaitUntil(() => handler.Count == 1);
        Assert.False(call.IsCompleted); // waiting out the Retry-After
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task AlreadyCancelled_SendsNothing()
    {
        var handler = new FakeHandler();
        using var ctx = await Contexts.AkSkAsync(handler);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(ct: cts.Token)));
        Assert.Equal(0, handler.Count);
    }

    [Fact]
    public async Task DebugTrace_DescribesEachExchange()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(HttpStatusCode.ServiceUnavailable, Respond.Error("EVS.5503", "Service unavailable."), ("X-Request-Id", "rid-503"))
            .Then(_ => Wire.SnapshotOk());
        using var ctx = await Contexts.AkSkAsync(handler, trace);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        var lines = trace.DebugLines.Where(l => l.StartsWith("HTTP ", StringComparison.Ordinal)).ToList(); // not the connect's credential line
        Assert.Equal(2, lines.Count);
        Assert.Contains("-> 503", lines[0]);
        Assert.Contains("request id rid-503", lines[0]);
        Assert.Contains("attempt 1 of 4", lines[0]);
        Assert.Contains("response body: {\"error\"", lines[0]);
        Assert.Contains("-> 200", lines[1]);
        Assert.Contains("attempt 2 of 4", lines[1]);
        Assert.DoesNotContain("response body", lines[1]); // successful bodies are not dumped
    }

    internal static async Task WaitUntil(Func<bool> condition, int timeoutMs = 5000)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            if (watch.ElapsedMilliseconds > timeoutMs) throw new TimeoutException("condition not reached");
            await Task.Delay(5);
        }
    }
}
