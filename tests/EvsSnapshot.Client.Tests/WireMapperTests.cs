using System.Net;
using System.Text.Json;
using EvsSnapshot.Client.Json;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Wire JSON → public models: timestamps, nulls, loose types, required fields.</summary>
public class WireMapperTests
{
    private static SnapshotDetails Snap(string json) =>
        WireMapper.ToSnapshot(JsonSerializer.Deserialize(json, WireJson.Default.SnapshotEnvelope)!.Snapshot);

    private static VolumeDetails Vol(string json) =>
        WireMapper.ToVolume(JsonSerializer.Deserialize(json, WireJson.Default.VolumeEnvelope)!.Volume);

    private const string Full = """
        {"snapshot":{"id":"aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee","status":"creating","name":"daily",
         "description":null,"created_at":"2018-06-06T10:58:47.349051","updated_at":null,
         "metadata":{"tier":"gold"},"volume_id":"11111111-2222-4333-8444-555555555555","size":40,
         "os-extended-snapshot-attributes:project_id":"pid","os-extended-snapshot-attributes:progress":"45%",
         "service_type":"EVS"}}
        """;

    [Fact]
    public void Timestamp_WithoutZone_IsUtcAndKeepsMicroseconds()
    {
        var s = Snap(Full);
        Assert.NotNull(s.CreatedAtUtc);
        var t = s.CreatedAtUtc!.Value;
        Assert.Equal(DateTimeKind.Utc, t.Kind);
        Assert.Equal(new DateTime(2018, 6, 6, 10, 58, 47, DateTimeKind.Utc), t.AddTicks(-(t.Ticks % TimeSpan.TicksPerSecond)));
        Assert.Equal(3_490_510, t.Ticks % TimeSpan.TicksPerSecond); // .349051 s
    }

    [Fact]
    public void CreatedAt_IsTheSameInstantInLocalTime()
    {
        var s = Snap(Full);
        var local = s.CreatedAt!.Value;
        Assert.Equal(DateTimeKind.Local, local.Kind);
        Assert.Equal(s.CreatedAtUtc!.Value, local.ToUniversalTime());
        Assert.Equal(TimeZoneInfo.ConvertTimeFromUtc(s.CreatedAtUtc.Value, TimeZoneInfo.Local), DateTime.SpecifyKind(local, DateTimeKind.Unspecified));
    }

    [Theory]
    [InlineData("2018-06-06T10:58:47", 10)]
    [InlineData("2018-06-06T10:58:47Z", 10)]
    [InlineData("2018-06-06T10:58:47.5Z", 10)]
    [InlineData("2018-06-06 10:58:47.000001", 10)]
    [InlineData("2018-06-06T18:58:47+08:00", 10)]
    [InlineData("2018-06-06T05:58:47-05:00", 10)]
    public void Timestamp_Variants_AllMeanTheSameUtcHour(string value, int utcHour)
    {
        var t = WireMapper.ParseTime(value, "created_at")!.Value;
        Assert.Equal(DateTimeKind.Utc, t.Kind);
        Assert.Equal(utcHour, t.Hour);
        Assert.Equal(58, t.Minute);
        Assert.Equal(6, t.Day);
    }

    [Theory]
    [InlineData("yesterday")]
    [InlineData("2018-13-45T99:00:00")]
    public void BadTimestamp_IsFormatExceptionNamingTheField(string value)
    {
        var ex = Assert.Throws<FormatException>(() => WireMapper.ParseTime(value, "created_at"));
        Assert.Contains("created_at", ex.Message);
    }

    [Fact]
    public void NullsStayNull()
    {
        var s = Snap(Full);
        Assert.Null(s.Description);
        Assert.Null(s.UpdatedAt);
        Assert.Null(s.DedicatedStorageId);
        Assert.Equal("EVS", s.ServiceType);
        Assert.Equal("gold", s.Metadata["tier"]);
        Assert.Equal(40, s.Size);
        Assert.Equal("pid", s.ProjectId);
    }

    [Theory]
    [InlineData("\"45%\"", 45)]
    [InlineData("\"100%\"", 100)]
    [InlineData("\" 7 % \"", 7)]
    [InlineData("\"12.6%\"", 13)]
    [InlineData("30", 30)]
    [InlineData("\"150%\"", 100)]
    public void Progress_Parsed(string raw, int expected)
    {
        var s = Snap("{\"snapshot\":{\"id\":\"x\",\"status\":\"creating\",\"os-extended-snapshot-attributes:progress\":" + raw + "}}");
        Assert.Equal(expected, s.Progress);
    }

    [Theory]
    [InlineData("\"n/a\"")]
    [InlineData("null")]
    [InlineData("{}")]
    public void Progress_Unparseable_IsNullNotAnError(string raw)
    {
        var s = Snap("{\"snapshot\":{\"id\":\"x\",\"status\":\"creating\",\"os-extended-snapshot-attributes:progress\":" + raw + "}}");
        Assert.Null(s.Progress);
    }

    [Theory]
    [InlineData("\"true\"", true)]
    [InlineData("\"false\"", false)]
    [InlineData("\"TRUE\"", true)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    [InlineData("null", false)]
    public void Bootable_StringOrBoolean(string raw, bool expected)
    {
        var v = Vol("{\"volume\":{\"id\":\"v\",\"status\":\"available\",\"bootable\":" + raw + "}}");
        Assert.Equal(expected, v.Bootable);
    }

    [Fact]
    public void Bootable_Garbage_IsFormatException()
    {
        Assert.Throws<FormatException>(() => Vol("{\"volume\":{\"id\":\"v\",\"status\":\"available\",\"bootable\":\"maybe\"}}"));
    }

    [Fact]
    public void Metadata_NumbersAndBooleansKeptAsText()
    {
        var v = Vol("{\"volume\":{\"id\":\"v\",\"status\":\"in-use\",\"metadata\":{\"full_clone\":0,\"hw:passthrough\":\"true\",\"flag\":true,\"ratio\":1.50}}}");
        Assert.Equal("0", v.Metadata["full_clone"]);
        Assert.Equal("true", v.Metadata["hw:passthrough"]);
        Assert.Equal("true", v.Metadata["flag"]);
        Assert.Equal("1.50", v.Metadata["ratio"]);
    }

    [Fact]
    public void Volume_Attachments_AndSizeAsString()
    {
        var v = Vol("""
            {"volume":{"id":"v","status":"in-use","size":"100","multiattach":false,"encrypted":null,
             "attachments":[{"server_id":"srv","device":"/dev/sdb","id":"att-legacy","attached_at":"2024-01-02T03:04:05.000006"},null],
             "snapshot_id":"s1","tags":{"env":"prod"}}}
            """);
        Assert.Equal(100, v.Size);
        var a = Assert.Single(v.Attachments);
        Assert.Equal("srv", a.ServerId);
        Assert.Null(a.AttachmentId); // the attachment record's own id only, never `id` (the volume id) as a stand-in
        Assert.Equal(DateTimeKind.Utc, a.AttachedAtUtc!.Value.Kind);
        Assert.Equal(DateTimeKind.Local, a.AttachedAt!.Value.Kind);
        Assert.Equal("s1", v.SourceSnapshotId);
        Assert.Null(v.Encrypted);
        Assert.Equal("prod", v.Tags["env"]);
    }

    [Theory]
    [InlineData("{\"snapshot\":{\"status\":\"available\"}}", "id")]
    [InlineData("{\"snapshot\":{\"id\":\"\",\"status\":\"available\"}}", "id")]
    [InlineData("{\"snapshot\":{\"id\":\"abc\"}}", "status")]
    [InlineData("{\"other\":{}}", "snapshot")]
    public void MissingRequiredFields_AreInvalidData(string json, string field)
    {
        var ex = Assert.Throws<InvalidDataException>(() => Snap(json));
        Assert.Contains("'" + field + "'", ex.Message);
    }

    [Theory]
    [InlineData("\"forty\"")]
    [InlineData("4.5")]
    [InlineData("true")]
    public void Size_NotAWholeNumber_IsFormatException(string raw)
    {
        var ex = Assert.Throws<FormatException>(() => Snap("{\"snapshot\":{\"id\":\"x\",\"status\":\"available\",\"size\":" + raw + "}}"));
        Assert.Contains("size", ex.Message);
    }

    [Fact]
    public async Task MalformedSnapshotOnGet_BecomesMalformedResponseError()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, "{\"snapshot\":{\"status\":\"available\"}}", ("X-Request-Id", "rid-m"));
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(0));
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
        Assert.Equal("MalformedResponse", ex.ErrorId);
        Assert.Contains("rid-m", ex.Message);
        Assert.Contains("'id'", ex.Message);
    }

    [Fact]
    public async Task ListWithoutSnapshotsArray_IsMalformed()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.OK, "{\"count\":3}");
        using var ctx = await Contexts.AkSkAsync(handler, retry: Contexts.FastRetry(0));
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.ListSnapshotsAsync(new SnapshotQuery(), 0, 10, Contexts.Call()));
        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("'snapshots'", ex.Message);
    }

    [Fact]
    public async Task ListPage_CarriesCountAndNextLink()
    {
        var handler = new FakeHandler()
            .Then(_ => Wire.Ok(Wire.List(new[] { Wire.Snapshot(Ids.NewUuid()), Wire.Snapshot(Ids.NewUuid()) }, count: 7, nextLink: true)));
        using var ctx = await Contexts.AkSkAsync(handler);
        var page = await ctx.Api.ListSnapshotsAsync(new SnapshotQuery { Status = "available" }, 2, 2, Contexts.Call());
        Assert.Equal(2, page.Items.Count);
        Assert.Equal(7, page.TotalCount);
        Assert.True(page.HasNextLink);
        var sent = Assert.Single(handler.Requests);
        Assert.Equal("2", sent.Query("offset"));
        Assert.Equal("2", sent.Query("limit"));
        Assert.Equal("available", sent.Query("status"));
        Assert.Null(sent.Query("name"));
    }
}
