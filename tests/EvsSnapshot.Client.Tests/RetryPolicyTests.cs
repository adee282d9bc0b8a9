using System.Net;
using System.Net.Http;
using EvsSnapshot.Client.Http;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>Backoff, jitter, Retry-After and the two budgets, on fake time (nothing here sleeps).</summary>
public class RetryPolicyTests
{
    private static RetryOptions Options() => new()
    {
        MaxRetryCount = 4,
        BaseDelay = TimeSpan.FromMilliseconds(500),
        MaxDelay = TimeSpan.FromSeconds(20),
        MaxTotalDelay = TimeSpan.FromSeconds(60),
    };

    /// <summary>A Random whose NextDouble is always the given value.</summary>
    private sealed class FixedRandom : Random
    {
        private readonly double _value;
        public FixedRandom(double value) { _value = value; }
        public override double NextDouble() => _value;
    }

    [Theory]
    [InlineData(1, 0.0, 250)]   // step 500 ms: half fixed, half random
    [InlineData(1, 1.0, 500)]
    [InlineData(2, 0.0, 500)]   // step doubles
    [InlineData(3, 1.0, 2000)]
    [InlineData(10, 1.0, 20000)] // capped at MaxDelay
    public void Backoff_IsExponentialWithEqualJitter(int attempt, double random, double expectedMs)
    {
        var policy = new RetryPolicy(Options(), new FakeTimeProvider(), new FixedRandom(random));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), policy.Backoff(attempt, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public void TheServersRetryAfter_WinsOverTheBackoff()
    {
        var policy = new RetryPolicy(Options(), new FakeTimeProvider(), new FixedRandom(1.0));
        var decision = policy.Decide(new RetryState { Attempts = 1 }, serverDelay: TimeSpan.FromSeconds(7));
        Assert.Equal(TimeSpan.FromSeconds(7), decision.Delay);
    }

    [Fact]
    public void GivesUp_WhenTheAttemptsAreSpent()
    {
        var policy = new RetryPolicy(Options(), new FakeTimeProvider(), new FixedRandom(0.5));
        Assert.NotNull(policy.Decide(new RetryState { Attempts = 4 }, null).Delay);
        var decision = policy.Decide(new RetryState { Attempts = 5 }, null);
        Assert.Null(decision.Delay);
        Assert.Equal("failed 5 times", decision.GiveUpReason);
    }

    [Fact]
    public void GivesUp_WhenTheNextWaitWouldExceedTheTimeBudget()
    {
        var policy = new RetryPolicy(Options(), new FakeTimeProvider(), new FixedRandom(1.0));
        var decision = policy.Decide(new RetryState { Attempts = 1, Waited = TimeSpan.FromSeconds(59.6) }, null);
        Assert.Null(decision.Delay);
        Assert.Contains("retry time budget of 60 s", decision.GiveUpReason);
    }

    [Fact]
    public async Task WaitAsync_WaitsOnTheGivenClock()
    {
        var time = new FakeTimeProvider();
        var policy = new RetryPolicy(Options(), time);
        var wait = policy.WaitAsync(TimeSpan.FromSeconds(5), CancellationToken.None);
        time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(wait.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(0.1));
        await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(wait.IsCompletedSuccessfully);
    }

    [Fact]
    public void RetryAfter_ReadsSecondsAndDates()
    {
        var now = new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.TryAddWithoutValidation("Retry-After", "3");
        Assert.Equal(TimeSpan.FromSeconds(3), RetryPolicy.RetryAfter(seconds.Headers, now));

        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(12).ToString("R"));
        Assert.Equal(TimeSpan.FromSeconds(12), RetryPolicy.RetryAfter(date.Headers, now));

        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.TryAddWithoutValidation("Retry-After", now.AddSeconds(-30).ToString("R"));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.RetryAfter(past.Headers, now));

        using var none = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        Assert.Null(RetryPolicy.RetryAfter(none.Headers, now));
    }
}
