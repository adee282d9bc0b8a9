using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EvsEmulator.Http;

/// <summary>A scripted response (POST /__emulator/overrides, 1.2): any status, headers and body bytes, for tests of a
/// client against hostile or broken answers. Matched against API requests (not the control plane or the metadata
/// service) before routing and authentication.</summary>
public sealed class ResponseOverride
{
    public required string Id { get; init; }
    public string? Method { get; init; }
    public required string Path { get; init; }
    public string? Query { get; init; }
    public required Regex PathRegex { get; init; }
    public Regex? QueryRegex { get; init; }
    /// <summary>How many requests it answers; null = every matching request.</summary>
    public int? Times { get; init; }
    public int? Remaining { get; set; }
    public int Hits { get; set; }
    public required int Status { get; init; }
    public required IReadOnlyList<KeyValuePair<string, string[]>> Headers { get; init; }
    public required byte[] Body { get; init; }
    public int RepeatBody { get; init; } = 1;
    public byte[] Prefix { get; init; } = [];
    public byte[] Suffix { get; init; } = [];
    public byte[] Separator { get; init; } = [];
    public int DelayMs { get; init; }
    /// <summary>Write the body in pieces of this many bytes, pausing <see cref="ChunkDelayMs"/> before each but the first.</summary>
    public int? ChunkBytes { get; init; }
    public int ChunkDelayMs { get; init; }

    public bool HasContentType => Headers.Any(h => h.Key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase));

    /// <summary>Prefix + RepeatBody × Body joined by Separator + Suffix.</summary>
    public long TotalBytes => Prefix.LongLength + Suffix.LongLength + (long)Body.Length * RepeatBody
                              + (long)Separator.Length * Math.Max(0, RepeatBody - 1);

    public bool Matches(string method, string path, string query) =>
        Remaining is null or > 0
        && (Method is null || Method.Equals(method, StringComparison.OrdinalIgnoreCase))
        && PathRegex.IsMatch(path)
        && (QueryRegex is null || QueryRegex.IsMatch(query));

    /// <summary>Streams the body without building it: pieces are copied into a buffer that is written when full (a chunk
    /// when chunked), so a body of gigabytes costs a buffer.</summary>
    public async Task WriteBodyAsync(Stream output, CancellationToken ct)
    {
        var size = ChunkBytes ?? 64 * 1024;
        var buffer = new byte[size];
        var filled = 0;
        var written = 0L;

        async Task Flush()
        {
            if (filled == 0) return;
            if (written > 0 && ChunkBytes is not null && ChunkDelayMs > 0) await Task.Delay(ChunkDelayMs, ct);
            await output.WriteAsync(buffer.AsMemory(0, filled), ct);
            if (ChunkBytes is not null) await output.FlushAsync(ct);
            written += filled;
            filled = 0;
        }

        async Task Put(byte[] piece)
        {
            var at = 0;
            while (at < piece.Length)
            {
                var n = Math.Min(size - filled, piece.Length - at);
                Buffer.BlockCopy(piece, at, buffer, filled, n);
                filled += n;
                at += n;
                if (filled == size) await Flush();
            }
        }

        await Put(Prefix);
        for (var i = 0; i < RepeatBody; i++)
        {
            if (i > 0) await Put(Separator);
            await Put(Body);
        }
        await Put(Suffix);
        await Flush();
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("id", Id);
        w.StringOrNull("method", Method);
        w.WriteString("path", Path);
        w.StringOrNull("query", Query);
        if (Times is { } t) w.WriteNumber("times", t);
        else w.WriteNull("times");
        if (Remaining is { } r) w.WriteNumber("remaining", r);
        else w.WriteNull("remaining");
        w.WriteNumber("hits", Hits);
        w.WriteNumber("status", Status);
        w.WriteStartObject("headers");
        foreach (var (name, values) in Headers)
        {
            if (values.Length == 1) w.WriteString(name, values[0]);
            else
            {
                w.WriteStartArray(name);
                foreach (var v in values) w.WriteStringValue(v);
                w.WriteEndArray();
            }
        }
        w.WriteEndObject();
        w.WriteNumber("bodyBytes", Body.Length);
        w.WriteNumber("repeatBody", RepeatBody);
        w.WriteNumber("totalBytes", TotalBytes);
        w.WriteNumber("delayMs", DelayMs);
        if (ChunkBytes is { } c) w.WriteNumber("chunkBytes", c);
        else w.WriteNull("chunkBytes");
        w.WriteNumber("chunkDelayMs", ChunkDelayMs);
        w.WriteEndObject();
    }
}

/// <summary>The scripted responses in the order they were added; the first one that matches (and is not used up)
/// answers. Cleared by reset.</summary>
public sealed class OverrideList
{
    public const long MaxTotalBytes = 4L * 1024 * 1024 * 1024;

    /// <summary>Framing and connection headers stay Kestrel's: a wrong Content-Length would break the connection, not
    /// the client's parsing.</summary>
    private static readonly string[] ReservedHeaders = ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "Trailer"];

    private static readonly Regex Token = new("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", RegexOptions.CultureInvariant);

    private readonly object _gate = new();
    private readonly List<ResponseOverride> _items = [];
    private int _added;

    /// <summary>The first matching override, counted as used; null when none matches.</summary>
    public ResponseOverride? Take(string method, string path, string query)
    {
        lock (_gate)
        {
            if (_items.Count == 0) return null;
            var o = _items.FirstOrDefault(x => x.Matches(method, path, query));
            if (o is null) return null;
            if (o.Remaining is { } n) o.Remaining = n - 1;
            o.Hits++;
            return o;
        }
    }

    public List<ResponseOverride> All()
    {
        lock (_gate) return [.. _items];
    }

    public int Clear()
    {
        lock (_gate)
        {
            var n = _items.Count;
            _items.Clear();
            return n;
        }
    }

    public bool Remove(string id)
    {
        lock (_gate) return _items.RemoveAll(o => o.Id == id) > 0;
    }

    /// <summary>Parses and adds one; throws <see cref="ConfigException"/> with what is wrong.</summary>
    public ResponseOverride Add(JsonObject body)
    {
        string[] known = ["method", "path", "query", "times", "status", "headers", "body", "bodyBase64", "repeatBody", "delayMs",
            "bodyPrefix", "bodySuffix", "repeatSeparator", "chunkBytes", "chunkDelayMs"];
        foreach (var (key, _) in body)
            if (!known.Contains(key)) throw new ConfigException($"unknown field '{key}' (allowed: {string.Join(", ", known)})");
        string? Str(string key) => body[key] is null ? null : ConfigValues.String(body[key], key);
        int? Int(string key, int min, int max) => body[key] is null ? null : ConfigValues.Int(body[key], key, min, max);

        var path = Str("path") ?? throw new ConfigException("path (a regex on the raw request path) is required");
        var query = Str("query");
        var status = Int("status", 200, 599) ?? throw new ConfigException("status (200-599) is required");
        if (body.ContainsKey("body") && body.ContainsKey("bodyBase64")) throw new ConfigException("give body or bodyBase64, not both");
        byte[] payload;
        if (Str("bodyBase64") is { } b64)
        {
            try { payload = Convert.FromBase64String(b64); }
            catch (FormatException) { throw new ConfigException("bodyBase64 is not valid base64"); }
        }
        else payload = Encoding.UTF8.GetBytes(Str("body") ?? "");
        var headers = Headers(body["headers"]);
        var o = new ResponseOverride
        {
            Id = "",
            Method = Str("method")?.ToUpperInvariant(),
            Path = path,
            Query = query,
            PathRegex = Compile(path, "path"),
            QueryRegex = query is null ? null : Compile(query, "query"),
            Times = Int("times", 1, int.MaxValue),
            Status = status,
            Headers = headers,
            Body = payload,
            RepeatBody = Int("repeatBody", 0, int.MaxValue) ?? 1,
            Prefix = Encoding.UTF8.GetBytes(Str("bodyPrefix") ?? ""),
            Suffix = Encoding.UTF8.GetBytes(Str("bodySuffix") ?? ""),
            Separator = Encoding.UTF8.GetBytes(Str("repeatSeparator") ?? ""),
            DelayMs = Int("delayMs", 0, 600_000) ?? 0,
            ChunkBytes = Int("chunkBytes", 1, 16 * 1024 * 1024),
            ChunkDelayMs = Int("chunkDelayMs", 0, 600_000) ?? 0,
        };
        if (o.TotalBytes > MaxTotalBytes) throw new ConfigException($"the body would be {o.TotalBytes} bytes; at most {MaxTotalBytes}");
        if (status is 204 or 304 && o.TotalBytes > 0) throw new ConfigException($"a {status} response cannot have a body");
        lock (_gate)
        {
            var added = new ResponseOverride
            {
                Id = $"override-{++_added}", Method = o.Method, Path = o.Path, Query = o.Query, PathRegex = o.PathRegex,
                QueryRegex = o.QueryRegex, Times = o.Times, Remaining = o.Times, Status = o.Status, Headers = o.Headers,
                Body = o.Body, RepeatBody = o.RepeatBody, Prefix = o.Prefix, Suffix = o.Suffix, Separator = o.Separator,
                DelayMs = o.DelayMs, ChunkBytes = o.ChunkBytes, ChunkDelayMs = o.ChunkDelayMs,
            };
            _items.Add(added);
            return added;
        }
    }

    private static Regex Compile(string pattern, string name)
    {
        try { return new Regex(pattern, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)); }
        catch (ArgumentException e) { throw new ConfigException($"{name} is not a valid regex: {e.Message}"); }
    }

    /// <summary>{name: value | [values]}. Names are HTTP tokens; values may hold printable ASCII, tab and any non-ASCII text
    /// (sent as UTF-8), but no control characters: Kestrel refuses CR, LF, NUL, ESC and the other C0 controls and DEL in
    /// header values, so those need a raw socket server.</summary>
    private static List<KeyValuePair<string, string[]>> Headers(JsonNode? node)
    {
        var result = new List<KeyValuePair<string, string[]>>();
        if (node is null) return result;
        if (node is not JsonObject obj) throw new ConfigException("headers must be an object {name: value or [values]}");
        foreach (var (name, value) in obj)
        {
            if (!Token.IsMatch(name)) throw new ConfigException($"headers: '{name}' is not a valid header name");
            if (ReservedHeaders.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new ConfigException($"headers: {name} is set by the server and cannot be scripted");
            string[] values = value switch
            {
                JsonArray arr => arr.Select(v => ConfigValues.String(v, $"headers.{name}[]")).ToArray(),
                _ => [ConfigValues.String(value, $"headers.{name}")],
            };
            foreach (var v in values)
            {
                var bad = v.FirstOrDefault(c => (c < 0x20 && c != '\t') || c == 0x7F);
                if (v.Any(c => (c < 0x20 && c != '\t') || c == 0x7F))
                    throw new ConfigException(
                        $"headers.{name}: control character U+{(int)bad:X4} cannot be sent by Kestrel in a header value (only printable text, tab and non-ASCII text); use a raw socket server for that");
            }
            result.Add(new(name, values));
        }
        return result;
    }
}
