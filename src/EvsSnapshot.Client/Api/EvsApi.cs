using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text.Json;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Json;
using EvsSnapshot.Client.Paging;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// The typed EVS v2 / IAM v3 calls, one per API operation: builds requests from validated ids and parses
    /// answers into the public models (evs-api.md, in ../shared beside the repository). No business rules: reads
    /// are public; changes are internal and reached through <see cref="Operations.SnapshotOperations"/>, which
    /// applies the rules (backup snapshots, rollback checks, exactly-once sending).
    /// </summary>
    public sealed class EvsApi : IDisposable
    {
        internal EvsApi(EvsTransport transport, string region)
        {
            Transport = transport;
            Region = region;
        }

        internal EvsTransport Transport { get; }
        public string Region { get; }

        /// <summary>Set once the project is known (given, or resolved through IAM).</summary>
        public string? ProjectId { get; internal set; }

        /// <summary>HTTP requests this client has sent, every attempt counted.</summary>
        public long RequestCount => Transport.RequestCount;

        private string Project => ProjectId ?? throw new InvalidOperationException("The project id is not resolved yet.");

        // ---------------------------------------------------------------- IAM

        /// <summary>IAM <c>GET /v3/projects?name={region}</c> (evs-api.md §6.1).</summary>
        public async Task<string> ResolveProjectIdAsync(CallScope call)
        {
            var request = new ApiRequest(HttpMethod.Get, ApiService.Iam, "v3", "projects")
            {
                Operation = $"find the project of region {Region} in IAM",
            }.WithQuery("name", Region);
            var list = await Transport.SendAsync(request, r => WireMapper.Deserialize(r, WireJson.Default.IamProjectList), call).ConfigureAwait(false);
            var matches = (list.Projects ?? new List<IamProject>()).Where(p => p != null && !string.IsNullOrEmpty(p.Id)).ToList();
            if (matches.Count == 1) return matches[0].Id!;
            var error = new EvsException(EvsErrorKind.NotFound, matches.Count == 0 ? "ProjectNotFound" : "ProjectAmbiguous",
                matches.Count == 0
                    ? $"IAM knows no project named '{Region}' for these credentials."
                    : $"IAM returned {matches.Count} projects named '{Region}'.")
            { Target = Region };
            throw error.Advise(EvsAdvice.ChooseProject, ("Region", Region));
        }

        /// <summary>IAM <c>POST /v3/auth/tokens</c> with the password method, scoped to the project.</summary>
        internal async Task<IamToken> FetchPasswordTokenAsync(string userName, string domainName, string password, string? projectId, AuthProvider? owner, CallScope call)
        {
            var body = new IamTokenRequest();
            body.Auth.Identity.Password.User.Name = userName;
            body.Auth.Identity.Password.User.Password = password;
            body.Auth.Identity.Password.User.Domain = new IamDomain { Name = domainName };
            if (projectId != null) body.Auth.Scope.Project.Id = projectId;
            else body.Auth.Scope.Project.Name = Region;

            var request = new ApiRequest(HttpMethod.Post, ApiService.Iam, "v3", "auth", "tokens")
            {
                Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.IamTokenRequest),
                Authenticate = false,
                SensitiveBody = true,
                Idempotent = true, // issuing a second token is harmless (§6.1: a new token does not invalidate the old one)
                Operation = $"get an IAM token for user '{userName}'",
                Auth = owner, // not signed: an error names this user
            };
            // Renewal runs inside the auth step of a request that already holds a concurrency-gate slot: the token
            // request must not wait for a slot of its own, or a full gate (-ThrottleLimit 1) deadlocks.
            call = call.Ungated();
            DateTime sentAt = Transport.Time.GetUtcNow().UtcDateTime;
            return await Transport.SendAsync(request, response =>
            {
                string? token = response.Header("X-Subject-Token");
                if (string.IsNullOrEmpty(token)) throw new InvalidDataException("IAM answered without an X-Subject-Token header.");
                Transport.Redactor.Add(token);
                ArrivedCredential.Check(token!, "X-Subject-Token");
                var parsed = WireMapper.Deserialize(response, WireJson.Default.IamTokenResponse).Token
                             ?? throw new InvalidDataException("the 'token' object is missing.");
                var issued = WireMapper.ParseTime(parsed.IssuedAt, "issued_at");
                var expires = WireMapper.ParseTime(parsed.ExpiresAt, "expires_at")
                              ?? throw new InvalidDataException("the token has no 'expires_at'.");
                // Measure the lifetime on the server's clock and apply it to ours, so a skewed local clock cannot make us use an expired token.
                var lifetime = issued.HasValue ? expires - issued.Value : expires - (response.ServerDate?.UtcDateTime ?? sentAt);
                if (lifetime <= TimeSpan.Zero) throw new InvalidDataException("the token expires before it was issued.");
                return new IamToken(token!, RefreshSchedule.RefreshAt(sentAt, lifetime), sentAt + lifetime, parsed.Project?.Id);
            }, call).ConfigureAwait(false);
        }

        // ---------------------------------------------------------------- volumes

        public Task<Page<VolumeDetails>> ListVolumesAsync(VolumeQuery query, int offset, int limit, CallScope call)
        {
            var request = Evs(HttpMethod.Get, "list volumes", "cloudvolumes", "detail")
                .WithQuery("limit", limit.ToString(CultureInfo.InvariantCulture))
                .WithQuery("offset", offset.ToString(CultureInfo.InvariantCulture))
                .WithQuery("name", query.Name)
                .WithQuery("status", query.Status)
                .WithQuery("availability_zone", query.AvailabilityZone)
                .WithQuery("metadata", query.Metadata == null ? null : WireMapper.JsonObjectText(query.Metadata))
                .WithQuery("server_id", query.ServerId)
                .WithQuery("multiattach", query.MultiAttach == null ? null : query.MultiAttach.Value ? "true" : "false")
                .WithQuery("ids", query.Ids.Count == 0 ? null : IdsFilter(query.Ids));
            return Transport.SendAsync(request, r =>
            {
                var list = WireMapper.Deserialize(r, WireJson.Default.VolumeListWire);
                if (list.Volumes == null) throw new InvalidDataException("the 'volumes' array is missing.");
                return new Page<VolumeDetails>(list.Volumes.Select(WireMapper.ToVolume).ToList(), list.Count, HasNext(list.Links), ScrubbedRequestId(r));
            }, call);
        }

        /// <summary>Most ids one <c>ids</c> filter may hold (evs-api.md §12.1).</summary>
        public const int MaxIdsPerVolumeList = 60;

        /// <summary>The <c>ids</c> filter's format, <c>['id1','id2']</c> (§12.1); ids are validated UUIDs, so no quoting is needed.</summary>
        internal static string IdsFilter(IList<string> ids)
        {
            if (ids.Count > MaxIdsPerVolumeList) throw new ArgumentException($"at most {MaxIdsPerVolumeList} ids per request", nameof(ids));
            return "[" + string.Join(",", ids.Select(id => "'" + InputValidator.VolumeId(id) + "'")) + "]";
        }

        public Task<VolumeDetails> GetVolumeAsync(string volumeId, CallScope call)
        {
            volumeId = InputValidator.VolumeId(volumeId);
            var request = Evs(HttpMethod.Get, $"get volume {volumeId}", "cloudvolumes", volumeId);
            return Transport.SendAsync(request, r => WireMapper.ToVolume(WireMapper.Deserialize(r, WireJson.Default.VolumeEnvelope).Volume), call);
        }

        /// <summary>
        /// The availability zones the project's disks are in, from one listing of every disk (EVS v2 has no zone
        /// API, evs-api.md §12.1), sorted.
        /// </summary>
        public async Task<IReadOnlyList<string>> ListAvailabilityZonesAsync(CallScope call)
        {
            var zones = new SortedSet<string>(StringComparer.Ordinal);
            var reader = new PageReader<VolumeDetails>((offset, limit) => ListVolumesAsync(new VolumeQuery(), offset, limit, call), v => v.Id, 0, 1000, null);
            IReadOnlyList<VolumeDetails>? page;
            while ((page = await reader.NextAsync().ConfigureAwait(false)) != null)
            {
                foreach (var volume in page)
                {
                    if (!string.IsNullOrEmpty(volume.AvailabilityZone)) zones.Add(volume.AvailabilityZone!);
                }
            }
            return zones.ToList();
        }

        /// <summary>Every page of a disk list, in order (for lookups that need them all).</summary>
        internal PageReader<VolumeDetails> ReadVolumes(VolumeQuery query, CallScope call) =>
            new PageReader<VolumeDetails>((offset, limit) => ListVolumesAsync(query, offset, limit, call), v => v.Id, 0, 1000, null);

        /// <summary><c>POST /v2.1/{project_id}/cloudvolumes</c> (§11.1, §11.3), not yet sent: pay-per-use, with <c>X-Client-Token</c>.</summary>
        internal ApiRequest CreateVolumeRequest(Operations.CreateVolumePlan plan, string clientToken)
        {
            // Keys in ordinal order: the same create from another process is then the same body, as a re-sent
            // X-Client-Token requires (EVS.2219 otherwise, §11.2); a Hashtable's order changes from process to process.
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in plan.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) metadata[pair.Key] = pair.Value;
            metadata[Rules.VolumeFromSnapshotRule.CreateForVolumeIdKey] = "true"; // the answer then carries volume_ids (§11.3), as Terraform asks
            var body = new CreateVolumeRequest
            {
                Volume = new CreateVolumeOption
                {
                    AvailabilityZone = plan.AvailabilityZone,
                    VolumeType = plan.VolumeType,
                    Size = plan.Size,
                    SnapshotId = InputValidator.SnapshotId(plan.SnapshotId),
                    Name = plan.Name,
                    Description = plan.Description,
                    Metadata = metadata,
                    Iops = plan.Iops,
                    Throughput = plan.Throughput,
                },
                ServerId = plan.ServerId,
            };
            var request = new ApiRequest(HttpMethod.Post, ApiService.Evs, "v2.1", Project, "cloudvolumes")
            {
                Operation = $"create a disk from snapshot {plan.SnapshotId}",
                Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.CreateVolumeRequest),
            };
            return request.WithHeader("X-Client-Token", clientToken);
        }

        internal static (string jobId, string? volumeId) ParseCreateVolume(ApiResponse response)
        {
            var parsed = WireMapper.Deserialize(response, WireJson.Default.CreateVolumeResponse);
            if (string.IsNullOrEmpty(parsed.JobId))
            {
                throw new InvalidDataException(parsed.OrderId != null ? "the answer has an order_id (a pre-paid order) and no job_id." : "the answer has no 'job_id'.");
            }
            return (parsed.JobId!, parsed.VolumeIds?.FirstOrDefault(id => !string.IsNullOrEmpty(id)));
        }

        /// <summary><c>GET /v1/{project_id}/jobs/{job_id}</c> on the EVS host (§11.6).</summary>
        public Task<Operations.VolumeJob> GetJobAsync(string jobId, CallScope call)
        {
            jobId = InputValidator.JobId(jobId);
            var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "v1", Project, "jobs", jobId) { Operation = $"get job {jobId}" };
            return Transport.SendAsync(request, r =>
            {
                var job = WireMapper.Deserialize(r, WireJson.Default.JobWire);
                if (string.IsNullOrEmpty(job.Status)) throw new InvalidDataException($"job {jobId} has no 'status'.");
                var entities = job.Entities;
                string? volumeId = entities?.VolumeId ?? entities?.SubJobs?.FirstOrDefault()?.Entities?.VolumeId;
                return new Operations.VolumeJob
                {
                    JobId = string.IsNullOrEmpty(job.JobId) ? jobId : job.JobId!,
                    Status = job.Status!,
                    JobType = job.JobType,
                    VolumeId = string.IsNullOrEmpty(volumeId) ? null : volumeId,
                    ErrorCode = job.ErrorCode,
                    FailReason = job.FailReason,
                };
            }, call);
        }

        // ---------------------------------------------------------------- snapshots: reads

        public Task<Page<SnapshotDetails>> ListSnapshotsAsync(SnapshotQuery query, int offset, int limit, CallScope call)
        {
            var request = Evs(HttpMethod.Get, "list snapshots", "cloudsnapshots", "detail")
                .WithQuery("limit", limit.ToString(CultureInfo.InvariantCulture))
                .WithQuery("offset", offset.ToString(CultureInfo.InvariantCulture))
                .WithQuery("name", query.Name)
                .WithQuery("status", query.Status)
                .WithQuery("volume_id", query.VolumeId)
                .WithQuery("availability_zone", query.AvailabilityZone);
            foreach (var id in query.Ids) request.WithQuery("id", id);
            return Transport.SendAsync(request, r => ParseSnapshotPage(r, ScrubbedRequestId(r)), call);
        }

        private string? ScrubbedRequestId(ApiResponse response) => response.RequestId == null ? null : Transport.Redactor.Scrub(response.RequestId);

        public Task<SnapshotDetails> GetSnapshotAsync(string snapshotId, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var request = Evs(HttpMethod.Get, $"get snapshot {snapshotId}", "cloudsnapshots", snapshotId);
            return Transport.SendAsync(request, ParseSnapshotEnvelope, call);
        }

        /// <summary>Every page of a snapshot list, in order (for lookups that need them all, not for streaming).</summary>
        internal PageReader<SnapshotDetails> ReadSnapshots(SnapshotQuery query, CallScope call) =>
            new PageReader<SnapshotDetails>((offset, limit) => ListSnapshotsAsync(query, offset, limit, call), s => s.Id, 0, 1000, null);

        // ---------------------------------------------------------------- snapshots: changes (rules in SnapshotOperations)

        /// <summary><c>POST cloudsnapshots</c>, not yet sent: the caller decides how to send it safely.</summary>
        internal ApiRequest CreateSnapshotRequest(string volumeId, string? name, string? description, bool force, Dictionary<string, string> metadata)
        {
            var body = new CreateSnapshotRequest
            {
                Snapshot = new CreateSnapshotOption
                {
                    VolumeId = InputValidator.VolumeId(volumeId),
                    Name = name,
                    Description = description,
                    Force = force ? true : (bool?)null,
                    Metadata = metadata,
                },
            };
            var request = Evs(HttpMethod.Post, $"create a snapshot of volume {volumeId}", "cloudsnapshots");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.CreateSnapshotRequest);
            return request;
        }

        /// <summary><c>DELETE cloudsnapshots/{id}</c>, not yet sent.</summary>
        internal ApiRequest DeleteSnapshotRequest(string snapshotId)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            return Evs(HttpMethod.Delete, $"delete snapshot {snapshotId}", "cloudsnapshots", snapshotId);
        }

        /// <summary><c>POST cloudsnapshots/{id}/rollback</c>, not yet sent.</summary>
        internal ApiRequest RollbackSnapshotRequest(string snapshotId, string volumeId, string? volumeName)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            volumeId = InputValidator.VolumeId(volumeId);
            var body = new RollbackRequest { Rollback = new RollbackOption { VolumeId = volumeId, Name = volumeName } };
            var request = Evs(HttpMethod.Post, $"roll back volume {volumeId} to snapshot {snapshotId}", "cloudsnapshots", snapshotId, "rollback");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.RollbackRequest);
            return request;
        }

        internal Task<SnapshotDetails> UpdateSnapshotAsync(string snapshotId, string? name, string? description, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var body = new UpdateSnapshotRequest { Snapshot = new UpdateSnapshotOption { Name = name, Description = description } };
            var request = Evs(HttpMethod.Put, $"update snapshot {snapshotId}", "cloudsnapshots", snapshotId);
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.UpdateSnapshotRequest);
            return Transport.SendAsync(request, ParseSnapshotEnvelope, call);
        }

        // ---------------------------------------------------------------- metadata (Cinder endpoints, §2.2)

        internal Task<Dictionary<string, string>> ReplaceSnapshotMetadataAsync(string snapshotId, IDictionary<string, string> metadata, CallScope call) =>
            SendMetadataAsync(HttpMethod.Put, snapshotId, metadata, $"replace the metadata of snapshot {snapshotId}", call);

        internal Task<Dictionary<string, string>> MergeSnapshotMetadataAsync(string snapshotId, IDictionary<string, string> metadata, CallScope call) =>
            SendMetadataAsync(HttpMethod.Post, snapshotId, metadata, $"add metadata to snapshot {snapshotId}", call);

        private Task<Dictionary<string, string>> SendMetadataAsync(HttpMethod method, string snapshotId, IDictionary<string, string> metadata, string operation, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var body = new MetadataRequest { Metadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal) };
            var request = Evs(method, operation, "snapshots", snapshotId, "metadata");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.MetadataRequest);
            request.Idempotent = true; // merging or replacing the same keys twice has the same effect as once
            return Transport.SendAsync(request, r => WireMapper.ToStringMap(WireMapper.Deserialize(r, WireJson.Default.MetadataBody).Metadata), call);
        }

        /// <summary>Removes one key; a key that is not there (or no longer there after a retried call) counts as removed.</summary>
        internal async Task DeleteSnapshotMetadataKeyAsync(string snapshotId, string key, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            key = InputValidator.PathMetadataKey(key);
            var request = Evs(HttpMethod.Delete, $"remove metadata key '{key}' from snapshot {snapshotId}", "snapshots", snapshotId, "metadata", key);
            try
            {
                await Transport.SendAsync(request, r => true, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.StatusCode == 404)
            {
                var snapshot = await GetSnapshotAsync(snapshotId, call).ConfigureAwait(false); // a missing snapshot is still an error
                if (snapshot.Metadata.ContainsKey(key)) throw;
                call.Trace.Verbose($"Snapshot {snapshotId} has no metadata key '{key}'; nothing to remove.");
            }
        }

        // ----------------------------------------------------------------

        internal static Page<SnapshotDetails> ParseSnapshotPage(ApiResponse response, string? requestId = null)
        {
            var list = WireMapper.Deserialize(response, WireJson.Default.SnapshotListWire);
            if (list.Snapshots == null) throw new InvalidDataException("the 'snapshots' array is missing.");
            return new Page<SnapshotDetails>(list.Snapshots.Select(WireMapper.ToSnapshot).ToList(), list.Count, HasNext(list.Links), requestId);
        }

        internal static SnapshotDetails ParseSnapshotEnvelope(ApiResponse response) =>
            WireMapper.ToSnapshot(WireMapper.Deserialize(response, WireJson.Default.SnapshotEnvelope).Snapshot);

        private ApiRequest Evs(HttpMethod method, string operation, params string[] segments)
        {
            var all = new string[segments.Length + 2];
            all[0] = "v2";
            all[1] = Project;
            Array.Copy(segments, 0, all, 2, segments.Length);
            return new ApiRequest(method, ApiService.Evs, all) { Operation = operation };
        }

        private static bool HasNext(List<LinkWire>? links) =>
            links != null && links.Any(l => l != null && string.Equals(l.Rel, "next", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(l.Href));

        public void Dispose() => Transport.Dispose();
    }
}
