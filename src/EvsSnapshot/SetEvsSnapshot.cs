using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
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
                if (Metadata != null && (AddMetadata != null || RemoveMetadataKey != null))
                {
                    throw new EvsValidationException("ConflictingParameters", nameof(Metadata),
                        "-Metadata replaces all metadata, so it cannot be combined with -AddMetadata or -RemoveMetadataKey.");
                }
                if (Metadata != null) _replace = Unwrap.Metadata(Metadata, nameof(Metadata));
                if (AddMetadata != null) _add = Unwrap.Metadata(AddMetadata, nameof(AddMetadata));
                if (RemoveMetadataKey != null)
                {
                    _remove = RemoveMetadataKey.Select(k => InputValidator.PathMetadataKey(k, nameof(RemoveMetadataKey))).Distinct().ToArray();
                    var both = _add?.Keys.Intersect(_remove).FirstOrDefault();
                    if (both != null)
                    {
                        throw new EvsValidationException("ConflictingParameters", nameof(RemoveMetadataKey),
                            $"The metadata key '{both}' is both added (-AddMetadata) and removed (-RemoveMetadataKey).", both);
                    }
                }
                if (_name == null && _description == null && _replace == null && _add == null && _remove.Length == 0)
                {
                    throw new EvsValidationException("NothingToChange", nameof(Name),
                        "Nothing to change: pass -Name, -Description, -Metadata, -AddMetadata or -RemoveMetadataKey.");
                }
            });
            base.BeginProcessing();
        }

        protected override void ProcessSnapshot(string snapshotId, SnapshotDetails? piped)
        {
            if (!ShouldProcess($"snapshot {snapshotId}", Describe())) return;

            var api = ActiveContext.Api;
            string RefusedAction = RefusedActionOnBackupSnapshots!;
            string? name = _name, description = _description;
            var replace = _replace;
            var add = _add;
            var remove = _remove;
            bool passThru = PassThru.IsPresent;
            Submit(snapshotId, async call =>
            {
                var snapshot = await LoadChangeableSnapshotAsync(api, snapshotId, piped, call, RefusedAction).ConfigureAwait(false);
                bool metadataChanged = replace != null || add != null || remove.Length > 0;
                if (name != null || description != null)
                {
                    snapshot = await api.UpdateSnapshotAsync(snapshotId, name, description, call).ConfigureAwait(false);
                }
                if (replace != null) await api.ReplaceSnapshotMetadataAsync(snapshotId, replace, call).ConfigureAwait(false);
                if (add != null) await api.MergeSnapshotMetadataAsync(snapshotId, add, call).ConfigureAwait(false);
                foreach (var key in remove) await api.DeleteSnapshotMetadataKeyAsync(snapshotId, key, call).ConfigureAwait(false);
                call.Trace.Verbose($"Updated snapshot {snapshotId}.");
                if (passThru)
                {
                    if (metadataChanged) snapshot = await api.GetSnapshotAsync(snapshotId, call).ConfigureAwait(false);
                    PostObject(snapshot);
                }
            }, "SnapshotNotFound");
        }

        protected override string? RefusedActionOnBackupSnapshots => "change";

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
