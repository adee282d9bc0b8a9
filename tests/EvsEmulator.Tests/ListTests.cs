using System.Diagnostics;
using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class ListTests
{
    private static List<string> Ids(Resp r) =>
        r.Json["snapshots"]!.AsArray().Select(s => s!["id"]!.GetValue<string>()).ToList();

    [Fact]
    public async Task DefaultList_HasCountAllSeedSnapshots_NewestFirst_NoLinks()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        Assert.Equal(200, r.Code);
        Assert.Equal(4, r.Json["count"]!.GetValue<int>());
        var names = r.Json["snapshots"]!.AsArray().Select(s => s!["name"]!.GetValue<string>()).ToList();
        Assert.Equal("db01-hourly", names[0]);
        Assert.StartsWith("autobk_snapshot_vbs_", names[1]);
        Assert.Equal(["db01-weekly", "db01-monthly"], names[2..]);
        var created = r.Json["snapshots"]!.AsArray().Select(s => s!["created_at"]!.GetValue<string>()).ToList();
        Assert.Equal(created.OrderByDescending(c => c, StringComparer.Ordinal), created);
        Assert.Null(r.Json["snapshots_links"]);
        var backup = r.Json["snapshots"]![1]!;
        Assert.Equal("true", backup["metadata"]!["__system__enableActive"]!.GetValue<string>());
    }

    [Fact]
    public async Task Filters_Name_Status_Volume_Az_Id_ServiceType()
    {
        await using var emu = await Emu.StartAsync();
        async Task<int> Count(string query) => (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?" + query)).Json["count"]!.GetValue<int>();
        Assert.Equal(1, await Count("name=db01-weekly"));
        Assert.Equal(0, await Count("name=db01"));                     // exact, not fuzzy
        Assert.Equal(4, await Count("status=available"));
        Assert.Equal(0, await Count("status=creating"));
        Assert.Equal(3, await Count("volume_id=" + emu.VolumeId("db01")));
        Assert.Equal(3, await Count("availability_zone=cn-north-4a"));
        Assert.Equal(1, await Count("availability_zone=cn-north-4b"));
        Assert.Equal(2, await Count($"id={emu.SeedSnapshotId("db01-weekly")}&id={emu.SeedSnapshotId("db01-monthly")}&id=00000000-0000-4000-8000-000000000000"));
        Assert.Equal(4, await Count("service_type=EVS"));
        Assert.Equal(0, await Count("service_type=DSS"));
    }

    [Theory]
    [InlineData("limit=abc", "EVS.5400", "limit param must be an integer.")]
    [InlineData("limit=", "EVS.5400", "limit param must be an integer.")]
    [InlineData("limit=1.5", "EVS.5400", "limit param must be an integer.")]
    [InlineData("limit=0", "EVS.5400", "limit param must be positive.")]
    [InlineData("limit=-3", "EVS.5400", "limit param must be positive.")]
    [InlineData("limit=1001", "EVS.2142", "invalid filter limit, can not greater than 1000.")]
    [InlineData("offset=x", "EVS.5400", "offset param must be an integer.")]
    [InlineData("offset=-1", "EVS.5400", "offset param must be positive.")]
    [InlineData("marker=zzz", "EVS.1024", "invalid filter marker!")]
    [InlineData("marker=00000000-0000-4000-8000-000000000000", "EVS.1024", "invalid filter marker!")]
    public async Task PagingParameterValidation(string query, string code, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?" + query);
        Assert.Equal(400, r.Code);
        Assert.Equal(code, r.ErrorCode);
        Assert.Equal(message, r.ErrorMessage);
    }

    [Fact]
    public async Task LimitCutsShort_EmitsCinderStyleNextLink_KeepingFilters()
    {
        await using var emu = await Emu.StartAsync();
        var vol = emu.VolumeId("db01");
        var r = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?volume_id={vol}&limit=2&offset=0");
        Assert.Equal(3, r.Json["count"]!.GetValue<int>());
        var ids = Ids(r);
        Assert.Equal(2, ids.Count);
        var link = Assert.Single(r.Json["snapshots_links"]!.AsArray())!;
        Assert.Equal("next", link["rel"]!.GetValue<string>());
        Assert.Equal($"{emu.BaseUrl}{emu.Evs}/cloudsnapshots/detail?volume_id={vol}&limit=2&marker={ids[1]}", link["href"]!.GetValue<string>());

        var next = await emu.GetAsync(new Uri(link["href"]!.GetValue<string>()).PathAndQuery);
        Assert.Equal(3, next.Json["count"]!.GetValue<int>());
        Assert.Equal(emu.SeedSnapshotId("db01-monthly"), Assert.Single(Ids(next)));
        Assert.Null(next.Json["snapshots_links"]);
    }

    [Fact]
    public async Task OffsetPaging_WithPageCap_VisitsEveryItemExactlyOnce()
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal(201, (await emu.AdminAsync(HttpMethod.Post, "snapshots", "{\"count\":2500}")).Code);
        var seen = new List<string>();
        for (var offset = 0; ; offset += 1000)
        {
            // No limit: the default page cap (1000) applies and still emits links.
            var r = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?offset={offset}");
            Assert.Equal(2504, r.Json["count"]!.GetValue<int>());
            var page = Ids(r);
            Assert.True(page.Count <= 1000);
            Assert.Equal(page.Count == 1000 && offset + 1000 < 2504, r.Json["snapshots_links"] is not null);
            seen.AddRange(page);
            if (page.Count < 1000) break;
        }
        Assert.Equal(2504, seen.Count);
        Assert.Equal(2504, seen.Distinct().Count());
    }

    [Fact]
    public async Task SmallPageCap_FollowingLinks_VisitsEveryItemExactlyOnce()
    {
        await using var emu = await Emu.StartAsync("--page-cap", "100");
        await emu.AdminAsync(HttpMethod.Post, "snapshots", "{\"count\":450}");
        var seen = new List<string>();
        var path = emu.Evs + "/cloudsnapshots/detail?limit=500";   // asks for more than the cap
        var pages = 0;
        while (path is not null)
        {
            var r = await emu.GetAsync(path);
            Assert.Equal(200, r.Code);
            var page = Ids(r);
            Assert.True(page.Count <= 100);
            seen.AddRange(page);
            pages++;
            path = r.Json["snapshots_links"]?[0]?["href"] is { } href ? new Uri(href.GetValue<string>()).PathAndQuery : null;
        }
        Assert.Equal(5, pages);
        Assert.Equal(454, seen.Distinct().Count());
        Assert.Equal(454, seen.Count);
    }

    [Fact]
    public async Task MarkerOfDeletedSnapshot_StillContinuesTheListing()
    {
        await using var emu = await Emu.StartAsync("--delete-seconds", "0");
        var first = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=1");
        var markerId = Ids(first)[0];
        await emu.PatchConfigAsync("{\"protectBackupSnapshots\":false}");
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Delete, $"{emu.Evs}/cloudsnapshots/{markerId}")).Code);
        var next = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=10&marker=" + markerId);
        Assert.Equal(200, next.Code);
        Assert.Equal(3, Ids(next).Count);
        Assert.DoesNotContain(markerId, Ids(next));
    }

    [Fact]
    public async Task FiftyThousandSnapshots_SeedFast_AndPageInMilliseconds()
    {
        await using var emu = await Emu.StartAsync();
        var sw = Stopwatch.StartNew();
        var seed = await emu.AdminAsync(HttpMethod.Post, "snapshots", "{\"count\":50000,\"namePrefix\":\"perf-\"}");
        Assert.Equal(201, seed.Code);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(4), $"bulk seed took {sw.ElapsedMilliseconds} ms");

        await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=1000"); // warm-up (JIT)
        sw.Restart();
        var page = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?limit=1000&offset=25000");
        var elapsed = sw.Elapsed;
        Assert.Equal(50004, page.Json["count"]!.GetValue<int>());
        Assert.Equal(1000, page.Json["snapshots"]!.AsArray().Count);
        Assert.True(elapsed < TimeSpan.FromMilliseconds(500), $"page took {elapsed.TotalMilliseconds} ms");

        var filtered = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?volume_id={emu.VolumeId("app01")}&limit=1");
        Assert.True(filtered.Json["count"]!.GetValue<int>() > 5000);
    }

    [Fact]
    public async Task OrderIsStable_ForEqualCreatedAt_ById()
    {
        await using var emu = await Emu.StartAsync();
        var a = emu.SeedSnapshotId("db01-weekly");
        var b = emu.SeedSnapshotId("db01-monthly");
        foreach (var id in new[] { a, b })
            await emu.AdminAsync(HttpMethod.Patch, "snapshots/" + id, "{\"createdAt\":\"2020-01-01T00:00:00\"}");
        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        var ids = Ids(r);
        Assert.Equal(new[] { a, b }.OrderBy(x => x, StringComparer.Ordinal), ids[^2..]);
        Assert.Equal("2020-01-01T00:00:00.000000", r.Json["snapshots"]![3]!["created_at"]!.GetValue<string>());
    }

    [Fact]
    public async Task UnknownPathOrMethod_IsApigw0101()
    {
        await using var emu = await Emu.StartAsync();
        foreach (var (method, path) in new[]
                 {
                     (HttpMethod.Get, emu.Evs + "/cloudsnapshots"),
                     (HttpMethod.Patch, emu.Evs + "/cloudsnapshots/" + emu.SeedSnapshotId("db01-weekly")),
                     (HttpMethod.Get, emu.Evs + "/nothing"),
                     (HttpMethod.Get, "/"),
                 })
        {
            var r = await emu.SendAsync(method, path, null, Cred.None);
            Assert.Equal(404, r.Code);
            Assert.Equal("APIGW.0101", r.Json["error_code"]!.GetValue<string>());
            Assert.Equal(r.Header("X-Request-Id"), r.Json["request_id"]!.GetValue<string>());
        }
    }

    [Fact]
    public async Task ResponseHeaders_RequestIdEverywhere_NoServerHeader()
    {
        await using var emu = await Emu.StartAsync();
        foreach (var r in new[]
                 {
                     await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail"),
                     await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.None),
                     await emu.GetAsync(emu.Evs + "/cloudsnapshots/xyz"),
                     await emu.GetAsync("/nowhere"),
                 })
        {
            Assert.Matches("^[0-9a-f]{32}$", r.Header("X-Request-Id"));
            Assert.Null(r.Header("Server"));
            Assert.NotNull(r.Raw.Headers.Date);
        }
        var ids = new HashSet<string>();
        for (var i = 0; i < 5; i++) ids.Add((await emu.GetAsync("/nowhere")).Header("X-Request-Id")!);
        Assert.Equal(5, ids.Count);
    }

    [Fact]
    public async Task DateHeader_FollowsClockSkew()
    {
        await using var emu = await Emu.StartAsync("--clock-skew-seconds", "7200");
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail");
        var date = r.Raw.Headers.Date!.Value.UtcDateTime;
        Assert.InRange((date - DateTime.UtcNow).TotalSeconds, 7195, 7205);
        Assert.Single(r.Raw.Headers.GetValues("Date"));
        // Resource timestamps use the same clock.
        var created = DateTime.Parse((await emu.ShowSnapshotAsync(await emu.CreateSnapshotAsync()))["created_at"]!.GetValue<string>(),
            null, System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);
        Assert.InRange((created - DateTime.UtcNow).TotalSeconds, 7195, 7205);
    }
}
