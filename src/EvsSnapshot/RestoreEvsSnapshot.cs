using System;
using System.Management.Automation;
using System.Threading.Tasks;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Client.Waiting;
using EvsSnapshot.Validation;

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
        /// <summary>The snapshot to roll back by name; it must name exactly one snapshot (wildcards too).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [Alias("SnapshotName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[] Name { get; set; } = new string[0];

        protected override string[]? TargetNames => Name;

        protected override bool OneSnapshotPerName => true;

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

        protected override SnapshotAction? GuardedAction => SnapshotAction.RollBack;

        private WaitOptions? _waitOptions;

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                if (VolumeName != null) InputValidator.VolumeName(VolumeName);
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
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
            var snapshots = ActiveContext.Snapshots;
            // Checked first, on fresh state: a refusal comes before any prompt, and the prompt names disk and snapshot.
            RollbackStarted plan;
            try
            {
                plan = Run(call => snapshots.PrepareRollbackAsync(snapshotId, call));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, snapshotId, "SnapshotNotFound");
                return;
            }
            string what = $"Roll back {Labels.Disk(plan.Volume.Id, plan.Volume.Name)} to {Labels.Snapshot(snapshotId, plan.Snapshot, withId: false)}";
            if (!ShouldProceed(Force.IsPresent, what, "Roll back (overwrites the disk's data)")) return;

            var api = ActiveContext.Api;
            string? volumeName = VolumeName;
            bool passThru = PassThru.IsPresent;
            var waitOptions = _waitOptions;
            Submit(snapshotId, async call =>
            {
                await snapshots.RollbackAsync(plan, volumeName, call).ConfigureAwait(false);
                string volumeId = plan.Volume.Id;
                call.Trace.Verbose($"Rollback of volume {volumeId} to snapshot {snapshotId} accepted.");
                if (waitOptions != null)
                {
                    var snapshotDone = WaitForSnapshotAsync(snapshotId, plan.Snapshot);
                    var volumeDone = VolumeWaiter.WaitForStatusAsync(api, volumeId, VolumeStatus.Available, new[] { VolumeStatus.ErrorRollbacking, VolumeStatus.Error }, waitOptions, call);
                    await Task.WhenAll(snapshotDone, volumeDone).ConfigureAwait(false);
                    call.Trace.Verbose($"Rollback of volume {volumeId} to snapshot {snapshotId} finished.");
                    if (passThru) PostObject(volumeDone.Result);
                }
                else if (passThru)
                {
                    PostObject(await api.GetVolumeAsync(volumeId, call).ConfigureAwait(false));
                }
            }, "SnapshotNotFound");
        }
    }
}
