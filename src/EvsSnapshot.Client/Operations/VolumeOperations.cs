using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>
    /// Disks made from snapshots (evs-api.md §11): the plan with its defaults and rules
    /// (<see cref="VolumeFromSnapshotRule"/>) on fresh state, and a create that takes effect once: every attempt carries
    /// the same <c>X-Client-Token</c>, so a re-send after an ambiguous failure gets the first answer back (§11.2).
    /// </summary>
    public sealed class VolumeOperations
    {
        /// <summary>EVS's answers to a reused token (§11.2).</summary>
        internal const string TokenInvalid = "EVS.2218", TokenConflict = "EVS.2219", TokenExpired = "EVS.2220", TokenBusy = "EVS.2221", TokenUnsupported = "EVS.2223";

        private readonly EvsApi _api;

        internal VolumeOperations(EvsApi api)
        {
            _api = api;
        }

        /// <summary>The plan on fresh state: the snapshot (one GET) and its source disk (one GET; gone is allowed), refused by the rules before anything is created.</summary>
        public async Task<CreateVolumePlan> PlanAsync(CreateVolumeSpec spec, CallScope call)
        {
            var refusal = VolumeFromSnapshotRule.InputRefusal(spec);
            if (refusal != null) throw refusal;
            var snapshot = await _api.GetSnapshotAsync(InputValidator.SnapshotId(spec.SnapshotId, "SnapshotId"), call).ConfigureAwait(false);
            VolumeDetails? source = null;
            if (!string.IsNullOrEmpty(snapshot.VolumeId))
            {
                try
                {
                    source = await _api.GetVolumeAsync(snapshot.VolumeId!, call).ConfigureAwait(false);
                }
                catch (EvsApiException gone) when (gone.StatusCode == 404)
                {
                    call.Trace.Verbose($"The source disk {snapshot.VolumeId} of snapshot {snapshot.Id} no longer exists; the zone and type must be given.");
                }
            }
            return VolumeFromSnapshotRule.Plan(spec, snapshot, source);
        }

        /// <summary>
        /// Plans (with the rules) and creates: see <see cref="PlanAsync"/> and <see cref="CreateAsync(CreateVolumePlan, string, CallScope)"/>.
        /// With a run token, first looks for the disk an earlier run made (<see cref="CreateForRunAsync"/>).
        /// </summary>
        public async Task<VolumeCreateStarted> CreateAsync(CreateVolumeSpec spec, CallScope call)
        {
            if (spec.RunToken != null) return await CreateForRunAsync(spec, spec.RunToken, call).ConfigureAwait(false);
            var plan = await PlanAsync(spec, call).ConfigureAwait(false);
            return await CreateAsync(plan, spec.ClientToken ?? NewClientToken(), call).ConfigureAwait(false);
        }

        /// <summary>
        /// A create that a re-run finds (<see cref="RunTokenRule"/>): one list request with the API's metadata filter
        /// looks for the disk an earlier run made from this snapshot with this token; a standing one is returned as
        /// it is (no plan, no create). Otherwise the disk is created carrying the token in its metadata, under the
        /// X-Client-Token the token decides, so a re-run while the first disk is still hidden in creation gets the
        /// first answer back from EVS and makes no second disk (evs-api.md §11.2, §11.5).
        /// </summary>
        private async Task<VolumeCreateStarted> CreateForRunAsync(CreateVolumeSpec spec, string runToken, CallScope call)
        {
            string snapshotId = InputValidator.SnapshotId(spec.SnapshotId, "SnapshotId");
            string value = RunTokenRule.VolumeMetadataValue(runToken, snapshotId);
            var query = new VolumeQuery { Metadata = new Dictionary<string, string>(StringComparer.Ordinal) { [RunTokenRule.MetadataKey] = value } };
            var listed = await _api.ListVolumesAsync(query, 0, RunTokenListLimit, call).ConfigureAwait(false);
            var earlier = RunTokenRule.PickVolume(listed.Items, snapshotId, value); // the filter is the server's; the pick is ours
            if (earlier != null)
            {
                call.Trace.Verbose($"Disk {earlier.Id} ({earlier.Status}) was made from snapshot {snapshotId} with this run token by an earlier run; returning it instead of creating one.");
                return new VolumeCreateStarted(spec, earlier);
            }

            var metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.Ordinal) { [RunTokenRule.MetadataKey] = value };
            var plan = await PlanAsync(Copy(spec, metadata), call).ConfigureAwait(false);
            VolumeCreateStarted started;
            try
            {
                started = await CreateAsync(plan, RunTokenRule.VolumeClientToken(runToken, snapshotId), call).ConfigureAwait(false);
            }
            catch (EvsException expired) when (expired.ErrorId == "ClientTokenExpired")
            {
                // First used more than 8 hours ago, and the list shows no standing disk of it: that disk failed or was
                // deleted, so this run makes the one the token stands for, under a fresh X-Client-Token.
                return await CreateAgainAsync(plan, call).ConfigureAwait(false);
            }
            // Within 8 hours EVS answers a known token with the first answer, also when that disk failed or was deleted since.
            var failed = listed.Items.Where(v => !RunTokenRule.ReusableVolume(v.Status)).Select(v => v.Id);
            return failed.Contains(started.VolumeId, StringComparer.OrdinalIgnoreCase) || !await StandsAsync(started, call).ConfigureAwait(false)
                ? await CreateAgainAsync(plan, call).ConfigureAwait(false)
                : started;
        }

        private async Task<VolumeCreateStarted> CreateAgainAsync(CreateVolumePlan plan, CallScope call)
        {
            call.Trace.Verbose($"The disk an earlier run made from snapshot {plan.SnapshotId} with this run token failed or is gone; creating it again.");
            return await CreateAsync(plan, NewClientToken(), call).ConfigureAwait(false);
        }

        /// <summary>
        /// Whether the disk a create with a run-token X-Client-Token names stands (one job read; a disk read when the
        /// job is done): a job still running is this create or an earlier one in flight (hidden from the list, §11.5);
        /// a failed job, or a finished one whose disk is gone or failed, is an earlier run's answer replayed.
        /// </summary>
        private async Task<bool> StandsAsync(VolumeCreateStarted started, CallScope call)
        {
            try
            {
                var job = await _api.GetJobAsync(started.JobId!, call).ConfigureAwait(false);
                if (job.Failed) return false;
                string? volumeId = started.VolumeId ?? job.VolumeId;
                if (!job.Succeeded || volumeId == null) return true;
                return RunTokenRule.ReusableVolume((await _api.GetVolumeAsync(volumeId, call).ConfigureAwait(false)).Status);
            }
            catch (EvsApiException gone) when (gone.StatusCode == 404)
            {
                return false;
            }
            catch (EvsException unsure) when (unsure.Kind != EvsErrorKind.Authentication && unsure.Kind != EvsErrorKind.PermissionDenied)
            {
                // Unsure is "stands": a second disk is the one outcome a run token must never cause.
                call.Trace.Verbose($"Could not check the disk of job {started.JobId} ({unsure.Message}); taking it as this run's disk.");
                return true;
            }
        }

        /// <summary>Disks one run token can name from one snapshot: one, unless someone copied the metadata; a page is plenty.</summary>
        private const int RunTokenListLimit = 100;

        private static CreateVolumeSpec Copy(CreateVolumeSpec spec, IDictionary<string, string> metadata) => new CreateVolumeSpec
        {
            SnapshotId = spec.SnapshotId,
            Name = spec.Name,
            Description = spec.Description,
            Metadata = metadata,
            AvailabilityZone = spec.AvailabilityZone,
            VolumeType = spec.VolumeType,
            Size = spec.Size,
            ServerId = spec.ServerId,
            Iops = spec.Iops,
            Throughput = spec.Throughput,
        };

        /// <summary>A fresh token: 36 characters, as EVS requires (EVS.2218 otherwise).</summary>
        public static string NewClientToken() => Guid.NewGuid().ToString("D");

        /// <summary>
        /// <c>POST /v2.1/{project_id}/cloudvolumes</c> for a checked plan. The token makes a re-send safe, so the
        /// transport retries ambiguous failures (connection lost after sending, 502/503/504, garbled answers) with the
        /// same request; EVS.2221 (the first attempt is still being processed) is waited out and sent again.
        /// </summary>
        public async Task<VolumeCreateStarted> CreateAsync(CreateVolumePlan plan, string clientToken, CallScope call)
        {
            if (!InputValidator.IsUuid(clientToken))
            {
                throw new EvsValidationException("InvalidClientToken", "ClientToken", $"'{InputValidator.Printable(clientToken)}' is not a client token: EVS takes a UUID of 36 characters (EVS.2218).", clientToken);
            }
            var request = _api.CreateVolumeRequest(plan, clientToken);
            request.Idempotent = true; // the X-Client-Token: a repeat creates nothing and returns the first answer (§11.2)
            var state = new RetryState();
            while (true)
            {
                try
                {
                    var (jobId, volumeId) = await _api.Transport.SendAsync(request, EvsApi.ParseCreateVolume, call, state).ConfigureAwait(false);
                    call.Trace.Verbose($"Disk create from snapshot {plan.SnapshotId} accepted: job {jobId}, disk {volumeId ?? "(named by the job)"}, client token {clientToken}.");
                    return new VolumeCreateStarted(plan, jobId, volumeId, clientToken);
                }
                catch (EvsApiException busy) when (busy.ErrorCode == TokenBusy)
                {
                    call.Trace.Verbose($"An earlier attempt with client token {clientToken} is still being processed; asking again after the backoff.");
                    var delay = await _api.Transport.WaitBeforeRetryAsync(request, busy, null, state, call).ConfigureAwait(false);
                    if (delay == null) throw TokenError(busy, plan, clientToken, "CreateStillRunning", EvsErrorKind.OutcomeUnknown,
                        "is still being processed by EVS after every retry; it may yet create the disk");
                }
                catch (EvsApiException token) when (token.ErrorCode == TokenExpired)
                {
                    throw TokenError(token, plan, clientToken, "ClientTokenExpired", EvsErrorKind.OutcomeUnknown,
                        "was first used more than 8 hours ago, so EVS no longer says what it did; a disk may exist from that first request");
                }
                catch (EvsApiException token) when (token.ErrorCode == TokenConflict)
                {
                    throw TokenError(token, plan, clientToken, "ClientTokenConflict", EvsErrorKind.InvalidArgument,
                        "was already used for a different disk request (URL, project or body); use a new token for a new disk");
                }
                catch (EvsApiException token) when (token.ErrorCode == TokenInvalid || token.ErrorCode == TokenUnsupported)
                {
                    throw TokenError(token, plan, clientToken, "ClientTokenRefused", EvsErrorKind.BadRequest,
                        "was refused by this EVS endpoint, so the create cannot be made safe to retry");
                }
                catch (EvsException lost) when (lost.Kind == EvsErrorKind.Network || lost.Kind == EvsErrorKind.Timeout || lost.Kind == EvsErrorKind.ServiceUnavailable
                                                 || lost.Kind == EvsErrorKind.MalformedResponse)
                {
                    // Every re-send failed too: the disk may exist. The same token, within 8 hours, returns it without a second disk.
                    throw new EvsException(EvsErrorKind.OutcomeUnknown, "VolumeCreateOutcomeUnknown",
                        $"Creating a disk from snapshot {plan.SnapshotId} failed ambiguously ({lost.Message}); it may have been created. "
                        + $"Sending the same request with client token {clientToken} within 8 hours returns that disk instead of making a second one.", lost)
                    {
                        Target = plan.SnapshotId,
                    }.Advise(EvsAdvice.FindCreatedVolume, ("SnapshotId", plan.SnapshotId), ("ClientToken", clientToken));
                }
            }
        }

        private static EvsException TokenError(EvsApiException answer, CreateVolumePlan plan, string clientToken, string errorId, EvsErrorKind kind, string what)
        {
            return new EvsException(kind, errorId,
                $"Creating a disk from snapshot {plan.SnapshotId}: client token {clientToken} {what} ({answer.ErrorCode}: {answer.ApiMessage}).", answer)
            {
                Target = plan.SnapshotId,
            }.Advise(kind == EvsErrorKind.OutcomeUnknown ? EvsAdvice.FindCreatedVolume : EvsAdvice.None, ("SnapshotId", plan.SnapshotId), ("ClientToken", clientToken));
        }

        /// <summary>
        /// The new disk as the API shows it now (status <c>creating</c> at first). EVS may answer 404 for a disk that
        /// is still being created (§11.5): then what is known from the plan, with status <c>creating</c>.
        /// </summary>
        public async Task<VolumeDetails> GetStartedVolumeAsync(VolumeCreateStarted started, CallScope call)
        {
            if (started.Earlier != null) return started.Earlier; // as listed a moment ago
            string? volumeId = started.VolumeId;
            if (volumeId == null && started.JobId != null) volumeId = (await _api.GetJobAsync(started.JobId, call).ConfigureAwait(false)).VolumeId;
            if (volumeId != null)
            {
                try
                {
                    return await _api.GetVolumeAsync(volumeId, call).ConfigureAwait(false);
                }
                catch (EvsApiException notYet) when (notYet.StatusCode == 404)
                {
                    call.Trace.Verbose($"Disk {volumeId} is not visible yet (EVS hides disks while they are created).");
                }
            }
            return Placeholder(started, volumeId);
        }

        internal static VolumeDetails Placeholder(VolumeCreateStarted started, string? volumeId) => new VolumeDetails
        {
            Id = volumeId ?? string.Empty,
            Name = started.Plan.Name,
            Status = VolumeStatus.Creating,
            Description = started.Plan.Description,
            Size = started.Plan.Size,
            VolumeType = started.Plan.VolumeType,
            AvailabilityZone = started.Plan.AvailabilityZone,
            SourceSnapshotId = started.Plan.SnapshotId,
        };
    }
}
