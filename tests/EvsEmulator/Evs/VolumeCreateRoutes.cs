using System.Globalization;
using System.Text.Json;
using EvsEmulator.Http;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;

namespace EvsEmulator.Evs;

/// <summary>POST /v2.1/{project_id}/cloudvolumes (§11) and GET /v1/{project_id}/jobs/{job_id} (§11.6), since 1.2.</summary>
public static class VolumeCreateRoutes
{
    public const string CreateTemplate = "/v2.1/{project_id}/cloudvolumes";
    public const string JobTemplate = "/v1/{project_id}/jobs/{job_id}";

    public static IEnumerable<ApiRoute> All() =>
    [
        new("POST", CreateTemplate, RouteKind.Evs, Create),
        new("GET", JobTemplate, RouteKind.Evs, ShowJob),
    ];

    /// <summary>Called by the pipeline when a request arrives: a disk create with a well-formed X-Client-Token holds it
    /// (or learns that another request holds it) until the pipeline ends.</summary>
    public static ClientTokenClaim? ClaimOnArrival(World world, ApiRoute? route, IHeaderDictionary headers, string requestId)
    {
        if (route?.Template != CreateTemplate || route.Method != "POST") return null;
        if (headers[ClientTokenRegistry.Header].FirstOrDefault() is not { } token || !ClientTokenRegistry.IsValid(token)) return null;
        return new ClientTokenClaim(world.ClientTokens, token, requestId, world.ClientTokens.Arrive(token, requestId));
    }

    private static ApiResult Create(ApiCall call)
    {
        var token = call.Headers[ClientTokenRegistry.Header].FirstOrDefault();
        var target = call.RawPath + (call.Query.Pairs.Count > 0 ? "?" : "") + string.Join('&', call.Query.Pairs.Select(p => p.Key + "=" + p.Value));
        var bodyHash = ClientTokenRegistry.BodyHash(call.Body);
        var projectId = call["project_id"];
        var registry = call.World.ClientTokens;
        if (token is not null)
        {
            call.Log.ClientToken = token;
            if (Replay(call, registry, token, projectId, target, bodyHash) is { } replay) return replay;
        }

        var request = VolumeCreateRequest.Parse(call.Body);
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            var plan = VolumeCreateRules.Check(request, store, call.World.AvailabilityZones);
            var (job, volumes) = Build(call, store, plan, token);
            store.AddJob(job);
            foreach (var v in volumes) store.AddVolume(v);
            call.Stats.VolumesCreated(volumes.Count);

            var result = ApiResult.Json(202, w =>
            {
                w.WriteStartObject();
                w.WriteString("job_id", job.Id);
                if (plan.ReturnVolumeIds)
                {
                    w.WriteStartArray("volume_ids");
                    foreach (var v in volumes) w.WriteStringValue(v.Id);
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            });
            // Committed before the pipeline applies reset_after / 504_after / malformed: a retry gets this answer.
            if (token is not null)
                registry.Commit(token, call.RequestId, new ClientTokenRegistry.Committed(call.Now, projectId, target, bodyHash,
                    result.Status, result.Body, volumes.Select(v => v.Id).ToList()));
            return result;
        }
    }

    /// <summary>The X-Client-Token rules (§11.2), checked before the body: the first answer again, or an error, or null
    /// to go on and create.</summary>
    private static ApiResult? Replay(ApiCall call, ClientTokenRegistry registry, string token, string projectId, string target, string bodyHash)
    {
        // Gap (§11.2): the messages of EVS.2218-2221 are not documented; each says what is wrong.
        if (!ClientTokenRegistry.IsValid(token))
            throw ApiException.Evs(400, "EVS.2218", "Invalid X-Client-Token: it must be a UUID of 36 characters.");
        // Without a claim from this registry (the state was reset while the request was in flight) nothing is held.
        var arrival = call.ClientToken is { } claim && claim.Registry == registry ? claim.Arrival : (ClientTokenRegistry.Arrival?)null;
        if (arrival == ClientTokenRegistry.Arrival.Busy)
            throw ApiException.Evs(400, "EVS.2221", "A request with the same X-Client-Token is still being processed.");
        if (registry.Find(token) is not { } first)
        {
            if (registry.HeldByOther(token, call.RequestId))
                throw ApiException.Evs(400, "EVS.2221", "A request with the same X-Client-Token is still being processed.");
            return null;
        }
        var ttl = call.Config.ClientTokenTtlSeconds;
        if ((call.Now - first.At).TotalSeconds > ttl)
            throw ApiException.Evs(400, "EVS.2220",
                $"The X-Client-Token has expired: it was first used more than {FormatDuration(ttl)} ago.");
        if (first.ProjectId != projectId || first.Target != target || first.BodyHash != bodyHash)
            throw ApiException.Evs(400, "EVS.2219",
                "The X-Client-Token was already used for a request with a different URL, project or body.");
        call.Log.Replayed = true;
        call.Stats.ClientTokenReplayed();
        return new ApiResult(first.Status, first.Body);
    }

    private static string FormatDuration(double seconds) =>
        seconds % 3600 == 0 ? $"{seconds / 3600} hours"
        : seconds % 60 == 0 ? $"{seconds / 60} minutes"
        : $"{seconds.ToString(CultureInfo.InvariantCulture)} seconds";

    /// <summary>The job and its disks: ids drawn in the order job, then per disk (id, WWN, sub-job, attachment).</summary>
    private static (Job Job, List<Volume> Volumes) Build(ApiCall call, Store store, VolumePlan plan, string? token)
    {
        var now = call.Now;
        var config = call.Config;
        var jobId = store.Ids.NextUuid();
        var letters = plan.Server is null ? null : store.DeviceLettersOf(plan.Server.Id);
        var volumes = new List<Volume>(plan.Count);
        var items = new List<JobItem>(plan.Count);
        for (var n = 1; n <= plan.Count; n++)
        {
            var id = store.Ids.NextUuid();
            var wwn = "6888603000" + store.Ids.NextHex(11);
            var subJob = plan.Count > 1 ? store.Ids.NextUuid() : null;
            var name = plan.Count == 1 ? plan.Name ?? "" : $"{plan.Name ?? "volume"}-{n:D4}";
            string? device = null, attachmentId = null;
            if (plan.Server is not null)
            {
                attachmentId = store.Ids.NextUuid();
                device = NextDevice(letters!);
            }
            volumes.Add(new Volume
            {
                Id = id,
                Name = name,
                Description = plan.Description,
                Status = VolumeStatus.Creating,
                Size = plan.Size,
                VolumeType = plan.VolumeType,
                AvailabilityZone = plan.AvailabilityZone,
                Bootable = plan.Bootable,
                Multiattach = plan.Multiattach,
                CreatedAt = now,
                UpdatedAt = now,
                Metadata = new Dictionary<string, string>(plan.Metadata, StringComparer.Ordinal),
                ImageMetadata = new Dictionary<string, string>(plan.ImageMetadata, StringComparer.Ordinal),
                Wwn = wwn,
                SnapshotId = plan.Source?.Id,
                Iops = plan.Iops,
                Throughput = plan.Throughput,
                EnterpriseProjectId = plan.EnterpriseProjectId,
                Tags = new Dictionary<string, string>(plan.Tags, StringComparer.Ordinal),
                Origin = VolumeOrigins.Api,
                ClientToken = token,
                JobId = jobId,
                HiddenUntil = config.HideCreatingVolumesSeconds > 0 ? now.AddSeconds(config.HideCreatingVolumesSeconds) : null,
            });
            items.Add(new JobItem
            {
                VolumeId = id, VolumeType = plan.VolumeType, Size = plan.Size, Name = name, SubJobId = subJob,
                ServerId = plan.Server?.Id, Device = device, AttachmentId = attachmentId,
            });
        }
        // Taken last, once nothing can refuse the request any more: a refused request uses up no failure rule.
        var failure = call.World.TakeJobFailure(store.ProjectId, plan.Source?.Id);
        var runningAt = now.AddSeconds(config.JobInitSeconds);
        var job = new Job
        {
            Id = jobId,
            Type = plan.Count > 1 ? Job.BatchCreateVolume : Job.CreateVolume,
            BeginTime = now,
            RunningAt = runningAt,
            EndTime = runningAt.AddSeconds(config.VolumeCreateSeconds),
            Items = items,
            FailCode = failure?.ErrorCode,
            FailReason = failure?.FailReason,
            FailedDisk = failure?.Disk ?? FailureRule.DiskError,
        };
        return (job, volumes);
    }

    /// <summary>/dev/vdb, /dev/vdc, ...: the first letter from b that no disk of the server uses in any naming scheme.</summary>
    private static string NextDevice(HashSet<char> used)
    {
        for (var c = 'b'; c <= 'z'; c++)
            if (used.Add(c)) return "/dev/vd" + c;
        throw Validation.BadRequest("Invalid input: the server has no free device left (/dev/vdb to /dev/vdz are taken).");
    }

    private static ApiResult ShowJob(ApiCall call)
    {
        var store = call.Store;
        lock (store.Gate)
        {
            store.Advance(call.Now);
            if (!store.Jobs.TryGetValue(call["job_id"], out var job))
                throw ApiException.Evs(400, "Common.0011", "No jobs found.");
            return ApiResult.Json(200, w => WriteJob(w, job, call.Now));
        }
    }

    /// <summary>The job body (§11.6): batch jobs list one createVolume sub-job per disk in entities.sub_jobs.</summary>
    public static void WriteJob(Utf8JsonWriter w, Job job, DateTime now)
    {
        var status = job.Status(now);
        w.WriteStartObject();
        w.WriteString("status", status);
        w.WriteStartObject("entities");
        if (job.Type == Job.BatchCreateVolume)
        {
            w.WriteStartArray("sub_jobs");
            foreach (var item in job.Items)
            {
                w.WriteStartObject();
                w.WriteString("status", status);
                WriteJobHead(w, status, item.SubJobId!, Job.CreateVolume, job, now);
                w.WriteStartObject("entities");
                WriteEntity(w, item, status);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        else WriteEntity(w, job.Items[0], status);
        w.WriteEndObject();
        WriteJobHead(w, status, job.Id, job.Type, job, now);
        w.WriteEndObject();
    }

    private static void WriteJobHead(Utf8JsonWriter w, string status, string id, string type, Job job, DateTime now)
    {
        var ended = status is JobStatus.Success or JobStatus.Fail;
        w.WriteString("job_id", id);
        w.WriteString("job_type", type);
        w.WriteString("begin_time", JobTime(job.BeginTime));
        w.WriteString("end_time", ended ? JobTime(job.EndTime) : "");
        w.StringOrNull("error_code", status == JobStatus.Fail ? job.FailCode : null);
        w.StringOrNull("fail_reason", status == JobStatus.Fail ? job.FailReason : null);
    }

    /// <summary>Gap (§11.6): what an INIT job's entities show is not documented: no volume_id until RUNNING.</summary>
    private static void WriteEntity(Utf8JsonWriter w, JobItem item, string status)
    {
        if (status != JobStatus.Init) w.WriteString("volume_id", item.VolumeId);
        w.WriteString("volume_type", item.VolumeType);
        w.WriteNumber("size", item.Size);
        w.WriteString("name", item.Name);
    }

    /// <summary>Job times: UTC with milliseconds and Z, e.g. 2016-03-08T07:40:13.219Z (§11.6).</summary>
    public static string JobTime(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
