using System.Net;
using System.Text.Json.Nodes;
using EvsEmulator.Admin;
using EvsEmulator.Evs;
using EvsEmulator.Faults;
using EvsEmulator.Http;
using EvsEmulator.Iam;
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
    private volatile Store _store;

    public Router Router { get; }
    public RequestStats Stats { get; } = new();
    public FaultInjector Faults { get; }
    public RateLimiter RateLimiter { get; } = new();
    public int Port { get; private set; }
    public string BaseUrl => $"http://127.0.0.1:{Port}";

    public RuntimeConfig Config => _config;
    public Store Store => _store;

    /// <summary>The emulator clock: machine UTC plus clockSkewSeconds.</summary>
    public DateTime Now => DateTime.UtcNow.AddSeconds(_config.ClockSkewSeconds);

    private EmulatorServer(RuntimeConfig config)
    {
        _startupConfig = config;
        _config = config;
        _store = Seeder.Build(config, DateTime.UtcNow.AddSeconds(config.ClockSkewSeconds));
        Faults = new FaultInjector(config.Seed);
        // Order matters where templates overlap: ".../detail" before ".../{id}".
        Router = new Router(IamRoutes.All().Concat(VolumeRoutes.All()).Concat(SnapshotRoutes.All()).Concat(MetadataRoutes.All()));
    }

    public static async Task<EmulatorServer> StartAsync(EmulatorOptions options, CancellationToken cancellationToken = default)
    {
        var server = new EmulatorServer(options.Config);
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
            k.Listen(IPAddress.Loopback, options.Port);
        });

        var app = builder.Build();
        var pipeline = new ApiPipeline(server);
        app.Run(ctx => ctx.Request.Path.StartsWithSegments("/__emulator", StringComparison.Ordinal)
            ? AdminRoutes.HandleAsync(ctx, server)
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
            _store = Seeder.Build(_startupConfig, Now);
            Faults.Reseed(_startupConfig.Seed);
            RateLimiter.Reset();
            Stats.ClearLog();
            Stats.ClearCounters();
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
            return next;
        }
    }

    /// <summary>Connection-details block printed after the port line.</summary>
    public IEnumerable<string> Banner() =>
    [
        $"  region:          {Identity.Region}",
        $"  project_id:      {Identity.ProjectId}",
        $"  ak:              {Identity.AccessKey}",
        $"  sk:              {Identity.SecretKey}",
        $"  temp_ak:         {Identity.TempAccessKey}",
        $"  temp_sk:         {Identity.TempSecretKey}",
        $"  security_token:  {Identity.SecurityToken}",
        $"  iam_domain:      {Identity.DomainName}",
        $"  iam_user:        {Identity.UserName}",
        $"  iam_password:    {Identity.Password}",
        $"  info:            {BaseUrl}/__emulator/info",
    ];

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
