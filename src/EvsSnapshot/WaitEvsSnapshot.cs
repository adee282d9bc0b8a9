using System;
using System.Management.Automation;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Waits until snapshots reach a status (default available) or are deleted, polling all of them together
    /// with backoff and one progress bar. Fails at once for a snapshot in error/error_deleting; on timeout one
    /// error names every snapshot still pending with its last status.
    /// </summary>
    [Cmdlet(VerbsLifecycle.Wait, "EvsSnapshot", DefaultParameterSetName = DefaultSet)]
    [OutputType(typeof(SnapshotDetails))]
    public sealed class WaitEvsSnapshotCommand : SnapshotTargetCmdlet
    {
        /// <summary>The snapshots to wait for by name; a wildcard waits for every snapshot it matches.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [Alias("SnapshotName")]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[] Name { get; set; } = new string[0];

        protected override string[]? TargetNames => Name;

        /// <summary>The status to wait for.</summary>
        [Parameter]
        [ArgumentCompleter(typeof(SnapshotStatusCompleter))]
        public string Status { get; set; } = SnapshotStatus.Available;

        /// <summary>Wait until the snapshots are gone instead.</summary>
        [Parameter]
        public SwitchParameter Deleted { get; set; }

        /// <summary>How long each snapshot may take (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>The longest pause between polls (seconds or a TimeSpan); polling starts at one second.</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                if (Deleted.IsPresent && MyInvocation.BoundParameters.ContainsKey(nameof(Status)))
                {
                    throw new EvsValidationException("ConflictingParameters", nameof(Status), "Use either -Status or -Deleted, not both.");
                }
                Status = InputValidator.SnapshotStatusValue(Status);
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
            });
            base.BeginProcessing();
            var options = WaitOptionsFrom(Timeout, MaxPollInterval, Status, Deleted.IsPresent);
            StartWaiting(options, Deleted.IsPresent ? "Waiting for snapshots to be deleted" : $"Waiting for snapshots to be {Status}",
                (id, snapshot) =>
                {
                    if (snapshot != null) WriteObject(snapshot);
                    else Streams.Verbose(this, $"Snapshot {id} is gone.");
                });
        }

        protected override void ProcessSnapshot(string snapshotId, SnapshotDetails? piped) => AddToWait(snapshotId, piped);
    }
}
