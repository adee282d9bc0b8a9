using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>When credentials are renewed, on fake time: the margin rule, single flight, a failed renewal, expiry.</summary>
public class RefreshTests
{
    private static readonly DateTime T0 = new(2030, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private sealed class Cred : IExpiringCredential
    {
        public Cred(int n, DateTime refreshAt, DateTime expiresAt) { N = n; RefreshAtUtc = refreshAt; ExpiresAtUtc = expiresAt; }
        public int N { get; }
        public DateTime RefreshAtUtc { get; }
        public DateTime ExpiresAtUtc { get; }
    }

    [Theory]
    // remaining lifetime at receipt -> renew this long before expiry: a quarter of it, at least 2 s but at most
    // half of it, and at most 10 minutes
    [InlineData(86400, 600)]   // 24-h IAM token: 10 min
    [InlineData(21600, 600)]   // 6-h federated credential
    [InlineData(3600, 600)]    // 1-h ECS agency key: 10 min, when the service rotates it (§14.4.6)
    [InlineData(2400, 600)]
    [InlineData(1200, 300)]    // 20 min: 5 min
    [InlineData(900, 225)]     // the API's shortest agency credential
    [InlineData(60, 15)]
    [InlineData(8, 2)]
    [InlineData(6, 2)]         // a test credential of 6 s: the 2-s floor
    [InlineData(3, 1.5)]       // ... but never more than half
    [InlineData(0.5, 0.25)]
    [InlineData(0, 0)]
    public void Margin_AQuarterOfTheLifetime_AtLeast2s_AtMostHalf_AtMostTenMinutes(double remainingSeconds, double marginSeconds)
    {
        var remaining = TimeSpan.FromSeconds(remainingSeconds);
        Assert.Equal(TimeSpan.FromSeconds(marginSeconds), RefreshSchedule.Margin(remaining));
        Assert.Equal(T0 + remaining - TimeSpan.FromSeconds(marginSeconds), RefreshSchedule.RefreshAt(T0, remaining));
    }

    [Theory]
    [InlineData(3600, 30)]
    [InlineData(60, 15)]
    [InlineData(2, 0.5)]
    public void RetryAfterAFailedRenewal_AQuarterOfWhatIsLeft_AtMost30s(double remaining, double delay) =>
        Assert.Equal(TimeSpan.FromSeconds(delay), RefreshSchedule.RetryDelay(TimeSpan.FromSeconds(remaining)));

    private static (CredentialRefresher<Cred> Refresher, Func<int> Fetches, FakeTimeProvider Time) Build(
        TimeSpan lifetime, Func<int, Task>? beforeIssue = null, Func<int, bool>? fails = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(T0));
        int fetches = 0;
        var refresher = new CredentialRefresher<Cred>(async call =>
        {
            int n = Interlocked.Increment(ref fetches);
            if (beforeIssue != null) await beforeIssue(n);
            if (fails != null && fails(n)) throw new EvsException(EvsErrorKind.Network, "ConnectionFailed", "issuer down.");
            var now = time.GetUtcNow().UtcDateTime;
            return new Cred(n, RefreshSchedule.RefreshAt(now, lifetime), now + lifetime);
        }, time, "the test credential");
        return (refresher, () => fetches, time);
    }

    [Fact]
    public async Task UsesTheCredentialUntilItsRefreshTime_ThenRenewsBeforeSigning()
    {
        var (refresher, fetches, time) = Build(TimeSpan.FromSeconds(60)); // refresh at 45 s (15 s early)
        Assert.Equal(1, (await refresher.GetAsync(CallScope.None)).N);
        time.Advance(TimeSpan.FromSeconds(44.9));
        Assert.Equal(1, (await refresher.GetAsync(CallScope.None)).N);
        Assert.Equal(1, fetches());
        time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(2, (await refresher.GetAsync(CallScope.None)).N);
        Assert.Equal(2, fetches());
    }

    [Fact]
    public async Task ConcurrentRequests_ShareOneRenewal()
    {
        var release = new TaskCompletionSource();
        var (refresher, fetches, time) = Build(TimeSpan.FromSeconds(60), n => n == 2 ? release.Task : Task.CompletedTask);
        await refresher.GetAsync(CallScope.None);
        time.Advance(TimeSpan.FromSeconds(50));

        var waiting = Enumerable.Range(0, 50).Select(_ => refresher.GetAsync(CallScope.None)).ToList();
        await Task.Delay(20);
        Assert.All(waiting, t => Assert.False(t.IsCompleted)); // queued behind the one renewal
        release.SetResult();
        var got = await Task.WhenAll(waiting);

        Assert.All(got, c => Assert.Equal(2, c.N));
        Assert.Equal(2, fetches());
    }

    [Fact]
    public async Task AfterA401_ManyRequestsRejectedWithTheSameCredential_RenewOnce()
    {
        var (refresher, fetches, _) = Build(TimeSpan.FromHours(1));
        var rejected = await refresher.GetAsync(CallScope.None);
        var renewed = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => refresher.ReplaceAsync(rejected, CallScope.None)));
        Assert.All(renewed, c => Assert.Equal(2, c.N));
        Assert.Equal(2, fetches());
        // A late 401 for the old credential does not throw away the new one.
        Assert.Equal(2, (await refresher.ReplaceAsync(rejected, CallScope.None)).N);
        Assert.Equal(2, fetches());
    }

    [Fact]
    public async Task AFailedRenewal_KeepsTheCurrentOneUntilItExpires_AndBacksOff()
    {
        var trace = new RecordingTrace();
        var (refresher, fetches, time) = Build(TimeSpan.FromSeconds(60), fails: n => n == 2 || n == 3);
        await refresher.GetAsync(CallScope.None);
        time.Advance(TimeSpan.FromSeconds(46)); // 14 s left: retry after 3.5 s

        var call = new CallScope(trace);
        Assert.Equal(1, (await refresher.GetAsync(call)).N);
        Assert.Equal(2, fetches());
        Assert.Contains(trace.Lines, l => l.Level == "Warning" && l.Message.Contains("Could not renew the test credential: issuer down.") && l.Message.Contains("trying again in 3.5 s"));
        Assert.Equal(1, (await refresher.GetAsync(call)).N); // backing off: no new attempt yet
        Assert.Equal(2, fetches());

        time.Advance(TimeSpan.FromSeconds(3.5));
        Assert.Equal(1, (await refresher.GetAsync(call)).N); // third fetch fails too
        Assert.Equal(3, fetches());
        time.Advance(TimeSpan.FromSeconds(10.5)); // 60 s: the current one has expired
        Assert.Equal(4, (await refresher.GetAsync(call)).N);
    }

    [Fact]
    public async Task AnExpiredCredential_IsNeverHandedOut_WhenRenewalFails()
    {
        var (refresher, _, time) = Build(TimeSpan.FromSeconds(60), fails: n => n > 1);
        await refresher.GetAsync(CallScope.None);
        time.Advance(TimeSpan.FromSeconds(60));
        var ex = await Assert.ThrowsAsync<EvsException>(() => refresher.GetAsync(CallScope.None));
        Assert.Equal("ConnectionFailed", ex.ErrorId);
    }

    [Fact]
    public async Task WaitersOfAFailedRenewalForARejectedCredential_ShareItsError()
    {
        var release = new TaskCompletionSource();
        var (refresher, fetches, _) = Build(TimeSpan.FromHours(1), n => n == 2 ? release.Task : Task.CompletedTask, fails: n => n == 2);
        var rejected = await refresher.GetAsync(CallScope.None);
        var waiting = Enumerable.Range(0, 10).Select(_ => refresher.ReplaceAsync(rejected, CallScope.None)).ToList();
        await Task.Delay(20);
        release.SetResult();
        foreach (var t in waiting) await Assert.ThrowsAsync<EvsException>(() => t);
        Assert.Equal(2, fetches()); // one attempt for all of them
    }

    [Fact]
    public async Task TheFirstFetchFailing_Throws()
    {
        var (refresher, _, _) = Build(TimeSpan.FromHours(1), fails: _ => true);
        await Assert.ThrowsAsync<EvsException>(() => refresher.GetAsync(CallScope.None));
        Assert.Null(refresher.Current);
    }
}
