using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Json;
using EvsSnapshot.Client.Paging;
using EvsSnapshot.Client.Tests.Infrastructure;
using EvsSnapshot.Client.Waiting;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// Issue 12: every byte from the server is untrusted. What the terminal is shown, echoed secrets, endless paging,
/// deadlines, duplicate keys and huge pages, each against a deliberately hostile fake server.
/// </summary>
public class HostileServerTests
{
    /// <summary>OSC 0 (retitle) and ED 2 (clear screen): what an error body must never do to a terminal.</summary>
    private const string TerminalAttack = "\u001b]0;pwned\u0007\u001b[2J";

    private static readonly char[] Unsafe =
    {
        '\u0000', '\u0007', '\u001b', '\r', '\n', '\t', '\u007f', '\u0085', '\u009b',
        '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e',
        '\u2066', '\u2067', '\u2068', '\u2069', '\ufeff',
    };

    private static void AssertSafe(string text)
    {
        foreach (char c in Unsafe) Assert.True(text.IndexOf(c) < 0, $"U+{(int)c:X4} in: {text}");
    }

    /// <summary>A trace line keeps the module's own line breaks; nothing else unsafe.</summary>
    private static void AssertSafeLines(string text)
    {
        foreach (var line in text.Split('\n')) AssertSafe(line);
    }

    // ------------------------------------------------------------------ the terminal

    [Fact]
    public void DisplayText_EscapesEveryControlBidiAndZeroWidthCharacter()
    {
        foreach (char c in Unsafe)
        {
            Assert.Equal("a\\u" + ((int)c).ToString("X4", CultureInfo.InvariantCulture) + "b", DisplayText.Safe("a" + c + "b"));
        }
        Assert.Equal("\\u001B]0;pwned\\u0007\\u001B[2J", DisplayText.Safe(TerminalAttack));
        Assert.Equal("db01-weekly 快照 é (x)", DisplayText.Safe("db01-weekly 快照 é (x)"));
        Assert.Equal(string.Empty, DisplayText.Safe(null));
        Assert.Equal(DisplayText.Safe(TerminalAttack), DisplayText.Safe(DisplayText.Safe(TerminalAttack)));
        Assert.Equal("line 1\nline \\u001B2", DisplayText.SafeLines("line 1\nline \u001b2"));
    }

    [Fact]
    public async Task ErrorAnswer_CodeMessageRequestIdAndReason_ReachTheMessageEscaped_TheExceptionKeepsTheText()
    {
        var trace = new RecordingTrace();
        var (ctx, _) = await Contexts.ServedBy((_, _) =>
        {
            var r = Respond.Json(HttpStatusCode.BadRequest, Respond.GatewayError("EVS.\u202e1234", TerminalAttack, "body-\u2066id"), ("X-Request-Id", "req-\u200bid"));
            r.ReasonPhrase = "Bad \u001b[2J Request";
            return Task.FromResult(r);
        }, trace);
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));

        AssertSafe(ex.Message);
        Assert.Contains("\\u001B]0;pwned\\u0007\\u001B[2J", ex.Message);
        Assert.Contains("EVS.\\u202E1234", ex.Message);
        Assert.Contains("request id req-\\u200Bid", ex.Message);
        Assert.Equal(TerminalAttack, ex.ApiMessage); // the object keeps the raw value
        foreach (var line in trace.All) AssertSafeLines(line);
        Assert.Contains(trace.DebugLines, l => l.Contains("Bad \\u001B[2J Request"));
    }

    [Fact]
    public async Task ErrorAnswer_WithoutMessage_ShowsTheReasonPhraseEscaped()
    {
        var (ctx, _) = await Contexts.ServedBy((_, _) =>
        {
            var r = Respond.Json(HttpStatusCode.Conflict, null);
            r.ReasonPhrase = "Conflict\u001b]0;x\u0007";
            return Task.FromResult(r);
        });
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        AssertSafe(ex.Message);
        Assert.Contains("Conflict\\u001B]0;x\\u0007", ex.Message);
    }

    [Fact]
    public async Task HtmlErrorBody_InDebugAndInTheMessage_IsEscaped()
    {
        var trace = new RecordingTrace();
        string html = "<html><title>" + TerminalAttack + "</title>\r\n<body>\u202egateway\u0085</body></html>";
        var (ctx, _) = await Contexts.ServedBy((_, _) => Task.FromResult(Respond.Text(HttpStatusCode.Forbidden, html)), trace);
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));

        AssertSafe(ex.Message);
        var debug = Assert.Single(trace.DebugLines, l => l.Contains("response body"));
        AssertSafeLines(debug);
        Assert.Contains("<title>\\u001B]0;pwned\\u0007\\u001B[2J</title>\\u000D\\u000A<body>\\u202Egateway\\u0085", debug);
    }

    [Fact]
    public async Task WaitTimeout_NamesTheSnapshotsStatusAndNameEscaped()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (ctx, _) = await Contexts.ServedBy((_, _) =>
            Task.FromResult(Wire.Ok(Wire.List(new[] { Wire.Snapshot(Ids.Snapshot, "creat\u001b[2Jing", name: "n\u202eame") }))), time: time);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, new WaitOptions { Timeout = TimeSpan.FromSeconds(3), InitialPollInterval = TimeSpan.FromMilliseconds(100) }, Contexts.Call());
        var task = waiter.WaitForAsync(Ids.Snapshot);
        waiter.CompleteAdding();
        var run = waiter.RunAsync();

        await time.AdvanceUntilAsync(run, TimeSpan.FromMilliseconds(50));

        var ex = await Assert.ThrowsAsync<EvsException>(() => task);
        Assert.Equal("WaitTimeout", ex.ErrorId);
        AssertSafe(ex.Message);
        Assert.Contains("'n\\u202Eame' (" + Ids.Snapshot + ", creat\\u001B[2Jing)", ex.Message);
    }

    // ------------------------------------------------------------------ echoed secrets

    [Fact]
    public async Task EchoedSecretKey_InCodeNestedCodeRequestIdsAndReason_IsRedactedEverywhere()
    {
        string sk = Ids.SecretKey;
        var bodies = new[]
        {
            "{\"error_code\":" + Respond.Quote(sk) + ",\"error_msg\":\"x\",\"request_id\":" + Respond.Quote("rid-" + sk) + "}",
            "{\"error\":{\"code\":" + Respond.Quote(sk) + ",\"message\":\"nested\"}}",
        };
        foreach (var body in bodies)
        {
            var trace = new RecordingTrace();
            var (ctx, handler) = await Contexts.ServedBy((_, _) =>
            {
                var r = Respond.Json(HttpStatusCode.ServiceUnavailable, body, ("X-Request-Id", sk), ("X-Openstack-Request-Id", sk));
                r.ReasonPhrase = "Unavailable " + sk;
                return Task.FromResult(r);
            }, trace);
            using var _ctx = ctx;

            var ex = await Assert.ThrowsAnyAsync<EvsException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace)));

            Assert.True(handler.Count > 1); // retried: the -Verbose retry lines quote the error too
            Assert.Contains(trace.VerboseLines, l => l.Contains("Retrying"));
            var api = Assert.IsType<EvsApiException>(ex);
            foreach (var text in trace.All.Append(ex.Message).Append(ex.ToString()).Append(api.ErrorCode ?? "").Append(api.RequestId ?? ""))
            {
                Assert.DoesNotContain(sk, text);
            }
            Assert.Contains(SecretRedactor.Mask, ex.Message);
        }
    }

    [Fact]
    public async Task MalformedFieldQuotingASecret_IsRedacted()
    {
        var snapshot = Wire.Snapshot(Ids.Snapshot);
        snapshot["size"] = Ids.SecretKey;
        snapshot["created_at"] = Ids.SecretKey;
        var (ctx, _) = await Contexts.ServedBy((_, _) => Task.FromResult(Wire.Ok(Wire.Envelope(snapshot))), retry: Contexts.FastRetry(0));
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAnyAsync<EvsException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal("MalformedResponse", ex.ErrorId);
        Assert.Contains("not a", ex.Message); // "not a whole number" / "not a timestamp"
        Assert.DoesNotContain(Ids.SecretKey, ex.ToString());
        Assert.Contains(SecretRedactor.Mask, ex.Message);
    }

    [Fact]
    public void Redactor_MasksShortSecretsAsWholeWordsOnly()
    {
        var r = new SecretRedactor();
        r.Add("pa5sw"); // a 5-character password
        r.Add("k");

        Assert.Equal("user alice: password [redacted] is wrong", r.Scrub("user alice: password pa5sw is wrong"));
        Assert.Equal("[redacted]", r.Scrub("pa5sw"));
        Assert.Equal("'[redacted]'", r.Scrub("'pa5sw'"));
        Assert.Equal("pa5sword xpa5sw keep", r.Scrub("pa5sword xpa5sw keep")); // part of a longer word: unrelated text
        Assert.Equal("kilo [redacted] walk", r.Scrub("kilo k walk"));
    }

    [Fact]
    public async Task FivecharacterPassword_EchoedByIam_IsRedacted()
    {
        const string password = "Pw5!x";
        var handler = new FakeHandler().Then(HttpStatusCode.Unauthorized, Respond.GatewayError("IAM.0011", "The password " + password + " is wrong for alice", password));
        var options = Contexts.PasswordOptions(handler, password);
        var trace = new RecordingTrace();

        var ex = await Assert.ThrowsAnyAsync<EvsException>(async () =>
        {
            using var ctx = await Contexts.ConnectAsync(options, trace);
            await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));
        });

        Assert.Contains("The password [redacted] is wrong for alice", ex.Message);
        foreach (var text in trace.All.Append(ex.ToString())) Assert.DoesNotContain(password, text);
    }

    // ------------------------------------------------------------------ endless paging

    private static Dictionary<string, object?> Snap(int i) => Wire.Snapshot($"5a000000-0000-4000-8000-{i:D12}");

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SamePageForever_StopsWithPagingStalled(bool hugeCount)
    {
        var page = Wire.List(Enumerable.Range(0, 3).Select(Snap), count: hugeCount ? 1_000_000 : null, nextLink: !hugeCount);
        var (ctx, handler) = await Contexts.ServedBy((_, _) => Task.FromResult(Respond.Json(HttpStatusCode.OK, page, ("X-Request-Id", "req-same-page"))));
        using var _ctx = ctx;
        var reader = ctx.Api.ReadSnapshots(new SnapshotQuery(), Contexts.Call());

        Assert.NotNull(await reader.NextAsync());
        var ex = await Assert.ThrowsAsync<EvsException>(() => reader.NextAsync());

        Assert.Equal("PagingStalled", ex.ErrorId);
        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("offset 3", ex.Message);
        Assert.Contains("request id req-same-page", ex.Message);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task AlternatingPages_StopWhenAPageBringsNothingNew()
    {
        int calls = 0;
        var (ctx, handler) = await Contexts.ServedBy((_, _) =>
        {
            int n = Interlocked.Increment(ref calls);
            var items = Enumerable.Range(n % 2 == 1 ? 0 : 2, 2).Select(Snap);
            return Task.FromResult(Wire.Ok(Wire.List(items, count: 1_000_000)));
        });
        using var _ctx = ctx;
        var reader = ctx.Api.ReadSnapshots(new SnapshotQuery(), Contexts.Call());

        var ex = await Assert.ThrowsAsync<EvsException>(async () => { while (await reader.NextAsync() != null) { } });

        Assert.Equal("PagingStalled", ex.ErrorId);
        Assert.Equal(3, handler.Count); // A, B, then A again: nothing new
    }

    [Fact]
    public async Task CountThatPagesNeverReach_StopsWithinCountOverPageSizePlusSpare()
    {
        // 10 items on the first page, then one new item a page: the reported 50 would take 41 pages.
        int next = 0;
        var list = new List<(int Offset, int Limit)>();
        var reader = new PageReader<string>((offset, limit) =>
        {
            list.Add((offset, limit));
            int n = list.Count == 1 ? 10 : 1;
            var items = Enumerable.Range(next, n).Select(i => "item-" + i).ToList();
            next += n;
            return Task.FromResult(new Page<string>(items, 50, false, "req-" + list.Count));
        }, s => s, 0, 10, null);

        var ex = await Assert.ThrowsAsync<EvsException>(async () => { while (await reader.NextAsync() != null) { } });

        Assert.Equal("PagingStalled", ex.ErrorId);
        Assert.Equal(50 / 10 + PageReader<string>.SparePages, list.Count);
        Assert.Contains("reported count of 50", ex.Message);
    }

    [Fact]
    public async Task PagingStalled_IsNotRetriedAndNamesTheLastRequestId()
    {
        var page = Wire.List(new[] { Snap(1) }, count: 5);
        var (ctx, handler) = await Contexts.ServedBy((_, _) => Task.FromResult(Respond.Json(HttpStatusCode.OK, page, ("X-Request-Id", "req-\u202eodd"))));
        using var _ctx = ctx;
        var reader = ctx.Api.ReadSnapshots(new SnapshotQuery(), Contexts.Call());
        await reader.NextAsync();

        var ex = await Assert.ThrowsAsync<EvsException>(() => reader.NextAsync());

        Assert.Contains("request id req-\\u202Eodd", ex.Message);
        AssertSafe(ex.Message);
        Assert.Equal(2, handler.Count);
    }

    // ------------------------------------------------------------------ deadlines

    [Fact]
    public async Task WaitDeadline_CutsOffAPollInFlight()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var retry = Contexts.FastRetry();
        retry.RequestTimeout = TimeSpan.FromSeconds(20);
        var (ctx, handler) = await Contexts.ServedBy(Respond.Hang, retry: retry, time: time);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, new WaitOptions { Timeout = TimeSpan.FromSeconds(5) }, Contexts.Call());
        var task = waiter.WaitForAsync(Ids.Snapshot);
        waiter.CompleteAdding();
        var run = waiter.RunAsync();

        var waited = await time.AdvanceUntilAsync(run, TimeSpan.FromMilliseconds(50));

        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6)); // not 5 s + the 20 s request timeout
        Assert.Equal("WaitTimeout", (await Assert.ThrowsAsync<EvsException>(() => task)).ErrorId);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task WaitDeadline_CutsOffAVolumePollInFlight()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var retry = Contexts.FastRetry();
        retry.RequestTimeout = TimeSpan.FromSeconds(20);
        var (ctx, handler) = await Contexts.ServedBy(Respond.Hang, retry: retry, time: time);
        using var _ctx = ctx;
        var wait = VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", Array.Empty<string>(),
            new WaitOptions { Timeout = TimeSpan.FromSeconds(5) }, Contexts.Call());

        var waited = await time.AdvanceUntilAsync(wait, TimeSpan.FromMilliseconds(50));

        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6)); // Restore-EvsSnapshot -Wait: not 5 s + the 20 s request timeout
        var ex = await Assert.ThrowsAsync<EvsException>(() => wait);
        Assert.Equal("WaitTimeout", ex.ErrorId);
        Assert.Contains("last status: unknown", ex.Message);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task WaitDeadline_ATimeoutShorterThanThePollInterval_StillLooksOnce()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (ctx, handler) = await Contexts.ServedBy((_, _) => Task.FromResult(Wire.Ok(Wire.Volume(Ids.Volume, "rollbacking"))), time: time);
        using var _ctx = ctx;
        var options = new WaitOptions { Timeout = TimeSpan.FromSeconds(1), InitialPollInterval = TimeSpan.FromSeconds(3) };
        var wait = VolumeWaiter.WaitForStatusAsync(ctx.Api, Ids.Volume, "available", Array.Empty<string>(), options, Contexts.Call());

        var waited = await time.AdvanceUntilAsync(wait, TimeSpan.FromMilliseconds(50));

        Assert.InRange(waited, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)); // the first poll is moved to the deadline, not after it
        var ex = await Assert.ThrowsAsync<EvsException>(() => wait);
        Assert.Contains("last status: rollbacking", ex.Message); // and it is made, although the deadline has come
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task WaitDeadline_CutsOffARetryWait()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var retry = Contexts.FastRetry(maxRetries: 5);
        retry.BaseDelay = TimeSpan.FromSeconds(30);
        retry.MaxDelay = TimeSpan.FromSeconds(30);
        retry.MaxTotalDelay = TimeSpan.FromMinutes(10);
        var (ctx, handler) = await Contexts.ServedBy((_, _) => Task.FromResult(Respond.Json(HttpStatusCode.ServiceUnavailable, Respond.GatewayError("APIGW.0101x", "busy"))), retry: retry, time: time);
        using var _ctx = ctx;
        var waiter = new SnapshotWaiter(ctx.Api, new WaitOptions { Timeout = TimeSpan.FromSeconds(4) }, Contexts.Call());
        var task = waiter.WaitForAsync(Ids.Snapshot);
        waiter.CompleteAdding();
        var run = waiter.RunAsync();

        var waited = await time.AdvanceUntilAsync(run, TimeSpan.FromMilliseconds(50));

        Assert.InRange(waited, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(5));
        Assert.Equal("WaitTimeout", (await Assert.ThrowsAsync<EvsException>(() => task)).ErrorId);
    }

    // ------------------------------------------------------------------ duplicate keys, huge pages, depth

    [Theory]
    [InlineData("{\"snapshots\":[SNAP],\"count\":1,\"snapshots\":[]}", "snapshots")]
    [InlineData("{\"snapshots\":[{\"id\":\"5a000000-0000-4000-8000-000000000001\",\"status\":\"available\",\"status\":\"error\"}]}", "status")]
    public async Task DuplicateKeys_AreAMalformedAnswer(string template, string key)
    {
        string body = template.Replace("SNAP", JsonSerializer.Serialize(Snap(1)));
        var (ctx, _) = await Contexts.ServedBy((_, _) => Task.FromResult(Wire.Ok(body)), retry: Contexts.FastRetry(0));
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAnyAsync<EvsException>(() => ctx.Api.ListSnapshotsAsync(new SnapshotQuery(), 0, 1000, Contexts.Call()));

        Assert.Equal("MalformedResponse", ex.ErrorId);
        Assert.Contains($"the key '{key}' appears twice", ex.Message);
    }

    [Fact]
    public async Task DuplicateKeysInTemporaryCredentials_AreRefused()
    {
        string body = "{\"credential\":{\"access\":\"AK1\",\"secret\":\"SK1\",\"secret\":\"SK2\",\"securitytoken\":\"T\",\"expires_at\":\"2099-01-01T00:00:00Z\"}}";
        var ex = Assert.Throws<InvalidDataException>(() => TemporaryCredentialJson.Read(Encoding.UTF8.GetBytes(body), DateTime.UtcNow, null));
        Assert.Contains("'secret' appears twice", ex.Message);
    }

    [Fact]
    public async Task DuplicateKeysInAnErrorAnswer_NoCodeIsBelieved_TheStatusClassifies()
    {
        // Last value wins in System.Text.Json: read quietly, this 404 would be EVS.1047 "not deletable, wait" and be retried as such.
        string body = "{\"error\":{\"code\":\"EVS.5404\",\"message\":\"gone\",\"code\":\"EVS.1047\"}}";
        var (ctx, handler) = await Contexts.ServedBy((_, _) => Task.FromResult(Respond.Json(HttpStatusCode.NotFound, body)), retry: Contexts.FastRetry(0));
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Null(ex.ErrorCode);
        Assert.Equal(EvsErrorKind.NotFound, ex.Kind);
        Assert.Equal("ResourceNotFound", ex.ErrorId);
        Assert.Contains("the error answer is malformed: the key 'code' appears twice", ex.Message);
        Assert.Equal(1, handler.Count);
    }

    /// <summary>The probe's page: one million small items, 26 MB (under the 32 MB cap).</summary>
    private static byte[] MillionItemPage()
    {
        var item = "{\"id\":\"s\",\"status\":\"ok\"}";
        var sb = new StringBuilder(item.Length * 1_000_000 + 64);
        sb.Append("{\"count\":1000000,\"snapshots\":[");
        for (int i = 0; i < 1_000_000; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(item);
        }
        sb.Append("]}");
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    [Fact]
    public async Task MillionItemPage_IsRefusedAtItem1001()
    {
        var page = MillionItemPage();
        var (ctx, _) = await Contexts.ServedBy((_, _) =>
        {
            var r = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(page) };
            r.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
            return Task.FromResult(r);
        }, retry: Contexts.FastRetry(0));
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAnyAsync<EvsException>(() => ctx.Api.ListSnapshotsAsync(new SnapshotQuery(), 0, 1000, Contexts.Call()));

        Assert.Equal("MalformedResponse", ex.ErrorId);
        Assert.Contains("more than 1000 items", ex.Message);
    }

    [Fact]
    public void MillionItemPage_CheckAllocatesAlmostNothing()
    {
        var page = MillionItemPage();
        StrictJson.Check(Encoding.UTF8.GetBytes("{\"a\":[1]}")); // JIT outside the measurement
        long before = GC.GetAllocatedBytesForCurrentThread();

        Assert.Throws<InvalidDataException>(() => StrictJson.Check(page));

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.InRange(allocated, 0, 1024 * 1024); // the probe's 819 MB came from building every item
    }

    [Fact]
    public void ThousandItemPage_IsAccepted()
    {
        var items = Enumerable.Range(0, 1000).Select(Snap);
        StrictJson.Check(Encoding.UTF8.GetBytes(Wire.List(items, count: 1000)));
    }

    [Fact]
    public async Task DeepNesting_IsAMalformedAnswer()
    {
        string body = "{\"snapshots\":[],\"x\":" + new string('[', 200) + new string(']', 200) + "}";
        var (ctx, _) = await Contexts.ServedBy((_, _) => Task.FromResult(Wire.Ok(body)), retry: Contexts.FastRetry(0));
        using var _ctx = ctx;

        var ex = await Assert.ThrowsAnyAsync<EvsException>(() => ctx.Api.ListSnapshotsAsync(new SnapshotQuery(), 0, 1000, Contexts.Call()));

        Assert.Equal("MalformedResponse", ex.ErrorId);
    }

    // ------------------------------------------------------------------ credentials that cannot go into a header

    [Theory]
    [InlineData("AccessKey", "AKTESTACCESSKEY0000é")]
    [InlineData("SecretKey", "SK-secret-ключ-0001")]
    public async Task NonAsciiAccessKeyOrSecret_IsRefusedAtConnect(string which, string value)
    {
        var handler = new FakeHandler();
        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.AkSkAsync(handler, tweak: o =>
        {
            if (which == "AccessKey") o.AccessKey = value;
            else o.SecretKey = value;
        }));

        Assert.Equal("NonAsciiCredential", ex.ErrorId);
        Assert.Equal(which, ex.ParameterName);
        Assert.DoesNotContain(value, ex.Message);
        Assert.Equal(0, handler.Count);
    }

    [Theory]
    [InlineData("tökén-1234567890")]
    [InlineData("token-\u202e-1234567890")]
    public async Task NonAsciiStaticToken_IsRefusedAtConnect(string token)
    {
        var handler = new FakeHandler();
        var options = Contexts.AkSkOptions(handler);
        options.AuthType = EvsAuthType.Token;
        options.AccessKey = null;
        options.SecretKey = null;
        options.Token = token;

        var ex = await Assert.ThrowsAsync<EvsValidationException>(() => Contexts.ConnectAsync(options));

        Assert.True(ex.ErrorId == "NonAsciiCredential" || ex.ErrorId == "InvalidCredential", ex.ErrorId);
        Assert.Equal(0, handler.Count);
    }

    [Theory]
    [InlineData("iam-tøken-1234567890")]
    [InlineData("iam-token\u0000-1234567890")]
    [InlineData("iam-token\u001b[2J-1234567890")]
    public async Task NonAsciiSubjectToken_IsRefusedWhenItArrives(string token)
    {
        var handler = new FakeHandler { Fallback = AuthTests.IamToken(token, TimeSpan.FromHours(24)) };
        var options = Contexts.PasswordOptions(handler, retry: Contexts.FastRetry(0));

        var ex = await Assert.ThrowsAnyAsync<EvsException>(async () =>
        {
            using var ctx = await Contexts.ConnectAsync(options);
            await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        });

        Assert.Equal("UnusableCredential", ex.ErrorId);
        Assert.DoesNotContain(token, ex.ToString());
        Assert.All(handler.Requests, r => Assert.Equal("/v3/auth/tokens", r.Uri.AbsolutePath)); // never sent on
    }

    [Theory]
    [InlineData("secret", "SK-temp\r\nX-Injected: 1")]
    [InlineData("securitytoken", "token-with-nul\u0000-0001")]
    [InlineData("access", "AKTEMPé0001")]
    public async Task TemporaryKeysThatCannotGoIntoAHeader_AreRefusedWhenTheyArrive(string field, string value)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var server = new CredentialServer(time);
        var credential = new Dictionary<string, string>
        {
            ["access"] = "AKTEMP00000000000001", ["secret"] = "SK-temp-0000000000000001", ["securitytoken"] = "token-0000000000000001",
            ["expires_at"] = "2030-01-01T06:00:00.000000Z",
        };
        credential[field] = value;
        var handler = new FakeHandler
        {
            Fallback = (r, ct) => r.Uri.AbsolutePath == "/openstack/latest/securitykey"
                ? Task.FromResult(Wire.Ok(JsonSerializer.Serialize(new Dictionary<string, object> { ["credential"] = credential })))
                : server.Handle(r, ct),
        };
        var options = CredentialContexts.Options(handler, time);
        options.EcsAgency = true;
        options.MetadataEndpoint = CredentialContexts.Metadata;

        var ex = await Assert.ThrowsAnyAsync<EvsException>(async () =>
        {
            using var ctx = await EvsClient.ConnectAsync(options, new CallScope());
            await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        });

        Assert.Equal("UnusableCredential", ex.ErrorId);
        Assert.DoesNotContain(value, ex.ToString());
        Assert.DoesNotContain(handler.Requests, r => r.Headers.Any(h => h.Value.Contains("X-Injected") || h.Value.Contains("token-with-nul")));
        Assert.Empty(server.EvsCalls);
    }
}
