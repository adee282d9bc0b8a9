using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using EvsSnapshot.Diagnostics;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Http.Pacing;

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
        Environment = _ => null, // never the machine's HUAWEICLOUD_SDK_* variables
        Pacers = new PacerRegistry(), // what one test's throttling teaches must not pace the next test
    };

    public const string IamUser = "alice";
    public const string IamDomain = "acme";
    public const string IamPassword = "P@ssw0rd-very-secret-42";

    /// <summary>IAM password authentication (alice@acme), isolated like <see cref="AkSkOptions"/>.</summary>
    public static EvsClientSettings PasswordOptions(FakeHandler handler, string password = IamPassword, RetryOptions? retry = null,
        string? projectId = Ids.Project, TimeProvider? time = null) => new()
    {
        TimeProvider = time,
        Region = "cn-north-4",
        ProjectId = projectId,
        Endpoint = Endpoint,
        IamEndpoint = IamEndpoint,
        AuthType = EvsAuthType.Password,
        UserName = IamUser,
        DomainName = IamDomain,
        Password = password,
        Retry = retry ?? FastRetry(),
        Handler = handler,
        Environment = _ => null,
        Pacers = new PacerRegistry(),
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

    /// <summary>An AK/SK client whose every request is answered by a (stateful) fake server.</summary>
    public static async Task<(EvsClient Client, FakeHandler Handler)> ServedBy(Responder server, IEvsTrace? trace = null, RetryOptions? retry = null, TimeProvider? time = null)
    {
        var handler = new FakeHandler { Fallback = server };
        return (await AkSkAsync(handler, trace, retry, o => o.TimeProvider = time), handler);
    }
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

    /// <summary>200 with one snapshot (the test snapshot id unless given).</summary>
    public static HttpResponseMessage SnapshotOk(string id = Ids.Snapshot, string status = "available", string? name = null) =>
        Ok(Envelope(Snapshot(id, status, name: name)));

    /// <summary>202 with a snapshot that is being created, as the create call answers.</summary>
    public static HttpResponseMessage Created(string id) => Respond.Json(HttpStatusCode.Accepted, Envelope(Snapshot(id, "creating")));

    public static HttpResponseMessage VolumeOk(string id = Ids.Volume, string status = "available") => Ok(Volume(id, status));

    /// <summary>EVS.5404 as EVS words it (typo included, §5.2).</summary>
    public static string NotFoundBody => Respond.Error("EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found.");

    public static string NotDeletableBody => Respond.Error("EVS.1047", "snapshot status must be available or error when delete snapshot!");
}

public static class AdviceText
{
    /// <summary>The RecommendedAction the cmdlet layer shows for this error (its wording, compiled in from src/EvsSnapshot).</summary>
    public static string? RecommendedAction(this EvsException error) => EvsSnapshot.Commands.ErrorAdvice.RecommendedAction(error);
}

public static class FakeClock
{
    /// <summary>
    /// Moves a fake clock in steps until the task ends, with a real millisecond between steps so continuations on
    /// the thread pool run; returns how far the clock moved. Timing is then checked on the fake clock, never the wall.
    /// </summary>
    public static async Task<TimeSpan> AdvanceUntilAsync(this Microsoft.Extensions.Time.Testing.FakeTimeProvider time, Task task, TimeSpan step, int maxSteps = 100000)
    {
        var start = time.GetUtcNow();
        for (int i = 0; !task.IsCompleted; i++)
        {
            if (i >= maxSteps) throw new TimeoutException("the task did not end within " + maxSteps + " clock steps");
            time.Advance(step);
            await Task.Delay(1);
        }
        return time.GetUtcNow() - start;
    }
}
