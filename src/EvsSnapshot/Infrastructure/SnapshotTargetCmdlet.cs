using System.Management.Automation;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of the cmdlets that act on existing snapshots: takes ids (also by property name, from any object
    /// with an Id or SnapshotId) or snapshot objects from the pipeline, validates each id locally, and hands
    /// every good one to <see cref="ProcessSnapshot"/>. A bad id is a non-terminating error; the batch goes on.
    /// </summary>
    public abstract class SnapshotTargetCmdlet : EvsConcurrentCmdlet
    {
        protected const string ByIdSet = "ById";
        protected const string ByObjectSet = "ByObject";

        /// <summary>Snapshot ids (UUIDs).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SnapshotId")]
        [ArgumentCompleter(typeof(SnapshotIdCompleter))]
        public string[] Id { get; set; } = new string[0];

        /// <summary>Snapshot objects, e.g. from Get-EvsSnapshot.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
        public SnapshotDetails[] InputObject { get; set; } = new SnapshotDetails[0];

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByObjectSet)
            {
                foreach (var snapshot in InputObject)
                {
                    if (snapshot != null) Accept(snapshot.Id, snapshot);
                }
            }
            else
            {
                foreach (var id in Id) Accept(id, null);
            }
        }

        private void Accept(string id, SnapshotDetails? piped)
        {
            string snapshotId;
            try
            {
                snapshotId = InputValidator.SnapshotId(id, nameof(Id));
            }
            catch (EvsValidationException ex)
            {
                WriteEvsError(ex, id);
                return;
            }
            var refusal = piped != null && RefusedActionOnBackupSnapshots != null ? BackupSnapshotRefusal(piped, RefusedActionOnBackupSnapshots) : null;
            if (refusal != null)
            {
                WriteEvsError(refusal, piped);
                return;
            }
            ProcessSnapshot(snapshotId, piped);
        }

        /// <summary>What the cmdlet would do to a backup's snapshot ("delete"...), to refuse it; null to allow.</summary>
        protected virtual string? RefusedActionOnBackupSnapshots => null;

        /// <summary>One valid snapshot id; <paramref name="piped"/> is the object when one was piped.</summary>
        protected abstract void ProcessSnapshot(string snapshotId, SnapshotDetails? piped);
    }
}
