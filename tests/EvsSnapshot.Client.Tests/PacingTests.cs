using System.Net;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Http.Pacing;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>The gateway's policy as a 429 names it (evs-api.md §5.3, §16).</summary>
public class ThrottlePolicyTests
{
    [Theory]
    [InlineData("The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second", "user", 10, 1)]
    [InlineData("The throttling threshold has been reached: policy user over ratelimit,limit:50,time:10 second", "user", 50, 10)]
    [InlineData("The throttling threshold has been reached: policy user over ratelimit,limit:100,time:1 minute", "user", 100, 60)]
    [InlineData("The throttling threshold has been reached: policy api over ratelimit,limit:2000,time:1 minute", "api", 2000, 60)]
    [InlineData("The throttling threshold has been reached: policy ip over ratelimit,limit:5,time:5 second", "ip", 5, 5)]
    [InlineData("policy user over ratelimit, limit:60, time:2 minutes", "user", 60, 120)]
    public void ReadsPolicyLimitAndWindow(string message, string policy, int limit, int windowSeconds)
    {
        var parsed = ThrottlePolicy.Parse(message);

        Assert.NotNull(parsed);
        Assert.Equal(policy, parsed!.Policy);
        Assert.Equal(limit, parsed.Limit);
        Assert.Equal(TimeSpan.FromSeconds(windowSeconds), parsed.Window);
        Assert.Equal((double)limit / windowSeconds, parsed.SustainedRate, 9);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("slow down")]
    [InlineData("The throttling threshold has been reached")]
    [InlineData("policy user over ratelimit,limit:0,time:1 second")]
    [InlineData("policy user over ratelimit,limit:10,time:0 second")]
    [InlineData("policy user over ratelimit,limit:10,time:1 fortnight")]
    public void NamesNoPolicy_WhenTheMessageHasNone(string? message) => Assert.Null(ThrottlePolicy.Parse(message));

    [Fact]
    public void WordsThePolicyForMessages()
    {
        Assert.Equal("policy user, limit 50 per 10 s", ThrottlePolicy.Parse("policy user over ratelimit,limit:50,time:10 second")!.ToString());
        Assert.Equal("policy user, limit 100 per minute", ThrottlePolicy.Parse("policy user over ratelimit,limit:100,time:1 minute")!.ToString());
        Assert.Equal("policy ip, limit 5 per second", ThrottlePolicy.Parse("policy ip over ratelimit,limit:5,time:1 second")!.ToString());
    }
}

/// <summary>The rate rule: multiplicative decrease from the measured rate, CUBIC growth, ceiling and floor. Pure.</summary>
public class AdaptiveRateTests
{
    private static ThrottlePolicy Policy(int limit, string time) => ThrottlePolicy.Parse($"policy user over ratelimit,limit:{limit},time:{time}")!;

    [Fact]
    public void StartsUnpaced_AndSuccessesAloneNeverPaceIt()
    {
        var rate = new AdaptiveRate();
        rate.Increase(10, 500);
        Assert.False(rate.IsPaced);
        Assert.True(double.IsPositiveInfinity(rate.Rate));
    }

    [Fact]
    public void Decrease_StartsFromTheMeasuredSendRate_NotTheAllowedOne()
    {
        var rate = new AdaptiveRate();
        rate.Decrease(0, measured: 40);
        Assert.Equal(40 * AdaptiveRate.Beta, rate.Rate, 9);       // unpaced: the measured rate is all there is

        rate.Decrease(1, measured: 10);                            // allowed 28/s, but only 10/s went out
        Assert.Equal(10 * AdaptiveRate.Beta, rate.Rate, 9);

        rate.Decrease(2, measured: 100);                           // a burst above the allowed rate cannot be: the allowed one counts
        Assert.Equal(10 * AdaptiveRate.Beta * AdaptiveRate.Beta, rate.Rate, 9);
    }

    [Fact]
    public void Increase_FollowsTheCubicCurve_BackToTheThrottledRateAndBeyond()
    {
        var rate = new AdaptiveRate();
        rate.Decrease(0, measured: 10);
        double k = Math.Pow(10 * (1 - AdaptiveRate.Beta) / AdaptiveRate.Scale, 1.0 / 3); // W(K) = W_max

        rate.Increase(k / 2, measured: 100);
        double halfway = AdaptiveRate.Scale * Math.Pow(-k / 2, 3) + 10;
        Assert.Equal(halfway, rate.Rate, 6);                       // concave: most of the way back in half the time
        rate.Increase(k, measured: 100);
        Assert.Equal(10, rate.Rate, 6);
        rate.Increase(k + 2, measured: 100);
        Assert.Equal(10 + AdaptiveRate.Scale * 8, rate.Rate, 6);  // convex beyond: probing for more
    }

    [Fact]
    public void Increase_WithRequestsWaiting_IgnoresTheMeasuredRate()
    {
        var rate = new AdaptiveRate();
        rate.Decrease(0, measured: 10);
        double k = Math.Pow(10 * (1 - AdaptiveRate.Beta) / AdaptiveRate.Scale, 1.0 / 3);
        rate.Increase(k + 1, measured: 1, backlogged: true);       // held to 7/s while requests queue: measured says nothing
        Assert.Equal(10 + AdaptiveRate.Scale, rate.Rate, 6);
    }

    [Fact]
    public void Increase_NeverExceedsTwiceTheMeasuredRate_AndNeverLowers()
    {
        var rate = new AdaptiveRate();
        rate.Decrease(0, measured: 10);
        rate.Increase(100, measured: 6);
        Assert.Equal(12, rate.Rate, 9);
        rate.Increase(101, measured: 1);                           // a quiet moment: what was learned stays
        Assert.Equal(12, rate.Rate, 9);
    }

    [Theory]
    [InlineData(10, "1 second", 10.0)]
    [InlineData(50, "10 second", 5.0)]
    [InlineData(100, "1 minute", 100.0 / 60)]
    public void ANamedPolicy_IsACeiling_AtItsSustainedRateLessTheHeadroom(int limit, string time, double sustained)
    {
        double ceiling = sustained * 0.97;
        var rate = new AdaptiveRate();
        rate.Learn(Policy(limit, time), 0);
        rate.Decrease(0, measured: 640);                           // an unpaced burst: down to the ceiling at most
        Assert.True(rate.Rate <= ceiling + 1e-9);
        Assert.Equal(ceiling, rate.Ceiling!.Value, 9);

        rate.Increase(3600, measured: 640);                        // an hour without throttling: still the ceiling
        Assert.Equal(ceiling, rate.Rate, 9);
    }

    [Fact]
    public void TheLowestSustainedRateSeen_IsTheCeiling()
    {
        var rate = new AdaptiveRate();
        rate.Learn(Policy(10, "1 second"), 0);
        rate.Decrease(0, 100);
        rate.Learn(Policy(120, "2 second"), 0);                    // 60/s: looser, changes nothing
        Assert.Equal(10 * 0.97, rate.Rate, 9);
        rate.Learn(Policy(2, "1 second"), 0);                      // 2/s: a second policy binds
        Assert.Equal(2 * 0.97, rate.Rate, 9);
        rate.Learn(Policy(200, "1 second"), 0);                    // a looser one changes nothing
        Assert.Equal(2 * 0.97, rate.Ceiling!.Value, 9);
        Assert.Equal(2, rate.Policy!.Limit);
    }

    [Theory]
    [InlineData(20, "5 second", true)]
    [InlineData(100, "1 minute", true)]
    [InlineData(10, "1 second", false)]                           // refills within the second: to the ceiling, then steps of Beta
    public void A429UnderAWindowLongerThanASecond_GoesStraightToTheFloor_TheWindowIsSpent(int limit, string time, bool windowed)
    {
        var rate = new AdaptiveRate();
        rate.Learn(Policy(limit, time), 0);
        double ceiling = rate.Ceiling!.Value;
        rate.Decrease(0, measured: 300);                           // the unpaced burst
        Assert.Equal(windowed ? rate.Floor : ceiling, rate.Rate, 9);

        rate.Increase(3600, measured: 300, backlogged: true);      // the window turned: the curve is back at the ceiling
        Assert.Equal(ceiling, rate.Rate, 9);
        rate.Decrease(3600.5, measured: ceiling);                  // throttled again at the ceiling
        Assert.Equal(windowed ? rate.Floor : ceiling * AdaptiveRate.Beta, rate.Rate, 9);
    }

    [Theory]
    [InlineData(20, "5 second", true)]
    [InlineData(10, "1 second", false)]
    public void APolicyLearnedAfterTheStatusLineLowered_TheRate_GetsWhatTheDecreaseWouldHaveGiven(int limit, string time, bool windowed)
    {
        var early = new AdaptiveRate();
        early.Decrease(0, measured: 300);                          // the 429's status line: no policy known yet
        Assert.Equal(300 * AdaptiveRate.Beta, early.Rate, 9);
        early.Learn(Policy(limit, time), 0.005);                   // its body, a moment later
        var inOrder = new AdaptiveRate();
        inOrder.Learn(Policy(limit, time), 0);
        inOrder.Decrease(0, measured: 300);

        Assert.Equal(inOrder.Rate, early.Rate, 9);
        Assert.Equal(windowed ? early.Floor : early.Ceiling!.Value, early.Rate, 9);
    }

    [Theory]
    [InlineData(null, null, 0.5)]                                 // no policy: AWS's 0.5/s
    [InlineData(10, "1 second", 0.5)]
    [InlineData(50, "10 second", 0.4)]                            // 4 per window: a spent window costs about 4 probes
    [InlineData(100, "1 minute", 4.0 / 60)]
    [InlineData(5, "1 minute", 5.0 / 60 * 0.97 / 4)]              // a quarter of a slow policy's ceiling
    public void RepeatedThrottling_StopsAtTheFloor(int? limit, string? time, double floor)
    {
        var rate = new AdaptiveRate();
        if (limit != null) rate.Learn(Policy(limit.Value, time!), 0);
        for (int i = 0; i < 50; i++) rate.Decrease(i, measured: 1000);
        Assert.Equal(floor, rate.Rate, 9);
        Assert.Equal(floor, rate.Floor, 9);
    }
}

/// <summary>Turns at a rate, on fake time.</summary>
public class PacedQueueTests
{
    private static async Task<List<TimeSpan>> TakeTurns(FakeTimeProvider time, PacedQueue queue, int count, TimeSpan step)
    {
        var turns = new List<TimeSpan>();
        var all = Task.WhenAll(Enumerable.Range(0, count).Select(async _ =>
        {
            await queue.WaitTurnAsync(CancellationToken.None);
            lock (turns) turns.Add(queue.Now);
        }));
        await time.AdvanceUntilAsync(all, step);
        await all;
        turns.Sort();
        return turns;
    }

    /// <summary>The most turns in any half-open window [t, t + length).</summary>
    private static int MostIn(IReadOnlyList<TimeSpan> times, TimeSpan length)
    {
        int most = 0;
        for (int i = 0, j = 0; i < times.Count; i++)
        {
            while (times[i] - times[j] >= length) j++;
            most = Math.Max(most, i - j + 1);
        }
        return most;
    }

    [Fact]
    public async Task Unpaced_EveryTurnAtOnce()
    {
        var queue = new PacedQueue(new FakeTimeProvider());
        var turns = Enumerable.Range(0, 100).Select(_ => queue.WaitTurnAsync(CancellationToken.None)).ToList();
        Assert.All(turns, t => Assert.True(t.IsCompletedSuccessfully));
        await Task.WhenAll(turns);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(2.5)]
    [InlineData(100)]
    public async Task Paced_AtMostCeilRatePlusOneInAnySecond_AndTheRateHoldsOverTime(double perSecond)
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time, perSecond);
        int count = (int)Math.Ceiling(perSecond * 3) + 1;

        var turns = await TakeTurns(time, queue, count, TimeSpan.FromMilliseconds(5));

        Assert.InRange(MostIn(turns, TimeSpan.FromSeconds(1)), 1, (int)Math.Ceiling(perSecond) + 1);
        // count turns span (count - 1) intervals, less the 25 ms (at most one interval) a turn may come early.
        double intervals = (count - 1) / perSecond;
        Assert.InRange((turns[^1] - turns[0]).TotalSeconds, intervals - Math.Min(0.025, 1 / perSecond) - 1e-9, intervals + 0.05);
    }

    [Fact]
    public async Task AfterIdling_NoSavedUpBurst()
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time, 10);
        await TakeTurns(time, queue, 5, TimeSpan.FromMilliseconds(5));
        time.Advance(TimeSpan.FromSeconds(60));

        var turns = await TakeTurns(time, queue, 10, TimeSpan.FromMilliseconds(5));

        // One turn at once; the next one interval later, less the 25 ms a turn may come early: nothing was saved up.
        Assert.Equal(1, turns.Count(t => t - turns[0] < TimeSpan.FromMilliseconds(1)));
        Assert.InRange((turns[1] - turns[0]).TotalSeconds, 0.075, 0.085);
    }

    [Fact]
    public async Task ALowerRate_AppliesToThoseAlreadyWaiting()
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time, 100);
        var waiting = Enumerable.Range(0, 5).Select(_ => queue.WaitTurnAsync(CancellationToken.None)).ToList();
        Assert.Equal(2, waiting.Count(t => t.IsCompleted)); // at 100/s a turn may come a whole (10 ms) interval early
        queue.SetRate(1, restart: true);

        var all = Task.WhenAll(waiting);
        var took = await time.AdvanceUntilAsync(all, TimeSpan.FromMilliseconds(10));

        // The other three wait 1 s each at the new rate, less 25 ms early.
        Assert.InRange(took.TotalSeconds, 3 - 0.025, 3.05);
    }

    [Fact]
    public async Task ACancelledWaiter_LeavesTheQueue_AndTheNextOneGetsTheTurn()
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time, 1);
        await queue.WaitTurnAsync(CancellationToken.None);
        using var cts = new CancellationTokenSource();
        var cancelled = queue.WaitTurnAsync(cts.Token);
        var next = queue.WaitTurnAsync(CancellationToken.None);
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, queue.Waiting);
        await time.AdvanceUntilAsync(next, TimeSpan.FromMilliseconds(10));
        Assert.Equal(0, queue.Waiting);
    }

    [Fact]
    public async Task APause_EndsWhenResumed_ButAHoldOutlastsIt()
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time);
        queue.Pause(queue.Now + TimeSpan.FromSeconds(5));
        var paused = queue.WaitTurnAsync(CancellationToken.None);
        time.Advance(TimeSpan.FromMilliseconds(300));
        await Task.Delay(1);
        Assert.False(paused.IsCompleted);
        queue.Resume();
        Assert.True(paused.IsCompleted);                                          // at once, not at the pause's bound

        queue.HoldUntil(queue.Now + TimeSpan.FromSeconds(2));
        queue.Pause(queue.Now + TimeSpan.FromSeconds(5));
        queue.Resume();
        var held = await time.AdvanceUntilAsync(queue.WaitTurnAsync(CancellationToken.None), TimeSpan.FromMilliseconds(10));
        Assert.InRange(held.TotalSeconds, 2, 2.02);
    }

    [Fact]
    public async Task AHold_KeepsEveryTurnBackUntilItEnds()
    {
        var time = new FakeTimeProvider();
        var queue = new PacedQueue(time);
        queue.HoldUntil(queue.Now + TimeSpan.FromSeconds(2));
        var turns = Enumerable.Range(0, 3).Select(_ => queue.WaitTurnAsync(CancellationToken.None)).ToList();

        var took = await time.AdvanceUntilAsync(Task.WhenAll(turns), TimeSpan.FromMilliseconds(10));

        Assert.InRange(took.TotalSeconds, 2, 2.02);
    }
}

/// <summary>One budget's pacer: which 429s count, and what it reports.</summary>
public class RatePacerTests
{
    private const string TenPerSecond = "The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second";

    [Fact]
    public void TheAnswersToOneBurst_LowerTheRateOnce()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        var sent = Enumerable.Range(0, 32).Select(_ => pacer.OnSent()).ToList();
        time.Advance(TimeSpan.FromMilliseconds(50));

        var changes = sent.Select(s => pacer.OnThrottled(s, ThrottlePolicy.Parse(TenPerSecond), null)).Where(c => c != null).ToList();

        var change = Assert.Single(changes);
        Assert.True(change!.Lowered);
        Assert.True(double.IsPositiveInfinity(change.From));
        Assert.Equal(9.7, change.To, 9);
        Assert.True(change.AtCeiling);
        Assert.Equal(32 / 0.1, change.Measured, 6); // 32 sends within the meter's 100 ms minimum span
        Assert.Equal(32, pacer.Describe().Throttled);
        Assert.Contains("throttling write calls (policy user, limit 10 per second): pacing them at 9.7/s", PacerMessages.Describe(change));
    }

    [Fact]
    public void A429StatusLine_PacesAtOnce_AndItsParsedAnswerReportsTheOneChange()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        var sent = Enumerable.Range(0, 32).Select(_ => pacer.OnSent()).ToList();
        time.Advance(TimeSpan.FromMilliseconds(50));
        pacer.OnThrottleSeen(sent[0]);

        Assert.Equal(1, pacer.Decreases);                                        // a waiting turn is stale from now on
        Assert.Equal(32 / 0.1 * AdaptiveRate.Beta, pacer.Describe().RatePerSecond!.Value, 6); // no policy known yet
        Assert.Equal(0, pacer.Describe().Throttled);                             // counted when the answer is read
        foreach (var s in sent.Skip(1)) pacer.OnThrottleSeen(s);                 // the rest of the burst: already answered
        Assert.Equal(1, pacer.Decreases);

        time.Advance(TimeSpan.FromMilliseconds(5));                             // parsing: later than the decrease, yet decided
        var changes = sent.Select(s => pacer.OnThrottled(s, ThrottlePolicy.Parse(TenPerSecond), null, seen: true)).Where(c => c != null).ToList();

        var change = Assert.Single(changes);
        Assert.True(change!.Lowered);
        Assert.True(double.IsPositiveInfinity(change.From));
        Assert.Equal(10 * AdaptiveRate.Headroom, change.To, 9);                 // the policy's ceiling, learned from the body
        Assert.True(change.AtCeiling);
        Assert.Equal(2, pacer.Decreases);                                        // the ceiling lowered it once more
        Assert.Equal(32, pacer.Describe().Throttled);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // a per-second policy learned earlier on this budget must not let the retries out either
    public async Task A429StatusLine_HoldsTheTurnsUntilItsPolicyIsRead_SoNoRetryGoesIntoASpentWindow(bool knowsAnotherPolicy)
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        if (knowsAnotherPolicy)
        {
            pacer.OnThrottled(pacer.OnSent(), ThrottlePolicy.Parse("policy user over ratelimit,limit:200,time:1 second"), null);
            time.Advance(TimeSpan.FromSeconds(1));
        }
        var sent = Enumerable.Range(0, 16).Select(_ => pacer.OnSent()).ToList();
        time.Advance(TimeSpan.FromMilliseconds(50));
        pacer.OnThrottleSeen(sent[0]);
        double stepped = pacer.Describe().RatePerSecond!.Value;                 // Beta x the rate sent at
        var retry = pacer.WaitTurnAsync(CancellationToken.None);

        // Parsing the body takes longer than several intervals of the stepped-down rate (a loaded or cold process).
        for (int i = 0; i < 60; i++) { time.Advance(TimeSpan.FromMilliseconds(10)); await Task.Delay(1); }
        Assert.True(600 > 1000 / stepped * 2, $"the stepped-down rate ({stepped}/s) would have granted turns meanwhile");
        Assert.False(retry.IsCompleted);

        var window = ThrottlePolicy.Parse("policy user over ratelimit,limit:20,time:5 second");
        pacer.OnThrottled(sent[0], window, null, seen: true);
        var waited = await time.AdvanceUntilAsync(retry, TimeSpan.FromMilliseconds(10));

        // The policy says the window is spent: the retry waits a floor interval (4 probes per 5-s window), not 1/stepped.
        Assert.InRange(waited.TotalSeconds, 5.0 / AdaptiveRate.ProbesPerWindow - 0.025 - 0.01, 5.0 / AdaptiveRate.ProbesPerWindow + 0.02);
    }

    [Fact]
    public async Task A429StatusLineWhoseAnswerIsNeverRead_HoldsTheTurnsNoLongerThanThePolicyWait()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        var sent = Enumerable.Range(0, 16).Select(_ => pacer.OnSent()).ToList();
        time.Advance(TimeSpan.FromMilliseconds(50));
        pacer.OnThrottleSeen(sent[0]);

        var waited = await time.AdvanceUntilAsync(pacer.WaitTurnAsync(CancellationToken.None), TimeSpan.FromMilliseconds(10));

        Assert.InRange(waited, RatePacer.PolicyWait - TimeSpan.FromMilliseconds(10), RatePacer.PolicyWait + TimeSpan.FromMilliseconds(20));
    }

    [Fact]
    public void AThrottledRequestSentAfterTheDecrease_LowersAgain()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("read", time);
        for (int i = 0; i < 10; i++) { pacer.OnSent(); time.Advance(TimeSpan.FromMilliseconds(100)); }
        Assert.NotNull(pacer.OnThrottled(pacer.OnSent(), null, null));    // about 10/s -> 7/s
        time.Advance(TimeSpan.FromMilliseconds(150));

        var again = pacer.OnThrottled(pacer.OnSent(), null, null);

        Assert.NotNull(again);
        Assert.True(again!.Lowered);
        Assert.True(again.To < again.From);
        Assert.StartsWith("Still throttled: pacing read calls at", PacerMessages.Describe(again));
    }

    [Fact]
    public void Raises_AreReportedOncePerChange_NotPerRequest()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        for (int i = 0; i < 20; i++) { pacer.OnSent(); time.Advance(TimeSpan.FromMilliseconds(50)); }
        pacer.OnThrottled(pacer.OnSent(), null, null);                   // 20/s measured -> 14/s

        var changes = new List<PacerChange>();
        for (int i = 0; i < 2000; i++)                                     // 20 s of successes, 100 per second
        {
            pacer.OnSent();
            if (pacer.OnAdmitted() is PacerChange c) changes.Add(c);
            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.NotEmpty(changes);
        Assert.All(changes, c => Assert.False(c.Lowered));
        Assert.All(changes, c => Assert.True(c.To >= 1.5 * c.From - 1e-9, $"{c.From} -> {c.To} reported"));
        for (int i = 1; i < changes.Count; i++) Assert.Equal(changes[i - 1].To, changes[i].From, 9);
        Assert.InRange(changes.Count, 1, 7);                              // 14 -> 200/s (twice the measured rate) in steps of 1.5x
        Assert.StartsWith("No throttling lately: pacing write calls at", PacerMessages.Describe(changes[0]));
    }

    [Fact]
    public void ReachingTheCeiling_IsReportedOnce()
    {
        var time = new FakeTimeProvider();
        var pacer = new RatePacer("write", time);
        var policy = ThrottlePolicy.Parse(TenPerSecond);
        var burst = Enumerable.Range(0, 32).Select(_ => pacer.OnSent()).ToList();
        pacer.OnThrottled(burst[0], policy, null);                       // 320/s measured: straight to the ceiling, 9.7/s
        time.Advance(TimeSpan.FromMilliseconds(200));
        for (int i = 0; i < 10; i++) { pacer.OnSent(); time.Advance(TimeSpan.FromMilliseconds(105)); }
        Assert.NotNull(pacer.OnThrottled(pacer.OnSent(), policy, null)); // 9.7 -> 6.79

        var changes = new List<PacerChange>();
        for (int i = 0; i < 100; i++)
        {
            pacer.OnSent();
            if (pacer.OnAdmitted() is PacerChange c) changes.Add(c);
            time.Advance(TimeSpan.FromMilliseconds(105));
        }

        var raised = Assert.Single(changes);
        Assert.Equal(9.7, raised.To, 9);
        Assert.True(raised.AtCeiling);
        Assert.EndsWith("the policy's sustained rate less 3%.", PacerMessages.Describe(raised));
    }
}

/// <summary>Pacing through the transport: throttling is not failure, budgets are shared by credential and kept per class.</summary>
public class PacingTransportTests
{
    private const string ThrottledText = "The throttling threshold has been reached: policy user over ratelimit,limit:{0},time:{1}";

    private static HttpResponseMessage Throttled(int limit, string time) =>
        Respond.Json(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", string.Format(ThrottledText, limit, time)));

    /// <summary>The gateway's token bucket (burst = limit), on the fake clock, with a log of (time, status).</summary>
    private sealed class FakeGateway
    {
        private readonly FakeTimeProvider _time;
        private readonly int _limit;
        private readonly TimeSpan _window;
        private readonly bool _fixedWindow;
        private double _tokens;
        private DateTimeOffset _last;
        private long _windowIndex = -1;
        private int _inWindow;

        public FakeGateway(FakeTimeProvider time, int limit, TimeSpan window, bool fixedWindow = false)
        {
            _time = time;
            _limit = limit;
            _window = window;
            _fixedWindow = fixedWindow;
            _tokens = limit;
            _last = time.GetUtcNow();
        }

        public List<(DateTimeOffset At, int Status, HttpMethod Method)> Log { get; } = new();

        public Task<HttpResponseMessage> Answer(RecordedRequest request, CancellationToken _)
        {
            lock (this)
            {
                var now = _time.GetUtcNow();
                bool admitted;
                if (_fixedWindow)
                {
                    long index = now.ToUnixTimeMilliseconds() / (long)_window.TotalMilliseconds;
                    if (index != _windowIndex) { _windowIndex = index; _inWindow = 0; }
                    admitted = _inWindow < _limit;
                    if (admitted) _inWindow++;
                }
                else
                {
                    _tokens = Math.Min(_limit, _tokens + (now - _last).TotalSeconds * _limit / _window.TotalSeconds);
                    _last = now;
                    admitted = _tokens >= 1;
                    if (admitted) _tokens -= 1;
                }
                Log.Add((now, admitted ? 200 : 429, request.Method));
                string time = _window.TotalSeconds % 60 == 0 ? $"{_window.TotalSeconds / 60} minute" : $"{_window.TotalSeconds} second";
                if (!admitted) return Task.FromResult(Throttled(_limit, time));
                return Task.FromResult(request.Method == HttpMethod.Post ? Wire.Created(Ids.NewUuid()) : Wire.SnapshotOk());
            }
        }
    }

    private static Task<SnapshotDetails> Create(EvsClient client, CallScope call) =>
        client.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume, Name = "paced" }, call);

    [Fact]
    public async Task ABatchAtATokenBucketLimit_LosesNothing_AndIsThrottledLittle()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gateway = new FakeGateway(time, 10, TimeSpan.FromSeconds(1));
        var retry = Contexts.FastRetry(maxRetries: 1); // throttling must not use it up
        retry.MaxTotalDelay = TimeSpan.FromSeconds(60);
        var (client, _) = await Contexts.ServedBy(gateway.Answer, retry: retry, time: time);
        using var _client = client;
        var trace = new RecordingTrace();
        var call = Contexts.Call(trace, gate: new ConcurrencyGate(32));

        var batch = Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Create(client, call)));
        var took = await time.AdvanceUntilAsync(batch, TimeSpan.FromMilliseconds(10));
        var created = await batch;

        Assert.Equal(100, created.Length);
        int throttled = gateway.Log.Count(l => l.Status == 429);
        Assert.InRange(throttled, 1, gateway.Log.Count / 10 + 32);        // the first unpaced burst (at most -ThrottleLimit), then little
        Assert.InRange(gateway.Log.Count(l => l.Status == 429 && l.At - gateway.Log[0].At > TimeSpan.FromSeconds(1)), 0, 10);
        Assert.True(took.TotalSeconds >= (100 - 10) / 10.0, $"{took.TotalSeconds} s: faster than the gateway allows");
        Assert.Single(trace.VerboseLines, l => l.StartsWith("The gateway is throttling write calls"));
    }

    [Fact]
    public async Task ABatchAtAFixedWindowLimit_LosesNothing_AndProbesASpentWindowSparingly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var gateway = new FakeGateway(time, 20, TimeSpan.FromSeconds(5), fixedWindow: true);
        var (client, _) = await Contexts.ServedBy(gateway.Answer, time: time);
        using var _client = client;
        var call = Contexts.Call(gate: new ConcurrencyGate(32));

        var batch = Task.WhenAll(Enumerable.Range(0, 60).Select(_ => Create(client, call)));
        await time.AdvanceUntilAsync(batch, TimeSpan.FromMilliseconds(10));
        var created = await batch;

        Assert.Equal(60, created.Length);
        // After the first window's burst (at most -ThrottleLimit 32 answered at once): the pacer runs at 20/5 s less
        // 3%, and a spent window costs only the probes of the decreasing rate.
        var firstThrottle = gateway.Log.First(l => l.Status == 429).At;
        int later = gateway.Log.Count(l => l.Status == 429 && l.At - firstThrottle > TimeSpan.FromMilliseconds(1));
        Assert.InRange(later, 0, 10);
    }

    [Fact]
    public async Task ThrottledWrites_DoNotHoldUpReads()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new FakeHandler
        {
            Fallback = (r, _) => Task.FromResult(r.Method == HttpMethod.Post ? Throttled(1, "1 minute") : Wire.SnapshotOk()),
        };
        using var client = await Contexts.AkSkAsync(handler, tweak: o => o.TimeProvider = time);
        var create = Create(client, Contexts.Call());
        time.Advance(TimeSpan.FromMilliseconds(10));

        var read = client.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());

        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)))); // no clock move needed
        Assert.Null(client.RequestRates.Single(r => r.Calls == "read").RatePerSecond);
        Assert.Equal(1.0 / 60 * 0.97 / 4, client.RequestRates.Single(r => r.Calls == "write").RatePerSecond!.Value, 9); // a spent 1-minute window: the floor
        Assert.False(create.IsCompleted);
    }

    [Fact]
    public async Task ClientsOfOneCredential_ShareOneBudget_OthersDoNot()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var pacers = new PacerRegistry();
        var first = true;
        var sends = new List<(string Ak, DateTimeOffset At)>();
        Responder server = (r, _) =>
        {
            lock (sends)
            {
                sends.Add((r.Header("Authorization")!.Split("Access=")[1].Split(',')[0], time.GetUtcNow()));
                if (first) { first = false; return Task.FromResult(Throttled(2, "1 second")); }
                return Task.FromResult(Wire.SnapshotOk());
            }
        };
        EvsClientSettings Settings(string ak) => new()
        {
            Region = "cn-north-4", ProjectId = Ids.Project, Endpoint = Contexts.Endpoint, IamEndpoint = Contexts.IamEndpoint,
            AuthType = EvsAuthType.AkSk, AccessKey = ak, SecretKey = Ids.SecretKey, Retry = Contexts.FastRetry(),
            Handler = new FakeHandler { Fallback = server }, TimeProvider = time, Pacers = pacers,
        };
        using var a = await Contexts.ConnectAsync(Settings(Ids.AccessKey));
        using var b = await Contexts.ConnectAsync(Settings(Ids.AccessKey));
        using var other = await Contexts.ConnectAsync(Settings("AKOTHERACCESSKEY0001"));
        var learn = a.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        await time.AdvanceUntilAsync(learn, TimeSpan.FromMilliseconds(10));      // a learns 2/s less 3%
        await learn;

        int before;
        lock (sends) before = sends.Count;
        var fromB = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => b.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call())));
        var fromOther = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => other.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call())));
        Assert.True(fromOther.IsCompleted || await Task.WhenAny(fromOther, Task.Delay(5000)) == fromOther); // unpaced: no clock move needed
        await time.AdvanceUntilAsync(fromB, TimeSpan.FromMilliseconds(10));

        var bTimes = sends.Skip(before).Where(s => s.Ak == Ids.AccessKey).Select(s => s.At).ToList();
        Assert.Equal(5, bTimes.Count);
        Assert.True((bTimes.Max() - bTimes.Min()).TotalSeconds >= 4 / 1.94 - 0.025, "b was not paced by what a learned");
        Assert.Equal(5, sends.Count(s => s.Ak == "AKOTHERACCESSKEY0001"));
        Assert.Equal(b.RequestRates[1].RatePerSecond, a.RequestRates[1].RatePerSecond);
        Assert.Null(other.RequestRates[1].RatePerSecond);
    }

    [Fact]
    public async Task MaxRequestRate_IsNeverExceeded_AllCallsTogether()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sends = new List<DateTimeOffset>();
        var handler = new FakeHandler
        {
            Fallback = (r, _) =>
            {
                lock (sends) sends.Add(time.GetUtcNow());
                return Task.FromResult(r.Method == HttpMethod.Post ? Wire.Created(Ids.NewUuid()) : Wire.SnapshotOk());
            },
        };
        using var client = await Contexts.AkSkAsync(handler, tweak: o => { o.TimeProvider = time; o.MaxRequestRate = 5; });
        var call = Contexts.Call(gate: new ConcurrencyGate(16));

        var work = Task.WhenAll(Enumerable.Range(0, 30).Select(i => i % 2 == 0 ? Create(client, call) : client.Api.GetSnapshotAsync(Ids.Snapshot, call)));
        await time.AdvanceUntilAsync(work, TimeSpan.FromMilliseconds(10));
        await work;

        Assert.Equal(5, client.MaxRequestRate);
        var sorted = sends.OrderBy(t => t).ToList();
        for (int i = 0; i < sorted.Count; i++)
        {
            Assert.True(sorted.Count(t => t >= sorted[i] && t < sorted[i] + TimeSpan.FromSeconds(1)) <= 6, "more than 5 + 1 in one second");
        }
        Assert.True((sorted[^1] - sorted[0]).TotalSeconds >= 29 / 5.0 - 0.025, "faster than 5/s on average");
    }

    [Fact]
    public async Task ACallersOwnCap_ReplacesTheContexts()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Wire.SnapshotOk()) };
        using var client = await Contexts.AkSkAsync(handler, tweak: o => { o.TimeProvider = time; o.MaxRequestRate = 100; });
        var call = new CallScope(rateCap: new RateCap(2, time));

        var work = Task.WhenAll(Enumerable.Range(0, 5).Select(_ => client.Api.GetSnapshotAsync(Ids.Snapshot, call)));
        var took = await time.AdvanceUntilAsync(work, TimeSpan.FromMilliseconds(10));

        Assert.InRange(took.TotalSeconds, 4 / 2.0 - 0.025, 4 / 2.0 + 0.05);
    }

    [Fact]
    public async Task RetryAfter_HoldsTheWholeBudget()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var sends = new List<DateTimeOffset>();
        var first = true;
        var handler = new FakeHandler
        {
            Fallback = (_, _) =>
            {
                lock (sends)
                {
                    sends.Add(time.GetUtcNow());
                    if (first) { first = false; return Task.FromResult(Respond.Json(HttpStatusCode.TooManyRequests, Respond.GatewayError("APIGW.0308", "over ratelimit"), ("Retry-After", "2"))); }
                    return Task.FromResult(Wire.SnapshotOk());
                }
            },
        };
        using var client = await Contexts.AkSkAsync(handler, tweak: o => o.TimeProvider = time);
        var start = time.GetUtcNow();
        var held = client.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        var other = client.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()); // starts after the 429 (answers are instant)

        var both = Task.WhenAll(held, other);
        await time.AdvanceUntilAsync(both, TimeSpan.FromMilliseconds(10));

        Assert.Equal(3, sends.Count);
        Assert.All(sends.Skip(1), s => Assert.True(s - start >= TimeSpan.FromSeconds(2), "a request went out during the server's Retry-After"));
    }
}
