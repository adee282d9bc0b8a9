using System.Collections.Generic;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Client.Rules;
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
        protected const string DefaultSet = "Default";
        protected const string ByNameSet = "ByName";

        /// <summary>
        /// Snapshot ids (UUIDs). Also bound by value from strings and by property name (Id, SnapshotId) from any
        /// object, e.g. rows of Import-Csv.
        /// </summary>
        [Parameter(Position = 0, ParameterSetName = DefaultSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SnapshotId")]
        [ArgumentCompleter(typeof(SnapshotIdCompleter))]
        public string[]? Id { get; set; }

        /// <summary>
        /// A snapshot object, e.g. piped from Get-EvsSnapshot. Binds together with its Id; having the object lets
        /// the cmdlet check its name without a request.
        /// </summary>
        [Parameter(ParameterSetName = DefaultSet, ValueFromPipeline = true)]
        public SnapshotDetails? InputObject { get; set; }

        /// <summary>The names given in the ByName set (the derived cmdlet declares the parameter: -Name, or -SnapshotName where -Name means something else).</summary>
        protected abstract string[]? TargetNames { get; }

        /// <summary>True when every name must resolve to exactly one snapshot, wildcards included (a rollback overwrites one disk).</summary>
        protected virtual bool OneSnapshotPerName => false;

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByNameSet)
            {
                foreach (var snapshot in ResolveNames()) Accept(snapshot.Id, snapshot);
                return;
            }
            if (InputObject != null)
            {
                Accept(InputObject.Id, InputObject);
                return;
            }
            if (Id == null || Id.Length == 0)
            {
                WriteEvsError(new EvsValidationException("SnapshotIdMissing", nameof(Id), "Pass -Id, or pipe snapshots (Get-EvsSnapshot) or snapshot ids."), null);
                return;
            }
            foreach (var id in Id) Accept(id, null);
        }

        /// <summary>
        /// The snapshots the names name, from one listing (a single exact name is filtered by the server). An exact
        /// name must name one snapshot; a wildcard any number, or none (a warning says so).
        /// </summary>
        private List<SnapshotDetails> ResolveNames()
        {
            var found = new List<SnapshotDetails>();
            List<Client.Listing.NamePattern> patterns;
            NameMatches<SnapshotDetails> matches;
            try
            {
                patterns = NamePatterns.From(TargetNames);
                matches = Run(call => NameLookup.SnapshotsAsync(ActiveContext.Api, patterns, call));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, TargetNames);
                return found;
            }
            foreach (var pair in matches.ByName)
            {
                var refusal = NameRule.Snapshots(pair.Key, pair.Value, OneSnapshotPerName);
                if (refusal != null) WriteEvsError(refusal, pair.Key.Text);
                else if (pair.Value.Count == 0) WriteWarning($"No snapshot matches '{InputValidator.Printable(pair.Key.Text)}'.");
                else found.AddRange(pair.Value);
            }
            return found;
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
            // A piped backup snapshot is refused before any prompt or request; an id alone is checked by the client.
            var refusal = piped != null && GuardedAction is SnapshotAction action ? BackupSnapshotRule.Refusal(piped, action) : null;
            if (refusal != null)
            {
                WriteEvsError(refusal, piped);
                return;
            }
            ProcessSnapshot(snapshotId, piped);
        }

        /// <summary>What the cmdlet does to a snapshot, for the rules that protect backup snapshots; null when it changes nothing.</summary>
        protected virtual SnapshotAction? GuardedAction => null;

        /// <summary>One valid snapshot id; <paramref name="piped"/> is the object when one was piped.</summary>
        protected abstract void ProcessSnapshot(string snapshotId, SnapshotDetails? piped);
    }
}
