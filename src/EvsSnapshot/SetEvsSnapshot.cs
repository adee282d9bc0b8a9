using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Renames a snapshot, changes its description, and replaces, adds or removes metadata
    /// (through the Cinder metadata endpoints, so single keys change atomically).
    /// </summary>
    [Cmdlet(VerbsCommon.Set, "EvsSnapshot", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SnapshotDetails))]
    public sealed class SetEvsSnapshotCommand : SnapshotTargetCmdlet
    {
        private string? _name;
        private string? _description;
        private Dictionary<string, string>? _replace;
        private Dictionary<string, string>? _add;
        private string[] _remove = new string[0];

        /// <summary>The snapshots to change by name (-Name is the new name here); a wildcard changes every snapshot it matches.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[] SnapshotName { get; set; } = new string[0];

        protected override string[]? TargetNames => SnapshotName;

        /// <summary>New name, 1-64 characters, not starting with autobk_snapshot_.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>New description, up to 85 characters ('' clears it).</summary>
        [Parameter]
        public string? Description { get; set; }

        /// <summary>Replaces all metadata with these string pairs.</summary>
        [Parameter]
        public Hashtable? Metadata { get; set; }

        /// <summary>Adds or overwrites these keys, keeping the others.</summary>
        [Parameter]
        public Hashtable? AddMetadata { get; set; }

        /// <summary>Removes these keys.</summary>
        [Parameter]
        public string[]? RemoveMetadataKey { get; set; }

        /// <summary>Return the snapshot as it is after the change.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                _name = InputValidator.SnapshotName(Name);
                _description = InputValidator.Description(Description);
                if (Metadata != null) _replace = Unwrap.Metadata(Metadata, nameof(Metadata));
                if (AddMetadata != null) _add = Unwrap.Metadata(AddMetadata, nameof(AddMetadata));
                if (RemoveMetadataKey != null) _remove = RemoveMetadataKey.Select(k => InputValidator.PathMetadataKey(k, nameof(RemoveMetadataKey))).Distinct().ToArray();
                InputValidator.SnapshotChange(_name != null, _description != null, _replace != null, _add?.Keys, _remove);
            });
            base.BeginProcessing();
        }

        protected override void ProcessSnapshot(string snapshotId, SnapshotDetails? piped)
        {
            if (!ShouldProceed(false, $"Change {Labels.Snapshot(snapshotId, piped)}: {Describe()}", "Change snapshot")) return;

            var change = new SnapshotChange
            {
                Name = _name,
                Description = _description,
                ReplaceMetadata = _replace,
                AddMetadata = _add,
                RemoveMetadataKeys = _remove,
            };
            var snapshots = ActiveContext.Snapshots;
            bool passThru = PassThru.IsPresent;
            Submit(snapshotId, async call =>
            {
                var snapshot = await snapshots.UpdateAsync(snapshotId, piped, change, passThru, call).ConfigureAwait(false);
                if (passThru) PostObject(snapshot);
            }, "SnapshotNotFound");
        }

        protected override SnapshotAction? GuardedAction => SnapshotAction.Change;

        private string Describe()
        {
            var parts = new List<string>();
            if (_name != null) parts.Add($"rename to '{_name}'");
            if (_description != null) parts.Add("set description");
            if (_replace != null) parts.Add($"replace metadata ({_replace.Count} keys)");
            if (_add != null) parts.Add($"add metadata {string.Join(", ", _add.Keys)}");
            if (_remove.Length > 0) parts.Add($"remove metadata {string.Join(", ", _remove)}");
            return string.Join("; ", parts);
        }
    }
}
