using System.Security.Cryptography;

namespace EvsEmulator.Evs;

/// <summary>EVS's own idempotency key for disk creation, X-Client-Token (§11.2): a UUID, valid 8 hours. A repeat of a
/// committed request returns the first answer; a different URL, project or body is EVS.2219; an expired token EVS.2220;
/// a repeat that arrives while the first request with the token is still being processed EVS.2221.
/// "Still being processed" runs from the moment the first request reaches the emulator (before latency and slow faults)
/// until it commits or fails, so a client that re-sends during a slow first attempt sees EVS.2221.</summary>
public sealed class ClientTokenRegistry
{
    public const string Header = "X-Client-Token";

    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed class Entry
    {
        public string? Holder;
        public Committed? Answer;
    }

    /// <summary>The first answer to a token: where it was sent, a hash of the body, and what was answered.</summary>
    public sealed record Committed(DateTime At, string ProjectId, string Target, string BodyHash, int Status, byte[] Body,
        IReadOnlyList<string> VolumeIds);

    /// <summary>What a request found when it arrived.</summary>
    public enum Arrival
    {
        /// <summary>Nobody used the token yet (or only requests that failed): this request holds it.</summary>
        Claimed,
        /// <summary>Another request with the token was still being processed.</summary>
        Busy,
        /// <summary>The token has a committed answer.</summary>
        Committed,
    }

    public static bool IsValid(string token) => token.Length == 36 && Guid.TryParseExact(token, "D", out _);

    public static string BodyHash(byte[] body) => Convert.ToHexStringLower(SHA256.HashData(body));

    public Arrival Arrive(string token, string requestId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(token, out var e)) _entries[token] = e = new Entry();
            if (e.Answer is not null) return Arrival.Committed;
            if (e.Holder is not null && e.Holder != requestId) return Arrival.Busy;
            e.Holder = requestId;
            return Arrival.Claimed;
        }
    }

    /// <summary>The request is over (answered, failed or aborted): a token that was never committed is free again.</summary>
    public void Leave(string token, string requestId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(token, out var e) || e.Holder != requestId) return;
            e.Holder = null;
            if (e.Answer is null) _entries.Remove(token);
        }
    }

    /// <summary>The committed answer of a token, or null.</summary>
    public Committed? Find(string token)
    {
        lock (_gate) return _entries.GetValueOrDefault(token)?.Answer;
    }

    /// <summary>True when a request other than <paramref name="requestId"/> holds the token now.</summary>
    public bool HeldByOther(string token, string requestId)
    {
        lock (_gate) return _entries.TryGetValue(token, out var e) && e.Holder is not null && e.Holder != requestId;
    }

    /// <summary>Records the first answer (called by the handler once the disks exist, before faults act on the response).</summary>
    public void Commit(string token, string requestId, Committed answer)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(token, out var e)) _entries[token] = e = new Entry();
            e.Answer = answer;
            if (e.Holder == requestId) e.Holder = null;
        }
    }

    /// <summary>Every token known (control plane): in flight (held) or committed.</summary>
    public List<(string Token, string? Holder, Committed? Answer)> Snapshot()
    {
        lock (_gate) return _entries.Select(kv => (kv.Key, kv.Value.Holder, kv.Value.Answer)).ToList();
    }
}

/// <summary>A request's hold on its client token from arrival to the end of the pipeline.</summary>
public sealed class ClientTokenClaim(ClientTokenRegistry registry, string token, string requestId, ClientTokenRegistry.Arrival arrival)
    : IDisposable
{
    public ClientTokenRegistry Registry { get; } = registry;
    public string Token { get; } = token;
    public ClientTokenRegistry.Arrival Arrival { get; } = arrival;

    public void Dispose() => Registry.Leave(Token, requestId);
}
