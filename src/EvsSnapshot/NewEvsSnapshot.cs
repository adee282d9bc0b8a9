using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Creates a snapshot of each disk piped in (or given by -VolumeId). Requests are sent concurrently
    /// (-ThrottleLimit); a retried create never makes a second snapshot. With -Wait, returns each snapshot once
    /// it is available.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "EvsSnapshot", DefaultParameterSetName = ByIdSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SnapshotDetails))]
    public sealed class NewEvsSnapshotCommand : EvsConcurrentCmdlet
    {
        private const string ByIdSet = "ById";
        private const string ByNameSet = "ByName";

        private string? _name;
        private string? _description;
        private Dictionary<string, string> _metadata = new Dictionary<string, string>();
        private readonly OncePerVolume _once = new OncePerVolume();
        private Client.Operations.RunTokenLookup? _runToken;
        private readonly Dictionary<string, string?> _volumeNames = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);

        /// <summary>The disk to snapshot. Binds from the VolumeId property of piped disks (and snapshots).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string VolumeId { get; set; } = string.Empty;

        /// <summary>A disk piped in (binds together with its VolumeId): lets prompts and results name the disk.</summary>
        [Parameter(ParameterSetName = ByIdSet, ValueFromPipeline = true)]
        public VolumeDetails? InputObject { get; set; }

        /// <summary>The disks to snapshot by name; a wildcard snapshots every disk it matches. Found with one disk listing.</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByNameSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VolumeNameCompleter))]
        public string[] VolumeName { get; set; } = new string[0];

        /// <summary>Snapshot name, 1-64 characters, not starting with autobk_snapshot_. Deliberately not bound from the pipeline.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Up to 85 characters.</summary>
        [Parameter]
        public string? Description { get; set; }

        /// <summary>String keys and string values.</summary>
        [Parameter]
        public Hashtable? Metadata { get; set; }

        /// <summary>
        /// 1-64 printable characters naming this run: a disk that already has a snapshot made with the same token
        /// (any status but deleting or error) gets that snapshot back instead of a new one, so a re-run of a killed
        /// job makes no second snapshot. Stored as a hash in metadata (evssnapshot_run_token).
        /// </summary>
        [Parameter]
        public string? ClientToken { get; set; }

        /// <summary>Snapshot a disk even while it is being attached (the API's "force").</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return each snapshot only when it is available (all of them are polled together).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long each snapshot may take (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>With -Wait: the longest pause between polls (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                _name = InputValidator.SnapshotName(Name);
                _description = InputValidator.Description(Description);
                _metadata = Unwrap.Metadata(Metadata, nameof(Metadata));
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
                InputValidator.ClientToken(ClientToken);
            });
            base.BeginProcessing();
            if (ClientToken != null) _runToken = ActiveContext.Snapshots.RunTokenLookup(ClientToken);
            if (Wait.IsPresent)
            {
                StartWaiting(WaitOptionsFrom(Timeout, MaxPollInterval), "Waiting for snapshots to become available", (id, snapshot) => WriteObject(snapshot));
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByNameSet)
            {
                foreach (var volume in ResolveNames()) Snapshot(volume.Id, volume.Name);
                return;
            }
            string volumeId;
            try
            {
                volumeId = InputValidator.VolumeId(VolumeId);
            }
            catch (EvsValidationException ex)
            {
                WriteEvsError(ex, VolumeId);
                return;
            }
            Snapshot(volumeId, InputObject != null && string.Equals(InputObject.Id, volumeId, StringComparison.OrdinalIgnoreCase) ? InputObject.Name : null);
        }

        /// <summary>The disks -VolumeName names: one listing; an exact name must name one disk, a wildcard any number.</summary>
        private List<VolumeDetails> ResolveNames()
        {
            var found = new List<VolumeDetails>();
            List<Client.Listing.NamePattern> patterns;
            NameMatches<VolumeDetails> matches;
            try
            {
                patterns = NamePatterns.From(VolumeName, nameof(VolumeName));
                matches = Run(call => NameLookup.VolumesAsync(ActiveContext.Api, patterns, call));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, VolumeName);
                return found;
            }
            foreach (var pair in matches.ByName)
            {
                var refusal = NameRule.Volumes(pair.Key, pair.Value);
                if (refusal != null) WriteEvsError(refusal, pair.Key.Text);
                else if (pair.Value.Count == 0) WriteWarning($"No disk matches '{InputValidator.Printable(pair.Key.Text)}': nothing to snapshot for it.");
                else found.AddRange(pair.Value);
            }
            return found;
        }

        private void Snapshot(string volumeId, string? volumeName)
        {
            if (volumeName != null) _volumeNames[volumeId] = volumeName;
            if (!_once.FirstTime(volumeId)) return; // one snapshot per disk per run; the repeats are reported at the end

            // The default name is decided here, so the confirmation and the snapshot show the same one.
            string name = _name ?? SnapshotNaming.DefaultName(volumeId, DateTime.UtcNow);
            string what = $"Create snapshot '{InputValidator.Printable(name)}' of {Labels.Disk(volumeId, volumeName)}";
            if (!ShouldProceed(false, what, "Create snapshot")) return;

            var spec = new CreateSnapshotSpec
            {
                VolumeId = volumeId,
                Name = name,
                Description = _description,
                Force = Force.IsPresent,
                Metadata = _metadata,
            };
            var snapshots = ActiveContext.Snapshots;
            var runToken = _runToken;
            Submit(volumeId, async call =>
            {
                var outcome = await snapshots.CreateOrFindAsync(spec, runToken, call).ConfigureAwait(false);
                var snapshot = outcome.Snapshot;
                snapshot.VolumeName = volumeName;
                call.Trace.Verbose(outcome.Found
                    ? $"Snapshot {snapshot.Id} ('{InputValidator.Printable(snapshot.Name)}') of volume {volumeId} was made earlier with client token '{InputValidator.Printable(runToken!.Token)}' (status {snapshot.Status}): returning it instead of creating another."
                    : $"Created snapshot {snapshot.Id} ('{snapshot.Name}') of volume {volumeId}; status {snapshot.Status}.");
                if (IsWaiting) AddToWait(snapshot.Id, snapshot);
                else PostObject(snapshot);
            }, "VolumeNotFound");
        }

        protected override void EndProcessing()
        {
            base.EndProcessing();
            if (_runToken != null) Streams.Verbose(this, $"Client token lookups: {_runToken.Requests} list request(s) for {_once.Distinct} disk(s).");
            if (_once.Dropped == 0) return;
            var repeats = _once.Repeats.Select(r => $"{Labels.Disk(r.Key, _volumeNames.TryGetValue(r.Key, out var n) ? n : null)} {r.Value} more time(s)");
            WriteWarning($"{_once.Dropped} repeated disk(s) dropped: New-EvsSnapshot makes one snapshot per disk per run ({string.Join("; ", repeats)}).");
        }
    }
}
