using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace EvsSnapshot.Client.Tests.Infrastructure;

/// <summary>One request as the handler saw it (copied at send time, so later disposal does not matter).</summary>
public sealed class RecordedRequest
{
    public required HttpMethod Method { get; init; }
    public required Uri Uri { get; init; }

    /// <summary>Request and content headers, in the order HttpClient presents them; one entry per value.</summary>
    public required IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; }

    public required byte[] Body { get; init; }
    public bool HasContent { get; init; }
    public string BodyText => Encoding.UTF8.GetString(Body);
    public DateTime SentAtUtc { get; init; }

    public string? Header(string name)
    {
        var values = Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value).ToList();
        return values.Count == 0 ? null : string.Join(",", values);
    }

    public string? Query(string name)
    {
        var values = QueryValues(name);
        return values.Count == 0 ? null : values[0];
    }

    public List<string> QueryValues(string name)
    {
        var result = new List<string>();
        string q = Uri.Query;
        if (q.Length <= 1) return result;
        foreach (var part in q.Substring(1).Split('&'))
        {
            int eq = part.IndexOf('=');
            string n = Uri.UnescapeDataString(eq < 0 ? part : part[..eq]);
            if (n == name) result.Add(Uri.UnescapeDataString(eq < 0 ? "" : part[(eq + 1)..]));
        }
        return result;
    }

    public override string ToString() => Method + " " + Uri;
}

public delegate Task<HttpResponseMessage> Responder(RecordedRequest request, CancellationToken cancellationToken);

/// <summary>
/// A scripted HttpMessageHandler: answers come from a queue of responders, then from an optional fallback
/// (a router); every request is recorded.
/// </summary>
public sealed class FakeHandler : HttpMessageHandler
{
    private readonly ConcurrentQueue<Responder> _script = new();
    private readonly List<RecordedRequest> _requests = new();

    public Responder? Fallback { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get { lock (_requests) return _requests.ToList(); }
    }

    public int Count
    {
        get { lock (_requests) return _requests.Count; }
    }

    public FakeHandler Then(Responder responder)
    {
        _script.Enqueue(responder);
        return this;
    }

    public FakeHandler Then(Func<RecordedRequest, HttpResponseMessage> responder) =>
        Then((r, _) => Task.FromResult(responder(r)));

    public FakeHandler Then(HttpStatusCode status, string? json = null, params (string Name, string Value)[] headers) =>
        Then(_ => Respond.Json(status, json, headers));

    public IEnumerable<RecordedRequest> Where(HttpMethod method, string pathContains) =>
        Requests.Where(r => r.Method == method && r.Uri.AbsolutePath.Contains(pathContains, StringComparison.Ordinal));

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var headers = new List<KeyValuePair<string, string>>();
        foreach (var h in request.Headers)
            foreach (var v in h.Value) headers.Add(new(h.Key, v));
        byte[] body = Array.Empty<byte>();
        if (request.Content != null)
        {
            foreach (var h in request.Content.Headers)
                foreach (var v in h.Value) headers.Add(new(h.Key, v));
            body = await request.Content.ReadAsByteArrayAsync(cancellationToken);
        }
        var recorded = new RecordedRequest
        {
            Method = request.Method,
            Uri = request.RequestUri!,
            Headers = headers,
            Body = body,
            HasContent = request.Content != null,
            SentAtUtc = DateTime.UtcNow,
        };
        lock (_requests) _requests.Add(recorded);

        Responder? responder = _script.TryDequeue(out var scripted) ? scripted : Fallback;
        if (responder == null)
            throw new InvalidOperationException("FakeHandler: no answer scripted for " + recorded);
        var response = await responder(recorded, cancellationToken);
        response.RequestMessage ??= request;
        return response;
    }
}

/// <summary>Ready-made answers and failures.</summary>
public static class Respond
{
    public static HttpResponseMessage Json(HttpStatusCode status, string? json, params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(status);
        if (json != null)
        {
            response.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }
        else
        {
            response.Content = new ByteArrayContent(Array.Empty<byte>());
        }
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
                response.Content.Headers.TryAddWithoutValidation(name, value);
        }
        return response;
    }

    public static HttpResponseMessage Text(HttpStatusCode status, string text, string mediaType = "text/html")
    {
        return new HttpResponseMessage(status) { Content = new StringContent(text, Encoding.UTF8, mediaType) };
    }

    /// <summary>Never reached the server: "connection refused".</summary>
    public static HttpRequestException Refused() =>
        new("Connection refused (127.0.0.1:1)", new SocketException((int)SocketError.ConnectionRefused));

    /// <summary>The connection broke after the request went out: the outcome is unknown.</summary>
    public static HttpRequestException Reset() =>
        new("An error occurred while sending the request.", new IOException("Unable to read data from the transport connection: Connection reset by peer."));

    public static Responder Throw(Exception exception) => (_, _) => Task.FromException<HttpResponseMessage>(exception);

    public static Responder RefusedResponder => Throw(Refused());
    public static Responder ResetResponder => (_, _) => Task.FromException<HttpResponseMessage>(Reset());

    /// <summary>Hangs until cancelled (the client's timeout or Ctrl+C).</summary>
    public static Responder Hang => async (_, ct) =>
    {
        await Task.Delay(TimeSpan.FromSeconds(60), ct);
        throw new InvalidOperationException("Hang was not cancelled.");
    };

    public static string Error(string code, string message) =>
        "{\"error\":{\"message\":" + Quote(message) + ",\"code\":" + Quote(code) + "}}";

    public static string GatewayError(string code, string message, string requestId = "gw-req-1") =>
        "{\"error_msg\":" + Quote(message) + ",\"error_code\":" + Quote(code) + ",\"request_id\":" + Quote(requestId) + "}";

    public static string Quote(string s) => System.Text.Json.JsonSerializer.Serialize(s);
}
