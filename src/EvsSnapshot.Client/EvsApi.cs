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
    /// <summary>One page of a list call.</summary>
    public sealed class Page<T>
    {
        internal Page(List<T> items, int? totalCount, bool hasNextLink)
        {
            Items = items;
            TotalCount = totalCount;
            HasNextLink = hasNextLink;
        }

        public List<T> Items { get; }

        /// <summary>The API's <c>count</c>: every match, regardless of paging. Null when the answer has none.</summary>
        public int? TotalCount { get; }

        /// <summary>The answer carried a <c>rel: next</c> link.</summary>
        public bool HasNextLink { get; }
    }

    /// <summary>Server-side filters of <c>cloudsnapshots/detail</c>.</summary>
    public sealed class SnapshotQuery
    {
        public string? Name { get; set; }
        public string? Status { get; set; }
        public string? VolumeId { get; set; }
        public string? AvailabilityZone { get; set; }
        public IList<string> Ids { get; } = new List<string>();
    }

    /// <summary>Server-side filters of <c>cloudvolumes/detail</c>.</summary>
    public sealed class VolumeQuery
    {
        public string? Name { get; set; }
        public string? Status { get; set; }
        public string? AvailabilityZone { get; set; }
    }

    /// <summary>What New-EvsSnapshot asks for.</summary>
    public sealed class CreateSnapshotSpec
    {
        public string VolumeId { get; set; } = string.Empty;
        public string? Name { get; set; }
        public string? Description { get; set; }
        public bool Force { get; set; }
        public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }

    /// <summary>
    /// The typed EVS v2 / IAM v3 operations the cmdlets use. Thin over <see cref="EvsTransport"/>: builds requests
    /// from validated ids, parses answers into public models.
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

        /// <summary>HTTP requests this context has sent, every attempt counted.</summary>
        public long RequestCount => Transport.RequestCount;

        private string Project => ProjectId ?? throw new InvalidOperationException("The project id is not resolved yet.");

        // ---------------------------------------------------------------- IAM

        /// <summary>IAM <c>GET /v3/projects?name={region}</c> (evs-api.md §6.1).</summary>
        public async Task<string> ResolveProjectIdAsync(CallOptions call)
        {
            var request = new ApiRequest(HttpMethod.Get, ApiService.Iam, "v3", "projects")
            {
                Operation = $"find the project of region {Region} in IAM",
            }.WithQuery("name", Region);
            var list = await Transport.SendAsync(request, r => WireMapper.Deserialize(r, WireJson.Default.IamProjectList), call).ConfigureAwait(false);
            var matches = (list.Projects ?? new List<IamProject>()).Where(p => p != null && !string.IsNullOrEmpty(p.Id)).ToList();
            if (matches.Count == 1) return matches[0].Id!;
            throw new EvsException(EvsErrorKind.NotFound, matches.Count == 0 ? "ProjectNotFound" : "ProjectAmbiguous",
                matches.Count == 0
                    ? $"IAM knows no project named '{Region}' for these credentials. Pass -ProjectId, or check -Region."
                    : $"IAM returned {matches.Count} projects named '{Region}'. Pass -ProjectId to choose one.")
            { Target = Region };
        }

        /// <summary>IAM <c>POST /v3/auth/tokens</c> with the password method, scoped to the project.</summary>
        internal async Task<IamToken> FetchPasswordTokenAsync(string userName, string domainName, string password, string? projectId, CallOptions call)
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
            };
            // Renewal runs inside the auth step of a request that already holds a concurrency-gate slot: the token
            // request must not wait for a slot of its own, or a full gate (-ThrottleLimit 1) deadlocks.
            if (call.Gate != null) call = new CallOptions(call.Trace, call.CancellationToken);
            DateTime sentAt = DateTime.UtcNow;
            return await Transport.SendAsync(request, response =>
            {
                string? token = response.Header("X-Subject-Token");
                if (string.IsNullOrEmpty(token)) throw new InvalidDataException("IAM answered without an X-Subject-Token header.");
                Transport.Redactor.Add(token);
                var parsed = WireMapper.Deserialize(response, WireJson.Default.IamTokenResponse).Token
                             ?? throw new InvalidDataException("the 'token' object is missing.");
                var issued = WireMapper.ParseTime(parsed.IssuedAt, "issued_at");
                var expires = WireMapper.ParseTime(parsed.ExpiresAt, "expires_at")
                              ?? throw new InvalidDataException("the token has no 'expires_at'.");
                // Measure the lifetime on the server's clock and apply it to ours, so a skewed local clock cannot make us use an expired token.
                var lifetime = issued.HasValue ? expires - issued.Value : expires - (response.ServerDate?.UtcDateTime ?? sentAt);
                if (lifetime <= TimeSpan.Zero) throw new InvalidDataException("the token expires before it was issued.");
                return new IamToken(token!, PasswordAuthProvider.RefreshTime(sentAt, lifetime), sentAt + lifetime, parsed.Project?.Id);
            }, call).ConfigureAwait(false);
        }

        // ---------------------------------------------------------------- volumes

        public Task<Page<VolumeDetails>> ListVolumesAsync(VolumeQuery query, int offset, int limit, CallOptions call)
        {
            var request = Evs(HttpMethod.Get, "list volumes", "cloudvolumes", "detail")
                .WithQuery("limit", limit.ToString(CultureInfo.InvariantCulture))
                .WithQuery("offset", offset.ToString(CultureInfo.InvariantCulture))
                .WithQuery("name", query.Name)
                .WithQuery("status", query.Status)
                .WithQuery("availability_zone", query.AvailabilityZone);
            return Transport.SendAsync(request, r =>
            {
                var list = WireMapper.Deserialize(r, WireJson.Default.VolumeListWire);
                if (list.Volumes == null) throw new InvalidDataException("the 'volumes' array is missing.");
                return new Page<VolumeDetails>(list.Volumes.Select(WireMapper.ToVolume).ToList(), list.Count, HasNext(list.Links));
            }, call);
        }

        public Task<VolumeDetails> GetVolumeAsync(string volumeId, CallOptions call)
        {
            volumeId = InputValidator.VolumeId(volumeId);
            var request = Evs(HttpMethod.Get, $"get volume {volumeId}", "cloudvolumes", volumeId);
            return Transport.SendAsync(request, r => WireMapper.ToVolume(WireMapper.Deserialize(r, WireJson.Default.VolumeEnvelope).Volume), call);
        }

        // ---------------------------------------------------------------- snapshots

        public Task<Page<SnapshotDetails>> ListSnapshotsAsync(SnapshotQuery query, int offset, int limit, CallOptions call)
        {
            var request = Evs(HttpMethod.Get, "list snapshots", "cloudsnapshots", "detail")
                .WithQuery("limit", limit.ToString(CultureInfo.InvariantCulture))
                .WithQuery("offset", offset.ToString(CultureInfo.InvariantCulture))
                .WithQuery("name", query.Name)
                .WithQuery("status", query.Status)
                .WithQuery("volume_id", query.VolumeId)
                .WithQuery("availability_zone", query.AvailabilityZone);
            foreach (var id in query.Ids) request.WithQuery("id", id);
            return Transport.SendAsync(request, ParseSnapshotPage, call);
        }

        private static Page<SnapshotDetails> ParseSnapshotPage(ApiResponse response)
        {
            var list = WireMapper.Deserialize(response, WireJson.Default.SnapshotListWire);
            if (list.Snapshots == null) throw new InvalidDataException("the 'snapshots' array is missing.");
            return new Page<SnapshotDetails>(list.Snapshots.Select(WireMapper.ToSnapshot).ToList(), list.Count, HasNext(list.Links));
        }

        public Task<SnapshotDetails> GetSnapshotAsync(string snapshotId, CallOptions call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var request = Evs(HttpMethod.Get, $"get snapshot {snapshotId}", "cloudsnapshots", snapshotId);
            return Transport.SendAsync(request, ParseSnapshotEnvelope, call);
        }

        private static SnapshotDetails ParseSnapshotEnvelope(ApiResponse response) =>
            WireMapper.ToSnapshot(WireMapper.Deserialize(response, WireJson.Default.SnapshotEnvelope).Snapshot);

        /// <summary>
        /// <c>POST cloudsnapshots</c>, made safe to retry. The API has no idempotency key, so the module writes a
        /// fresh client token into the snapshot's metadata. When an attempt fails ambiguously (connection lost or
        /// timed out after sending, 502/503/504, a garbled answer), the snapshots of that volume are searched for
        /// the token before anything is sent again: a snapshot that was committed is returned, never created twice.
        /// </summary>
        public async Task<SnapshotDetails> CreateSnapshotAsync(CreateSnapshotSpec spec, CallOptions call)
        {
            string volumeId = InputValidator.VolumeId(spec.VolumeId);
            string clientToken = Guid.NewGuid().ToString("N");
            var metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.Ordinal)
            {
                [InputValidator.ClientTokenMetadataKey] = clientToken,
            };
            var body = new CreateSnapshotRequest
            {
                Snapshot = new CreateSnapshotOption
                {
                    VolumeId = volumeId,
                    Name = spec.Name,
                    Description = spec.Description,
                    Force = spec.Force ? true : (bool?)null,
                    Metadata = metadata,
                },
            };
            var request = Evs(HttpMethod.Post, $"create a snapshot of volume {volumeId}", "cloudsnapshots");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.CreateSnapshotRequest);

            return await SendCheckedAsync(request, ParseSnapshotEnvelope, async () =>
            {
                var existing = await FindByClientTokenAsync(volumeId, clientToken, call).ConfigureAwait(false);
                if (existing != null)
                {
                    call.Trace.Verbose($"The snapshot was created after all: {existing.Id} carries client token {clientToken}; not sending the create again.");
                }
                else
                {
                    call.Trace.Verbose($"No snapshot of volume {volumeId} carries client token {clientToken}: the create did not happen.");
                }
                return (existing != null, existing!);
            }, (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "CreateOutcomeUnknown",
                $"Creating a snapshot of volume {volumeId} failed ambiguously ({failure.Message}) and checking whether it was created failed too ({checkFailure.Message}). "
                + $"A snapshot may exist with metadata {InputValidator.ClientTokenMetadataKey} = {clientToken}.", failure)
            {
                Target = volumeId,
                RecommendedAction = $"Run Get-EvsSnapshot -VolumeId {volumeId} and look for that metadata before creating again.",
            }, call).ConfigureAwait(false);
        }

        /// <summary>
        /// Sends a request that must take effect once although the API has no idempotency key: a second create makes
        /// a second snapshot; a second delete or rollback meets a 400 that hides the first one's success. After an
        /// ambiguous failure (the request may have been carried out), waits the backoff, then asks
        /// <paramref name="check"/> whether it happened; only if not is it sent again, within the same retry budget.
        /// </summary>
        private async Task<T> SendCheckedAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, Func<Task<(bool done, T result)>> check,
            Func<EvsException, EvsException, EvsException> outcomeUnknown, CallOptions call)
        {
            request.Idempotent = false;
            var state = new RetryState();
            while (true)
            {
                try
                {
                    return await Transport.SendAsync(request, parse, call, state).ConfigureAwait(false);
                }
                catch (AmbiguousOutcomeException ambiguous)
                {
                    call.Trace.Verbose($"{request.OperationSentence} may or may not have happened ({ambiguous.Failure.Message}). Checking before sending it again.");
                    // Wait first: a server that is slow to commit gets the backoff's time before we look.
                    var delay = await Transport.WaitBeforeRetryAsync(request, ambiguous.Failure, false, null, state, call).ConfigureAwait(false);
                    (bool done, T result) outcome;
                    try
                    {
                        outcome = await check().ConfigureAwait(false);
                    }
                    catch (EvsException checkFailure)
                    {
                        throw outcomeUnknown(ambiguous.Failure, checkFailure);
                    }
                    if (outcome.done) return outcome.result;
                    if (delay == null) throw ambiguous.Failure; // budget spent, and we know it did not happen
                }
            }
        }

        /// <summary>The snapshot of a volume whose metadata carries the client token, if any.</summary>
        internal async Task<SnapshotDetails?> FindByClientTokenAsync(string volumeId, string clientToken, CallOptions call)
        {
            var query = new SnapshotQuery { VolumeId = volumeId };
            var reader = new PageReader<SnapshotDetails>((offset, limit) => ListSnapshotsAsync(query, offset, limit, call), s => s.Id, 0, 1000, null);
            IReadOnlyList<SnapshotDetails>? page;
            while ((page = await reader.NextAsync().ConfigureAwait(false)) != null)
            {
                foreach (var snapshot in page)
                {
                    if (snapshot.Metadata.TryGetValue(InputValidator.ClientTokenMetadataKey, out var token) && token == clientToken) return snapshot;
                }
            }
            return null;
        }

        public Task<SnapshotDetails> UpdateSnapshotAsync(string snapshotId, string? name, string? description, CallOptions call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var body = new UpdateSnapshotRequest { Snapshot = new UpdateSnapshotOption { Name = name, Description = description } };
            var request = Evs(HttpMethod.Put, $"update snapshot {snapshotId}", "cloudsnapshots", snapshotId);
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.UpdateSnapshotRequest);
            return Transport.SendAsync(request, ParseSnapshotEnvelope, call);
        }

        /// <summary>
        /// <c>DELETE cloudsnapshots/{id}</c>. Sent once in effect: after a lost answer the snapshot is looked at, and
        /// "deleting" or "gone" means the first attempt worked. A repeat that meets EVS.1047 (the HTTP stack may
        /// resend a request on a dropped connection by itself) is checked the same way.
        /// </summary>
        public async Task DeleteSnapshotAsync(string snapshotId, CallOptions call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var request = Evs(HttpMethod.Delete, $"delete snapshot {snapshotId}", "cloudsnapshots", snapshotId);
            try
            {
                await SendCheckedAsync(request, r => true, async () =>
                {
                    bool done = await IsDeletingOrGoneAsync(snapshotId, call).ConfigureAwait(false);
                    return (done, true);
                }, (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "DeleteOutcomeUnknown",
                    $"Deleting snapshot {snapshotId} failed ambiguously ({failure.Message}) and checking its state failed too ({checkFailure.Message}).", failure)
                {
                    Target = snapshotId,
                    RecommendedAction = $"Run Get-EvsSnapshot -Id {snapshotId} to see whether it is being deleted.",
                }, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.ErrorCode == "EVS.1047")
            {
                if (!await IsDeletingOrGoneAsync(snapshotId, call).ConfigureAwait(false)) throw;
            }
        }

        private async Task<bool> IsDeletingOrGoneAsync(string snapshotId, CallOptions call)
        {
            try
            {
                var current = await GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
                if (current.Status != SnapshotStatus.Deleting) return false;
                call.Trace.Verbose($"Snapshot {snapshotId} is being deleted: the delete went through.");
                return true;
            }
            catch (EvsApiException gone) when (gone.StatusCode == 404)
            {
                call.Trace.Verbose($"Snapshot {snapshotId} is gone: the delete went through.");
                return true;
            }
        }

        /// <summary>
        /// <c>POST cloudsnapshots/{id}/rollback</c>. Sent once in effect: after a lost answer, a snapshot that is
        /// "rollbacking" shows the rollback is under way and it is not sent again. (A POST with a body is never
        /// re-sent by the HTTP stack itself, so a plain 400 is always the API's real answer.)
        /// </summary>
        public Task RollbackSnapshotAsync(string snapshotId, string volumeId, string? volumeName, CallOptions call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            volumeId = InputValidator.VolumeId(volumeId);
            var body = new RollbackRequest { Rollback = new RollbackOption { VolumeId = volumeId, Name = volumeName } };
            var request = Evs(HttpMethod.Post, $"roll back volume {volumeId} to snapshot {snapshotId}", "cloudsnapshots", snapshotId, "rollback");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.RollbackRequest);
            return SendCheckedAsync(request, r => true, async () => (await IsRollingBackAsync(snapshotId, call).ConfigureAwait(false), true),
                (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "RollbackOutcomeUnknown",
                    $"Rolling volume {volumeId} back to snapshot {snapshotId} failed ambiguously ({failure.Message}) and checking the snapshot failed too ({checkFailure.Message}).", failure)
                {
                    Target = snapshotId,
                    RecommendedAction = $"Run Get-EvsVolume -Id {volumeId} to see whether it is rollbacking.",
                }, call);
        }

        private async Task<bool> IsRollingBackAsync(string snapshotId, CallOptions call)
        {
            var snapshot = await GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
            if (snapshot.Status != SnapshotStatus.Rollbacking) return false;
            call.Trace.Verbose($"Snapshot {snapshotId} is rolling back: the rollback went through.");
            return true;
        }

        // ---------------------------------------------------------------- metadata (Cinder endpoints, §2.2)

        public Task<Dictionary<string, string>> ReplaceSnapshotMetadataAsync(string snapshotId, IDictionary<string, string> metadata, CallOptions call) =>
            SendMetadataAsync(HttpMethod.Put, snapshotId, metadata, $"replace the metadata of snapshot {snapshotId}", call);

        public Task<Dictionary<string, string>> MergeSnapshotMetadataAsync(string snapshotId, IDictionary<string, string> metadata, CallOptions call) =>
            SendMetadataAsync(HttpMethod.Post, snapshotId, metadata, $"add metadata to snapshot {snapshotId}", call);

        private Task<Dictionary<string, string>> SendMetadataAsync(HttpMethod method, string snapshotId, IDictionary<string, string> metadata, string operation, CallOptions call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var body = new MetadataRequest { Metadata = new Dictionary<string, string>(metadata, StringComparer.Ordinal) };
            var request = Evs(method, operation, "snapshots", snapshotId, "metadata");
            request.Body = JsonSerializer.SerializeToUtf8Bytes(body, WireJson.Default.MetadataRequest);
            request.Idempotent = true; // merging or replacing the same keys twice has the same effect as once
            return Transport.SendAsync(request, r => WireMapper.ToStringMap(WireMapper.Deserialize(r, WireJson.Default.MetadataBody).Metadata), call);
        }

        /// <summary>Removes one key; a key that is not there (or no longer there after a retried call) counts as removed.</summary>
        public async Task DeleteSnapshotMetadataKeyAsync(string snapshotId, string key, CallOptions call)
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
