using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

public class MetadataTests
{
    private static string M(Emu emu, string id) => $"{emu.Evs}/snapshots/{id}/metadata";

    [Fact]
    public async Task Get_Post_Put_RoundTrip()
    {
        await using var emu = await Emu.StartAsync();
        var id = emu.SeedSnapshotId("db01-monthly");
        var get = await emu.GetAsync(M(emu, id));
        Assert.Equal(200, get.Code);
        Assert.Equal("{\"metadata\":{\"purpose\":\"monthly\"}}", get.Body);

        var post = await emu.SendAsync(HttpMethod.Post, M(emu, id), "{\"metadata\":{\"owner\":\"ops\",\"purpose\":\"audit\"}}");
        Assert.Equal(200, post.Code);
        Assert.Equal("audit", post.Json["metadata"]!["purpose"]!.GetValue<string>());
        Assert.Equal("ops", post.Json["metadata"]!["owner"]!.GetValue<string>());

        var put = await emu.SendAsync(HttpMethod.Put, M(emu, id), "{\"metadata\":{\"only\":\"this\"}}");
        Assert.Equal(200, put.Code);
        Assert.Equal("{\"metadata\":{\"only\":\"this\"}}", put.Body);
        Assert.Equal("this", (await emu.ShowSnapshotAsync(id))["metadata"]!["only"]!.GetValue<string>());
    }

    [Fact]
    public async Task SingleKey_Get_Put_Delete()
    {
        await using var emu = await Emu.StartAsync();
        var id = emu.SeedSnapshotId("db01-monthly");
        Assert.Equal("{\"meta\":{\"purpose\":\"monthly\"}}", (await emu.GetAsync(M(emu, id) + "/purpose")).Body);

        var put = await emu.SendAsync(HttpMethod.Put, M(emu, id) + "/hw%3Atier", "{\"meta\":{\"hw:tier\":\"gold\"}}");
        Assert.Equal(200, put.Code);
        Assert.Equal("{\"meta\":{\"hw:tier\":\"gold\"}}", put.Body);

        var del = await emu.SendAsync(HttpMethod.Delete, M(emu, id) + "/purpose");
        Assert.Equal(200, del.Code);
        var after = await emu.GetAsync(M(emu, id));
        Assert.Equal("{\"metadata\":{\"hw:tier\":\"gold\"}}", after.Body);
        Assert.Equal(404, (await emu.GetAsync(M(emu, id) + "/purpose")).Code);
        Assert.Equal(404, (await emu.SendAsync(HttpMethod.Delete, M(emu, id) + "/purpose")).Code);
    }

    [Theory]
    [InlineData("{\"meta\":{\"other\":\"x\"}}", "Request body and URI mismatch.")]
    [InlineData("{\"meta\":{}}", "Request body and URI mismatch.")]
    [InlineData("{\"meta\":{\"k\":\"x\",\"j\":\"y\"}}", "Request body contains too many items.")]
    [InlineData("{\"meta\":{\"k\":1}}", "Malformed request body.")]
    [InlineData("{\"metadata\":{\"k\":\"x\"}}", "Malformed request body.")]
    public async Task PutKey_BodyMustMatchUri(string body, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.SendAsync(HttpMethod.Put, M(emu, emu.SeedSnapshotId("db01-weekly")) + "/k", body);
        Assert.Equal(400, r.Code);
        Assert.Equal("EVS.5400", r.ErrorCode);
        Assert.Equal(message, r.ErrorMessage);
    }

    [Fact]
    public async Task SystemKeys_CannotBeChangedOrRemoved_ButSurviveReplace()
    {
        await using var emu = await Emu.StartAsync();
        var id = emu.BackupSnapshotId;
        async Task Forbidden(HttpMethod method, string suffix, string? body)
        {
            var r = await emu.SendAsync(method, M(emu, id) + suffix, body);
            Assert.Equal(403, r.Code);
            Assert.Equal("EVS.5403", r.ErrorCode);
            Assert.Equal("metadata can not be operated.", r.ErrorMessage);
        }
        await Forbidden(HttpMethod.Delete, "/__system__enableActive", null);
        await Forbidden(HttpMethod.Put, "/__system__enableActive", "{\"meta\":{\"__system__enableActive\":\"false\"}}");
        await Forbidden(HttpMethod.Post, "", "{\"metadata\":{\"__system__new\":\"1\"}}");
        await Forbidden(HttpMethod.Put, "", "{\"metadata\":{\"__system__enableActive\":\"false\"}}");

        var replaced = await emu.SendAsync(HttpMethod.Put, M(emu, id), "{\"metadata\":{\"note\":\"kept\"}}");
        Assert.Equal(200, replaced.Code);
        Assert.Equal("true", replaced.Json["metadata"]!["__system__enableActive"]!.GetValue<string>());
        Assert.Equal("kept", replaced.Json["metadata"]!["note"]!.GetValue<string>());
        // Writing back the unchanged value (read-modify-write) is not an operation on it.
        var echo = await emu.SendAsync(HttpMethod.Post, M(emu, id), "{\"metadata\":{\"__system__enableActive\":\"true\",\"x\":\"y\"}}");
        Assert.Equal(200, echo.Code);
    }

    [Fact]
    public async Task UnknownSnapshot_And_BadIds()
    {
        await using var emu = await Emu.StartAsync();
        var missing = await emu.GetAsync(M(emu, "00000000-0000-4000-8000-000000000000"));
        Assert.Equal(404, missing.Code);
        Assert.Equal("EVS.5404", missing.ErrorCode);
        var bad = await emu.GetAsync(M(emu, "abc"));
        Assert.Equal(400, bad.Code);
        Assert.Equal("EVS.2045", bad.ErrorCode);
    }
}
