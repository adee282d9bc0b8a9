using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>Several accounts and projects in the default seed: each project has its own disks and snapshots, and a
/// credential may use only its own account's projects.</summary>
public class AccountTests
{
    private static JsonNode Normalize(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o.Where(p => p.Key is not ("created_at" or "updated_at" or "attached_at"))
            .Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : (JsonNode?)Normalize(p.Value)))),
        JsonArray a => new JsonArray(a.Select(x => x is null ? null : (JsonNode?)Normalize(x)).ToArray()),
        JsonValue v when v.GetValueKind() == System.Text.Json.JsonValueKind.String =>
            JsonValue.Create(Regex.Replace(v.GetValue<string>(), @"http://127\.0\.0\.1:\d+", "http://HOST")),
        _ => node.DeepClone(),
    };

    /// <summary>Every field of <paramref name="golden"/> is in <paramref name="actual"/> with the same value (objects may
    /// have more fields: versions only add); arrays have the same length and order.</summary>
    private static void AssertContains(JsonNode? golden, JsonNode? actual, string path)
    {
        switch (golden)
        {
            case JsonObject g:
                var a = Assert.IsType<JsonObject>(actual);
                foreach (var (key, value) in g)
                {
                    Assert.True(a.ContainsKey(key), $"{path}.{key} is missing");
                    AssertContains(value, a[key], $"{path}.{key}");
                }
                break;
            case JsonArray ga:
                var aa = Assert.IsType<JsonArray>(actual);
                Assert.True(ga.Count == aa.Count, $"{path}: {aa.Count} items, 1.0 had {ga.Count}");
                for (var i = 0; i < ga.Count; i++) AssertContains(ga[i], aa[i], $"{path}[{i}]");
                break;
            case null:
                Assert.True(actual is null, $"{path}: {actual?.ToJsonString()} instead of null");
                break;
            default:
                Assert.True(golden.ToJsonString() == actual?.ToJsonString(), $"{path}: {actual?.ToJsonString()} instead of {golden.ToJsonString()}");
                break;
        }
    }

    /// <summary>The golden files were recorded from control plane 1.0 with --seed 42 --volumes 2: the first project of
    /// the new default seed must give the same disks and snapshots (ids, WWNs, attachments, servers, order, every 1.0
    /// field with its value); 1.2 only adds fields (serial_number on the SCSI disk shared01, ...).</summary>
    [Theory]
    [InlineData("/cloudvolumes/detail?sort_key=id", "seed42-volumes2-cloudvolumes.json")]
    [InlineData("/cloudsnapshots/detail", "seed42-cloudsnapshots.json")]
    public async Task DefaultProject_IsIdenticalToControlPlane10(string path, string golden)
    {
        await using var emu = await Emu.StartAsync("--volumes", "2");
        var r = await emu.GetAsync(emu.Evs + path);
        Assert.Equal(200, r.Code);
        var expected = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Golden", golden)))!;
        AssertContains(Normalize(expected), Normalize(r.Json), "$");
    }

    [Fact]
    public async Task Info_DescribesAccountsProjectsServersAgenciesAndIdentityProviders()
    {
        await using var emu = await Emu.StartAsync();
        var i = emu.Info;
        Assert.Equal("1.2", i["controlPlaneVersion"]!.GetValue<string>());
        Assert.Equal(1, i["seedFormatVersion"]!.GetValue<int>());
        Assert.Equal("default", i["seedSource"]!.GetValue<string>());
        Assert.Equal(["evs-demo", "evs-partner"], i["domains"]!.AsArray().Select(d => d!["name"]!.GetValue<string>()));
        // 1.2 added the features project (cn-north-4_features) to the default account, after the 1.1 projects.
        Assert.Equal(3, i["projects"]!.AsArray().Count);
        Assert.Equal(emu.Pid, i["projects"]![0]!["id"]!.GetValue<string>());

        var partner = emu.ProjectOf("evs-partner");
        Assert.Equal("cn-north-4", partner["name"]!.GetValue<string>());
        Assert.NotEqual(emu.Pid, partner["id"]!.GetValue<string>());
        Assert.Equal(["partner-sys01", "partner-db01", "partner-data01"], partner["volumeIds"]!.AsObject().Select(p => p.Key));
        Assert.Equal("partner-db01-daily", Assert.Single(partner["snapshots"]!.AsArray())!["name"]!.GetValue<string>());

        var servers = i["servers"]!.AsArray();
        Assert.Equal(["ecs-db01", "ecs-web01", "ecs-app01", "partner-ecs01", "ecs-feat01", "ecs-feat02"], servers.Select(s => s!["name"]!.GetValue<string>()));
        Assert.All(servers, s => Assert.True(Guid.TryParse(s!["id"]!.GetValue<string>(), out _)));

        var agency = i["agencies"]!.AsArray().Single(a => a!["name"]!.GetValue<string>() == "evs-demo-ops")!;
        Assert.Equal("evs-partner", agency["domainName"]!.GetValue<string>());
        Assert.Equal("evs-demo", agency["trustedDomainName"]!.GetValue<string>());
        Assert.Equal(i["domainId"]!.GetValue<string>(), agency["trustedDomainId"]!.GetValue<string>());

        var idp = Assert.Single(i["identityProviders"]!.AsArray())!;
        Assert.Equal("evs-oidc", idp["id"]!.GetValue<string>());
        Assert.Equal("oidc", idp["protocol"]!.GetValue<string>());
        Assert.Equal("fed-ops", idp["idTokens"]![0]!["userName"]!.GetValue<string>());
        Assert.Equal(3, i["accessKeys"]!.AsArray().Count);
        Assert.Equal(2, i["users"]!.AsArray().Count);
    }

    [Fact]
    public async Task Attachments_ReferenceSeededServers()
    {
        await using var emu = await Emu.StartAsync();
        var servers = emu.Info["servers"]!.AsArray().ToDictionary(s => s!["id"]!.GetValue<string>(), s => s!["name"]!.GetValue<string>());
        var db01 = await emu.ShowVolumeAsync(emu.VolumeId("db01"));
        Assert.Equal("ecs-db01", servers[db01["attachments"]![0]!["server_id"]!.GetValue<string>()]);
        var shared = await emu.ShowVolumeAsync(emu.VolumeId("shared01"));
        Assert.Equal(["ecs-db01", "ecs-app01"],
            shared["attachments"]!.AsArray().Select(a => servers[a!["server_id"]!.GetValue<string>()]));

        var (pid, cred) = emu.Partner();
        var list = await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail?server_id=" + servers.First(s => s.Value == "partner-ecs01").Key, cred);
        Assert.Equal(2, list.Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task EachProject_HasItsOwnDisksAndSnapshots()
    {
        await using var emu = await Emu.FastAsync();
        var (pid, cred) = emu.Partner();
        var volumes = await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", cred);
        Assert.Equal(200, volumes.Code);
        Assert.Equal(3, volumes.Json["count"]!.GetValue<int>());
        Assert.All(volumes.Json["volumes"]!.AsArray(), v => Assert.Equal(pid, v!["os-vol-tenant-attr:tenant_id"]!.GetValue<string>()));
        var snapshots = await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", cred);
        var only = Assert.Single(snapshots.Json["snapshots"]!.AsArray())!;
        Assert.Equal(pid, only["os-extended-snapshot-attributes:project_id"]!.GetValue<string>());

        // A snapshot made in the partner project stays there.
        var data01 = emu.ProjectOf("evs-partner")["volumeIds"]!["partner-data01"]!.GetValue<string>();
        var created = await emu.SendAsync(HttpMethod.Post, $"/v2/{pid}/cloudsnapshots",
            $"{{\"snapshot\":{{\"volume_id\":\"{data01}\",\"name\":\"p\"}}}}", cred);
        Assert.Equal(202, created.Code);
        Assert.Equal(2, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", cred)).Json["count"]!.GetValue<int>());
        Assert.Equal(4, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail")).Json["count"]!.GetValue<int>());
        Assert.Equal(9, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Json["count"]!.GetValue<int>());

        // A disk of another project is unknown here (404), even with the right id.
        Assert.Equal(404, (await emu.GetAsync($"{emu.Evs}/cloudvolumes/{data01}")).Code);
        var tooFar = await emu.SendAsync(HttpMethod.Post, emu.Evs + "/cloudsnapshots", $"{{\"snapshot\":{{\"volume_id\":\"{data01}\"}}}}");
        Assert.Equal("EVS.5404", tooFar.ErrorCode);
    }

    [Fact]
    public async Task AkSk_MayUseOnlyItsOwnAccountsProjects()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, partner) = emu.Partner();
        var ownKeyOtherProject = await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", new Cred { ProjectIdHeader = pid });
        Assert.Equal(400, ownKeyOtherProject.Code);
        Assert.Equal("EVS.0001", ownKeyOtherProject.ErrorCode);
        Assert.Equal("invalid tenant id!", ownKeyOtherProject.ErrorMessage);

        var partnerKeyDefaultProject = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail", partner with { ProjectIdHeader = emu.Pid });
        Assert.Equal("EVS.0001", partnerKeyDefaultProject.ErrorCode);

        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray().Last()!;
        Assert.Equal("EMULATORPARTNERAK001", log["credential"]!.GetValue<string>());
        Assert.Equal("permanent", log["credentialSource"]!.GetValue<string>());
        Assert.Equal("evs-partner", log["domain"]!.GetValue<string>());
    }

    [Fact]
    public async Task PasswordTokens_AreScopedToTheUsersAccount()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, partner) = emu.Partner();
        var token = await emu.IssueTokenAsync("cn-north-4", "partner-user", "Partner-Passw0rd!", "evs-partner");
        Assert.Equal(200, (await emu.GetAsync($"/v2/{pid}/cloudsnapshots/detail", Cred.WithToken(token))).Code);
        Assert.Equal("Common.0018", (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.WithToken(token))).ErrorCode);

        // ops-user's password is not partner-user's, and a user of one account cannot log in to the other.
        var wrong = await emu.SendAsync(HttpMethod.Post, "/v3/auth/tokens",
            "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"ops-user\",\"password\":\"Emulator-Passw0rd!\",\"domain\":{\"name\":\"evs-partner\"}}}}}}",
            Cred.None);
        Assert.Equal(401, wrong.Code);

        var projects = await emu.GetAsync("/v3/projects?name=cn-north-4", partner);
        Assert.Equal(pid, Assert.Single(projects.Json["projects"]!.AsArray())!["id"]!.GetValue<string>());
        var mine = await emu.GetAsync("/v3/projects?name=cn-north-4");
        Assert.Equal(emu.Pid, Assert.Single(mine.Json["projects"]!.AsArray())!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task AdminCalls_TakeAProjectId()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, cred) = emu.Partner();
        Assert.Equal(3, (await emu.AdminAsync(HttpMethod.Get, "volumes?projectId=" + pid)).Json["count"]!.GetValue<int>());
        Assert.Equal(9, (await emu.AdminAsync(HttpMethod.Get, "volumes")).Json["count"]!.GetValue<int>());
        Assert.Equal(404, (await emu.AdminAsync(HttpMethod.Get, "volumes?projectId=nope")).Code);

        var added = await emu.AdminAsync(HttpMethod.Post, "volumes", $"{{\"count\":2,\"projectId\":\"{pid}\",\"status\":\"in-use\"}}");
        Assert.Equal(201, added.Code);
        Assert.Equal(5, (await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", cred)).Json["count"]!.GetValue<int>());

        var partnerDisk = emu.ProjectOf("evs-partner")["volumeIds"]!["partner-data01"]!.GetValue<string>();
        Assert.Equal(200, (await emu.AdminAsync(HttpMethod.Patch, "volumes/" + partnerDisk, "{\"status\":\"error\"}")).Code);
        var shown = await emu.GetAsync($"/v2/{pid}/cloudvolumes/{partnerDisk}", cred);
        Assert.Equal("error", shown.Json["volume"]!["status"]!.GetValue<string>());

        var bulk = await emu.AdminAsync(HttpMethod.Post, "snapshots", $"{{\"count\":3,\"volumeId\":\"{partnerDisk}\"}}");
        Assert.Equal(201, bulk.Code);
        Assert.Equal(4, (await emu.AdminAsync(HttpMethod.Get, "snapshots?projectId=" + pid)).Json["count"]!.GetValue<int>());
        Assert.Equal(4, (await emu.AdminAsync(HttpMethod.Get, "snapshots")).Json["count"]!.GetValue<int>());
    }
}
