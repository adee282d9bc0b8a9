using System.Globalization;
using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>Seeded snapshot histories with exact past creation times (POST /__emulator/snapshots with items) and faults
/// limited by query string, for retention tests (issue 15).</summary>
public class HistoryTests
{
    private static readonly DateTime Day0 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>400 nightly snapshots of two disks: midnight UTC of each day, then one at 23:59:59.999999.</summary>
    private static JsonArray Nightly()
    {
        var items = new JsonArray();
        for (var d = 0; d < 400; d++)
        {
            var day = Day0.AddDays(d);
            items.Add(new JsonObject
            {
                ["name"] = $"nightly-{day:yyyyMMdd}", ["volumeName"] = "db01",
                ["createdAt"] = day.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                ["metadata"] = new JsonObject { ["policy"] = "nightly" },
            });
            items.Add(new JsonObject
            {
                ["name"] = $"late-{day:yyyyMMdd}", ["volumeName"] = "db02",
                ["createdAt"] = day.AddDays(1).AddTicks(-10).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture),
                ["description"] = "last microsecond of the day",
            });
        }
        return items;
    }

    [Fact]
    public async Task Items_AreStoredWithExactTimes_AndListInCreatedAtOrder()
    {
        await using var emu = await Emu.StartAsync();
        var posted = await emu.AdminAsync(HttpMethod.Post, "snapshots", new JsonObject { ["items"] = Nightly() }.ToJsonString());
        Assert.True(posted.Code == 201, posted.Body);
        Assert.Equal(800, posted.Json["count"]!.GetValue<int>());
        var ids = posted.Json["ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Equal(800, ids.Distinct().Count());

        var all = new List<JsonNode>();
        for (var offset = 0; ; offset += 1000)
        {
            var page = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?limit=1000&offset={offset}");
            var batch = page.Json["snapshots"]!.AsArray();
            all.AddRange(batch.Select(x => x!));
            if (batch.Count < 1000) break;
        }
        Assert.Equal(804, all.Count);
        var history = all.Where(s => s["name"]!.GetValue<string>() is var n && (n.StartsWith("nightly-") || n.StartsWith("late-"))).ToList();
        Assert.Equal(800, history.Count);
        var first = history.Single(s => s["name"]!.GetValue<string>() == "nightly-20240101");
        Assert.Equal("2024-01-01T00:00:00.000000", first["created_at"]!.GetValue<string>());
        Assert.Equal("nightly", first["metadata"]!["policy"]!.GetValue<string>());
        Assert.Equal(emu.VolumeId("db01"), first["volume_id"]!.GetValue<string>());
        var late = history.Single(s => s["name"]!.GetValue<string>() == "late-20240101");
        Assert.Equal("2024-01-01T23:59:59.999999", late["created_at"]!.GetValue<string>());
        Assert.Equal("last microsecond of the day", late["description"]!.GetValue<string>());
        var times = all.Select(s => s["created_at"]!.GetValue<string>()).ToList();
        Assert.Equal(times.OrderDescending(StringComparer.Ordinal), times);
    }

    [Fact]
    public async Task SameCreationTime_IsOrderedById_AndFixedIdsAndStatusesAreKept()
    {
        await using var emu = await Emu.StartAsync();
        var ids = new[] { "cccccccc-0000-4000-8000-000000000001", "aaaaaaaa-0000-4000-8000-000000000001", "bbbbbbbb-0000-4000-8000-000000000001" };
        var items = new JsonArray(ids.Select((id, i) => (JsonNode)new JsonObject
        {
            ["id"] = id, ["name"] = "same", ["volumeId"] = emu.VolumeId("web01"), ["createdAt"] = "2023-06-01T12:00:00Z",
            ["status"] = i == 0 ? "error" : "available",
        }).ToArray());
        Assert.Equal(201, (await emu.AdminAsync(HttpMethod.Post, "snapshots", new JsonObject { ["items"] = items }.ToJsonString())).Code);
        var listed = (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?name=same")).Json["snapshots"]!.AsArray();
        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(s => s!["id"]!.GetValue<string>()));
        Assert.Equal("error", listed.Single(s => s!["id"]!.GetValue<string>() == ids[0])!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task RelativeTimesAndTheDefaultNow_UseTheEmulatorClock()
    {
        await using var emu = await Emu.StartAsync();
        await emu.AdminAsync(HttpMethod.Post, "clock", "{\"set\":\"2025-03-30T01:30:00Z\",\"freeze\":true}");
        var body = "{\"items\":[{\"name\":\"a\",\"volumeName\":\"app01\",\"createdAt\":\"-1d2h\"},{\"name\":\"b\",\"volumeName\":\"app01\"}]}";
        Assert.Equal(201, (await emu.AdminAsync(HttpMethod.Post, "snapshots", body)).Code);
        var snaps = (await emu.AdminAsync(HttpMethod.Get, $"snapshots?volumeId={emu.VolumeId("app01")}")).Json["snapshots"]!.AsArray();
        Assert.Equal("2025-03-28T23:30:00.000000", snaps.Single(s => s!["name"]!.GetValue<string>() == "a")!["createdAt"]!.GetValue<string>());
        Assert.Equal("2025-03-30T01:30:00.000000", snaps.Single(s => s!["name"]!.GetValue<string>() == "b")!["createdAt"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("[{\"name\":\"x\"}]", "items[0]: give exactly one of volumeId or volumeName")]
    [InlineData("[{\"volumeName\":\"db01\"},{\"volumeName\":\"nope\"}]", "items[1].volumeName: no volume named 'nope'")]
    [InlineData("[{\"volumeName\":\"db01\",\"createdAt\":\"2999-01-01T00:00:00Z\"}]", "items[0].createdAt: '2999-01-01T00:00:00Z' is in the future")]
    [InlineData("[{\"volumeName\":\"db01\",\"status\":\"gone\"}]", "items[0].status: must be one of")]
    [InlineData("[{\"volumeName\":\"db01\",\"colour\":\"red\"}]", "items[0].colour: unknown field")]
    [InlineData("[{\"volumeName\":\"db01\",\"metadata\":{\"k\":1}}]", "items[0].metadata.k: must be a string")]
    public async Task BadItem_Is400_AndAddsNothing(string items, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.AdminAsync(HttpMethod.Post, "snapshots", $"{{\"items\":{items}}}");
        Assert.Equal(400, r.Code);
        Assert.Contains(message, r.Json["error"]!.GetValue<string>());
        Assert.Equal(4, (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task Items_ForAnotherProject()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, cred, _) = emu.Features();
        var body = $"{{\"projectId\":\"{pid}\",\"items\":[{{\"name\":\"old\",\"volumeName\":\"enc01\",\"createdAt\":\"-400d\"}}]}}";
        Assert.Equal(201, (await emu.AdminAsync(HttpMethod.Post, "snapshots", body)).Code);
        Assert.Equal(1, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail?name=old", cred)).Json["count"]!.GetValue<int>());
        Assert.Equal(0, (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?name=old")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task FaultsQuery_FailsOnlyTheLaterPages()
    {
        await using var emu = await Emu.StartAsync();
        await emu.AdminAsync(HttpMethod.Post, "snapshots", "{\"count\":30}");
        var patched = await emu.PatchConfigAsync("{\"faults\":{\"503\":1,\"paths\":\"/cloudsnapshots/detail$\",\"query\":\"offset=[1-9]\"}}");
        Assert.Equal("offset=[1-9]", patched.Json["faults"]!["query"]!.GetValue<string>());
        Assert.Equal(200, (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?limit=10")).Code);
        Assert.Equal(200, (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?limit=10&offset=0")).Code);
        var second = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?limit=10&offset=10");
        Assert.Equal(503, second.Code);
        Assert.Equal("EVS.5503", second.ErrorCode);
        Assert.Equal(200, (await emu.GetAsync($"{emu.Evs}/cloudvolumes/detail?offset=5")).Code);
        Assert.Equal(1, (await emu.AdminAsync(HttpMethod.Get, "stats")).Json["faults"]!["503"]!.GetValue<int>());

        Assert.Equal(400, (await emu.PatchConfigAsync("{\"faults\":{\"query\":\"(\"}}")).Code);
        var cleared = await emu.PatchConfigAsync("{\"faults\":{\"query\":null}}");
        Assert.Null(cleared.Json["faults"]!["query"]);
        Assert.Equal(503, (await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail")).Code);
    }
}
