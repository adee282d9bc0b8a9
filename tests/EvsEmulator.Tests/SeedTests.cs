using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The seed document format: --seed-file, POST/GET /__emulator/seed, derived and fixed ids, validation.</summary>
public class SeedTests
{
    private const string FixedVolumeId = "11111111-2222-4333-8444-555555555555";

    private const string Small = """
        {
          "seedFormatVersion": 1,
          "region": "eu-west-0",
          "domains": [{"name": "acme"}],
          "users": [{"name": "alice", "password": "Alice-Passw0rd!", "domain": "acme"}],
          "accessKeys": [{"access": "ACMEAK00000000000001", "secret": "acme-secret", "domain": "acme", "user": "alice"}],
          "projects": [{
            "name": "eu-west-0", "domain": "acme",
            "servers": [{"name": "web-1", "availabilityZone": "eu-west-0b"}],
            "volumes": [
              {"name": "root", "size": 40, "volumeType": "SSD", "availabilityZone": "eu-west-0b", "status": "in-use",
               "bootable": true, "attachments": [{"server": "web-1"}], "createdAt": "-10d"},
              {"name": "data", "id": "11111111-2222-4333-8444-555555555555", "size": 100, "volumeType": "SAS",
               "availabilityZone": "eu-west-0a", "metadata": {"team": "blue"}, "createdAt": "2024-05-01T10:00:00Z"},
              {"name": "logs", "size": 20, "availabilityZone": "eu-west-0b", "status": "in-use", "attachments": [{"server": "web-1"}],
               "createdAt": "-1d"}
            ],
            "snapshots": [
              {"name": "data-before-upgrade", "volume": "data", "createdAt": "-3d", "description": "before upgrade"}
            ]
          }]
        }
        """;

    private static async Task<string> TempFile(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "evs-seed-" + Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, text);
        return path;
    }

    private static Cred Acme(Emu emu) => Emu.Signed("ACMEAK00000000000001", "acme-secret", emu.Pid);

    [Fact]
    public async Task SeedFile_DescribesTheWholeState()
    {
        var file = await TempFile(Small);
        try
        {
            await using var emu = await Emu.StartAsync("--seed-file", file);
            var i = emu.Info;
            Assert.Equal("file", i["seedSource"]!.GetValue<string>());
            Assert.Equal("eu-west-0", i["region"]!.GetValue<string>());
            Assert.Equal("acme", i["domainName"]!.GetValue<string>());
            Assert.Equal("alice", i["userName"]!.GetValue<string>());
            Assert.Equal("ACMEAK00000000000001", i["accessKey"]!.GetValue<string>());
            Assert.Null(i["tempAccessKey"]);
            Assert.Matches("^[0-9a-f]{32}$", emu.Pid);
            Assert.Equal(["eu-west-0b", "eu-west-0a"], i["availabilityZones"]!.AsArray().Select(z => z!.GetValue<string>()));
            Assert.Equal(FixedVolumeId, emu.VolumeId("data"));

            var list = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?sort_key=created_at&sort_dir=asc", Acme(emu));
            Assert.Equal(200, list.Code);
            Assert.Equal(["data", "root", "logs"], list.Json["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()));
            var data = list.Json["volumes"]![0]!;
            Assert.Equal("2024-05-01T10:00:00.000000", data["created_at"]!.GetValue<string>());
            Assert.Equal("blue", data["metadata"]!["team"]!.GetValue<string>());
            Assert.Equal("available", data["status"]!.GetValue<string>());
            var root = list.Json["volumes"]![1]!;
            Assert.Equal("true", root["bootable"]!.GetValue<string>());
            Assert.Equal("/dev/sda", root["attachments"]![0]!["device"]!.GetValue<string>());
            var logs = list.Json["volumes"]![2]!;
            Assert.Equal("/dev/sdb", logs["attachments"]![0]!["device"]!.GetValue<string>());
            Assert.Equal("SSD", logs["volume_type"]!.GetValue<string>());
            var server = Assert.Single(i["servers"]!.AsArray())!;
            Assert.Equal(server["id"]!.GetValue<string>(), root["attachments"]![0]!["server_id"]!.GetValue<string>());
            Assert.Equal(DateTime.UtcNow.AddDays(-10).Date, DateTime.Parse(root["created_at"]!.GetValue<string>()).Date);

            var snap = Assert.Single((await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Acme(emu))).Json["snapshots"]!.AsArray())!;
            Assert.Equal(FixedVolumeId, snap["volume_id"]!.GetValue<string>());
            Assert.Equal(100, snap["size"]!.GetValue<int>());
            Assert.Equal("before upgrade", snap["description"]!.GetValue<string>());

            Assert.Equal(201, (await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens",
                "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"alice\",\"password\":\"Alice-Passw0rd!\",\"domain\":{\"name\":\"acme\"}}}},\"scope\":{\"project\":{\"name\":\"eu-west-0\"}}}}",
                Cred.None)).Code);
            // The default seed's key does not exist here.
            var old = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail",
                Emu.Signed("EMULATORAK0000000001", "EmulatorSecretKey0000000000000000000001", emu.Pid));
            Assert.Equal(401, old.Code);
            Assert.EndsWith("ak EMULATORAK0000000001 not exist", old.ErrorMessage);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task DerivedIds_FollowTheSeed_FixedIdsDoNot()
    {
        await using var a = await Emu.StartAsync();
        await a.AdminAsync(HttpMethod.Post, "seed", Small);
        await using var b = await Emu.StartAsync();
        await b.AdminAsync(HttpMethod.Post, "seed", Small);
        await using var c = await Emu.StartAsync("--seed", "7");
        await c.AdminAsync(HttpMethod.Post, "seed", Small);
        static async Task<JsonNode> Info(Emu e) => (await e.AdminAsync(HttpMethod.Get, "info")).Json;
        var (ia, ib, ic) = (await Info(a), await Info(b), await Info(c));
        Assert.Equal(ia["volumeIds"]!["root"]!.GetValue<string>(), ib["volumeIds"]!["root"]!.GetValue<string>());
        Assert.Equal(ia["projectId"]!.GetValue<string>(), ib["projectId"]!.GetValue<string>());
        Assert.NotEqual(ia["volumeIds"]!["root"]!.GetValue<string>(), ic["volumeIds"]!["root"]!.GetValue<string>());
        Assert.NotEqual(ia["projectId"]!.GetValue<string>(), ic["projectId"]!.GetValue<string>());
        Assert.Equal(FixedVolumeId, ic["volumeIds"]!["data"]!.GetValue<string>());
        // Fixing an id does not shift the others: "logs" is the third disk either way.
        var unfixed = Small.Replace("\"id\": \"11111111-2222-4333-8444-555555555555\", ", "");
        await b.AdminAsync(HttpMethod.Post, "seed", unfixed);
        var ib2 = await Info(b);
        Assert.NotEqual(FixedVolumeId, ib2["volumeIds"]!["data"]!.GetValue<string>());
        Assert.Equal(ia["volumeIds"]!["logs"]!.GetValue<string>(), ib2["volumeIds"]!["logs"]!.GetValue<string>());
    }

    [Fact]
    public async Task PostSeed_ReplacesEverything_AndResetReturnsToIt_GetSeedReturnsIt()
    {
        await using var emu = await Emu.FastAsync();
        var defaultSeed = (await emu.AdminAsync(HttpMethod.Get, "seed")).Json;
        Assert.Equal(1, defaultSeed["seedFormatVersion"]!.GetValue<int>());
        Assert.Equal(3, defaultSeed["projects"]!.AsArray().Count);

        await emu.PatchConfigAsync("{\"pageCap\":5}");
        var posted = await emu.AdminAsync(HttpMethod.Post, "seed", Small);
        Assert.Equal(200, posted.Code);
        Assert.True(posted.Json["reset"]!.GetValue<bool>());
        Assert.Equal(1, posted.Json["projects"]!.GetValue<int>());
        Assert.Equal(3, posted.Json["volumes"]!.GetValue<int>());
        Assert.Equal(1000, (await emu.AdminAsync(HttpMethod.Get, "config")).Json["pageCap"]!.GetValue<int>());

        var info = (await emu.AdminAsync(HttpMethod.Get, "info")).Json;
        Assert.Equal("posted", info["seedSource"]!.GetValue<string>());
        var pid = info["projectId"]!.GetValue<string>();
        var cred = Emu.Signed("ACMEAK00000000000001", "acme-secret", pid);
        var data = info["volumeIds"]!["data"]!.GetValue<string>();
        Assert.Equal(202, (await emu.SendAsync(HttpMethod.Post, $"/v2/{pid}/cloudsnapshots", $"{{\"snapshot\":{{\"volume_id\":\"{data}\"}}}}", cred)).Code);
        Assert.Equal(2, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", cred)).Json["count"]!.GetValue<int>());

        await emu.AdminAsync(HttpMethod.Post, "reset");
        Assert.Equal(1, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", cred)).Json["count"]!.GetValue<int>());
        Assert.Equal("acme", (await emu.AdminAsync(HttpMethod.Get, "seed")).Json["domains"]![0]!["name"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("{\"seedFormatVersion\":2,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\"}]}", "seedFormatVersion 2 is not supported")]
    [InlineData("{\"seedFormatVersion\":\"2.0\",\"domains\":[],\"projects\":[]}", "seedFormatVersion 2.0 is not supported")]
    [InlineData("{\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\"}]}", "seedFormatVersion is required")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[{\"name\":\"v\",\"sise\":1}]}]}", "projects[0].volumes[0].sise: unknown field")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"b\"}]}", "projects[0].domain: no domain named 'b'")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[{\"name\":\"v\"}],\"snapshots\":[{\"name\":\"s\",\"volume\":\"w\"}]}]}", "projects[0].snapshots[0].volume: no volume named 'w'")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[{\"name\":\"v\",\"status\":\"in-use\"}]}]}", "projects[0].volumes[0].attachments: an in-use volume needs at least one attachment")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[{\"name\":\"v\"}],\"snapshots\":[{\"name\":\"s\",\"volume\":\"v\",\"createdAt\":\"2999-01-01T00:00:00Z\"}]}]}", "is in the future")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[{\"name\":\"v\",\"size\":0}]}]}", "projects[0].volumes[0].size: must be an integer between 1 and 32768")]
    [InlineData("{\"seedFormatVersion\":1,\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\"}],\"agencies\":[{\"name\":\"g\",\"domain\":\"a\"}]}", "agencies[0]: give exactly one of trustedDomain")]
    public async Task BadSeed_Is400WithWhereAndWhy_AndChangesNothing(string seed, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.AdminAsync(HttpMethod.Post, "seed", seed);
        Assert.Equal(400, r.Code);
        var error = r.Json["error"]!.GetValue<string>();
        Assert.StartsWith("seed: ", error);
        Assert.Contains(message, error);
        var info = (await emu.AdminAsync(HttpMethod.Get, "info")).Json;
        Assert.Equal("default", info["seedSource"]!.GetValue<string>());
        Assert.Equal(emu.Pid, info["projectId"]!.GetValue<string>());
    }

    [Fact]
    public async Task BadSeedFile_FailsAtStartUp_NamingTheFile()
    {
        var file = await TempFile("{\"seedFormatVersion\":3}");
        try
        {
            var e = Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--seed-file", file]));
            Assert.Contains(file, e.Message);
            Assert.Contains("seedFormatVersion 3 is not supported", e.Message);
            Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--seed-file", file + ".missing"]));
        }
        finally
        {
            File.Delete(file);
        }
        await using var emu = await Emu.StartAsync();
        Assert.Equal(400, (await emu.PatchConfigAsync("{\"seedFile\":\"x.json\"}")).Code);
    }

    [Fact]
    public async Task DefaultSeed_RoundTrips()
    {
        await using var emu = await Emu.StartAsync();
        var seed = (await emu.AdminAsync(HttpMethod.Get, "seed")).Body;
        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Post, "seed", seed)).Code);
        var info = (await emu.AdminAsync(HttpMethod.Get, "info")).Json;
        Assert.Equal(emu.Info["volumeIds"]!.ToJsonString(), info["volumeIds"]!.ToJsonString());
        Assert.Equal(emu.Info["projects"]![1]!["volumeIds"]!.ToJsonString(), info["projects"]![1]!["volumeIds"]!.ToJsonString());
        Assert.Equal(emu.SeedSnapshotId("db01-weekly"),
            info["snapshots"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "db01-weekly")!["id"]!.GetValue<string>());
    }
}
