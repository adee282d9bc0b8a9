using System;
using System.Management.Automation;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Deletes snapshots. Asks for confirmation unless -Force or -Confirm:$false; with -Wait returns only when
    /// every snapshot is gone. Snapshots made by disk backups are refused.
    /// </summary>
    [Cmdlet(VerbsCommon.Remove, "EvsSnapshot", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(void))]
    public sealed class RemoveEvsSnapshotCommand : SnapshotTargetCmdlet
    {
        /// <summary>The snapshots to delete by name; a wildcard deletes every snapshot it matches (each confirmed).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [Alias("SnapshotName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[] Name { get; set; } = new string[0];

        protected override string[]? TargetNames => Name;

        /// <summary>Delete without asking for confirmation (-WhatIf still only reports).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>
        /// A snapshot that is already gone is not an error (without it: a non-terminating SnapshotNotFound error),
        /// so a re-run of a prune that was stopped half-way is quiet about what the first run deleted.
        /// </summary>
        [Parameter]
        public SwitchParameter IgnoreMissing { get; set; }

        /// <summary>Return only when the snapshots are gone (all polled together).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long each deletion may take (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>With -Wait: the longest pause between polls (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);

        protected override SnapshotAction? GuardedAction => SnapshotAction.Delete;

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
            });
            base.BeginProcessing();
            if (Wait.IsPresent)
            {
                StartWaiting(WaitOptionsFrom(Timeout, MaxPollInterval, deleted: true), "Waiting for snapshots to be deleted",
                    (id, _) => Streams.Verbose(this, $"Snapshot {id} is gone."));
            }
        }

        protected override void ProcessSnapshot(string snapshotId, SnapshotDetails? piped)
        {
            if (piped == null && WillAsk(Force.IsPresent))
            {
                // A prompt or -WhatIf line names the snapshot: one GET, which the delete then does not repeat.
                try
                {
                    piped = Run(call => ActiveContext.Api.GetSnapshotAsync(snapshotId, call));
                }
                catch (EvsException ex)
                {
                    if (!IsIgnoredMissing(ex, snapshotId)) WriteEvsError(ex, snapshotId, "SnapshotNotFound");
                    return;
                }
                var refusal = BackupSnapshotRule.Refusal(piped, SnapshotAction.Delete);
                if (refusal != null)
                {
                    WriteEvsError(refusal, piped);
                    return;
                }
            }
            string what = "Delete " + Labels.Snapshot(snapshotId, piped)
                          + (piped?.VolumeId != null ? " from " + Labels.Disk(piped.VolumeId, piped.VolumeName) : string.Empty);
            if (!ShouldProceed(Force.IsPresent, what, "Delete snapshot")) return;

            var snapshots = ActiveContext.Snapshots;
            bool ignoreMissing = IgnoreMissing.IsPresent;
            Submit(snapshotId, async call =>
            {
                try
                {
                    await snapshots.DeleteAsync(snapshotId, piped, call).ConfigureAwait(false);
                }
                catch (EvsException ex) when (ignoreMissing && ex.Kind == EvsErrorKind.NotFound)
                {
                    call.Trace.Verbose($"Snapshot {snapshotId} is already gone: nothing to delete (-IgnoreMissing).");
                    return;
                }
                call.Trace.Verbose($"Deletion of snapshot {snapshotId} accepted.");
                if (IsWaiting) AddToWait(snapshotId, null);
            }, "SnapshotNotFound");
        }

        private bool IsIgnoredMissing(EvsException ex, string snapshotId)
        {
            if (!IgnoreMissing.IsPresent || ex.Kind != EvsErrorKind.NotFound) return false;
            Streams.Verbose(this, $"Snapshot {snapshotId} is already gone: nothing to delete (-IgnoreMissing).");
            return true;
        }
    }
}
