using System.Net;
using EvsSnapshot.Client.Http;
using Microsoft.Extensions.Time.Testing;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>The adaptive in-flight limit.</summary>
public class ConcurrencyGateTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(16)]
    public async Task NeverMoreThanTheLimitInFlight(int limit)
    {
        var gate = new ConcurrencyGate(limit);
        int current = 0, peak = 0, done = 0;
        var tasks = Enumerable.Range(0, 200).Select(async _ =>
        {
            await Task.Yield();
            using (await gate.EnterAsync(CancellationToken.None))
            {
                int now = Interlocked.Increment(ref current);
                int seen;
                while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen) { }
                await Task.Delay(1);
                Interlocked.Decrement(ref current);
            }
            Interlocked.Increment(ref done);
        }).ToList();

        await Task.WhenAll(tasks);

        Assert.Equal(200, done);
        Assert.InRange(peak, 1, limit);
        if (limit > 1) Assert.True(peak > 1, "the gate should allow parallelism");
        Assert.Equal(0, gate.InFlight);
    }

    [Fact]
    public void ZeroLimit_IsRejected() => Assert.Throws<ArgumentOutOfRangeException>(() => new ConcurrencyGate(0));

    /// <summary>A gate grown past its slow start to the maximum.</summary>
    private static ConcurrencyGate Grown(int max, TimeProvider? time = null)
    {
        var gate = time == null ? new ConcurrencyGate(max) : new ConcurrencyGate(max, time);
        for (int i = 0; i < max; i++) gate.OnSuccess();
        Assert.Equal(max, gate.CurrentLimit);
        return gate;
    }

    [Fact]
    public void SlowStart_FourAtFirst_OneMorePerSuccess_UpToTheMaximum()
    {
        var gate = new ConcurrencyGate(32);
        Assert.Equal(ConcurrencyGate.InitialLimit, gate.CurrentLimit);
        for (int i = 0; i < 4; i++) gate.OnSuccess();  // one round trip of 4 successes
        Assert.Equal(8, gate.CurrentLimit);
        for (int i = 0; i < 8; i++) gate.OnSuccess();  // the next round trip
        Assert.Equal(16, gate.CurrentLimit);
        for (int i = 0; i < 100; i++) gate.OnSuccess();
        Assert.Equal(32, gate.CurrentLimit);
        Assert.Equal(2, new ConcurrencyGate(2).CurrentLimit);
    }

    [Fact]
    public void AnOverload_EndsTheSlowStart()
    {
        var gate = new ConcurrencyGate(32);
        for (int i = 0; i < 4; i++) gate.OnSuccess();  // 8
        gate.OnOverloaded();                            // 4
        for (int i = 0; i < 4; i++) gate.OnSuccess();
        Assert.Equal(5, gate.CurrentLimit);             // a limit's worth of successes adds one now
    }

    [Fact]
    public void OnOverloaded_HalvesOncePerCoolDown()
    {
        var gate = Grown(8);
        gate.OnOverloaded();
        Assert.Equal(4, gate.CurrentLimit);
        gate.OnOverloaded();
        gate.OnOverloaded(); // same burst of 429s
        Assert.Equal(4, gate.CurrentLimit);
        Assert.Equal(1, gate.Decreases);
    }

    [Fact]
    public void OnOverloaded_AfterTheCoolDown_HalvesAgain_ButNeverBelowOne()
    {
        var time = new FakeTimeProvider();
        var gate = Grown(3, time);
        gate.OnOverloaded();
        Assert.Equal(1, gate.CurrentLimit);
        time.Advance(TimeSpan.FromMilliseconds(999));
        gate.OnOverloaded(); // still within the one-second cool-down
        Assert.Equal(1, gate.Decreases);
        time.Advance(TimeSpan.FromMilliseconds(101));
        gate.OnOverloaded();
        Assert.Equal(1, gate.CurrentLimit);
        Assert.Equal(2, gate.Decreases);
    }

    [Fact]
    public void OnSuccess_GrowsBackGraduallyToTheMaximum()
    {
        var gate = Grown(8);
        gate.OnOverloaded();
        Assert.Equal(4, gate.CurrentLimit);
        gate.OnSuccess();
        Assert.Equal(4, gate.CurrentLimit); // one success is not enough at limit 4
        for (int i = 0; i < 3; i++) gate.OnSuccess();
        Assert.Equal(5, gate.CurrentLimit); // a limit's worth of successes adds one
        for (int i = 0; i < 100; i++) gate.OnSuccess();
        Assert.Equal(8, gate.CurrentLimit);
    }

    [Fact]
    public void OnSuccess_AtTheMaximum_StaysThere()
    {
        var gate = new ConcurrencyGate(2);
        for (int i = 0; i < 10; i++) gate.OnSuccess();
        Assert.Equal(2, gate.CurrentLimit);
    }

    [Fact]
    public async Task LowerLimit_HoldsBackNewEntries_UntilEnoughLeave()
    {
        var gate = Grown(4);
        var held = new List<IDisposable>();
        for (int i = 0; i < 4; i++) held.Add(await gate.EnterAsync(CancellationToken.None));
        gate.OnOverloaded(); // limit 2, 4 in flight
        var waiting = gate.EnterAsync(CancellationToken.None);
        held[0].Dispose();
        held[1].Dispose();
        Assert.False(waiting.IsCompleted); // 2 in flight = limit
        held[2].Dispose();
        using var slot = await waiting.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(2, gate.InFlight);
        held[3].Dispose();
    }

    [Fact]
    public async Task GrowingLimit_WakesWaiters()
    {
        var gate = Grown(2);
        gate.OnOverloaded(); // 1
        using var first = await gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None);
        Assert.False(second.IsCompleted);
        gate.OnSuccess(); // 1 + 1/1 = 2
        using var slot = await second.WaitAsync(TimeSpan.FromSeconds(2));
        Assert.Equal(2, gate.InFlight);
    }

    [Fact]
    public async Task CancelledWaiter_FreesItsPlace()
    {
        var gate = new ConcurrencyGate(1);
        var holder = await gate.EnterAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = gate.EnterAsync(cts.Token);
        var next = gate.EnterAsync(CancellationToken.None);

        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(next.IsCompleted);

        holder.Dispose();
        using (await next.WaitAsync(TimeSpan.FromSeconds(2)))
        {
            Assert.Equal(1, gate.InFlight);
        }
        Assert.Equal(0, gate.InFlight);
        using var again = await gate.EnterAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(2));
    }

    [Fact]
    public async Task AlreadyCancelledToken_WhenFull_FailsAtOnce()
    {
        var gate = new ConcurrencyGate(1);
        using var holder = await gate.EnterAsync(CancellationToken.None);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gate.EnterAsync(new CancellationToken(true)).WaitAsync(TimeSpan.FromSeconds(2)));
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task DisposingASlotTwice_ReleasesOnce()
    {
        var gate = new ConcurrencyGate(2);
        var a = await gate.EnterAsync(CancellationToken.None);
        using var b = await gate.EnterAsync(CancellationToken.None);
        a.Dispose();
        a.Dispose();
        Assert.Equal(1, gate.InFlight);
    }

    [Fact]
    public async Task Transport_OverloadedAnswers_LowerTheGate_AndSuccessesCount()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.ServiceUnavailable, Respond.Error("EVS.5503", "Service unavailable."))
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        using var ctx = await Contexts.AkSkAsync(handler);
        var gate = Grown(8);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(gate: gate));

        Assert.Equal(1, gate.Decreases);
        Assert.Equal(4, gate.CurrentLimit);
        Assert.Equal(0, gate.InFlight); // the slot is not held across the backoff wait or after the call
    }

    [Fact]
    public async Task Transport_ThrottledAnswers_LeaveTheGateAlone()
    {
        // A rate limit is the pacer's: fewer requests in flight would only slow a high-latency batch below the limit.
        var handler = new FakeHandler()
            .Then(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "over ratelimit"))
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        using var ctx = await Contexts.AkSkAsync(handler);
        var gate = Grown(8);

        await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(gate: gate));

        Assert.Equal(0, gate.Decreases);
        Assert.Equal(8, gate.CurrentLimit);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task Transport_ManyConcurrentCalls_RespectTheGate()
    {
        int current = 0, peak = 0;
        var handler = new FakeHandler
        {
            Fallback = async (_, ct) =>
            {
                int now = Interlocked.Increment(ref current);
                lock (this) peak = Math.Max(peak, now);
                await Task.Delay(2, ct);
                Interlocked.Decrement(ref current);
                return Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot)));
            },
        };
        using var ctx = await Contexts.AkSkAsync(handler);
        var gate = new ConcurrencyGate(3);

        await Task.WhenAll(Enumerable.Range(0, 60).Select(_ => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(gate: gate))));

        Assert.Equal(60, handler.Count);
        Assert.InRange(peak, 1, 3);
    }
}
