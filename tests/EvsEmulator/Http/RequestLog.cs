using System.Text.Json;
using EvsEmulator.State;

namespace EvsEmulator.Http;

/// <summary>One API request as recorded in GET /__emulator/requests.</summary>
public sealed class RequestLogEntry
{
    public required DateTime Time { get; init; }
    public required string RequestId { get; init; }
    public required string Method { get; init; }
    public required string Path { get; init; }
    public required string Query { get; init; }
    public string? Route { get; set; }
    /// <summary>Status sent, or the status processing produced when the connection was then reset
    /// (reset_after); 0 when nothing was processed (reset_before, client gone).</summary>
    public int Status { get; set; }
    public string? Fault { get; set; }
    /// <summary>For faults applied after processing (reset_after, 504_after, malformed): the status the handler
    /// produced, i.e. what was committed.</summary>
    public int? ProcessedStatus { get; set; }
    public string Auth { get; set; } = "none";
    public string? ErrorCode { get; set; }
    public string? AuthError { get; set; }
    /// <summary>The server's canonical request when an AK/SK signature did not match ('|' for newlines,
    /// security-token values redacted), to debug client signers.</summary>
    public string? CanonicalRequest { get; set; }
    public bool ClientAborted { get; set; }
    public bool RateLimited { get; set; }
    /// <summary>The AK, or the token's user id, the request was made with (null when it named none).</summary>
    public string? Credential { get; set; }
    /// <summary>Where that credential came from (permanent, temporary, metadata, agency, federation, token for AKs;
    /// password or federation for tokens).</summary>
    public string? CredentialSource { get; set; }
    /// <summary>Name of the domain (account) the credential acts in.</summary>
    public string? Domain { get; set; }
    /// <summary>The credential key the per-credential rate limits counted this request against (null: none applied).</summary>
    public string? RateLimitKey { get; set; }
    /// <summary>What refused the request: "global" (rateLimitPerSecond), "all", "read" or "write"; null if admitted.</summary>
    public string? ThrottledBy { get; set; }
    public double DurationMs { get; set; }
    /// <summary>1.2: the X-Client-Token a disk create sent, and whether the first answer was replayed to it.</summary>
    public string? ClientToken { get; set; }
    public bool Replayed { get; set; }
    /// <summary>1.2: the scripted response (POST /__emulator/overrides) that answered the request.</summary>
    public string? OverrideId { get; set; }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteString("time", Jsonw.IamTime(Time));
        w.WriteString("requestId", RequestId);
        w.WriteString("method", Method);
        w.WriteString("path", Path);
        w.WriteString("query", Query);
        w.StringOrNull("route", Route);
        w.WriteNumber("status", Status);
        w.StringOrNull("fault", Fault);
        if (ProcessedStatus is { } ps) w.WriteNumber("processedStatus", ps);
        else w.WriteNull("processedStatus");
        w.WriteString("auth", Auth);
        w.StringOrNull("errorCode", ErrorCode);
        w.StringOrNull("authError", AuthError);
        if (CanonicalRequest is not null) w.WriteString("canonicalRequest", CanonicalRequest);
        w.WriteBoolean("clientAborted", ClientAborted);
        w.WriteBoolean("rateLimited", RateLimited);
        w.StringOrNull("credential", Credential);
        w.StringOrNull("credentialSource", CredentialSource);
        w.StringOrNull("domain", Domain);
        w.StringOrNull("rateLimitKey", RateLimitKey);
        w.StringOrNull("throttledBy", ThrottledBy);
        w.WriteNumber("durationMs", Math.Round(DurationMs, 3));
        // 1.2
        w.StringOrNull("clientToken", ClientToken);
        w.WriteBoolean("replayed", Replayed);
        w.StringOrNull("overrideId", OverrideId);
        w.WriteEndObject();
    }
}

/// <summary>The request log and the counters behind GET /__emulator/stats. Admin calls are never recorded.</summary>
public sealed class RequestStats
{
    /// <summary>The log keeps the most recent entries only, so a long soak cannot exhaust memory.</summary>
    public const int MaxEntries = 200_000;

    private readonly object _gate = new();
    private readonly Queue<RequestLogEntry> _entries = new();
    private long _dropped;
    private long _requests;
    private long _snapshotsCreated;
    private long _volumesCreated;
    private long _jobsCreated;
    private long _clientTokenReplays;
    private long _rateLimited;
    private long _authFailures;
    private long _clientAborted;
    private readonly Dictionary<string, long> _byRoute = new(StringComparer.Ordinal);
    private readonly Dictionary<int, long> _byStatus = new();
    private readonly Dictionary<string, long> _faults = FaultConfig.Kinds.ToDictionary(k => k, _ => 0L);
    private readonly Dictionary<string, long> _tokensIssued = NewTokenCounters();
    private readonly Dictionary<string, long> _throttledByCredential = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _credentialsIssued = NewCredentialCounters();

    private static Dictionary<string, long> NewTokenCounters() =>
        new() { [TokenSources.Password] = 0, [TokenSources.Federation] = 0 };

    private static Dictionary<string, long> NewCredentialCounters() => CredentialSources.Issued.ToDictionary(k => k, _ => 0L);

    public void TokenIssued(string source)
    {
        lock (_gate) _tokensIssued[source] = _tokensIssued.GetValueOrDefault(source) + 1;
    }

    public void CredentialIssued(string source)
    {
        lock (_gate) _credentialsIssued[source] = _credentialsIssued.GetValueOrDefault(source) + 1;
    }

    public void Record(RequestLogEntry e)
    {
        lock (_gate)
        {
            _entries.Enqueue(e);
            if (_entries.Count > MaxEntries)
            {
                _entries.Dequeue();
                _dropped++;
            }
            _requests++;
            var route = e.Route ?? "(unmatched)";
            _byRoute[route] = _byRoute.GetValueOrDefault(route) + 1;
            _byStatus[e.Status] = _byStatus.GetValueOrDefault(e.Status) + 1;
            if (e.Fault is not null) _faults[e.Fault] = _faults.GetValueOrDefault(e.Fault) + 1;
            if (e.RateLimited) _rateLimited++;
            if (e.RateLimited && e.ThrottledBy != "global" && e.RateLimitKey is { } key)
                _throttledByCredential[key] = _throttledByCredential.GetValueOrDefault(key) + 1;
            if (e.AuthError is not null) _authFailures++;
            if (e.ClientAborted) _clientAborted++;
        }
    }

    public void SnapshotCreated()
    {
        lock (_gate) _snapshotsCreated++;
    }

    /// <summary>A create request made <paramref name="disks"/> disks under one job (1.2).</summary>
    public void VolumesCreated(int disks)
    {
        lock (_gate)
        {
            _volumesCreated += disks;
            _jobsCreated++;
        }
    }

    public void ClientTokenReplayed()
    {
        lock (_gate) _clientTokenReplays++;
    }

    public int ClearLog()
    {
        lock (_gate)
        {
            var n = _entries.Count;
            _entries.Clear();
            _dropped = 0;
            return n;
        }
    }

    public void ClearCounters()
    {
        lock (_gate)
        {
            _requests = _snapshotsCreated = _rateLimited = _authFailures = _clientAborted = 0;
            _volumesCreated = _jobsCreated = _clientTokenReplays = 0;
            _byRoute.Clear();
            _byStatus.Clear();
            foreach (var k in FaultConfig.Kinds) _faults[k] = 0;
            _faults.Remove("override");
            foreach (var k in _tokensIssued.Keys.ToList()) _tokensIssued[k] = 0;
            _throttledByCredential.Clear();
            foreach (var k in _credentialsIssued.Keys.ToList()) _credentialsIssued[k] = 0;
        }
    }

    public void WriteLog(Utf8JsonWriter w, int? limit)
    {
        lock (_gate)
        {
            w.WriteStartObject();
            w.WriteNumber("count", _entries.Count);
            w.WriteNumber("dropped", _dropped);
            w.WriteStartArray("requests");
            var skip = limit is { } l && l < _entries.Count ? _entries.Count - l : 0;
            foreach (var e in _entries.Skip(skip)) e.Write(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
    }

    public void WriteStats(Utf8JsonWriter w)
    {
        lock (_gate)
        {
            w.WriteStartObject();
            w.WriteNumber("requests", _requests);
            w.WriteStartObject("byRoute");
            foreach (var (k, v) in _byRoute.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteStartObject("byStatus");
            foreach (var (k, v) in _byStatus.OrderBy(p => p.Key)) w.WriteNumber(k.ToString(), v);
            w.WriteEndObject();
            w.WriteStartObject("faults");
            foreach (var k in FaultConfig.Kinds) w.WriteNumber(k, _faults[k]);
            w.WriteEndObject();
            // 1.2: requests answered by a scripted response (kept out of `faults`, whose keys are the fault kinds).
            w.WriteNumber("overridden", _faults.GetValueOrDefault("override"));
            w.WriteNumber("rateLimited", _rateLimited);
            w.WriteStartObject("throttledByCredential");
            foreach (var (k, v) in _throttledByCredential.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteNumber("authFailures", _authFailures);
            w.WriteNumber("clientAborted", _clientAborted);
            w.WriteNumber("snapshotsCreated", _snapshotsCreated);
            // 1.2
            w.WriteNumber("volumesCreated", _volumesCreated);
            w.WriteNumber("jobsCreated", _jobsCreated);
            w.WriteNumber("clientTokenReplays", _clientTokenReplays);
            w.WriteStartObject("tokensIssued");
            foreach (var (k, v) in _tokensIssued) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteStartObject("credentialsIssued");
            foreach (var (k, v) in _credentialsIssued) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteEndObject();
        }
    }
}
