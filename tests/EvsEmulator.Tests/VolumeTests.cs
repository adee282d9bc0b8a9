using System.Text.Json;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class VolumeTests
{
    [Fact]
    public async Task List_HasCount_AndVolumeDetailFieldsWithTheirTypes()
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail");
        Assert.Equal(200, r.Code);
        Assert.Equal(9, r.Json["count"]!.GetValue<int>());
        Assert.Null(r.Json["volumes_links"]);
        var db01 = r.Json["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "db01")!;
        Assert.Equal(JsonValueKind.String, db01["bootable"]!.GetValueKind());
        Assert.Equal("true", db01["bootable"]!.GetValue<string>());
        Assert.Equal(JsonValueKind.False, db01["multiattach"]!.GetValueKind());
        Assert.Equal("in-use", db01["status"]!.GetValue<string>());
        Assert.Equal(emu.Pid, db01["os-vol-tenant-attr:tenant_id"]!.GetValue<string>());
        var attachment = Assert.Single(db01["attachments"]!.AsArray())!;
        Assert.Equal("/dev/sda", attachment["device"]!.GetValue<string>());
        Assert.Equal(emu.VolumeId("db01"), attachment["volume_id"]!.GetValue<string>());
        foreach (var field in new[] { "attached_at", "attachment_id", "host_name", "id", "server_id" })
            Assert.True(attachment.AsObject().ContainsKey(field), field);
        foreach (var field in new[] { "links", "availability_zone", "os-vol-host-attr:host", "source_volid", "snapshot_id", "description",
                     "created_at", "updated_at", "volume_image_metadata", "volume_type", "size", "consistencygroup_id", "metadata",
                     "encrypted", "replication_status", "shareable", "user_id", "service_type", "dedicated_storage_id", "tags", "wwn" })
            Assert.True(db01.AsObject().ContainsKey(field), field);

        var shared = r.Json["volumes"]!.AsArray().Single(v => v!["name"]!.GetValue<string>() == "shared01")!;
        Assert.True(shared["multiattach"]!.GetValue<bool>());
        Assert.Equal(2, shared["attachments"]!.AsArray().Count);
        Assert.Equal("false", shared["bootable"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_Filters()
    {
        await using var emu = await Emu.StartAsync();
        async Task<int> Count(string q) => (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?" + q)).Json["count"]!.GetValue<int>();
        Assert.Equal(1, await Count("multiattach=true"));
        Assert.Equal(8, await Count("multiattach=false"));
        Assert.Equal(5, await Count("status=in-use"));
        Assert.Equal(2, await Count("status=available"));
        Assert.Equal(5, await Count("availability_zone=cn-north-4a"));
        Assert.Equal(1, await Count("name=scratch01"));
        Assert.Equal(1, await Count("id=" + emu.VolumeId("web02")));
        Assert.Equal(2, await Count($"ids=['{emu.VolumeId("web01")}','{emu.VolumeId("web02")}','bad']"));
    }

    /// <summary>§12.1: <c>metadata</c> is a URL-encoded JSON object; a disk matches when it has every pair.</summary>
    [Fact]
    public async Task List_MetadataFilter_IsAJsonObjectOfPairsThatMustAllMatch()
    {
        await using var emu = await Emu.StartAsync();
        async Task<List<string>> Names(string json)
        {
            var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?metadata=" + Uri.EscapeDataString(json));
            Assert.Equal(200, r.Code);
            return r.Json["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToList();
        }
        Assert.Equal(new[] { "shared01" }, await Names("{\"hw:passthrough\": \"true\"}"));
        Assert.Equal(new[] { "db01" }, await Names("{\"__system__encrypted\":\"0\"}"));
        Assert.Empty(await Names("{\"hw:passthrough\":\"true\",\"__system__encrypted\":\"0\"}"));
        Assert.Empty(await Names("{\"hw:passthrough\":\"false\"}"));
        Assert.Equal(9, (await Names("{}")).Count);
        var bad = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?metadata=" + Uri.EscapeDataString("[1,2]"));
        Assert.Equal(400, bad.Code);
    }

    [Fact]
    public async Task List_SortAndValidation()
    {
        await using var emu = await Emu.StartAsync();
        var asc = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?sort_key=size&sort_dir=asc");
        var sizes = asc.Json["volumes"]!.AsArray().Select(v => v!["size"]!.GetValue<int>()).ToList();
        Assert.Equal(sizes.Order(), sizes);
        var byDefault = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail");
        var created = byDefault.Json["volumes"]!.AsArray().Select(v => v!["created_at"]!.GetValue<string>()).ToList();
        Assert.Equal(created.OrderDescending(StringComparer.Ordinal), created);

        var badKey = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?sort_key=name");
        Assert.Equal(400, badKey.Code);
        Assert.Equal("EVS.1039", badKey.ErrorCode);
        Assert.Equal("invalid sort_key!", badKey.ErrorMessage);
        var badDir = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?sort_dir=up");
        Assert.Equal("EVS.1040", badDir.ErrorCode);
        Assert.Equal("invalid sort_dir!", badDir.ErrorMessage);
        Assert.Equal("EVS.2142", (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?limit=5000")).ErrorCode);
    }

    [Fact]
    public async Task List_PagingWithLinks_VisitsAllOnce()
    {
        await using var emu = await Emu.StartAsync("--volumes", "20");
        var seen = new List<string>();
        var path = emu.Evs + "/cloudvolumes/detail?limit=7&status=available";
        while (path is not null)
        {
            var r = await emu.GetAsync(path);
            Assert.Equal(22, r.Json["count"]!.GetValue<int>());
            seen.AddRange(r.Json["volumes"]!.AsArray().Select(v => v!["id"]!.GetValue<string>()));
            path = r.Json["volumes_links"]?[0]?["href"] is { } href ? new Uri(href.GetValue<string>()).PathAndQuery : null;
        }
        Assert.Equal(22, seen.Count);
        Assert.Equal(22, seen.Distinct().Count());
    }

    [Fact]
    public async Task Show_VolumeAndErrors()
    {
        await using var emu = await Emu.StartAsync();
        var v = await emu.ShowVolumeAsync(emu.VolumeId("pending01"));
        Assert.Equal("attaching", v["status"]!.GetValue<string>());
        var bad = await emu.GetAsync(emu.Evs + "/cloudvolumes/pending01");
        Assert.Equal(400, bad.Code);
        Assert.Equal("EVS.1002", bad.ErrorCode);
        Assert.Equal("invalid volume id!", bad.ErrorMessage);
        var missing = await emu.GetAsync(emu.Evs + "/cloudvolumes/00000000-0000-4000-8000-000000000000");
        Assert.Equal(404, missing.Code);
        Assert.Equal("EVS.5404", missing.ErrorCode);
    }

    [Fact]
    public async Task SeedIds_AreDeterministicPerSeed()
    {
        await using var a = await Emu.StartAsync("--seed", "7");
        await using var b = await Emu.StartAsync("--seed", "7");
        await using var c = await Emu.StartAsync("--seed", "8");
        Assert.Equal(a.VolumeId("db01"), b.VolumeId("db01"));
        Assert.Equal(a.SeedSnapshotId("db01-weekly"), b.SeedSnapshotId("db01-weekly"));
        Assert.NotEqual(a.VolumeId("db01"), c.VolumeId("db01"));
        Assert.Equal(await a.CreateSnapshotAsync(), await b.CreateSnapshotAsync());
    }
}
