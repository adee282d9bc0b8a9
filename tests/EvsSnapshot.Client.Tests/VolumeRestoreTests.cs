using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Client.Tests.Infrastructure;
using EvsSnapshot.Client.Waiting;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>Disks made from snapshots: the rules of evs-api.md §11.4, exactly-once with X-Client-Token (§11.2), the job wait (§11.6).</summary>
public class VolumeRestoreTests
{
    private const string SnapshotId = "5b000000-0000-4000-8000-000000000001";
    private const string SourceId = "5c000000-0000-4000-8000-000000000001";
    private const string NewId = "5d000000-0000-4000-8000-000000000001";
    private const string JobId = "5e000000-0000-4000-8000-000000000001";

    private static SnapshotDetails Snapshot(string status = "available", int size = 40) =>
        new() { Id = SnapshotId, Name = "db01-daily", Status = status, Size = size, VolumeId = SourceId };

    private static VolumeDetails Source(string type = "SSD", string zone = "cn-north-4a", int? iops = null, int? throughput = null) =>
        new() { Id = SourceId, Name = "db01", Status = "in-use", Size = 40, VolumeType = type, AvailabilityZone = zone, Iops = iops, Throughput = throughput };

    // ------------------------------------------------------------------ rules (pure)

    [Fact]
    public void Plan_DefaultsToTheSourceZoneAndType_AndTheSnapshotSize()
    {
        var plan = VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(size: 40), Source("SAS", "cn-north-4b"));
        Assert.Equal("cn-north-4b", plan.AvailabilityZone);
        Assert.Equal("SAS", plan.VolumeType);
        Assert.Equal(40, plan.Size);
        Assert.Null(plan.Iops);
    }

    [Theory]
    [InlineData("cn-north-4b", null, 40, "AvailabilityZoneMismatch", "AvailabilityZone")]
    [InlineData(null, "GPSSD", 40, "VolumeTypeMismatch", "VolumeType")]
    [InlineData(null, null, 39, "SizeBelowSnapshot", "Size")]
    public void Plan_RefusesWhatEvsRefuses_NamingTheParameter(string? zone, string? type, int size, string errorId, string parameter)
    {
        var spec = new CreateVolumeSpec { SnapshotId = SnapshotId, AvailabilityZone = zone, VolumeType = type, Size = size };
        var error = Assert.Throws<EvsValidationException>(() => VolumeFromSnapshotRule.Plan(spec, Snapshot(size: 40), Source()));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(parameter, error.ParameterName);
    }

    [Fact]
    public void Plan_AcceptsTheBoundaries_SizeEqualToTheSnapshot_ZoneAndTypeOfTheSource()
    {
        var spec = new CreateVolumeSpec { SnapshotId = SnapshotId, AvailabilityZone = "cn-north-4a", VolumeType = "SSD", Size = 40 };
        Assert.Equal(40, VolumeFromSnapshotRule.Plan(spec, Snapshot(size: 40), Source()).Size);
    }

    [Theory]
    [InlineData("error")]
    [InlineData("creating")]
    [InlineData("rollbacking")]
    public void Plan_RefusesASnapshotThatIsNotAvailable(string status)
    {
        var error = Assert.Throws<EvsException>(() => VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(status), Source()));
        Assert.Equal("SnapshotNotAvailable", error.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidState, error.Kind);
        Assert.Contains("EVS.2043", error.Message);
    }

    [Fact]
    public void Plan_AcceptsABackingUpSnapshot() =>
        Assert.Equal(40, VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot("backing-up"), Source()).Size);

    [Fact]
    public void Plan_TakesIopsAndThroughputOfAGpssd2Source_AndIopsOnlyForEssd2()
    {
        var gp2 = VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(), Source("GPSSD2", iops: 5000, throughput: 250));
        Assert.Equal((5000, 250), (gp2.Iops!.Value, gp2.Throughput!.Value));
        var essd2 = VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(), Source("ESSD2", iops: 10000));
        Assert.Equal(10000, essd2.Iops);
        Assert.Null(essd2.Throughput);
    }

    [Fact]
    public void Plan_RefusesIopsForOtherTypes_AndAsksForThemWhenTheSourceDoesNotSay()
    {
        Assert.Equal("IopsNotAllowed", Assert.Throws<EvsValidationException>(() =>
            VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId, Iops = 3000 }, Snapshot(), Source())).ErrorId);
        Assert.Equal("ThroughputNotAllowed", Assert.Throws<EvsValidationException>(() =>
            VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId, Throughput = 100 }, Snapshot(), Source("ESSD2", iops: 1))).ErrorId);
        Assert.Equal("IopsRequired", Assert.Throws<EvsValidationException>(() =>
            VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(), Source("ESSD2"))).ErrorId);
    }

    [Fact]
    public void Plan_WithTheSourceGone_NeedsZoneAndType()
    {
        var error = Assert.Throws<EvsValidationException>(() => VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId }, Snapshot(), null));
        Assert.Equal("SourceVolumeUnknown", error.ErrorId);
        Assert.Equal("AvailabilityZone", error.ParameterName);
        var plan = VolumeFromSnapshotRule.Plan(new CreateVolumeSpec { SnapshotId = SnapshotId, AvailabilityZone = "cn-north-4a", VolumeType = "SSD" }, Snapshot(), null);
        Assert.Equal(40, plan.Size);
    }

    [Theory]
    [InlineData("__system__encrypted", "InheritedMetadataKey")]
    [InlineData("__system__cmkid", "InheritedMetadataKey")]
    [InlineData("hw:passthrough", "InheritedMetadataKey")]
    [InlineData("create_for_volume_id", "MetadataKeyReserved")]
    public void InheritedMetadataKey_IsRefused(string key, string errorId) =>
        Assert.Equal(errorId, VolumeFromSnapshotRule.InheritedMetadataKey(new System.Collections.Hashtable { [key] = "1" })!.ErrorId);

    [Theory]
    [InlineData(0, null, null, null, "InvalidVolumeSize")]
    [InlineData(32769, null, null, null, "InvalidVolumeSize")]
    [InlineData(null, "ssd", null, null, "InvalidVolumeType")]
    [InlineData(null, null, 0, null, "InvalidIops")]
    [InlineData(null, null, null, 1001, "InvalidThroughput")]
    public void InputRefusal_AtTheBoundaries(int? size, string? type, int? iops, int? throughput, string errorId)
    {
        var spec = new CreateVolumeSpec { Size = size, VolumeType = type, Iops = iops, Throughput = throughput };
        Assert.Equal(errorId, VolumeFromSnapshotRule.InputRefusal(spec)!.ErrorId);
    }

    [Fact]
    public void InputRefusal_AcceptsTheLimits() =>
        Assert.Null(VolumeFromSnapshotRule.InputRefusal(new CreateVolumeSpec { Size = 32768, VolumeType = "GPSSD2", Iops = 128000, Throughput = 1000 }));

    // ------------------------------------------------------------------ exactly once (X-Client-Token)

    /// <summary>A server with the snapshot and its source, that answers each create with the scripted responses in turn.</summary>
    private sealed class RestoreServer
    {
        private readonly Queue<Func<HttpResponseMessage>> _creates = new();
        public List<RecordedRequest> Creates { get; } = new();
        public List<string> JobStatuses { get; } = new();
        public string VolumeStatus = "creating";
        public bool HangPolls; // the job and the new disk never answer
        public bool JobsUnavailable; // every job read is a 503
        public List<string> TokenListed { get; } = new(); // what a list with the metadata filter answers (JSON items)
        public int TokenLists;

        public RestoreServer ThenCreate(Func<HttpResponseMessage> answer) { _creates.Enqueue(answer); return this; }

        public static HttpResponseMessage Accepted() => Respond.Json(HttpStatusCode.Accepted, $"{{\"job_id\":\"{JobId}\",\"volume_ids\":[\"{NewId}\"]}}");

        public Task<HttpResponseMessage> Handle(RecordedRequest r, CancellationToken ct)
        {
            lock (this)
            {
                string path = r.Uri.AbsolutePath;
                if (r.Method == HttpMethod.Post && path.EndsWith("/cloudvolumes"))
                {
                    Creates.Add(r);
                    var answer = _creates.Count > 0 ? _creates.Dequeue() : Accepted;
                    return Task.FromResult(answer());
                }
                if (path.EndsWith("/cloudsnapshots/" + SnapshotId))
                    return Task.FromResult(Wire.Ok(Wire.Envelope(Wire.Snapshot(SnapshotId, "available", volumeId: SourceId))));
                if (HangPolls && (path.Contains("/jobs/") || path.Contains("/cloudvolumes/"))) return Respond.Hang(r, ct);
                if (JobsUnavailable && path.Contains("/jobs/")) return Task.FromResult(Respond.Json(HttpStatusCode.ServiceUnavailable, Respond.GatewayError("APIGW.0101x", "busy")));
                if (path.EndsWith("/cloudvolumes/detail") && r.Query("metadata") != null)
                {
                    TokenLists++;
                    return Task.FromResult(Wire.Ok($"{{\"count\":{TokenListed.Count},\"volumes\":[{string.Join(",", TokenListed)}]}}"));
                }
                if (path.Contains("/jobs/"))
                {
                    string status = JobStatuses.Count > 1 ? JobStatuses[0] : JobStatuses.FirstOrDefault() ?? "RUNNING";
                    if (JobStatuses.Count > 1) JobStatuses.RemoveAt(0);
                    string fail = status == "FAIL" ? ",\"error_code\":\"EVS.2001\",\"fail_reason\":\"no capacity\"" : ",\"error_code\":null,\"fail_reason\":null";
                    return Task.FromResult(Wire.Ok($"{{\"status\":\"{status}\",\"job_id\":\"{JobId}\",\"job_type\":\"createVolume\",\"entities\":{{\"volume_id\":\"{NewId}\"}}{fail}}}"));
                }
                if (path.EndsWith("/cloudvolumes/detail"))
                {
                    var ids = r.Query("ids") ?? string.Empty;
                    var list = ids.Contains(NewId) && VolumeStatus != "hidden" ? $"[{VolumeJson(NewId, VolumeStatus)}]" : "[]";
                    return Task.FromResult(Wire.Ok($"{{\"count\":{(list == "[]" ? 0 : 1)},\"volumes\":{list}}}"));
                }
                if (path.EndsWith("/cloudvolumes/" + SourceId)) return Task.FromResult(Wire.Ok($"{{\"volume\":{VolumeJson(SourceId, "in-use")}}}"));
                if (path.EndsWith("/cloudvolumes/" + NewId))
                    return Task.FromResult(VolumeStatus == "hidden" ? Respond.Json(HttpStatusCode.NotFound, Wire.NotFoundBody) : Wire.Ok($"{{\"volume\":{VolumeJson(NewId, VolumeStatus)}}}"));
                throw new InvalidOperationException("unexpected " + r);
            }
        }

        private static string VolumeJson(string id, string status) =>
            $"{{\"id\":\"{id}\",\"name\":\"v\",\"status\":\"{status}\",\"size\":40,\"volume_type\":\"SSD\",\"availability_zone\":\"cn-north-4a\",\"attachments\":[],\"snapshot_id\":\"{SnapshotId}\"}}";
    }

    private static HttpResponseMessage TokenBusy() => Respond.Json(HttpStatusCode.BadRequest, Respond.Error("EVS.2221", "A request with the same X-Client-Token is still being processed."));

    [Fact]
    public async Task Create_SendsTheV21Body_WithAUuidClientToken_AndTheRequestFlagForTheNewId()
    {
        var server = new RestoreServer();
        var (client, _) = await Contexts.ServedBy(server.Handle);
        using var _c = client;
        var started = await client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId, Name = "restored" }, Contexts.Call());

        Assert.Equal(JobId, started.JobId);
        Assert.Equal(NewId, started.VolumeId);
        var post = Assert.Single(server.Creates);
        Assert.StartsWith("/v2.1/", post.Uri.AbsolutePath);
        Assert.Matches("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", post.Header("X-Client-Token")!);
        using var body = JsonDocument.Parse(post.BodyText);
        var volume = body.RootElement.GetProperty("volume");
        Assert.Equal("cn-north-4a", volume.GetProperty("availability_zone").GetString());
        Assert.Equal("SSD", volume.GetProperty("volume_type").GetString());
        Assert.Equal(40, volume.GetProperty("size").GetInt32());
        Assert.Equal(SnapshotId, volume.GetProperty("snapshot_id").GetString());
        Assert.Equal("true", volume.GetProperty("metadata").GetProperty("create_for_volume_id").GetString());
        Assert.Equal("postPaid", body.RootElement.GetProperty("bssParam").GetProperty("chargingMode").GetString());
    }

    [Fact]
    public async Task AmbiguousFailures_AreSentAgainWithTheSameToken()
    {
        var server = new RestoreServer()
            .ThenCreate(() => Respond.Json(HttpStatusCode.ServiceUnavailable, Respond.Error("EVS.5503", "busy")))
            .ThenCreate(() => throw Respond.Reset());
        var (client, _) = await Contexts.ServedBy(server.Handle);
        using var _c = client;
        var started = await client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId, ClientToken = "0e4b1c7a-2d3f-4a5b-8c6d-7e8f9a0b1c2d" }, Contexts.Call());

        Assert.Equal(NewId, started.VolumeId);
        Assert.Equal(3, server.Creates.Count);
        Assert.All(server.Creates, c => Assert.Equal("0e4b1c7a-2d3f-4a5b-8c6d-7e8f9a0b1c2d", c.Header("X-Client-Token")));
        Assert.Single(server.Creates.Select(c => c.BodyText).Distinct()); // the same bytes, or EVS.2219
    }

    [Fact]
    public async Task TokenStillBeingProcessed_IsWaitedOutOnTheClock_ThenTheFirstAnswerComes()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer().ThenCreate(TokenBusy).ThenCreate(TokenBusy);
        var (client, _) = await Contexts.ServedBy(server.Handle, time: time);
        using var _c = client;
        var task = client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId }, Contexts.Call());
        await time.AdvanceUntilAsync(task, TimeSpan.FromMilliseconds(5));

        Assert.Equal(JobId, (await task).JobId);
        Assert.Equal(3, server.Creates.Count);
        Assert.Single(server.Creates.Select(c => c.Header("X-Client-Token")).Distinct());
    }

    [Theory]
    [InlineData("EVS.2220", "ClientTokenExpired", EvsErrorKind.OutcomeUnknown)]
    [InlineData("EVS.2219", "ClientTokenConflict", EvsErrorKind.InvalidArgument)]
    [InlineData("EVS.2218", "ClientTokenRefused", EvsErrorKind.BadRequest)]
    public async Task TokenAnswers_BecomeTheirOwnErrors_NamingTheToken(string code, string errorId, EvsErrorKind kind)
    {
        var server = new RestoreServer().ThenCreate(() => Respond.Json(HttpStatusCode.BadRequest, Respond.Error(code, "token")));
        var (client, _) = await Contexts.ServedBy(server.Handle);
        using var _c = client;
        var error = await Assert.ThrowsAsync<EvsException>(() => client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId }, Contexts.Call()));
        Assert.Equal(errorId, error.ErrorId);
        Assert.Equal(kind, error.Kind);
        Assert.Equal(server.Creates[0].Header("X-Client-Token"), error.Fact("ClientToken"));
        Assert.Single(server.Creates);
    }

    [Fact]
    public async Task EveryAttemptLost_IsOutcomeUnknown_WithTheTokenToSendAgain()
    {
        var server = new RestoreServer();
        for (int i = 0; i < 10; i++) server.ThenCreate(() => throw Respond.Reset());
        var (client, _) = await Contexts.ServedBy(server.Handle, retry: Contexts.FastRetry(2));
        using var _c = client;
        var error = await Assert.ThrowsAsync<EvsException>(() => client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId }, Contexts.Call()));
        Assert.Equal("VolumeCreateOutcomeUnknown", error.ErrorId);
        Assert.Equal(3, server.Creates.Count);
        Assert.Contains(error.Fact("ClientToken")!, error.Message);
        Assert.Contains("Get-EvsVolume | Where-Object SnapshotId -eq " + SnapshotId, error.RecommendedAction());
    }

    [Fact]
    public async Task ARuleRefusal_SendsNoCreate()
    {
        var server = new RestoreServer();
        var (client, _) = await Contexts.ServedBy(server.Handle);
        using var _c = client;
        await Assert.ThrowsAsync<EvsValidationException>(() => client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId, VolumeType = "SAS" }, Contexts.Call()));
        Assert.Empty(server.Creates);
    }

    // ------------------------------------------------------------------ waiting (fake time)

    private static WaitOptions Waiting(TimeSpan? timeout = null) => new()
    {
        InitialPollInterval = TimeSpan.FromSeconds(1),
        MaxPollInterval = TimeSpan.FromSeconds(4),
        Timeout = timeout ?? TimeSpan.FromMinutes(10),
    };

    private static async Task<(List<VolumeDetails> Done, List<EvsException> Failed, List<EvsException> TimedOut, VolumeCreateWaiter Waiter)> WaitAsync(
        RestoreServer server, FakeTimeProvider time, WaitOptions options, Action<RestoreServer>? whilePolling = null)
    {
        var (client, _) = await Contexts.ServedBy(server.Handle, time: time);
        using var _c = client;
        var started = await client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId }, Contexts.Call());
        var done = new List<VolumeDetails>();
        var failed = new List<EvsException>();
        var timedOut = new List<EvsException>();
        var waiter = new VolumeCreateWaiter(client.Api, options, Contexts.Call())
        {
            Completed = (_, v) => done.Add(v),
            Failed = (_, e) => failed.Add(e),
            TimedOut = (_, e) => timedOut.Add(e),
        };
        waiter.Add(started);
        waiter.CompleteAdding();
        var run = waiter.RunAsync();
        whilePolling?.Invoke(server);
        await time.AdvanceUntilAsync(run, TimeSpan.FromMilliseconds(250));
        await run;
        return (done, failed, timedOut, waiter);
    }

    [Fact]
    public async Task Wait_CompletesWhenTheDiskIsAvailable_PollingByIds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer { VolumeStatus = "available" };
        var (done, failed, _, waiter) = await WaitAsync(server, time, Waiting());
        Assert.Equal(NewId, Assert.Single(done).Id);
        Assert.Empty(failed);
        Assert.Equal(1, waiter.Requests); // one list with the ids filter: no job read, no GET
    }

    [Fact]
    public async Task Wait_AFailedJob_IsAnErrorWithTheJobsReasonAndCode()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer { VolumeStatus = "error" };
        server.JobStatuses.Add("FAIL");
        var (done, failed, _, _) = await WaitAsync(server, time, Waiting());
        Assert.Empty(done);
        var error = Assert.Single(failed);
        Assert.Equal("VolumeCreateFailed", error.ErrorId);
        Assert.Contains("no capacity (EVS.2001", error.Message);
        Assert.Equal(JobId, error.Fact("JobId"));
        Assert.Equal("EVS.2001", error.Fact("ErrorCode"));
    }

    [Fact]
    public async Task Wait_ADiskHiddenWhileItsJobRuns_IsFollowedThroughTheJob_AndNotTakenForGone()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer { VolumeStatus = "hidden" };
        server.JobStatuses.Add("RUNNING");
        var (done, failed, timedOut, waiter) = await WaitAsync(server, time, Waiting(TimeSpan.FromSeconds(20)));
        Assert.Empty(done);
        Assert.Empty(failed); // a RUNNING job says the disk is coming: no VolumeCreateFailed for a disk the list does not show yet
        Assert.Single(timedOut);
        Assert.True(waiter.Requests >= 2 * 3, "each round is a list and a job read");
    }

    [Fact]
    public async Task Wait_TimesOutOnTheFakeClock_NamingTheDisk()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer { VolumeStatus = "creating" };
        var (done, failed, timedOut, _) = await WaitAsync(server, time, Waiting(TimeSpan.FromSeconds(30)));
        Assert.Empty(done);
        var error = Assert.Single(timedOut);
        Assert.Equal("WaitTimeout", error.ErrorId);
        Assert.Contains(NewId, error.Message);
    }

    [Fact]
    public async Task Wait_TheDeadlineCutsOffAPollInFlight()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = new RestoreServer();
        var retry = Contexts.FastRetry();
        retry.RequestTimeout = TimeSpan.FromSeconds(20);
        var (client, _) = await Contexts.ServedBy(server.Handle, retry: retry, time: time);
        using var _c = client;
        var started = await client.Volumes.CreateAsync(new CreateVolumeSpec { SnapshotId = SnapshotId }, Contexts.Call());
        server.HangPolls = true;
        var timedOut = new List<EvsException>();
        var waiter = new VolumeCreateWaiter(client.Api, Waiting(TimeSpan.FromSeconds(5)), Contexts.Call()) { TimedOut = (_, e) => timedOut.Add(e) };
        waiter.Add(started);
        waiter.CompleteAdding();

        var waited = await time.AdvanceUntilAsync(waiter.RunAsync(), TimeSpan.FromMilliseconds(50));

        Assert.InRange(waited, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(6)); // not 5 s + the 20 s request timeout
        Assert.Equal("WaitTimeout", Assert.Single(timedOut).ErrorId);
    }

    // ------------------------------------------------------------------ -ClientToken: a re-run finds the disk

    private const string RunToken = "restore-20261202";

    private static string TokenDisk(string id, string status, string? value = null) =>
        $"{{\"id\":\"{id}\",\"name\":\"v\",\"status\":\"{status}\",\"size\":40,\"volume_type\":\"SSD\",\"availability_zone\":\"cn-north-4a\",\"attachments\":[],"
        + $"\"snapshot_id\":\"{SnapshotId}\",\"metadata\":{{\"evssnapshot_run_token\":\"{value ?? RunTokenRule.VolumeMetadataValue(RunToken, SnapshotId)}\"}}}}";

    private static async Task<(VolumeCreateStarted Started, RestoreServer Server, FakeHandler Handler)> CreateForRunAsync(RestoreServer server, IDictionary<string, string>? metadata = null)
    {
        var (client, handler) = await Contexts.ServedBy(server.Handle);
        using var _c = client;
        var spec = new CreateVolumeSpec { SnapshotId = SnapshotId, Name = "restored", RunToken = RunToken, ClientToken = VolumeOperations.NewClientToken() };
        if (metadata != null) spec.Metadata = metadata;
        return (await client.Volumes.CreateAsync(spec, Contexts.Call()), server, handler);
    }

    [Fact]
    public async Task Run_ADiskAnEarlierRunMade_IsReturned_WithNoPlanAndNoCreate()
    {
        var server = new RestoreServer();
        server.TokenListed.Add(TokenDisk(NewId, "creating"));

        var (started, _, handler) = await CreateForRunAsync(server);

        Assert.Equal(NewId, started.Earlier?.Id);
        Assert.Null(started.JobId);
        Assert.Empty(server.Creates);
        Assert.Equal(1, handler.Count); // the metadata-filtered list alone
    }

    [Fact]
    public async Task Run_NoEarlierDisk_CreatesWithTheTokenInMetadata_UnderTheTokensClientToken_MetadataKeysInOneOrder()
    {
        var first = new RestoreServer();
        var metadata = new Dictionary<string, string> { ["zeta"] = "1", ["Alpha"] = "2", ["mid"] = "3" };
        var (started, _, _) = await CreateForRunAsync(first, metadata);
        var second = new RestoreServer();
        var reordered = new Dictionary<string, string> { ["mid"] = "3", ["zeta"] = "1", ["Alpha"] = "2" };
        await CreateForRunAsync(second, reordered);

        Assert.Null(started.Earlier);
        var post = Assert.Single(first.Creates);
        Assert.Equal(RunTokenRule.VolumeClientToken(RunToken, SnapshotId), post.Header("X-Client-Token"));
        Assert.Equal(post.Header("X-Client-Token"), Assert.Single(second.Creates).Header("X-Client-Token"));
        Assert.Equal(post.BodyText, second.Creates[0].BodyText); // the same create from another process is the same body (EVS.2219 otherwise)
        using var body = JsonDocument.Parse(post.BodyText);
        var sent = body.RootElement.GetProperty("volume").GetProperty("metadata");
        Assert.Equal(RunTokenRule.VolumeMetadataValue(RunToken, SnapshotId), sent.GetProperty(InputValidator.RunTokenMetadataKey).GetString());
        var keys = sent.EnumerateObject().Select(p => p.Name).Where(k => metadata.ContainsKey(k) || k == InputValidator.RunTokenMetadataKey).ToList();
        Assert.Equal(keys.OrderBy(k => k, StringComparer.Ordinal), keys);
    }

    [Theory]
    [InlineData("listed-in-error")]
    [InlineData("failed-job")]
    public async Task Run_EvsReplaysAnAnswerWhoseDiskFailed_ADiskIsMadeAgainUnderAFreshToken(string how)
    {
        var server = new RestoreServer();
        if (how == "listed-in-error") server.TokenListed.Add(TokenDisk(NewId, "error"));
        else server.JobStatuses.Add("FAIL");

        var (started, _, _) = await CreateForRunAsync(server);

        Assert.Equal(2, server.Creates.Count);
        string derived = RunTokenRule.VolumeClientToken(RunToken, SnapshotId);
        Assert.Equal(derived, server.Creates[0].Header("X-Client-Token"));
        Assert.NotEqual(derived, server.Creates[1].Header("X-Client-Token"));
        Assert.Equal(server.Creates[1].Header("X-Client-Token"), started.ClientToken);
        Assert.Contains(InputValidator.RunTokenMetadataKey, server.Creates[1].BodyText); // the new disk carries the token, so the next run finds it
    }

    [Fact]
    public async Task Run_UnsureWhetherTheReplayedDiskStands_MakesNoSecondDisk()
    {
        var server = new RestoreServer { JobsUnavailable = true };

        var (started, _, _) = await CreateForRunAsync(server);

        Assert.Single(server.Creates);
        Assert.Equal(JobId, started.JobId);
    }
}
