using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EvsEmulator.Faults;

/// <summary>One budget: <see cref="Limit"/> requests per <see cref="WindowSeconds"/>, as a token bucket (refills
/// continuously at Limit/WindowSeconds per second, holds at most Limit) or a fixed window (Limit requests in each window
/// [k·W, (k+1)·W) of the emulator clock, counted from the Unix epoch).</summary>
public sealed record RateLimitRule(int Limit, int WindowSeconds, string Mode)
{
    public const string Bucket = "bucket";
    public const string Window = "window";

    /// <summary>The gateway's wording of the window: "1 second", "10 second", "1 minute" (a multiple of 60 s).</summary>
    public string TimeText => WindowSeconds % 60 == 0
        ? $"{WindowSeconds / 60} minute"
        : $"{WindowSeconds.ToString(CultureInfo.InvariantCulture)} second";

    /// <summary>The 429 APIGW.0308 message (§5.3, §16).</summary>
    public string Message =>
        $"The throttling threshold has been reached: policy user over ratelimit,limit:{Limit.ToString(CultureInfo.InvariantCulture)},time:{TimeText}";

    private static readonly Regex Spec = new(@"^(\d+)/(\d*)(s|m)?(?::(bucket|window))?$", RegexOptions.CultureInvariant);

    /// <summary>"N/Ws", "N/Wm", "N/W" (seconds), "N/s", "N/m", each optionally ":bucket" (default) or ":window".</summary>
    public static RateLimitRule ParseSpec(string text, string name)
    {
        var m = Spec.Match(text.Trim());
        if (!m.Success)
            throw new ConfigException($"{name} must look like 10/1s, 100/1m, 5/10s:window (limit/window[s|m][:bucket|:window]), got '{text}'");
        var limit = ParseInt(m.Groups[1].Value, name);
        var window = m.Groups[2].Value.Length == 0 ? 1 : ParseInt(m.Groups[2].Value, name);
        if (m.Groups[3].Value == "m") window *= 60;
        return Create(limit, window, m.Groups[4].Success ? m.Groups[4].Value : Bucket, name);
    }

    public static RateLimitRule Create(long limit, long windowSeconds, string mode, string name)
    {
        if (limit is < 1 or > 1_000_000) throw new ConfigException($"{name}: limit must be between 1 and 1000000");
        if (windowSeconds is < 1 or > 86_400) throw new ConfigException($"{name}: windowSeconds must be between 1 and 86400");
        if (mode is not (Bucket or Window)) throw new ConfigException($"{name}: mode must be \"bucket\" or \"window\"");
        return new RateLimitRule((int)limit, (int)windowSeconds, mode);
    }

    private static int ParseInt(string s, string name) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new ConfigException($"{name}: '{s}' is too large");

    /// <summary>A rule from config JSON: {"limit", "windowSeconds"=1, "mode"="bucket"} or the spec string.</summary>
    public static RateLimitRule? FromJson(JsonNode? node, string name)
    {
        switch (node)
        {
            case null:
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return ParseSpec(v.GetValue<string>(), name);
            case JsonObject o:
                foreach (var (k, _) in o)
                    if (k is not ("limit" or "windowSeconds" or "mode"))
                        throw new ConfigException($"unknown setting '{name}.{k}' (known: limit, windowSeconds, mode)");
                if (o["limit"] is null) throw new ConfigException($"{name}.limit is required");
                var limit = ConfigValues.Int(o["limit"], name + ".limit", 1, 1_000_000);
                var window = o["windowSeconds"] is null ? 1 : ConfigValues.Int(o["windowSeconds"], name + ".windowSeconds", 1, 86_400);
                var mode = o["mode"] is null ? Bucket : ConfigValues.String(o["mode"], name + ".mode");
                return Create(limit, window, mode, name);
            default:
                throw new ConfigException($"{name} must be an object {{limit, windowSeconds, mode}}, a string such as \"10/1s\", or null");
        }
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("limit", Limit);
        w.WriteNumber("windowSeconds", WindowSeconds);
        w.WriteString("mode", Mode);
        w.WriteEndObject();
    }
}

/// <summary>The <c>rateLimit</c> config: per-credential budgets for every EVS call (<see cref="All"/>), for reads
/// (GET, HEAD) and for writes (POST, PUT, DELETE, PATCH), and whether a 429 carries Retry-After.</summary>
public sealed record RateLimitConfig
{
    public static readonly string[] Budgets = ["all", "read", "write"];

    public RateLimitRule? All { get; init; }
    public RateLimitRule? Read { get; init; }
    public RateLimitRule? Write { get; init; }
    public bool RetryAfter { get; init; }

    public bool Active => All is not null || Read is not null || Write is not null;

    /// <summary>Merges key by key; <c>null</c> clears everything.</summary>
    public RateLimitConfig Merge(JsonNode? patch)
    {
        if (patch is null) return new RateLimitConfig();
        if (patch is not JsonObject obj) throw new ConfigException("rateLimit must be an object or null");
        var c = this;
        foreach (var (key, value) in obj)
        {
            c = key switch
            {
                "all" => c with { All = RateLimitRule.FromJson(value, "rateLimit.all") },
                "read" => c with { Read = RateLimitRule.FromJson(value, "rateLimit.read") },
                "write" => c with { Write = RateLimitRule.FromJson(value, "rateLimit.write") },
                "retryAfter" => c with { RetryAfter = ConfigValues.Bool(value, "rateLimit.retryAfter") },
                _ => throw new ConfigException($"unknown setting 'rateLimit.{key}' (known: all, read, write, retryAfter)"),
            };
        }
        return c;
    }

    /// <summary>The --rate-limit value as a config patch: comma-separated <c>all=</c>, <c>read=</c>, <c>write=</c>
    /// specs, <c>retry-after</c>, or <c>off</c>.</summary>
    public static JsonObject ParseOption(string text, JsonObject? into)
    {
        var patch = into ?? new JsonObject();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw is "retry-after" or "retryAfter")
            {
                patch["retryAfter"] = true;
                continue;
            }
            if (raw == "off")
            {
                foreach (var b in Budgets) patch[b] = null;
                continue;
            }
            var eq = raw.IndexOf('=');
            var budget = eq > 0 ? raw[..eq] : "";
            if (!Budgets.Contains(budget))
                throw new ConfigException($"--rate-limit: '{raw}' must be all=, read= or write= followed by a limit such as 10/1s, or retry-after, or off");
            var spec = raw[(eq + 1)..];
            _ = RateLimitRule.ParseSpec(spec, "--rate-limit " + budget); // validate now, with the option's name
            patch[budget] = spec;
        }
        return patch;
    }

    public void WriteJson(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        foreach (var (name, rule) in new[] { ("all", All), ("read", Read), ("write", Write) })
        {
            w.WritePropertyName(name);
            if (rule is null) w.WriteNullValue();
            else rule.Write(w);
        }
        w.WriteBoolean("retryAfter", RetryAfter);
        w.WriteEndObject();
    }
}

/// <summary>The outcome of one check: allowed, or refused by a budget (and when a request would pass).</summary>
public readonly record struct RateDecision(bool Allowed, string? Budget, RateLimitRule? Rule, double RetryAfterSeconds)
{
    public static readonly RateDecision Pass = new(true, null, null, 0);

    /// <summary>Retry-After in whole seconds (rounded up, at least 1).</summary>
    public int RetryAfterHeader => Math.Max(1, (int)Math.Ceiling(RetryAfterSeconds - 1e-6));
}

/// <summary>The gateway's per-credential throttling (§5.3, §16): one state per (budget, credential), on the emulator
/// clock. A request is admitted only if every budget that applies to it (all, plus read or write) has room, and
/// then counts against each of them.</summary>
public sealed class CredentialRateLimiter
{
    private sealed class State
    {
        public required RateLimitRule Rule;
        public double Tokens;
        public DateTime Last;
        public long Window;
        public int Count;
    }

    private readonly object _gate = new();
    private readonly Dictionary<(string Budget, string Key), State> _states = new();

    public void Reset()
    {
        lock (_gate) _states.Clear();
    }

    public static bool IsWrite(string method) => method is "POST" or "PUT" or "DELETE" or "PATCH";

    public RateDecision Check(RateLimitConfig config, string key, string method, DateTime now)
    {
        var specific = IsWrite(method) ? ("write", config.Write) : ("read", config.Read);
        var budgets = new[] { specific, ("all", config.All) };
        lock (_gate)
        {
            RateDecision? refused = null;
            var states = new State?[2];
            for (var i = 0; i < budgets.Length; i++)
            {
                var (budget, rule) = budgets[i];
                if (rule is null) continue;
                var state = Refresh(budget, key, rule, now);
                states[i] = state;
                var wait = WaitSeconds(state, now);
                if (wait > 0 && (refused is null || wait > refused.Value.RetryAfterSeconds))
                    refused = new RateDecision(false, budget, rule, wait);
            }
            if (refused is { } r) return r;
            foreach (var state in states)
            {
                if (state is null) continue;
                if (state.Rule.Mode == RateLimitRule.Bucket) state.Tokens -= 1;
                else state.Count++;
            }
            return RateDecision.Pass;
        }
    }

    private State Refresh(string budget, string key, RateLimitRule rule, DateTime now)
    {
        if (!_states.TryGetValue((budget, key), out var s) || s.Rule != rule)
        {
            // A new credential or a changed rule starts with a full budget.
            s = new State { Rule = rule, Tokens = rule.Limit, Last = now, Window = WindowIndex(rule, now) };
            _states[(budget, key)] = s;
        }
        if (rule.Mode == RateLimitRule.Bucket)
        {
            var elapsed = (now - s.Last).TotalSeconds;
            if (elapsed > 0) s.Tokens = Math.Min(rule.Limit, s.Tokens + elapsed * rule.Limit / rule.WindowSeconds);
            if (now > s.Last) s.Last = now;
        }
        else
        {
            var index = WindowIndex(rule, now);
            if (index != s.Window)
            {
                s.Window = index;
                s.Count = 0;
            }
        }
        return s;
    }

    /// <summary>0 when a request may pass now; else the seconds until one would.</summary>
    private static double WaitSeconds(State s, DateTime now)
    {
        if (s.Rule.Mode == RateLimitRule.Bucket)
            return s.Tokens >= 1 ? 0 : (1 - s.Tokens) * s.Rule.WindowSeconds / s.Rule.Limit;
        if (s.Count < s.Rule.Limit) return 0;
        var nextStartTicks = (s.Window + 1) * s.Rule.WindowSeconds * TimeSpan.TicksPerSecond;
        return (nextStartTicks - (now - DateTime.UnixEpoch).Ticks) / (double)TimeSpan.TicksPerSecond;
    }

    private static long WindowIndex(RateLimitRule rule, DateTime now) =>
        (now - DateTime.UnixEpoch).Ticks / (rule.WindowSeconds * TimeSpan.TicksPerSecond);
}
