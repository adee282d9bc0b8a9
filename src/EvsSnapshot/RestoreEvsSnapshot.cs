using System;
using System.Management.Automation;
using System.Threading.Tasks;
using EvsSnapshot.Client.Waiting;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Rolls a snapshot back onto its source disk, overwriting the disk's data. Checks first that the snapshot
    /// is available and the disk is available (detached) or error_rollbacking; with -Wait returns when both
    /// are available again.
    /// </summary>
    [Cmdlet(VerbsData.Restore, "EvsSnapshot", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(VolumeDetails))]
    public sealed class RestoreEvsSnapshotCommand : SnapshotTargetCmdlet
    {
        /// <summary>Also rename the disk (the rollback API's "name").</summary>
        [Parameter]
        public string? VolumeName { get; set; }

        /// <summary>Roll back without asking for confirmation (-WhatIf still only reports).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return only when snapshot and disk are available again.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long the rollback may take (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>With -Wait: the longest pause between polls (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);

        /// <summary>Return the disk (after the rollback is accepted, or once it is available with -Wait).</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override string? RefusedActionOnBackupSnapshots => "roll back from";

        private WaitOptions? _waitOptions;

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                if (VolumeName != null) Validation.InputValidator.VolumeName(VolumeName);
                WaitParameters.Check(Timeout, MaxPollInterval);
            });
            base.BeginProcessing();
            if (Wait.IsPresent)
            {
                _waitOptions = WaitOptionsFrom(Timeout, MaxPollInterval);
                // Each rollback waits for its snapshot (batch poller) and its disk; errors are reported per rollback.
                StartWaiting(_waitOptions, "Waiting for rollbacks to finish", (id, snapshot) => { }, reportTimeoutsTogether: false);
            }
        }

        protected override void ProcessSnapshot(string snapshotId, SnapshotDetails? piped)
        {
            string label = piped?.VolumeId != null
                ? $"volume {piped.VolumeId} from snapshot {snapshotId}"
                : $"the source volume of snapshot {snapshotId}";
            if (!ShouldProceed(Force.IsPresent, label, "Roll back (overwrites the disk's data)")) return;

            var api = ActiveContext.Api;
            string action = RefusedActionOnBackupSnapshots!;
            string? volumeName = VolumeName;
            bool passThru = PassThru.IsPresent;
            var waitOptions = _waitOptions;
            Submit(snapshotId, async call =>
            {
                // Fresh state for the checks, even when a snapshot object was piped in.
                var snapshot = await api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
                var refusal = BackupSnapshotRefusal(snapshot, action);
                if (refusal != null) throw refusal;
                if (snapshot.Status != SnapshotStatus.Available)
                {
                    throw new EvsException(EvsErrorKind.InvalidState, "SnapshotNotAvailable",
                        $"Snapshot {snapshotId} is '{snapshot.Status}'; only an available snapshot can be rolled back.")
                    {
                        Target = snapshot,
                        RecommendedAction = snapshot.Status == SnapshotStatus.Creating ? "Wait-EvsSnapshot, then roll back." : null,
                    };
                }
                if (string.IsNullOrEmpty(snapshot.VolumeId))
                {
                    throw new EvsException(EvsErrorKind.InvalidState, "SnapshotHasNoVolume", $"Snapshot {snapshotId} names no source volume.") { Target = snapshot };
                }
                VolumeDetails volume;
                try
                {
                    volume = await api.GetVolumeAsync(snapshot.VolumeId!, call).ConfigureAwait(false);
                }
                catch (EvsApiException ex) when (ex.StatusCode == 404)
                {
                    throw new EvsException(EvsErrorKind.NotFound, "VolumeNotFound",
                        $"The source volume {snapshot.VolumeId} of snapshot {snapshotId} no longer exists; a snapshot can only be rolled back onto its source disk.", ex)
                    { Target = snapshot.VolumeId };
                }
                if (volume.Status != VolumeStatus.Available && volume.Status != VolumeStatus.ErrorRollbacking)
                {
                    bool attached = volume.Status == VolumeStatus.InUse || volume.Attachments.Count > 0;
                    throw new EvsException(EvsErrorKind.InvalidState, "VolumeNotAvailableForRollback",
                        $"Volume {volume.Id} ('{volume.Name}') is '{volume.Status}'; a rollback needs the disk 'available' (or 'error_rollbacking')."
                        + (attached ? $" It is attached to {string.Join(", ", System.Linq.Enumerable.Select(volume.Attachments, a => a.ServerId + " as " + a.Device))}." : string.Empty))
                    {
                        Target = volume,
                        RecommendedAction = attached
                            ? "Stop the server and detach the disk first, then run Restore-EvsSnapshot again."
                            : "Wait until the disk is available, then run Restore-EvsSnapshot again.",
                    };
                }

                await api.RollbackSnapshotAsync(snapshotId, volume.Id, volumeName, call).ConfigureAwait(false);
                call.Trace.Verbose($"Rollback of volume {volume.Id} to snapshot {snapshotId} accepted.");

                if (waitOptions != null)
                {
                    var snapshotDone = WaitForSnapshotAsync(snapshotId, null);
                    var volumeDone = VolumeWaiter.WaitForStatusAsync(api, volume.Id, VolumeStatus.Available, new[] { VolumeStatus.ErrorRollbacking, "error" }, waitOptions, call);
                    await Task.WhenAll(snapshotDone, volumeDone).ConfigureAwait(false);
                    call.Trace.Verbose($"Rollback of volume {volume.Id} to snapshot {snapshotId} finished.");
                    if (passThru) PostObject(volumeDone.Result);
                }
                else if (passThru)
                {
                    PostObject(await api.GetVolumeAsync(volume.Id, call).ConfigureAwait(false));
                }
            }, "SnapshotNotFound");
        }
    }
}
