using System.Globalization;
using EvsSnapshot.Client.Rules;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The retention rule (restic's forget rules plus the module's safety rules). Every expected set is written out
/// from the rule's definition and the calendar, never by running the policy.
/// </summary>
public class RetentionPolicyTests
{
    private const string DiskA = "aaaaaaaa-0000-4000-8000-000000000001";
    private const string DiskB = "bbbbbbbb-0000-4000-8000-000000000002";
    private static int _next;

    private static SnapshotDetails At(string utc, string status = "available", string name = "nightly", string volumeId = DiskA) => new()
    {
        Id = $"00000000-0000-4000-8000-{Interlocked.Increment(ref _next):000000000000}",
        Name = name,
        Status = status,
        VolumeId = volumeId,
        CreatedAtUtc = DateTime.SpecifyKind(DateTime.Parse(utc, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal), DateTimeKind.Utc),
    };

    private static TimeZoneInfo Zone(string iana) => TimeZoneInfo.FindSystemTimeZoneById(iana);

    private static HashSet<SnapshotDetails> Kept(RetentionPolicy policy, IEnumerable<SnapshotDetails> snapshots) =>
        policy.Apply(snapshots).Where(d => d.Action == RetentionAction.Keep).Select(d => d.Snapshot).ToHashSet();

    [Fact]
    public void KeepLast_KeepsTheNNewest()
    {
        var s = Enumerable.Range(1, 10).Select(d => At($"2026-11-{d:00}T01:00:00")).ToList();
        var kept = Kept(new RetentionPolicy { KeepLast = 3 }, s);
        Assert.Equal(new[] { s[9], s[8], s[7] }.ToHashSet(), kept);
    }

    [Fact]
    public void KeepDaily_KeepsTheNewestOfEachOfTheNMostRecentDaysThatHaveOne()
    {
        var dec1Early = At("2026-12-01T08:00:00");
        var dec1Noon = At("2026-12-01T12:00:00");
        var dec1Late = At("2026-12-01T20:00:00");
        var nov30Early = At("2026-11-30T01:00:00");
        var nov30Late = At("2026-11-30T23:00:00");
        var nov28 = At("2026-11-28T10:00:00"); // no snapshot on Nov 29: that day does not count
        var all = new[] { dec1Early, dec1Noon, dec1Late, nov30Early, nov30Late, nov28 };

        Assert.Equal(new[] { dec1Late, nov30Late }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 2 }, all));
        Assert.Equal(new[] { dec1Late, nov30Late, nov28 }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 3 }, all));
    }

    [Fact]
    public void Days_AreCountedInTheTimeZone_MidnightInShanghaiIsFourPmUtc()
    {
        var before = At("2026-12-01T15:59:59"); // 23:59:59 on Dec 1 in Shanghai (UTC+8)
        var after = At("2026-12-01T16:00:00");  // 00:00:00 on Dec 2 in Shanghai; still Dec 1 in UTC
        var nov30 = At("2026-11-30T12:00:00");  // Nov 30 in both
        var all = new[] { before, after, nov30 };

        Assert.Equal(new[] { after, nov30 }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 2, TimeZone = TimeZoneInfo.Utc }, all));
        Assert.Equal(new[] { after, before }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 2, TimeZone = Zone("Asia/Shanghai") }, all));
    }

    [Fact]
    public void Days_FollowTheDaylightSavingChange_Berlin()
    {
        // DST starts on 2026-03-29 at 01:00 UTC (02:00 CET -> 03:00 CEST): from then on midnight is 22:00 UTC, not 23:00.
        var mar30 = At("2026-03-29T22:30:00");   // 00:30 CEST on Mar 30 (with the winter offset it would be 23:30 on Mar 29)
        var mar29 = At("2026-03-29T21:30:00");   // 23:30 CEST on Mar 29
        var mar28 = At("2026-03-28T22:30:00");   // 23:30 CET on Mar 28
        Assert.Equal(new[] { mar30, mar29 }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 2, TimeZone = Zone("Europe/Berlin") }, new[] { mar30, mar29, mar28 }));

        // DST ends on 2026-10-25 at 01:00 UTC (03:00 CEST -> 02:00 CET): from then on midnight is 23:00 UTC.
        var oct26 = At("2026-10-25T23:30:00");   // 00:30 CET on Oct 26
        var oct25 = At("2026-10-25T22:30:00");   // 23:30 CET on Oct 25 (with the summer offset it would be 00:30 on Oct 26)
        var oct24 = At("2026-10-24T21:30:00");   // 23:30 CEST on Oct 24
        Assert.Equal(new[] { oct26, oct25 }.ToHashSet(), Kept(new RetentionPolicy { KeepDaily = 2, TimeZone = Zone("Europe/Berlin") }, new[] { oct26, oct25, oct24 }));
    }

    [Fact]
    public void KeepWeekly_UsesIsoWeeks_AcrossTheYearEnd()
    {
        // 2026 starts on a Thursday, so it has 53 ISO weeks: Mon 2026-12-28 .. Sun 2027-01-03 is 2026-W53.
        var w52Sunday = At("2026-12-27T12:00:00");
        var w53Monday = At("2026-12-28T12:00:00");
        var w53Sunday = At("2027-01-03T12:00:00");
        var w01Monday = At("2027-01-04T12:00:00");
        var decisions = new RetentionPolicy { KeepWeekly = 3 }.Apply(new[] { w52Sunday, w53Monday, w53Sunday, w01Monday });
        var kept = decisions.Where(d => d.Action == RetentionAction.Keep).Select(d => d.Snapshot).ToHashSet();
        Assert.Equal(new[] { w01Monday, w53Sunday, w52Sunday }.ToHashSet(), kept);
        Assert.Contains("Weekly 2027-W01", decisions.Single(d => d.Snapshot == w01Monday).Reasons);
        Assert.Contains("Weekly 2026-W53", decisions.Single(d => d.Snapshot == w53Sunday).Reasons);
        Assert.Contains("Weekly 2026-W52", decisions.Single(d => d.Snapshot == w52Sunday).Reasons);
    }

    [Fact]
    public void IsoWeek_AgreesWithTheFrameworksIsoCalendar_ForEveryDayOfTenYears()
    {
        for (var day = new DateTime(2020, 1, 1); day < new DateTime(2030, 1, 1); day = day.AddDays(1))
        {
            string expected = $"{ISOWeek.GetYear(day):0000}-W{ISOWeek.GetWeekOfYear(day):00}";
            Assert.Equal(expected, RetentionPolicy.IsoWeek(day));
        }
    }

    [Fact]
    public void KeepMonthlyAndYearly_KeepTheNewestOfEachPeriod()
    {
        var dec = At("2026-12-01T00:00:01");
        var nov2 = At("2026-11-30T23:59:59");
        var nov1 = At("2026-11-01T00:00:00");
        var oct = At("2026-10-15T00:00:00");
        var y2025 = At("2025-12-31T23:59:59");
        var y2025early = At("2025-01-01T00:00:00");
        var y2024 = At("2024-06-01T00:00:00");
        var all = new[] { dec, nov2, nov1, oct, y2025, y2025early, y2024 };
        Assert.Equal(new[] { dec, nov2, oct }.ToHashSet(), Kept(new RetentionPolicy { KeepMonthly = 3 }, all));
        Assert.Equal(new[] { dec, y2025, y2024 }.ToHashSet(), Kept(new RetentionPolicy { KeepYearly = 3 }, all));
    }

    [Fact]
    public void KeepWithin_KeepsWhatIsNewerThanTheDurationBeforeTheNewest_StrictlyAfter()
    {
        var newest = At("2026-12-01T12:00:00");
        var justInside = At("2026-11-29T12:00:01");
        var onTheCutoff = At("2026-11-29T12:00:00"); // exactly 2 days before the newest: not newer, so not kept
        var older = At("2026-11-20T12:00:00");
        var kept = Kept(new RetentionPolicy { KeepWithin = RetentionDuration.Parse("2d") }, new[] { newest, justInside, onTheCutoff, older });
        Assert.Equal(new[] { newest, justInside }.ToHashSet(), kept);
    }

    [Fact]
    public void AnyRuleKeeps_TheUnionOfTheRules()
    {
        var s = Enumerable.Range(0, 60).Select(i => At(new DateTime(2026, 12, 1, 3, 0, 0).AddDays(-i).ToString("s", CultureInfo.InvariantCulture))).ToList();
        // KeepLast 2: Dec 1, Nov 30. KeepMonthly 2: Dec 1 (December), Nov 30 (November). KeepWeekly 2: Dec 1 (W49, Tue), Nov 29 (W48, Sun).
        var kept = Kept(new RetentionPolicy { KeepLast = 2, KeepMonthly = 2, KeepWeekly = 2 }, s);
        Assert.Equal(new[] { s[0], s[1], s[2] }.ToHashSet(), kept);
    }

    [Fact]
    public void OnlyAvailableSnapshotsAreRemovedOrCounted_AndBackupSnapshotsAreNeverTouched()
    {
        var creating = At("2026-12-02T01:00:00", status: "creating");
        var error = At("2026-12-01T23:00:00", status: "error");
        var backup = At("2026-12-01T22:00:00", name: "autobk_snapshot_vbs_1");
        var newestAvailable = At("2026-12-01T01:00:00");
        var older = At("2026-11-30T01:00:00");
        var oldBackup = At("2026-01-01T00:00:00", name: "autobk_snapshot_vbs_0");
        var decisions = new RetentionPolicy { KeepLast = 1 }.Apply(new[] { creating, error, backup, newestAvailable, older, oldBackup });
        var byId = decisions.ToDictionary(d => d.Snapshot);
        Assert.Equal(RetentionAction.Remove, byId[older].Action);
        Assert.Equal(new[] { "Newest", "Last" }, byId[newestAvailable].Reasons);
        Assert.Equal(new[] { "NotAvailable" }, byId[creating].Reasons);
        Assert.Equal(new[] { "NotAvailable" }, byId[error].Reasons);
        Assert.Equal(new[] { "BackupSnapshot" }, byId[backup].Reasons);
        Assert.Equal(RetentionAction.Keep, byId[oldBackup].Action);
        Assert.Single(decisions, d => d.Action == RetentionAction.Remove);
    }

    [Fact]
    public void TheNewestAvailableOfEachGroupIsAlwaysKept_AndGroupsCountSeparately()
    {
        var a1 = At("2026-12-01T01:00:00", volumeId: DiskA);
        var a2 = At("2026-11-30T01:00:00", volumeId: DiskA);
        var b1 = At("2026-10-01T01:00:00", volumeId: DiskB);
        var b2 = At("2026-09-30T01:00:00", volumeId: DiskB);
        var all = new[] { a1, a2, b1, b2 };
        // Per disk: KeepWithin 1h keeps only each disk's newest.
        Assert.Equal(new[] { a1, b1 }.ToHashSet(), Kept(new RetentionPolicy { KeepWithin = RetentionDuration.Parse("1h") }, all));
        // One group: only the newest of all.
        Assert.Equal(new[] { a1 }.ToHashSet(), Kept(new RetentionPolicy { KeepWithin = RetentionDuration.Parse("1h"), GroupByVolume = false }, all));
    }

    [Fact]
    public void APolicyWithoutRules_IsRefused()
    {
        var policy = new RetentionPolicy();
        Assert.Equal("RetentionRuleMissing", policy.Refusal()!.ErrorId);
        Assert.Throws<EvsValidationException>(() => policy.Apply(new[] { At("2026-12-01T00:00:00") }));
    }

    [Fact]
    public void ASnapshotGivenTwice_IsDecidedOnce()
    {
        var s = At("2026-12-01T00:00:00");
        Assert.Single(new RetentionPolicy { KeepLast = 5 }.Apply(new[] { s, s }));
    }

    [Theory]
    [InlineData("2d", 0, 0, 2, 0)]
    [InlineData("1y6m", 1, 6, 0, 0)]
    [InlineData("3d12h", 0, 0, 3, 12)]
    [InlineData("36h", 0, 0, 0, 36)]
    public void KeepWithin_ReadsResticDurations(string text, int years, int months, int days, int hours)
    {
        var d = RetentionDuration.Parse(text);
        Assert.Equal((years, months, days, TimeSpan.FromHours(hours)), (d.Years, d.Months, d.Days, d.Exact));
    }

    [Theory]
    [InlineData("")]
    [InlineData("0d")]
    [InlineData("2w")]
    [InlineData("-1d")]
    [InlineData("d")]
    public void KeepWithin_RefusesWhatIsNotADuration(string text)
    {
        Assert.Equal("InvalidKeepWithin", Assert.Throws<EvsValidationException>(() => RetentionDuration.Parse(text)).ErrorId);
    }

    [Fact]
    public void KeepWithin_StepsCalendarDaysOnTheZonesWallClock()
    {
        // 1d before 2026-03-30 00:30 CEST (22:30 UTC on Mar 29) is 2026-03-29 00:30 CET = 23:30 UTC on Mar 28: a 23-hour day.
        var before = RetentionDuration.Parse("1d").Before(new DateTime(2026, 3, 29, 22, 30, 0, DateTimeKind.Utc), Zone("Europe/Berlin"));
        Assert.Equal(new DateTime(2026, 3, 28, 23, 30, 0), before);
        Assert.Equal(new DateTime(2026, 3, 28, 22, 30, 0), RetentionDuration.Parse("1d").Before(new DateTime(2026, 3, 29, 22, 30, 0, DateTimeKind.Utc), TimeZoneInfo.Utc));
        Assert.Equal(new DateTime(2026, 3, 29, 10, 30, 0), RetentionDuration.Parse("12h").Before(new DateTime(2026, 3, 29, 22, 30, 0, DateTimeKind.Utc), Zone("Europe/Berlin")));
    }

    [Theory]
    [InlineData("UTC", "UTC")]
    [InlineData("utc", "UTC")]
    [InlineData("Asia/Shanghai", "Asia/Shanghai")]
    [InlineData("Europe/Berlin", "Europe/Berlin")]
    public void TimeZones_ByIanaIdOrUtc(string id, string expectedId)
    {
        var zone = RetentionPolicy.FindTimeZone(id);
        Assert.True(zone.Id == expectedId || (expectedId == "UTC" && zone == TimeZoneInfo.Utc), zone.Id);
    }

    [Fact]
    public void TimeZones_ByWindowsId_SameRulesAsTheIanaZone()
    {
        var zone = RetentionPolicy.FindTimeZone("China Standard Time");
        Assert.Equal(TimeSpan.FromHours(8), zone.GetUtcOffset(new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc)));
        var berlin = RetentionPolicy.FindTimeZone("W. Europe Standard Time");
        Assert.Equal(TimeSpan.FromHours(2), berlin.GetUtcOffset(new DateTime(2026, 7, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(TimeSpan.FromHours(1), berlin.GetUtcOffset(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Theory]
    [InlineData("Mars/Olympus_Mons")]
    [InlineData("")]
    [InlineData("Europe/\nBerlin")]
    public void TimeZones_Unknown_AreRefused(string id)
    {
        Assert.Equal("UnknownTimeZone", Assert.Throws<EvsValidationException>(() => RetentionPolicy.FindTimeZone(id)).ErrorId);
    }

    [Fact]
    public void TimeZones_NoneMeansTheMachinesZone() => Assert.Equal(TimeZoneInfo.Local, RetentionPolicy.FindTimeZone(null));
}
