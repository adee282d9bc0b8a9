using EvsSnapshot.Client.Listing;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Commands;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The list planner (what the server filters, what is checked here), name and zone rules, the region list, the
/// metadata text, the -OlderThan cutoff and the advice for a name given as an id. All pure: no requests.
/// </summary>
public class ListingTests
{
    private const string V1 = "11111111-2222-4333-8444-555555555551", V2 = "11111111-2222-4333-8444-555555555552";

    [Fact]
    public void OneValuePerFilter_GoesToTheServer_AndNothingIsCheckedHere()
    {
        var filter = new SnapshotFilter { AvailabilityZone = "cn-north-4a" };
        filter.Names.Add(NamePattern.Exact("db01-weekly"));
        filter.Statuses.Add("available");
        filter.VolumeIds.Add(V1);
        var plan = ListPlanner.Plan(filter);
        var query = Assert.Single(plan.Queries);
        Assert.Equal(("db01-weekly", "available", V1, "cn-north-4a"), (query.Name, query.Status, query.VolumeId, query.AvailabilityZone));
        Assert.Null(plan.LocalFilter);
    }

    [Fact]
    public void SeveralDiskIds_OneQueryEach_SeveralStatuses_CheckedHere()
    {
        var filter = new SnapshotFilter();
        filter.VolumeIds.Add(V1);
        filter.VolumeIds.Add(V2);
        filter.Statuses.Add("available");
        filter.Statuses.Add("error");
        var plan = ListPlanner.Plan(filter);
        Assert.Equal(new[] { V1, V2 }, plan.Queries.Select(q => q.VolumeId));
        Assert.All(plan.Queries, q => Assert.Null(q.Status));
        Assert.NotNull(plan.LocalFilter);
        Assert.True(plan.LocalFilter!(new SnapshotDetails { Id = "a", Status = "error", VolumeId = V1 }));
        Assert.False(plan.LocalFilter(new SnapshotDetails { Id = "b", Status = "creating", VolumeId = V1 }));
    }

    [Fact]
    public void ManyDiskIds_OneListingCheckedHere()
    {
        var filter = new SnapshotFilter();
        for (int i = 0; i <= ListPlanner.MaxQueriesPerFilter; i++) filter.VolumeIds.Add($"11111111-2222-4333-8444-5555555555{i:00}");
        var plan = ListPlanner.Plan(filter);
        Assert.Null(Assert.Single(plan.Queries).VolumeId);
        Assert.True(plan.LocalFilter!(new SnapshotDetails { Id = "a", Status = "available", VolumeId = filter.VolumeIds[3] }));
        Assert.False(plan.LocalFilter(new SnapshotDetails { Id = "b", Status = "available", VolumeId = V1 }));
    }

    [Fact]
    public void AWildcard_MakesEveryNameACheckHere_ExactOnesCompareOrdinally()
    {
        var filter = new VolumeFilter();
        filter.Names.Add(NamePattern.Exact("db01"));
        filter.Names.Add(NamePattern.Wildcard("web*", n => n.StartsWith("web", StringComparison.OrdinalIgnoreCase)));
        var plan = ListPlanner.Plan(filter);
        Assert.Null(Assert.Single(plan.Queries).Name);
        Assert.True(plan.LocalFilter!(new VolumeDetails { Id = "1", Name = "db01", Status = "in-use" }));
        Assert.False(plan.LocalFilter(new VolumeDetails { Id = "2", Name = "DB01", Status = "in-use" }));
        Assert.True(plan.LocalFilter(new VolumeDetails { Id = "3", Name = "WEB02", Status = "in-use" }));
    }

    [Fact]
    public void VolumeMetadata_GoesToTheServer_SnapshotMetadataIsCheckedHere()
    {
        var volumes = new VolumeFilter();
        volumes.Metadata["hw:passthrough"] = "true";
        var plan = ListPlanner.Plan(volumes);
        Assert.Equal("true", Assert.Single(plan.Queries).Metadata!["hw:passthrough"]);
        Assert.Null(plan.LocalFilter);

        var snapshots = new SnapshotFilter();
        snapshots.Metadata["purpose"] = "hourly";
        var local = ListPlanner.Plan(snapshots).LocalFilter!;
        Assert.True(local(new SnapshotDetails { Id = "a", Metadata = new Dictionary<string, string> { ["purpose"] = "hourly", ["x"] = "y" } }));
        Assert.False(local(new SnapshotDetails { Id = "b", Metadata = new Dictionary<string, string> { ["purpose"] = "Hourly" } }));
    }

    [Fact]
    public void CreatedWindow_IsStrict_AndAMissingTimeNeverMatches()
    {
        var cut = new DateTime(2026, 12, 1, 0, 0, 0, DateTimeKind.Utc);
        var filter = new SnapshotFilter { CreatedBeforeUtc = cut };
        var local = ListPlanner.Plan(filter).LocalFilter!;
        Assert.True(local(new SnapshotDetails { Id = "a", CreatedAtUtc = cut.AddTicks(-1) }));
        Assert.False(local(new SnapshotDetails { Id = "b", CreatedAtUtc = cut }));
        Assert.False(local(new SnapshotDetails { Id = "c" }));
    }

    [Fact]
    public void Cutoff_AgeIsBeforeNow_UnspecifiedDateIsLocal_UtcStaysUtc()
    {
        var now = new DateTime(2026, 12, 8, 12, 0, 0, DateTimeKind.Utc);
        Assert.Equal(now.AddDays(-7), InputValidator.CreatedCutoff(TimeSpan.FromDays(7), now, "OlderThan"));
        Assert.Equal(now.AddDays(-7), InputValidator.CreatedCutoff("7.00:00:00", now, "OlderThan"));
        var local = new DateTime(2026, 12, 1, 19, 21, 0, DateTimeKind.Unspecified);
        Assert.Equal(TimeZoneInfo.ConvertTimeToUtc(local, TimeZoneInfo.Local), InputValidator.CreatedCutoff(local, now, "OlderThan"));
        Assert.Equal(now, InputValidator.CreatedCutoff(now, now, "OlderThan"));
        Assert.Equal(now, InputValidator.CreatedCutoff(new DateTimeOffset(2026, 12, 8, 20, 0, 0, TimeSpan.FromHours(8)), now, "OlderThan"));
        Assert.Equal("InvalidAge", Assert.Throws<EvsValidationException>(() => InputValidator.CreatedCutoff(7, now, "OlderThan")).ErrorId);
        Assert.Equal("InvalidAge", Assert.Throws<EvsValidationException>(() => InputValidator.CreatedCutoff(TimeSpan.FromDays(-1), now, "OlderThan")).ErrorId);
    }

    [Fact]
    public void ExactName_MustNameOneDisk_AWildcardMayNameMany()
    {
        var a = new VolumeDetails { Id = V1, Name = "web01", Status = "in-use" };
        var b = new VolumeDetails { Id = V2, Name = "web01", Status = "available" };
        Assert.Equal("VolumeNameNotFound", NameRule.Volumes(NamePattern.Exact("web01"), Array.Empty<VolumeDetails>())!.ErrorId);
        var ambiguous = NameRule.Volumes(NamePattern.Exact("web01"), new[] { a, b })!;
        Assert.Equal("VolumeNameAmbiguous", ambiguous.ErrorId);
        Assert.Contains(V1, ambiguous.Message);
        Assert.Contains(V2, ambiguous.Message);
        Assert.Null(NameRule.Volumes(NamePattern.Exact("web01"), new[] { a }));
        Assert.Null(NameRule.Volumes(NamePattern.Wildcard("web*", _ => true), new[] { a, b }));
        Assert.Null(NameRule.Volumes(NamePattern.Wildcard("zz*", _ => false), Array.Empty<VolumeDetails>()));
        var s1 = new SnapshotDetails { Id = V1, Name = "x" };
        var s2 = new SnapshotDetails { Id = V2, Name = "x" };
        Assert.Equal("SnapshotNameAmbiguous", NameRule.Snapshots(NamePattern.Wildcard("x*", _ => true), new[] { s1, s2 }, oneOnly: true)!.ErrorId);
    }

    [Fact]
    public void UnknownZone_NamesTheZonesThatExist_ACaseSlipIsPointedOut()
    {
        var zones = new[] { "cn-north-4a", "cn-north-4b" };
        Assert.Null(ZoneRule.Unknown("cn-north-4a", zones));
        Assert.Null(ZoneRule.Unknown("anything", Array.Empty<string>()));
        var error = ZoneRule.Unknown("cn-north-4x", zones)!;
        Assert.Equal("AvailabilityZoneNotFound", error.ErrorId);
        Assert.Contains("cn-north-4a, cn-north-4b", error.Message);
        Assert.Contains("did you mean cn-north-4a?", ZoneRule.Unknown("CN-NORTH-4A", zones)!.Message);
    }

    [Fact]
    public void Regions_AreThe34OfTheSdks_AndANearMissIsSuggested()
    {
        Assert.Equal(34, Regions.All.Count);
        Assert.Equal(34, Regions.All.Distinct().Count());
        Assert.True(Regions.IsKnown("cn-north-4"));
        Assert.False(Regions.IsKnown("cn-north-3"));
        Assert.Equal("cn-north-4", Regions.Closest("cn-nort-4"));
        Assert.Null(Regions.Closest("private-region-1"));
    }

    [Theory]
    [InlineData("", "")]
    [InlineData("b=2|a=1", "a=1; b=2")]
    [InlineData("k;1=v=1|back\\slash=x", "back\\\\slash=x; k\\;1=v\\=1")]
    public void MetadataText_SortsEscapesAndJoins(string pairs, string expected)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs.Split('|', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = pair.IndexOf('=');
            map[pair[..eq]] = pair[(eq + 1)..];
        }
        Assert.Equal(expected, MetadataText.Format(map));
    }

    [Theory]
    [InlineData("VolumeId", "db01", "Did you mean -VolumeName db01?")]
    [InlineData("Id", "db01-weekly", "Did you mean -Name db01-weekly?")]
    [InlineData("VolumeId", "my disk", "Did you mean -VolumeName 'my disk'?")]
    public void ANameGivenAsAnId_IsPointedToTheNameParameter(string parameter, string value, string advice)
    {
        var error = Assert.Throws<EvsValidationException>(() => InputValidator.VolumeId(value, parameter));
        Assert.Equal(EvsAdvice.UseNameParameter, error.Advice);
        Assert.StartsWith(advice, ErrorAdvice.RecommendedAction(error));
    }

    [Theory]
    [InlineData("3e17ba96-ae04-4d3b-9986")]
    [InlineData("../../cloudvolumes")]
    public void AGarbledId_IsNotTakenForAName(string value) =>
        Assert.Equal(EvsAdvice.None, Assert.Throws<EvsValidationException>(() => InputValidator.VolumeId(value)).Advice);
}
