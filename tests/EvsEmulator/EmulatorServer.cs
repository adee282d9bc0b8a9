using System.Net;
using System.Text.Json.Nodes;
using EvsEmulator.Admin;
using EvsEmulator.Evs;
using EvsEmulator.Faults;
using EvsEmulator.Http;
using EvsEmulator.Iam;
using EvsEmulator.Metadata;
using EvsEmulator.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EvsEmulator;

/// <summary>The running emulator: Kestrel on 127.0.0.1, the state, the config and the fault machinery.
/// Usable in-process (tests) or from <see cref="Program"/>.</summary>
public sealed class EmulatorServer : IAsyncDisposable
{
    private readonly object _adminGate = new();
    private readonly RuntimeConfig _startupConfig;
    private WebApplication? _app;
    private volatile RuntimeConfig _config;
    private volatile World _world;
    private SeedDocument _seed;
    private string _seedSource;

    public Router Router { get; }
    public RequestStats Stats { get; } = new();
    public FaultInjector Faults { get; }
    public RateLimiter RateLimiter { get; } = new();
    public CredentialRateLimiter CredentialRateLimiter { get; } = new();
    /// <summary>Scripted responses (POST /__emulator/overrides, 1.2).</summary>
    public OverrideList Overrides { get; } = new();
    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public RuntimeConfig Config => _config;
    /// <summary>Accounts, credentials and every project's state.</summary>
    public World World => _world;
    /// <summary>The default (first) project's disks and snapshots.</summary>
    public Store Store => _world.DefaultProject.Store;
    /// <summary>The seed document in effect (the start-up one, or the last one posted).</summary>
    public SeedDocument Seed => _seed;

    /// <summary>The emulator clock: machine UTC plus clockSkewSeconds plus the offset the control plane added
    /// (POST /__emulator/clock), or the time it was frozen at.</summary>
    public DateTime Now
    {
        get
        {
            var clock = _clock;
            return clock.FrozenAt ?? DateTime.UtcNow.AddSeconds(_config.ClockSkewSeconds) + clock.Offset;
        }
    }

    /// <summary>Offset added by the control plane, and the frozen time (null when the clock runs).</summary>
    public sealed record ClockState(TimeSpan Offset, DateTime? FrozenAt);

    private volatile ClockState _clock = new(TimeSpan.Zero, null);
    public ClockState Clock => _clock;

    /// <summary>POST /__emulator/clock, applied in this order: freeze, set the time, unfreeze, move forward. A frozen
    /// clock stands still until moved; unfreezing continues from the frozen time.</summary>
    public ClockState AdjustClock(DateTime? set, bool? freeze, double advanceSeconds)
    {
        lock (_adminGate)
        {
            var running = DateTime.UtcNow.AddSeconds(_config.ClockSkewSeconds);
            var c = _clock;
            if (freeze == true && c.FrozenAt is null) c = c with { FrozenAt = running + c.Offset };
            if (set is { } t) c = c.FrozenAt is null ? c with { Offset = t - running } : c with { FrozenAt = t };
            if (freeze == false && c.FrozenAt is { } f) c = new ClockState(f - running, null);
            if (advanceSeconds != 0)
            {
                var by = TimeSpan.FromSeconds(advanceSeconds);
                c = c.FrozenAt is { } frozen ? c with { FrozenAt = frozen + by } : c with { Offset = c.Offset + by };
            }
            _clock = c;
            return c;
        }
    }

    private EmulatorServer(RuntimeConfig config, SeedDocument? seed)
    {
        _startupConfig = config;
        _config = config;
        _seed = seed ?? SeedDocument.Default;
        _seedSource = seed is null ? "default" : "file";
        _world = Seeder.Build(_seed, config, DateTime.UtcNow.AddSeconds(config.ClockSkewSeconds), _seedSource);
        Faults = new FaultInjector(config.Seed);
        // Order matters where templates overlap: ".../detail" before ".../{id}".
        Router = new Router(IamRoutes.All().Concat(CredentialRoutes.All()).Concat(VolumeRoutes.All()).Concat(VolumeCreateRoutes.All()).Concat(SnapshotRoutes.All()).Concat(MetadataRoutes.All()));
    }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var server = new EmulatorServer(options.Config, options.Seed);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        // Nothing but warnings, and only on stderr: stdout carries the port line and must stay quiet afterwards.
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 16 * 1024 * 1024;
            // Scripted responses may carry non-ASCII header text (sent as UTF-8); control characters stay refused.
            k.ResponseHeaderEncodingSelector = _ => System.Text.Encoding.UTF8;
            k.Listen(IPAddress.Loopback, options.Port);
        });

        var app = builder.Build();
        var pipeline = new ApiPipeline(server);
        app.Run(ctx => ctx.Request.Path.StartsWithSegments("/__emulator", StringComparison.Ordinal)
            ? AdminRoutes.HandleAsync(ctx, server)
            : MetadataService.Handles(ctx.Request.Path)
                ? MetadataService.HandleAsync(ctx, server)
                : pipeline.HandleAsync(ctx));
        await app.StartAsync(cancellationToken);

        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.First();
        server.Port = new Uri(address).Port;
        server._app = app;
        return server;
    }

    /// <summary>Back to the start-up state: seed data, config, faults, tokens, request log and counters.</summary>
    public void Reset()
    {
        lock (_adminGate)
        {
            _config = _startupConfig;
            _clock = new ClockState(TimeSpan.Zero, null);
            _world = Seeder.Build(_seed, _startupConfig, Now, _seedSource);
            Faults.Reseed(_startupConfig.Seed);
            RateLimiter.Reset();
            CredentialRateLimiter.Reset();
            Overrides.Clear();
            Stats.ClearLog();
            Stats.ClearCounters();
        }
    }

    /// <summary>Replaces the whole state with a new seed (POST /__emulator/seed), then resets to it: later resets also
    /// return to this seed. Throws <see cref="ConfigException"/> (nothing changed) when the seed is invalid.</summary>
    public World ApplySeed(SeedDocument seed)
    {
        lock (_adminGate)
        {
            // Built once to validate before anything changes; Reset builds the state actually used.
            _ = Seeder.Build(seed, _startupConfig, Now, "posted");
            _seed = seed;
            _seedSource = "posted";
            Reset();
            return _world;
        }
    }

    /// <summary>Merges runtime settings. Patching <c>faults</c> or <c>seed</c> restarts the fault sequence, so a
    /// test gets the same faults every time it sets the same config.</summary>
    public RuntimeConfig PatchConfig(JsonObject patch)
    {
        lock (_adminGate)
        {
            var next = _config.Merge(patch, startup: false);
            _config = next;
            if (patch.ContainsKey("faults") || patch.ContainsKey("seed")) Faults.Reseed(next.Seed);
            if (patch.ContainsKey("rateLimitPerSecond")) RateLimiter.Reset();
            if (patch.ContainsKey("rateLimit")) CredentialRateLimiter.Reset();
            return next;
        }
    }

    /// <summary>Connection-details block printed after the port line (the default project's details).</summary>
    public IEnumerable<string> Banner()
    {
        var d = DefaultDetails.Of(_world);
        return
        [
            $"  region:          {d.Region}",
            $"  project_id:      {d.ProjectId}",
            $"  ak:              {d.AccessKey?.Access ?? "(none)"}",
            $"  sk:              {d.AccessKey?.Secret ?? "(none)"}",
            $"  temp_ak:         {d.TempKey?.Access ?? "(none)"}",
            $"  temp_sk:         {d.TempKey?.Secret ?? "(none)"}",
            $"  security_token:  {d.TempKey?.SecurityToken ?? "(none)"}",
            $"  iam_domain:      {d.DomainName}",
            $"  iam_user:        {d.User?.Name ?? "(none)"}",
            $"  iam_password:    {d.User?.Password ?? "(none)"}",
            $"  info:            {BaseUrl}/__emulator/info",
        ];
    }

    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) =>
        _app?.WaitForShutdownAsync(cancellationToken) ?? Task.CompletedTask;

    public async Task StopAsync()
    {
        if (_app is not null) await _app.StopAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }
}
