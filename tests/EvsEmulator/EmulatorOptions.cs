using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EvsEmulator.Http;

namespace EvsEmulator;

/// <summary>Thrown for a bad command line, config file or PATCH /__emulator/config body.</summary>
public sealed class ConfigException(string message) : Exception(message);

/// <summary>Fault-injection settings (the <c>faults</c> object of the runtime config).</summary>
public sealed record FaultConfig
{
    /// <summary>Fault kinds in the order they are checked.</summary>
    public static readonly string[] Kinds =
        ["reset_before", "503", "429", "429_retry_after", "slow", "reset_after", "504_after", "malformed"];

    /// <summary>Every EVS route: /v2/ (1.0), /v2.1/ (disk creation) and /v1/ (jobs) since 1.2. No 1.1 route is newly
    /// matched: IAM is /v3/ and /v3.0/, the metadata service /meta-data/ and /openstack/.</summary>
    public const string DefaultPaths = @"^/(v2|v2\.1|v1)/";

    public IReadOnlyDictionary<string, double> Rates { get; init; } = Kinds.ToDictionary(k => k, _ => 0.0);
    public int SlowMs { get; init; } = 3000;
    /// <summary>Regex matched against the raw request path.</summary>
    public string Paths
    {
        get => _paths;
        // The compiled regex is set together with the pattern: `with` copies fields, so a lazily cached regex
        // would outlive a changed pattern.
        init
        {
            _paths = value;
            PathRegex = new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
    }

    private readonly string _paths = DefaultPaths;
    public Regex PathRegex { get; private init; } = new(DefaultPaths, RegexOptions.CultureInvariant);

    /// <summary>Upper-case HTTP methods; empty means every method.</summary>
    public IReadOnlyList<string> Methods { get; init; } = [];

    /// <summary>1.2: a regex the raw query string (without '?') must match; null = any query.</summary>
    public string? Query
    {
        get => _query;
        init
        {
            _query = value;
            QueryRegex = value is null ? null : new Regex(value, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        }
    }

    private readonly string? _query;
    public Regex? QueryRegex { get; private init; }

    public bool Active => Rates.Values.Any(r => r > 0);

    public bool Matches(string method, string path, string query = "") =>
        (Methods.Count == 0 || Methods.Contains(method, StringComparer.OrdinalIgnoreCase)) && PathRegex.IsMatch(path)
        && (QueryRegex is null || QueryRegex.IsMatch(query));

    public FaultConfig Merge(JsonNode? patch)
    {
        if (patch is null) return new FaultConfig(); // "faults": null clears everything
        if (patch is not JsonObject obj) throw new ConfigException("faults must be an object or null");
        var rates = new Dictionary<string, double>(Rates);
        var result = this;
        foreach (var (key, value) in obj)
        {
            if (Kinds.Contains(key))
                rates[key] = Rate(key, value);
            else if (key == "rates")
            {
                // Alias: {"faults":{"rates":{"503":0.1}}} is accepted as well as the flat form.
                if (value is not JsonObject nested) throw new ConfigException("faults.rates must be an object");
                foreach (var (k, v) in nested)
                {
                    if (!Kinds.Contains(k)) throw new ConfigException($"unknown fault kind '{k}' (known: {string.Join(", ", Kinds)})");
                    rates[k] = Rate(k, v);
                }
            }
            else if (key == "slowMs") result = result with { SlowMs = ConfigValues.Int(value, "faults.slowMs", 0, 600_000) };
            else if (key == "paths")
            {
                var p = value is null ? DefaultPaths : ConfigValues.String(value, "faults.paths");
                try { _ = new Regex(p, RegexOptions.CultureInvariant); }
                catch (ArgumentException e) { throw new ConfigException($"faults.paths is not a valid regex: {e.Message}"); }
                result = result with { Paths = p };
            }
            else if (key == "methods")
            {
                result = result with { Methods = ParseMethods(value) };
            }
            else if (key == "query")
            {
                var q = value is null ? null : ConfigValues.String(value, "faults.query");
                if (q is not null)
                {
                    try { _ = new Regex(q, RegexOptions.CultureInvariant); }
                    catch (ArgumentException e) { throw new ConfigException($"faults.query is not a valid regex: {e.Message}"); }
                }
                result = result with { Query = q };
            }
            else throw new ConfigException($"unknown faults setting '{key}' (known: {string.Join(", ", Kinds)}, rates, slowMs, paths, methods, query)");
        }
        return result with { Rates = rates };
    }

    private static double Rate(string kind, JsonNode? value)
    {
        var r = ConfigValues.Number(value, $"faults.{kind}");
        if (r < 0 || r > 1) throw new ConfigException($"faults.{kind} must be between 0 and 1");
        return r;
    }

    private static IReadOnlyList<string> ParseMethods(JsonNode? value)
    {
        if (value is null) return [];
        IEnumerable<string> items = value switch
        {
            JsonArray arr => arr.Select(n => ConfigValues.String(n, "faults.methods[]")),
            JsonValue v when v.GetValueKind() == JsonValueKind.String =>
                v.GetValue<string>().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            _ => throw new ConfigException("faults.methods must be an array of HTTP methods, a comma-separated string or null"),
        };
        return items.Select(m => m.ToUpperInvariant()).Distinct().ToArray();
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        foreach (var k in Kinds) w.WriteNumber(k, Rates.TryGetValue(k, out var r) ? r : 0);
        w.WriteNumber("slowMs", SlowMs);
        w.WriteString("paths", Paths);
        w.WriteStartArray("methods");
        foreach (var m in Methods) w.WriteStringValue(m);
        w.WriteEndArray();
        w.StringOrNull("query", Query);
        w.WriteEndObject();
    }
}

/// <summary>The ECS metadata service switches (the <c>metadata</c> object of the runtime config).</summary>
public sealed record MetadataConfig
{
    public const string Fail503 = "503";
    public const string FailReset = "reset";

    /// <summary>false: the server has no agency (401 "Please configure Cloud Service Agency first").</summary>
    public bool AgencyAttached { get; init; } = true;
    /// <summary>false: a metadata version without the token step (PUT /meta-data/latest/api/token is 404).</summary>
    public bool TokenStep { get; init; } = true;
    /// <summary>true: GET securitykey needs a valid X-Metadata-Token (401 without one).</summary>
    public bool TokenRequired { get; init; }
    /// <summary>Lifetime of the agency credentials the service hands out (§14.4: 1 h).</summary>
    public double CredentialLifetimeSeconds { get; init; } = 3600;
    /// <summary>How long before expiry the service rotates (old and new overlap); null = min(600, lifetime / 6).</summary>
    public double? OverlapSeconds { get; init; }
    public int LatencyMs { get; init; }
    /// <summary>null, "503" (503 Service Unavailable) or "reset" (connection reset, no response).</summary>
    public string? Failure { get; init; }

    public double EffectiveOverlapSeconds => OverlapSeconds ?? Math.Min(600, CredentialLifetimeSeconds / 6);

    public static readonly string[] Keys =
        ["agencyAttached", "tokenStep", "tokenRequired", "credentialLifetimeSeconds", "overlapSeconds", "latencyMs", "failure"];

    public MetadataConfig Merge(JsonNode? patch)
    {
        if (patch is null) return new MetadataConfig();
        if (patch is not JsonObject obj) throw new ConfigException("metadata must be an object or null");
        var c = this;
        foreach (var (key, value) in obj)
        {
            var name = "metadata." + key;
            c = key switch
            {
                "agencyAttached" => c with { AgencyAttached = ConfigValues.Bool(value, name) },
                "tokenStep" => c with { TokenStep = ConfigValues.Bool(value, name) },
                "tokenRequired" => c with { TokenRequired = ConfigValues.Bool(value, name) },
                "credentialLifetimeSeconds" => c with { CredentialLifetimeSeconds = ConfigValues.Positive(value, name) },
                "overlapSeconds" => c with { OverlapSeconds = value is null ? null : ConfigValues.NonNegative(value, name) },
                "latencyMs" => c with { LatencyMs = ConfigValues.Int(value, name, 0, 600_000) },
                "failure" => c with
                {
                    Failure = value is null ? null
                        : ConfigValues.String(value, name) is var f && f is Fail503 or FailReset ? f
                        : throw new ConfigException("metadata.failure must be null, \"503\" or \"reset\""),
                },
                _ => throw new ConfigException($"unknown setting '{name}' (known: {string.Join(", ", Keys)})"),
            };
        }
        if (c.EffectiveOverlapSeconds >= c.CredentialLifetimeSeconds)
            throw new ConfigException("metadata.overlapSeconds must be less than metadata.credentialLifetimeSeconds");
        return c;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteBoolean("agencyAttached", AgencyAttached);
        w.WriteBoolean("tokenStep", TokenStep);
        w.WriteBoolean("tokenRequired", TokenRequired);
        w.WriteNumber("credentialLifetimeSeconds", CredentialLifetimeSeconds);
        if (OverlapSeconds is { } o) w.WriteNumber("overlapSeconds", o);
        else w.WriteNull("overlapSeconds");
        w.WriteNumber("latencyMs", LatencyMs);
        w.StringOrNull("failure", Failure);
        w.WriteEndObject();
    }
}

/// <summary>Runtime settings: every command-line option plus <c>faults</c>, <c>rateLimitPerSecond</c> and
/// <c>protectBackupSnapshots</c>. Immutable; a PATCH produces a new instance that is swapped in atomically.</summary>
public sealed record RuntimeConfig
{
    public int Seed { get; init; } = 42;
    public int Volumes { get; init; }
    public int LatencyMs { get; init; }
    public int PageCap { get; init; } = 1000;
    public double CreateSeconds { get; init; } = 2;
    public double DeleteSeconds { get; init; } = 1;
    public double RollbackSeconds { get; init; } = 2;
    public double TokenLifetimeSeconds { get; init; } = 86400;
    public double ClockSkewSeconds { get; init; }
    public double RateLimitPerSecond { get; init; }
    public bool ProtectBackupSnapshots { get; init; } = true;
    /// <summary>1.2: a new disk's create job is INIT for this long, then RUNNING for VolumeCreateSeconds; the disk is
    /// creating through both.</summary>
    public double JobInitSeconds { get; init; } = 0.5;
    public double VolumeCreateSeconds { get; init; } = 2;
    /// <summary>1.2: how long an X-Client-Token answer is kept (§11.2: 8 hours), on the emulator clock.</summary>
    public double ClientTokenTtlSeconds { get; init; } = 8 * 3600;
    /// <summary>1.2: a new disk answers 404 to GET and is left out of lists for this long (§11.5); 0 = visible at once.</summary>
    public double HideCreatingVolumesSeconds { get; init; }
    public FaultConfig Faults { get; init; } = new();
    /// <summary>The ECS metadata service (README "ECS metadata service").</summary>
    public MetadataConfig Metadata { get; init; } = new();
    /// <summary>Lifetime of credentials from POST /v3.0/OS-CREDENTIAL/securitytokens; null = the request's duration_seconds.</summary>
    public double? SecurityTokenLifetimeSeconds { get; init; }
    /// <summary>Error bodies of securitytokens: "keystone" {"error":{code,message,title}} or "huawei" {error_msg,error_code}.</summary>
    public string SecurityTokenErrorStyle { get; init; } = "keystone";
    /// <summary>Per-credential gateway throttling of EVS calls (README "Rate limits").</summary>
    public Faults.RateLimitConfig RateLimit { get; init; } = new();
    /// <summary>Seed document file (start-up only); null = the built-in default seed.</summary>
    public string? SeedFile { get; init; }

    /// <summary>Applies a JSON object of settings. <paramref name="startup"/> is true for the config file and
    /// the command line, where <c>volumes</c> and <c>port</c> are also allowed.</summary>
    public RuntimeConfig Merge(JsonObject patch, bool startup, Action<int>? port = null)
    {
        var c = this;
        foreach (var (key, value) in patch)
        {
            c = key switch
            {
                "seed" => c with { Seed = ConfigValues.Int(value, key, int.MinValue, int.MaxValue) },
                "volumes" when startup => c with { Volumes = ConfigValues.Int(value, key, 0, 1_000_000) },
                "volumes" => throw new ConfigException("volumes can only be set at start-up (--volumes or the config file); use POST /__emulator/volumes to add volumes at run time"),
                "port" when startup && port is not null => SetPort(c, value, port),
                "port" => throw new ConfigException("port can only be set at start-up"),
                "latencyMs" => c with { LatencyMs = ConfigValues.Int(value, key, 0, 600_000) },
                "pageCap" => c with { PageCap = ConfigValues.Int(value, key, 1, 1_000_000) },
                "createSeconds" => c with { CreateSeconds = ConfigValues.NonNegative(value, key) },
                "deleteSeconds" => c with { DeleteSeconds = ConfigValues.NonNegative(value, key) },
                "rollbackSeconds" => c with { RollbackSeconds = ConfigValues.NonNegative(value, key) },
                "tokenLifetimeSeconds" => c with { TokenLifetimeSeconds = ConfigValues.Positive(value, key) },
                "clockSkewSeconds" => c with { ClockSkewSeconds = ConfigValues.Number(value, key) },
                "rateLimitPerSecond" => c with { RateLimitPerSecond = ConfigValues.NonNegative(value, key) },
                "protectBackupSnapshots" => c with { ProtectBackupSnapshots = ConfigValues.Bool(value, key) },
                "jobInitSeconds" => c with { JobInitSeconds = ConfigValues.NonNegative(value, key) },
                "volumeCreateSeconds" => c with { VolumeCreateSeconds = ConfigValues.NonNegative(value, key) },
                "clientTokenTtlSeconds" => c with { ClientTokenTtlSeconds = ConfigValues.Positive(value, key) },
                "hideCreatingVolumesSeconds" => c with { HideCreatingVolumesSeconds = ConfigValues.NonNegative(value, key) },
                "faults" => c with { Faults = c.Faults.Merge(value) },
                "rateLimit" => c with { RateLimit = c.RateLimit.Merge(value) },
                "metadata" => c with { Metadata = c.Metadata.Merge(value) },
                "securityTokenLifetimeSeconds" => c with
                {
                    SecurityTokenLifetimeSeconds = value is null ? null : ConfigValues.Positive(value, key),
                },
                "securityTokenErrorStyle" => c with
                {
                    SecurityTokenErrorStyle = ConfigValues.String(value, key) is var style && style is "keystone" or "huawei" ? style
                        : throw new ConfigException("securityTokenErrorStyle must be \"keystone\" or \"huawei\""),
                },
                "seedFile" when startup => c with { SeedFile = value is null ? null : ConfigValues.String(value, key) },
                "seedFile" => throw new ConfigException("seedFile can only be set at start-up (--seed-file or the config file); use POST /__emulator/seed to replace the state at run time"),
                _ => throw new ConfigException($"unknown setting '{key}'"),
            };
        }
        return c;
    }

    private static RuntimeConfig SetPort(RuntimeConfig c, JsonNode? value, Action<int> port)
    {
        port(ConfigValues.Int(value, "port", 0, 65535));
        return c;
    }

    public void Write(Utf8JsonWriter w)
    {
        w.WriteStartObject();
        w.WriteNumber("seed", Seed);
        w.WriteNumber("volumes", Volumes);
        w.WriteNumber("latencyMs", LatencyMs);
        w.WriteNumber("pageCap", PageCap);
        w.WriteNumber("createSeconds", CreateSeconds);
        w.WriteNumber("deleteSeconds", DeleteSeconds);
        w.WriteNumber("rollbackSeconds", RollbackSeconds);
        w.WriteNumber("tokenLifetimeSeconds", TokenLifetimeSeconds);
        w.WriteNumber("clockSkewSeconds", ClockSkewSeconds);
        w.WriteNumber("rateLimitPerSecond", RateLimitPerSecond);
        w.WriteBoolean("protectBackupSnapshots", ProtectBackupSnapshots);
        w.WriteNumber("jobInitSeconds", JobInitSeconds);
        w.WriteNumber("volumeCreateSeconds", VolumeCreateSeconds);
        w.WriteNumber("clientTokenTtlSeconds", ClientTokenTtlSeconds);
        w.WriteNumber("hideCreatingVolumesSeconds", HideCreatingVolumesSeconds);
        w.WritePropertyName("faults");
        Faults.Write(w);
        w.WritePropertyName("rateLimit");
        RateLimit.WriteJson(w);
        w.WritePropertyName("metadata");
        Metadata.Write(w);
        if (SecurityTokenLifetimeSeconds is { } stl) w.WriteNumber("securityTokenLifetimeSeconds", stl);
        else w.WriteNull("securityTokenLifetimeSeconds");
        w.WriteString("securityTokenErrorStyle", SecurityTokenErrorStyle);
        w.StringOrNull("seedFile", SeedFile);
        w.WriteEndObject();
    }
}

/// <summary>Typed reads of JSON config values with readable errors.</summary>
internal static class ConfigValues
{
    public static double Number(JsonNode? v, string name)
    {
        if (v is JsonValue jv && jv.GetValueKind() == JsonValueKind.Number)
        {
            var d = jv.GetValue<double>();
            if (double.IsFinite(d)) return d;
        }
        throw new ConfigException($"{name} must be a number");
    }

    public static double NonNegative(JsonNode? v, string name)
    {
        var d = Number(v, name);
        return d >= 0 ? d : throw new ConfigException($"{name} must be >= 0");
    }

    public static double Positive(JsonNode? v, string name)
    {
        var d = Number(v, name);
        return d > 0 ? d : throw new ConfigException($"{name} must be > 0");
    }

    public static int Int(JsonNode? v, string name, int min, int max)
    {
        var d = Number(v, name);
        if (d != Math.Floor(d) || d < min || d > max)
            throw new ConfigException($"{name} must be an integer between {min} and {max}");
        return (int)d;
    }

    public static bool Bool(JsonNode? v, string name) =>
        v is JsonValue jv && jv.GetValueKind() is JsonValueKind.True or JsonValueKind.False
            ? jv.GetValue<bool>()
            : throw new ConfigException($"{name} must be true or false");

    public static string String(JsonNode? v, string name) =>
        v is JsonValue jv && jv.GetValueKind() == JsonValueKind.String
            ? jv.GetValue<string>()
            : throw new ConfigException($"{name} must be a string");
}

/// <summary>Command-line options, parsed by hand (see README for the table).</summary>
public sealed class EmulatorOptions
{
    public int Port { get; set; }
    public bool ExitOnStdinClose { get; set; }
    /// <summary>1.2: exit when this process is gone (checked every second).</summary>
    public int? ParentPid { get; set; }
    public bool Help { get; set; }
    public RuntimeConfig Config { get; set; } = new();
    /// <summary>The parsed --seed-file document, or null for the default seed.</summary>
    public State.SeedDocument? Seed { get; set; }

    public const string Usage = """
        Usage: dotnet EvsEmulator.dll [options]
          --port N                    Port on 127.0.0.1 (0 = pick a free port; default 0)
          --config FILE               JSON file with runtime settings (names as in PATCH /__emulator/config)
          --seed N                    Seed for ids and faults (default 42)
          --seed-file FILE            Seed document (accounts, projects, disks...; README "Seed format")
          --volumes N                 Extra generated volumes vol-0001... (default 0)
          --latency-ms N              Delay added to every API response (default 0)
          --page-cap N                Server-side maximum page size (default 1000)
          --create-seconds S          Time a snapshot stays creating (default 2)
          --delete-seconds S          Time a snapshot stays deleting (default 1)
          --rollback-seconds S        Time a rollback takes (default 2)
          --volume-create-seconds S   Time a new disk stays creating after its job's INIT phase (default 2)
          --job-init-seconds S        Time a disk-create job stays INIT (default 0.5)
          --client-token-ttl-seconds S  How long an X-Client-Token is remembered (default 28800 = 8 h)
          --token-lifetime-seconds S  IAM token lifetime (default 86400)
          --clock-skew-seconds S      Emulator clock offset from the machine clock (default 0)
          --rate-limit-per-second N   Throttle API calls above N/s with 429 APIGW.0308 (default 0 = off)
          --rate-limit SPEC           Per-credential EVS limits: write=10/1s,read=100/1m,all=50/10s:window,retry-after
          --security-token-lifetime-seconds S      Lifetime of securitytokens credentials (default: duration_seconds)
          --metadata-credential-lifetime-seconds S Lifetime of ECS metadata credentials (default 3600)
          --exit-on-stdin-close       Exit when stdin reaches end of file
          --parent-pid N              Exit when process N is gone (checked every second)
          --help                      Show this text
        """;

    // Option name → runtime-config key (numbers only).
    private static readonly Dictionary<string, string> NumericOptions = new()
    {
        ["--seed"] = "seed",
        ["--volumes"] = "volumes",
        ["--latency-ms"] = "latencyMs",
        ["--page-cap"] = "pageCap",
        ["--create-seconds"] = "createSeconds",
        ["--delete-seconds"] = "deleteSeconds",
        ["--rollback-seconds"] = "rollbackSeconds",
        ["--volume-create-seconds"] = "volumeCreateSeconds",
        ["--job-init-seconds"] = "jobInitSeconds",
        ["--client-token-ttl-seconds"] = "clientTokenTtlSeconds",
        ["--token-lifetime-seconds"] = "tokenLifetimeSeconds",
        ["--clock-skew-seconds"] = "clockSkewSeconds",
        ["--rate-limit-per-second"] = "rateLimitPerSecond",
        ["--security-token-lifetime-seconds"] = "securityTokenLifetimeSeconds",
    };

    public static EmulatorOptions Parse(IReadOnlyList<string> args)
    {
        var options = new EmulatorOptions();
        string? configFile = null;
        int? port = null;
        var cli = new JsonObject();

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            var eq = arg.IndexOf('=');
            if (arg.StartsWith("--", StringComparison.Ordinal) && eq > 0)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null) return inline;
                if (i + 1 >= args.Count) throw new ConfigException($"{arg} needs a value");
                return args[++i];
            }

            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    options.Help = true;
                    break;
                case "--exit-on-stdin-close":
                    options.ExitOnStdinClose = true;
                    break;
                case "--parent-pid":
                    var pidText = Value();
                    if (!int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var parentPid) || parentPid <= 0)
                        throw new ConfigException($"--parent-pid must be a process id (a positive integer), got '{pidText}'");
                    options.ParentPid = parentPid;
                    break;
                case "--config":
                    configFile = Value();
                    break;
                case "--seed-file":
                    cli["seedFile"] = Value();
                    break;
                case "--metadata-credential-lifetime-seconds":
                    var lifetimeRaw = Value();
                    if (!double.TryParse(lifetimeRaw, NumberStyles.Float, CultureInfo.InvariantCulture, out var lifetime))
                        throw new ConfigException($"{arg} must be a number, got '{lifetimeRaw}'");
                    cli["metadata"] = new JsonObject { ["credentialLifetimeSeconds"] = lifetime };
                    break;
                case "--rate-limit":
                    if (cli["rateLimit"] is JsonObject existing) Faults.RateLimitConfig.ParseOption(Value(), existing);
                    else cli["rateLimit"] = Faults.RateLimitConfig.ParseOption(Value(), null);
                    break;
                case "--port":
                    var p = Value();
                    if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var pv) || pv > 65535)
                        throw new ConfigException($"--port must be an integer between 0 and 65535, got '{p}'");
                    port = pv;
                    break;
                default:
                    if (!NumericOptions.TryGetValue(arg, out var key))
                        throw new ConfigException($"unknown option '{arg}' (see --help)");
                    var raw = Value();
                    if (!double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var num))
                        throw new ConfigException($"{arg} must be a number, got '{raw}'");
                    cli[key] = num;
                    break;
            }
        }

        var config = new RuntimeConfig();
        if (configFile is not null)
        {
            JsonNode? fileNode;
            try { fileNode = JsonNode.Parse(File.ReadAllText(configFile)); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
            {
                throw new ConfigException($"cannot read config file '{configFile}': {e.Message}");
            }
            if (fileNode is not JsonObject fileObj) throw new ConfigException($"config file '{configFile}' must hold a JSON object");
            // A relative seedFile in the config file is relative to the config file.
            if (fileObj["seedFile"] is JsonValue sf && sf.GetValueKind() == JsonValueKind.String && !Path.IsPathRooted(sf.GetValue<string>()))
                fileObj["seedFile"] = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configFile)) ?? ".", sf.GetValue<string>());
            config = config.Merge(fileObj, startup: true, port: v => options.Port = v);
        }
        // The command line wins over the file.
        options.Config = config.Merge(cli, startup: true);
        if (port is not null) options.Port = port.Value;
        if (options.Config.SeedFile is { } seedFile) options.Seed = LoadSeedFile(seedFile, options.Config);
        return options;
    }

    /// <summary>Reads, parses and test-builds a seed file, so every problem is reported at start-up.</summary>
    public static State.SeedDocument LoadSeedFile(string path, RuntimeConfig config)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ConfigException($"cannot read seed file '{path}': {e.Message}");
        }
        try
        {
            var doc = State.SeedDocument.Parse(text);
            _ = State.Seeder.Build(doc, config, DateTime.UtcNow.AddSeconds(config.ClockSkewSeconds), "file");
            return doc;
        }
        catch (ConfigException e)
        {
            throw new ConfigException($"seed file '{path}': {e.Message}");
        }
    }
}
