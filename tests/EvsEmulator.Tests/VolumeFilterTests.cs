using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The disk list filters of §12.1: server_id, ids, metadata, not_metadata, multiattach, enterprise_project_id.</summary>
public class VolumeFilterTests
{
    private static string ServerId(Emu emu, string name) =>
        emu.Info["servers"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();

    private static async Task<List<string>> Names(Emu emu, string query, string? projectId = null, Cred? cred = null)
    {
        var r = await emu.GetAsync($"/v2/{projectId ?? emu.Pid}/cloudvolumes/detail?{query}", cred);
        Assert.True(r.Code == 200, r.Body);
        var names = r.Json["volumes"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).Order().ToList();
        Assert.Equal(names.Count, r.Json["count"]!.GetValue<int>());
        return names;
    }

    [Fact]
    public async Task ServerId_ListsTheDisksAttachedToThatServer()
    {
        await using var emu = await Emu.StartAsync();
        Assert.Equal(["db01", "db02", "shared01"], await Names(emu, "server_id=" + ServerId(emu, "ecs-db01")));
        Assert.Equal(["shared01"], await Names(emu, "server_id=" + ServerId(emu, "ecs-app01")));
        Assert.Empty(await Names(emu, "server_id=00000000-0000-4000-8000-000000000000"));
    }

    [Fact]
    public async Task Ids_UrlEncodedList_IgnoresInvalidIds_AndWinsOverId()
    {
        await using var emu = await Emu.StartAsync();
        var list = Uri.EscapeDataString($"['{emu.VolumeId("web01")}','{emu.VolumeId("app01")}','not-a-uuid']");
        Assert.Equal(["app01", "web01"], await Names(emu, "ids=" + list));
        Assert.Equal(["app01", "web01"], await Names(emu, $"ids={list}&id={emu.VolumeId("db01")}"));
    }

    [Fact]
    public async Task Ids_AtMost60_MoreIs400()
    {
        await using var emu = await Emu.StartAsync();
        var sixty = Enumerable.Range(0, 59).Select(i => $"'00000000-0000-4000-8000-{i:D12}'").Append($"'{emu.VolumeId("db02")}'");
        Assert.Equal(["db02"], await Names(emu, "ids=" + Uri.EscapeDataString("[" + string.Join(",", sixty) + "]")));
        var sixtyOne = sixty.Append("'00000000-0000-4000-8000-999999999999'");
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?ids=" + Uri.EscapeDataString("[" + string.Join(",", sixtyOne) + "]"));
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Equal("Invalid input: ids can hold at most 60 disk ids, got 61.", r.ErrorMessage);
    }

    [Fact]
    public async Task Metadata_EveryPairMustMatch_NotMetadataExcludes()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, cred, _) = emu.Features();
        string M(string json) => Uri.EscapeDataString(json);
        Assert.Equal(["shared01"], await Names(emu, "metadata=" + M("{\"hw:passthrough\":\"true\"}")));
        Assert.Equal(["enc01", "restored01"], await Names(emu, "metadata=" + M("{\"__system__encrypted\":\"1\"}"), pid, cred));
        Assert.Equal(["restored01"], await Names(emu, "metadata=" + M("{\"__system__encrypted\":\"1\",\"full_clone\":\"0\"}"), pid, cred));
        Assert.Empty(await Names(emu, "metadata=" + M("{\"__system__encrypted\":\"1\",\"hw:passthrough\":\"true\"}"), pid, cred));
        // The documented not_metadata forms (§12.1) use JSON booleans and numbers.
        Assert.Equal(new[] { "essd2data01", "gp2data01", "restored01", "sys01", "enc01" }.Order(),
            await Names(emu, "not_metadata=" + M("{\"hw:passthrough\":true}"), pid, cred));
        Assert.Equal(["scsi01"], await Names(emu, "not_metadata=" + M("{\"hw:passthrough\":false}"), pid, cred));
        Assert.Equal(["enc01", "restored01"], await Names(emu, "not_metadata=" + M("{\"__system__encrypted\":0}"), pid, cred));
        var bad = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail?metadata=" + M("{not json"));
        Assert.Equal(400, bad.Code);
        Assert.Equal("Malformed request url.", bad.ErrorMessage);
    }

    [Fact]
    public async Task Multiattach_AndEnterpriseProject()
    {
        await using var emu = await Emu.StartAsync();
        var (pid, cred, _) = emu.Features();
        Assert.Equal(["shared01"], await Names(emu, "multiattach=true"));
        Assert.Equal(8, (await Names(emu, "multiattach=False")).Count);
        Assert.Equal(["enc01"], await Names(emu, "enterprise_project_id=5c1f2a3b-4d5e-4f60-8a71-92b3c4d5e6f7", pid, cred));
        Assert.Equal(6, (await Names(emu, "enterprise_project_id=all_granted_eps", pid, cred)).Count);
        Assert.Equal(5, (await Names(emu, "enterprise_project_id=0", pid, cred)).Count);
        Assert.Empty(await Names(emu, "dedicated_storage_id=abc"));
    }
}
