using EvsSnapshot.Client.Operations;
using System.Net;
using System.Text;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Answers larger than MaxResponseBytes become a MalformedResponse error, retried like one; never a crash.</summary>
public class ResponseLimitTests
{
    private const int Limit = 4096;

    /// <summary>A stream that cannot seek, so the content has no Content-Length and the size shows only while reading.</summary>
    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => base.Position; set => throw new NotSupportedException(); }
    }

    private static string BigSnapshotJson()
    {
        var meta = Enumerable.Range(0, 200).ToDictionary(i => "key" + i, i => new string('v', 40));
        return Wire.Envelope(Wire.Snapshot(Ids.Snapshot, metadata: meta));
    }

    private static HttpResponseMessage Undeclared(HttpStatusCode status, string json)
    {
        var content = new StreamContent(new NonSeekable(Encoding.UTF8.GetBytes(json)));
        content.Headers.ContentType = new("application/json");
        return new HttpResponseMessage(status) { Content = content };
    }

    private static HttpResponseMessage Declared(long length)
    {
        var content = new StringContent("{}", Encoding.UTF8, "application/json");
        content.Headers.ContentLength = length;
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    private static async Task<EvsClient> Connect(FakeHandler handler, RecordingTrace? trace = null, int maxRetries = 3)
    {
        var ctx = await Contexts.AkSkAsync(handler, trace, Contexts.FastRetry(maxRetries));
        ctx.Api.Transport.MaxResponseBytes = Limit;
        return ctx;
    }

    [Fact]
    public void TheBigBody_IsReallyOverTheLimit() => Assert.True(Encoding.UTF8.GetByteCount(BigSnapshotJson()) > Limit);

    [Fact]
    public async Task OversizedBody_OnGet_IsRetried()
    {
        var trace = new RecordingTrace();
        var handler = new FakeHandler()
            .Then(_ => Undeclared(HttpStatusCode.OK, BigSnapshotJson()))
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot))));
        using var ctx = await Connect(handler, trace);

        var s = await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call(trace));

        Assert.Equal(Ids.Snapshot, s.Id);
        Assert.Equal(2, handler.Count);
        Assert.Contains(trace.VerboseLines, l => l.Contains(Limit + "-byte limit") && l.Contains("attempt 2 of"));
    }

    [Fact]
    public async Task OversizedBody_Always_IsMalformedResponseError()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Undeclared(HttpStatusCode.OK, BigSnapshotJson())) };
        using var ctx = await Connect(handler, maxRetries: 1);

        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
        Assert.Equal("MalformedResponse", ex.ErrorId);
        Assert.Contains(Limit.ToString(), ex.Message);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task OversizedErrorBody_IsAlsoCaught()
    {
        string bigError = Respond.Error("EVS.5500", new string('e', Limit * 2));
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Undeclared(HttpStatusCode.InternalServerError, bigError)) };
        using var ctx = await Connect(handler, maxRetries: 0);
        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
    }

    [Fact]
    public async Task DeclaredContentLengthOverTheLimit_IsRefusedBeforeReading()
    {
        var handler = new FakeHandler { Fallback = (_, _) => Task.FromResult(Declared(10L * 1024 * 1024 * 1024)) };
        using var ctx = await Connect(handler, maxRetries: 1);

        var ex = await Assert.ThrowsAsync<EvsTransportException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(EvsErrorKind.MalformedResponse, ex.Kind);
        Assert.Contains("10737418240 bytes", ex.Message);
        Assert.Equal(2, handler.Count);
    }

    [Fact]
    public async Task BodyExactlyAtTheLimit_IsAccepted()
    {
        string json = Wire.Envelope(Wire.Snapshot(Ids.Snapshot));
        json += new string(' ', Limit - Encoding.UTF8.GetByteCount(json)); // trailing whitespace is valid JSON
        var handler = new FakeHandler().Then(_ => Undeclared(HttpStatusCode.OK, json));
        using var ctx = await Connect(handler);
        var s = await ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call());
        Assert.Equal(Ids.Snapshot, s.Id);
        Assert.Equal(1, handler.Count);
    }

    [Fact]
    public async Task OversizedAnswerToCreate_IsAmbiguous_AndLooksUpTheToken()
    {
        var handler = new FakeHandler()
            .Then(_ => Undeclared(HttpStatusCode.Accepted, BigSnapshotJson()))
            .Then(_ => Wire.Ok(Wire.List(Array.Empty<Dictionary<string, object?>>(), count: 0)))
            .Then(HttpStatusCode.Accepted, Wire.Envelope(Wire.Snapshot(Ids.Snapshot, "creating")));
        using var ctx = await Connect(handler);

        var s = await ctx.Snapshots.CreateAsync(new CreateSnapshotSpec { VolumeId = Ids.Volume }, Contexts.Call());

        Assert.Equal(Ids.Snapshot, s.Id);
        Assert.Equal(new[] { "POST", "GET", "POST" }, handler.Requests.Select(r => r.Method.Method));
    }
}
