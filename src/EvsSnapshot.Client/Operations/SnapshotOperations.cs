using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>
    /// The changes the module makes to snapshots, with the rules that protect them: backup snapshots are never
    /// changed, a rollback is checked before it is sent, a snapshot without a name gets a default one, and
    /// create, delete and rollback take effect once even when an attempt fails ambiguously.
    /// </summary>
    public sealed class SnapshotOperations
    {
        private readonly EvsApi _api;
        private readonly ExactlyOnceSender _once;
        private readonly TimeProvider _time;

        internal SnapshotOperations(EvsApi api)
        {
            _api = api;
            _once = new ExactlyOnceSender(api.Transport);
            _time = api.Transport.Time;
        }

        /// <summary>
        /// <c>POST cloudsnapshots</c>, made safe to retry. The API has no idempotency key, so a fresh client token
        /// goes into the snapshot's metadata. When an attempt fails ambiguously (connection lost or timed out after
        /// sending, 502/503/504, a garbled answer), the snapshots of that volume are searched for the token before
        /// anything is sent again: a snapshot that was committed is returned, never created twice.
        /// </summary>
        public Task<SnapshotDetails> CreateAsync(CreateSnapshotSpec spec, CallScope call) => CreateAsync(spec, null, call);

        /// <summary>A lookup for one invocation's -ClientToken (validated here), shared by its disks.</summary>
        public RunTokenLookup RunTokenLookup(string token) => new RunTokenLookup(_api, InputValidator.ClientToken(token)!);

        /// <summary>
        /// With a <paramref name="runToken"/>: the snapshot an earlier run made of this disk with that token, if
        /// there is one (<see cref="SnapshotCreation.Found"/>); otherwise a new snapshot that records the token.
        /// </summary>
        public async Task<SnapshotCreation> CreateOrFindAsync(CreateSnapshotSpec spec, RunTokenLookup? runToken, CallScope call)
        {
            string volumeId = InputValidator.VolumeId(spec.VolumeId);
            if (runToken != null)
            {
                var existing = await runToken.FindAsync(volumeId, call).ConfigureAwait(false);
                if (existing != null) return new SnapshotCreation(existing, found: true);
            }
            return new SnapshotCreation(await CreateAsync(spec, runToken, call).ConfigureAwait(false), found: false);
        }

        private async Task<SnapshotDetails> CreateAsync(CreateSnapshotSpec spec, RunTokenLookup? runToken, CallScope call)
        {
            string volumeId = InputValidator.VolumeId(spec.VolumeId);
            string name = spec.Name ?? SnapshotNaming.DefaultName(volumeId, _time.GetUtcNow().UtcDateTime);
            string clientToken = Guid.NewGuid().ToString("N");
            var metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.Ordinal)
            {
                [InputValidator.ClientTokenMetadataKey] = clientToken,
            };
            if (runToken != null) metadata[RunTokenRule.MetadataKey] = RunTokenRule.MetadataValue(runToken.Token, volumeId);
            var request = _api.CreateSnapshotRequest(volumeId, name, spec.Description, spec.Force, metadata);
            try
            {
                return await SendCreateAsync(request, volumeId, clientToken, call).ConfigureAwait(false);
            }
            catch (EvsApiException refused) when (refused.StatusCode == 400)
            {
                // The API says only that the status is wrong; a disk in a rollback deserves its own answer.
                var rollingBack = await RollbackRule.VolumeRollingBackAsync(_api, volumeId, refused, call).ConfigureAwait(false);
                if (rollingBack != null) throw rollingBack;
                throw;
            }
        }

        private Task<SnapshotDetails> SendCreateAsync(ApiRequest request, string volumeId, string clientToken, CallScope call)
        {
            return _once.SendAsync(request, EvsApi.ParseSnapshotEnvelope, async () =>
            {
                var existing = await FindByClientTokenAsync(volumeId, clientToken, call).ConfigureAwait(false);
                call.Trace.Verbose(existing != null
                    ? $"The snapshot was created after all: {existing.Id} carries client token {clientToken}; not sending the create again."
                    : $"No snapshot of volume {volumeId} carries client token {clientToken}: the create did not happen.");
                return (existing != null, existing!);
            }, (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "CreateOutcomeUnknown",
                $"Creating a snapshot of volume {volumeId} failed ambiguously ({failure.Message}) and checking whether it was created failed too ({checkFailure.Message}). "
                + $"A snapshot may exist with metadata {InputValidator.ClientTokenMetadataKey} = {clientToken}.", failure)
            {
                Target = volumeId,
            }.Advise(EvsAdvice.FindCreatedSnapshot, ("VolumeId", volumeId), ("ClientToken", clientToken)), call);
        }

        /// <summary>
        /// <c>DELETE cloudsnapshots/{id}</c>, refused for backup snapshots (checked on <paramref name="known"/>, or
        /// with one GET). Sent once in effect: after a lost answer the snapshot is looked at, and "deleting" or
        /// "gone" means the first attempt worked. A repeat that meets EVS.1047 (the HTTP stack may resend a request
        /// on a dropped connection by itself) is checked the same way.
        /// </summary>
        public async Task DeleteAsync(string snapshotId, SnapshotDetails? known, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            await EnsureChangeableAsync(snapshotId, known, SnapshotAction.Delete, call).ConfigureAwait(false);
            await DeleteOnceAsync(snapshotId, call).ConfigureAwait(false);
        }

        /// <summary>The delete itself, sent once in effect; no rules (the caller applied them).</summary>
        internal async Task DeleteOnceAsync(string snapshotId, CallScope call)
        {
            var request = _api.DeleteSnapshotRequest(snapshotId);
            try
            {
                await _once.SendAsync(request, r => true, async () => (await IsDeletingOrGoneAsync(snapshotId, call).ConfigureAwait(false), true),
                    (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "DeleteOutcomeUnknown",
                        $"Deleting snapshot {snapshotId} failed ambiguously ({failure.Message}) and checking its state failed too ({checkFailure.Message}).", failure)
                    {
                        Target = snapshotId,
                    }.Advise(EvsAdvice.CheckSnapshotState, ("SnapshotId", snapshotId)), call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.ErrorCode == "EVS.1047")
            {
                if (await IsDeletingOrGoneAsync(snapshotId, call, ex).ConfigureAwait(false)) return;
                throw;
            }
        }

        /// <summary>
        /// Rolls a snapshot back onto its source disk after checking, on fresh state, everything a rollback needs
        /// (<see cref="RollbackRule"/>). Sent once in effect: after a lost answer, a snapshot that is "rollbacking"
        /// shows the rollback is under way and it is not sent again. (A POST with a body is never re-sent by the
        /// HTTP stack itself, so a plain 400 is always the API's real answer.)
        /// </summary>
        public async Task<RollbackStarted> RollbackAsync(string snapshotId, string? volumeName, CallScope call)
        {
            var plan = await PrepareRollbackAsync(snapshotId, call).ConfigureAwait(false);
            return await RollbackAsync(plan, volumeName, call).ConfigureAwait(false);
        }

        /// <summary>
        /// The checks of a rollback on fresh state, without sending it: the snapshot and its disk, so a prompt can
        /// name both before anything changes.
        /// </summary>
        public async Task<RollbackStarted> PrepareRollbackAsync(string snapshotId, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var snapshot = await _api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
            var refusal = RollbackRule.SnapshotRefusal(snapshot);
            if (refusal != null) throw refusal;
            VolumeDetails volume;
            try
            {
                volume = await _api.GetVolumeAsync(snapshot.VolumeId!, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.StatusCode == 404)
            {
                throw RollbackRule.SourceVolumeMissing(snapshot, ex);
            }
            refusal = RollbackRule.VolumeRefusal(volume);
            if (refusal != null) throw refusal;
            snapshot.VolumeName = volume.Name;
            return new RollbackStarted(snapshot, volume);
        }

        /// <summary>Sends a rollback that <see cref="PrepareRollbackAsync"/> checked (the API's 400 still guards a change since).</summary>
        public async Task<RollbackStarted> RollbackAsync(RollbackStarted checkedPlan, string? volumeName, CallScope call)
        {
            await RollbackOnceAsync(checkedPlan.Snapshot.Id, checkedPlan.Volume.Id, volumeName, call).ConfigureAwait(false);
            return checkedPlan;
        }

        /// <summary>The rollback itself, sent once in effect; no checks (the caller made them).</summary>
        internal async Task RollbackOnceAsync(string snapshotId, string volumeId, string? volumeName, CallScope call)
        {
            var request = _api.RollbackSnapshotRequest(snapshotId, volumeId, volumeName);
            await _once.SendAsync(request, r => true, async () => (await IsRollingBackAsync(snapshotId, call).ConfigureAwait(false), true),
                (failure, checkFailure) => new EvsException(EvsErrorKind.OutcomeUnknown, "RollbackOutcomeUnknown",
                    $"Rolling volume {volumeId} back to snapshot {snapshotId} failed ambiguously ({failure.Message}) and checking the snapshot failed too ({checkFailure.Message}).", failure)
                {
                    Target = snapshotId,
                }.Advise(EvsAdvice.CheckVolumeState, ("VolumeId", volumeId), ("SnapshotId", snapshotId)), call).ConfigureAwait(false);
        }

        /// <summary>
        /// Renames, re-describes and changes metadata, refused for backup snapshots. Returns the snapshot after the
        /// change when <paramref name="returnResult"/> (one more GET if metadata changed), else null.
        /// </summary>
        public async Task<SnapshotDetails?> UpdateAsync(string snapshotId, SnapshotDetails? known, SnapshotChange change, bool returnResult, CallScope call)
        {
            snapshotId = InputValidator.SnapshotId(snapshotId);
            var snapshot = await EnsureChangeableAsync(snapshotId, known, SnapshotAction.Change, call).ConfigureAwait(false);
            if (change.ChangesNameOrDescription)
            {
                snapshot = await _api.UpdateSnapshotAsync(snapshotId, change.Name, change.Description, call).ConfigureAwait(false);
            }
            if (change.ReplaceMetadata != null) await _api.ReplaceSnapshotMetadataAsync(snapshotId, change.ReplaceMetadata, call).ConfigureAwait(false);
            if (change.AddMetadata != null) await _api.MergeSnapshotMetadataAsync(snapshotId, change.AddMetadata, call).ConfigureAwait(false);
            foreach (var key in change.RemoveMetadataKeys) await _api.DeleteSnapshotMetadataKeyAsync(snapshotId, key, call).ConfigureAwait(false);
            call.Trace.Verbose($"Updated snapshot {snapshotId}.");
            if (!returnResult) return null;
            return change.ChangesMetadata ? await _api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false) : snapshot;
        }

        /// <summary>The snapshot, refused when the rules forbid the action on it. A known object costs no request.</summary>
        private async Task<SnapshotDetails> EnsureChangeableAsync(string snapshotId, SnapshotDetails? known, SnapshotAction action, CallScope call)
        {
            var snapshot = known ?? await _api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
            var refusal = BackupSnapshotRule.Refusal(snapshot, action);
            if (refusal != null) throw refusal;
            // Fresh state that shows a rollback: say so before sending a delete the API would refuse.
            if (known == null && action == SnapshotAction.Delete && snapshot.Status == SnapshotStatus.Rollbacking) throw RollbackRule.SnapshotRollingBack(snapshot, null);
            return snapshot;
        }

        /// <summary>The snapshot of a volume whose metadata carries the client token, if any.</summary>
        internal async Task<SnapshotDetails?> FindByClientTokenAsync(string volumeId, string clientToken, CallScope call)
        {
            var reader = _api.ReadSnapshots(new SnapshotQuery { VolumeId = volumeId }, call);
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

        /// <summary>True when the snapshot is being deleted or gone; a snapshot in a rollback is an error of its own.</summary>
        private async Task<bool> IsDeletingOrGoneAsync(string snapshotId, CallScope call, EvsApiException? refusal = null)
        {
            try
            {
                var current = await _api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
                if (refusal != null && current.Status == SnapshotStatus.Rollbacking) throw RollbackRule.SnapshotRollingBack(current, refusal);
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

        private async Task<bool> IsRollingBackAsync(string snapshotId, CallScope call)
        {
            var snapshot = await _api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
            if (snapshot.Status != SnapshotStatus.Rollbacking) return false;
            call.Trace.Verbose($"Snapshot {snapshotId} is rolling back: the rollback went through.");
            return true;
        }
    }
}
