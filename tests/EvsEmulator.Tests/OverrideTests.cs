using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>Scripted responses (POST /__emulator/overrides, 1.2): hostile answers on demand for client tests.</summary>
public class OverrideTests
{
    private static async Task<JsonNode> AddAsync(Emu emu, JsonObject o)
    {
        var r = await emu.AdminAsync(HttpMethod.Post, "overrides", o.ToJsonString());
        Assert.True(r.Code == 201, r.Body);
        return r.Json;
    }

    /// <summary>A client that reads header bytes as UTF-8 and never re-sends.</summary>
    private static HttpClient RawClient(Emu emu) =>
        new(new SocketsHttpHandler { ResponseHeaderEncodingSelector = (_, _) => Encoding.UTF8, UseCookies = false })
        {
            BaseAddress = new Uri(emu.BaseUrl),
        };

    [Fact]
    public async Task ErrorBodyWithEscapesAndControlCharacters_IsSentByteForByte_BeforeAuth()
    {
        await using var emu = await Emu.StartAsync();
        var body = "{\"error_msg\":\"\\u001b]0;pwned\\u0007\\u001b[2J\",\"error_code\":\"APIGW.0301\\u001b[31m\",\"request_id\":\"r\\u0000\"}";
        var added = await AddAsync(emu, new JsonObject { ["path"] = "/cloudsnapshots/detail$", ["status"] = 401, ["body"] = body });
        Assert.Equal("override-1", added["id"]!.GetValue<string>());
        var raw = Encoding.UTF8.GetBytes("{\"error_msg\":\"\u001b]0;pwned\u0007\u001b[2J\x85\",\"error_code\":\"X\u009b\"}");
        await AddAsync(emu, new JsonObject
        {
            ["path"] = "/cloudvolumes/detail$", ["status"] = 400, ["bodyBase64"] = Convert.ToBase64String(raw),
        });

        var r = await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail", Cred.None);
        Assert.Equal(401, r.Code);
        Assert.Equal(body, r.Body);
        Assert.Equal("APIGW.0301\u001b[31m", r.ErrorCode);
        Assert.StartsWith("application/json", r.Header("Content-Type"));
        var bytes = await (await emu.Http.GetAsync(emu.Evs + "/cloudvolumes/detail")).Content.ReadAsByteArrayAsync();
        Assert.Equal(raw, bytes);

        var log = (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray();
        Assert.All(log, e => Assert.Equal("override", e!["fault"]!.GetValue<string>()));
        Assert.Equal("override-1", log[0]!["overrideId"]!.GetValue<string>());
        Assert.Equal(401, log[0]!["status"]!.GetValue<int>());
        Assert.Equal("none", log[0]!["auth"]!.GetValue<string>());
        var stats = (await emu.AdminAsync(HttpMethod.Get, "stats")).Json;
        Assert.Equal(2, stats["overridden"]!.GetValue<int>());
        Assert.Equal(8, stats["faults"]!.AsObject().Count);
    }

    [Fact]
    public async Task HtmlErrorPage_WithItsContentType()
    {
        await using var emu = await Emu.StartAsync();
        const string html = "<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1>\u001b[2J</body></html>";
        await AddAsync(emu, new JsonObject
        {
            ["path"] = ".*", ["status"] = 502, ["body"] = html, ["headers"] = new JsonObject { ["Content-Type"] = "text/html" },
        });
        var r = await emu.GetAsync(emu.Evs + "/cloudvolumes/detail");
        Assert.Equal(502, r.Code);
        Assert.Equal("text/html", r.Header("Content-Type"));
        Assert.Equal(html, r.Body);
    }

    [Fact]
    public async Task RequestIdHeaders_CanCarryOddText_ButNotControlCharacters()
    {
        await using var emu = await Emu.StartAsync();
        var odd = "req-\u202Eevil\u2066x\u200B\uFEFF-\u00e9\u4e00 <b>&amp;";
        await AddAsync(emu, new JsonObject
        {
            ["path"] = "/cloudsnapshots/detail$", ["status"] = 500,
            ["headers"] = new JsonObject { ["X-Request-Id"] = odd, ["X-Openstack-Request-Id"] = new JsonArray("req-1", "req-2\ttab") },
            ["body"] = "{\"error\":{\"message\":\"x\",\"code\":\"EVS.5500\"},\"request_id\":\"" + "\\u202e" + "\"}",
        });
        using var http = RawClient(emu);
        var response = await http.GetAsync(emu.Evs + "/cloudsnapshots/detail");
        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal(odd, Assert.Single(response.Headers.GetValues("X-Request-Id")));
        Assert.Equal(["req-1", "req-2\ttab"], response.Headers.GetValues("X-Openstack-Request-Id"));

        foreach (var bad in new[] { "a\u001b[31mb", "a\r\nSet-Cookie: x=1", "a\u0000b", "a\u007fb" })
        {
            var r = await emu.AdminAsync(HttpMethod.Post, "overrides",
                new JsonObject { ["path"] = ".*", ["status"] = 200, ["headers"] = new JsonObject { ["X-Request-Id"] = bad } }.ToJsonString());
            Assert.Equal(400, r.Code);
            Assert.Contains("raw socket server", r.Json["error"]!.GetValue<string>());
        }
        var reserved = await emu.AdminAsync(HttpMethod.Post, "overrides",
            "{\"path\":\".*\",\"status\":200,\"headers\":{\"Content-Length\":\"5\"}}");
        Assert.Equal(400, reserved.Code);
    }

    [Fact]
    public async Task Times_MethodAndQuery_LimitWhatIsAnswered()
    {
        await using var emu = await Emu.StartAsync();
        await AddAsync(emu, new JsonObject
        {
            ["method"] = "get", ["path"] = "/cloudsnapshots/detail$", ["query"] = "offset=[1-9]", ["times"] = 2, ["status"] = 503,
            ["body"] = "{}",
        });
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?offset=0")).Code);
        Assert.Equal(503, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?offset=1")).Code);
        Assert.Equal(503, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?offset=2")).Code);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail?offset=3")).Code);
        var listed = (await emu.AdminAsync(HttpMethod.Get, "overrides")).Json["overrides"]![0]!;
        Assert.Equal(0, listed["remaining"]!.GetValue<int>());
        Assert.Equal(2, listed["hits"]!.GetValue<int>());
        Assert.Equal("GET", listed["method"]!.GetValue<string>());
    }

    [Fact]
    public async Task AListPageThatRepeatsForever_WithAHugeCountAndANextLink()
    {
        await using var emu = await Emu.StartAsync();
        var page = new JsonObject
        {
            ["count"] = 1_000_000_000,
            ["snapshots"] = new JsonArray(new JsonObject { ["id"] = "11111111-2222-4333-8444-555555555555", ["name"] = "same", ["status"] = "available" }),
            ["snapshots_links"] = new JsonArray(new JsonObject { ["href"] = emu.BaseUrl + emu.Evs + "/cloudsnapshots/detail?marker=11111111-2222-4333-8444-555555555555", ["rel"] = "next" }),
        }.ToJsonString();
        await AddAsync(emu, new JsonObject { ["path"] = "/cloudsnapshots/detail$", ["status"] = 200, ["body"] = page });
        for (var i = 0; i < 5; i++)
        {
            var r = await emu.GetAsync($"{emu.Evs}/cloudsnapshots/detail?offset={i}&limit=1");
            Assert.Equal(page, r.Body);
        }
        Assert.Equal(5, (await emu.AdminAsync(HttpMethod.Get, "overrides")).Json["overrides"]![0]!["hits"]!.GetValue<int>());
    }

    [Fact]
    public async Task RepeatBody_BuildsAHugeValidPage_WithoutHoldingIt()
    {
        await using var emu = await Emu.StartAsync();
        const int n = 200_000;
        var added = await AddAsync(emu, new JsonObject
        {
            ["path"] = "/cloudvolumes/detail$", ["status"] = 200,
            ["bodyPrefix"] = $"{{\"count\":{n},\"volumes\":[", ["body"] = "{\"id\":\"x\",\"name\":\"v\"}", ["repeatSeparator"] = ",",
            ["repeatBody"] = n, ["bodySuffix"] = "]}",
        });
        var expectedBytes = $"{{\"count\":{n},\"volumes\":[".Length + "]}".Length + n * "{\"id\":\"x\",\"name\":\"v\"}".Length + (n - 1);
        Assert.Equal(expectedBytes, added["totalBytes"]!.GetValue<long>());
        var response = await emu.Http.GetAsync(emu.Evs + "/cloudvolumes/detail");
        Assert.Equal(expectedBytes, response.Content.Headers.ContentLength);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
        Assert.Equal(n, doc.RootElement.GetProperty("volumes").GetArrayLength());
    }

    [Fact]
    public async Task DuplicateKeys_AreSentAsWritten()
    {
        await using var emu = await Emu.StartAsync();
        const string dup = "{\"count\":2,\"volumes\":[{\"id\":\"a\"},{\"id\":\"b\"}],\"volumes\":[]}";
        await AddAsync(emu, new JsonObject { ["path"] = "/cloudvolumes/detail$", ["status"] = 200, ["body"] = dup });
        Assert.Equal(dup, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Body);
    }

    [Fact]
    public async Task SlowBody_ComesInChunks_AndADelayedAnswerCanBeAbandoned()
    {
        await using var emu = await Emu.StartAsync();
        await AddAsync(emu, new JsonObject
        {
            ["path"] = "/cloudvolumes/detail$", ["status"] = 200, ["body"] = new string('x', 100), ["chunkBytes"] = 10, ["chunkDelayMs"] = 20,
        });
        using var http = RawClient(emu);
        using var response = await http.GetAsync(emu.Evs + "/cloudvolumes/detail", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(100, response.Content.Headers.ContentLength);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[100];
        var first = await stream.ReadAsync(buffer);
        Assert.InRange(first, 1, 10);
        var total = first;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total))) > 0) total += read;
        Assert.Equal(100, total);

        await emu.AdminAsync(HttpMethod.Delete, "overrides");
        await AddAsync(emu, new JsonObject { ["path"] = "/cloudsnapshots/detail$", ["status"] = 200, ["delayMs"] = 30_000 });
        using var impatient = RawClient(emu);
        impatient.Timeout = TimeSpan.FromMilliseconds(300);
        await Assert.ThrowsAsync<TaskCanceledException>(() => impatient.GetAsync(emu.Evs + "/cloudsnapshots/detail"));
        await Emu.WaitUntilAsync(async () =>
            (await emu.AdminAsync(HttpMethod.Get, "requests")).Json["requests"]!.AsArray()
            .Any(e => e!["path"]!.GetValue<string>().EndsWith("/cloudsnapshots/detail") && e["clientAborted"]!.GetValue<bool>()));
    }

    [Fact]
    public async Task DeleteOneOrAll_AndResetClears()
    {
        await using var emu = await Emu.StartAsync();
        await AddAsync(emu, new JsonObject { ["path"] = "/cloudvolumes/detail$", ["status"] = 500 });
        var second = await AddAsync(emu, new JsonObject { ["path"] = "/cloudsnapshots/detail$", ["status"] = 500 });
        Assert.Equal(500, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Code);
        Assert.Equal(1, (await emu.AdminAsync(HttpMethod.Delete, "overrides/override-1")).Json["cleared"]!.GetValue<int>());
        Assert.Equal(404, (await emu.AdminAsync(HttpMethod.Delete, "overrides/override-1")).Code);
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudvolumes/detail")).Code);
        Assert.Equal("override-2", second["id"]!.GetValue<string>());
        await emu.AdminAsync(HttpMethod.Post, "reset");
        Assert.Equal(0, (await emu.AdminAsync(HttpMethod.Get, "overrides")).Json["count"]!.GetValue<int>());
        Assert.Equal(200, (await emu.GetAsync(emu.Evs + "/cloudsnapshots/detail")).Code);
    }

    [Theory]
    [InlineData("{\"status\":200}", "path")]
    [InlineData("{\"path\":\"(\",\"status\":200}", "path is not a valid regex")]
    [InlineData("{\"path\":\".*\",\"status\":99}", "status must be an integer between 200 and 599")]
    [InlineData("{\"path\":\".*\",\"status\":204,\"body\":\"x\"}", "cannot have a body")]
    [InlineData("{\"path\":\".*\",\"status\":200,\"body\":\"x\",\"bodyBase64\":\"eA==\"}", "not both")]
    [InlineData("{\"path\":\".*\",\"status\":200,\"colour\":1}", "unknown field 'colour'")]
    public async Task BadOverride_Is400(string body, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.AdminAsync(HttpMethod.Post, "overrides", body);
        Assert.Equal(400, r.Code);
        Assert.Contains(message, r.Json["error"]!.GetValue<string>());
    }
}
