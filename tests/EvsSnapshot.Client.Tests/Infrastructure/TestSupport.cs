using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using EvsSnapshot.Diagnostics;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Tests.Infrastructure;

/// <summary>Records every trace message with its level.</summary>
public sealed class RecordingTrace : IEvsTrace
{
    public bool DebugEnabled { get; set; } = true;

    private readonly ConcurrentQueue<(string Level, string Message)> _lines = new();

    public void Verbose(string message) => _lines.Enqueue(("Verbose", message));
    public void Debug(string message) => _lines.Enqueue(("Debug", message));
    public void Warning(string message) => _lines.Enqueue(("Warning", message));

    public IReadOnlyList<(string Level, string Message)> Lines => _lines.ToList();
    public IEnumerable<string> VerboseLines => Lines.Where(l => l.Level == "Verbose").Select(l => l.Message);
    public IEnumerable<string> DebugLines => Lines.Where(l => l.Level == "Debug").Select(l => l.Message);
    public IEnumerable<string> All => Lines.Select(l => l.Message);

    public override string ToString() => string.Join("\n", Lines.Select(l => l.Level + ": " + l.Message));
}

public static class Ids
{
    public const string Project = "0123456789abcdef0123456789abcdef";
    public const string Volume = "11111111-2222-4333-8444-555555555555";
    public const string Snapshot = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    public const string AccessKey = "AKTESTACCESSKEY00001";
    public const string SecretKey = "SK-secret-Zq8vN2mW4xR7tY1uI3oP5aS6dF";

    public static string NewUuid() => Guid.NewGuid().ToString("D");
}

public static class Contexts
{
    public static readonly Uri Endpoint = new("http://127.0.0.1:1");
    public static readonly Uri IamEndpoint = new("http://127.0.0.1:2");

    public static RetryOptions FastRetry(int maxRetries = 3) => new()
    {
        MaxRetryCount = maxRetries,
        BaseDelay = TimeSpan.FromMilliseconds(1),
        ThrottleBaseDelay = TimeSpan.FromMilliseconds(2),
        MaxDelay = TimeSpan.FromMilliseconds(20),
        MaxTotalDelay = TimeSpan.FromSeconds(10),
        RequestTimeout = TimeSpan.FromSeconds(10),
    };

    public static EvsClientSettings AkSkOptions(FakeHandler handler, RetryOptions? retry = null) => new()
    {
        Region = "cn-north-4",
        ProjectId = Ids.Project,
        Endpoint = Endpoint,
        IamEndpoint = IamEndpoint,
        AuthType = EvsAuthType.AkSk,
        AccessKey = Ids.AccessKey,
        SecretKey = Ids.SecretKey,
        Retry = retry ?? FastRetry(),
        Handler = handler,
    };

    public static Task<EvsClient> ConnectAsync(EvsClientSettings options, IEvsTrace? trace = null, CancellationToken ct = default) =>
        EvsClient.ConnectAsync(options, new CallScope(trace, ct));

    public static Task<EvsClient> AkSkAsync(FakeHandler handler, IEvsTrace? trace = null, RetryOptions? retry = null, Action<EvsClientSettings>? tweak = null)
    {
        var options = AkSkOptions(handler, retry);
        tweak?.Invoke(options);
        return ConnectAsync(options, trace);
    }

    public static CallScope Call(IEvsTrace? trace = null, CancellationToken ct = default, ConcurrencyGate? gate = null) => new(trace, ct, gate);
}

/// <summary>Builds API JSON the way EVS writes it.</summary>
public static class Wire
{
    public static Dictionary<string, object?> Snapshot(string id, string status = "available", string? volumeId = Ids.Volume,
        IDictionary<string, string>? metadata = null, string? name = null, string? progress = null)
    {
        var s = new Dictionary<string, object?>
        {
            ["id"] = id,
            ["status"] = status,
            ["name"] = name ?? "snap-" + id[..8],
            ["description"] = null,
            ["created_at"] = "2024-03-01T10:00:00.123456",
            ["updated_at"] = null,
            ["metadata"] = metadata ?? new Dictionary<string, string>(),
            ["volume_id"] = volumeId,
            ["size"] = 40,
            ["os-extended-snapshot-attributes:project_id"] = Ids.Project,
        };
        if (progress != null) s["os-extended-snapshot-attributes:progress"] = progress;
        return s;
    }

    public static string Envelope(Dictionary<string, object?> snapshot) => JsonSerializer.Serialize(new Dictionary<string, object?> { ["snapshot"] = snapshot });

    public static string List(IEnumerable<Dictionary<string, object?>> snapshots, int? count = null, bool nextLink = false)
    {
        var list = snapshots.ToList();
        var body = new Dictionary<string, object?> { ["snapshots"] = list };
        if (count.HasValue) body["count"] = count.Value;
        if (nextLink) body["snapshots_links"] = new[] { new Dictionary<string, string> { ["href"] = "http://127.0.0.1:1/next", ["rel"] = "next" } };
        return JsonSerializer.Serialize(body);
    }

    public static string Volume(string id, string status = "available") => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["volume"] = new Dictionary<string, object?>
        {
            ["id"] = id, ["status"] = status, ["name"] = "disk", ["size"] = 40, ["bootable"] = "false",
            ["created_at"] = "2024-03-01T10:00:00.000000", ["metadata"] = new Dictionary<string, object>(),
        },
    });

    public static HttpResponseMessage Ok(string json) => Respond.Json(HttpStatusCode.OK, json);
}

public static class AdviceText
{
    /// <summary>The RecommendedAction the cmdlet layer shows for this error (its wording, compiled in from src/EvsSnapshot).</summary>
    public static string? RecommendedAction(this EvsException error) => EvsSnapshot.Commands.ErrorAdvice.RecommendedAction(error);
}
