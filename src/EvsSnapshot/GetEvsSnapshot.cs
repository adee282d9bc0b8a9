using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Lists snapshots (server-side filters, every page, streamed as pages arrive) or shows snapshots by id.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "EvsSnapshot", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(SnapshotDetails))]
    public sealed class GetEvsSnapshotCommand : EvsCmdlet
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";
        private const string ByObjectSet = "ByObject";

        private readonly List<NamePattern> _names = new List<NamePattern>();
        private readonly List<NamePattern> _volumeNames = new List<NamePattern>();
        private string[] _statuses = new string[0];
        private Dictionary<string, string> _metadata = new Dictionary<string, string>();
        private DateTime? _before, _after;
        private Dictionary<string, string?>? _namedVolumes; // id -> name, from -VolumeName (resolved once)

        /// <summary>Snapshot ids (UUIDs).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SnapshotId")]
        [ArgumentCompleter(typeof(SnapshotIdCompleter))]
        public string[] Id { get; set; } = new string[0];

        /// <summary>Snapshots to show again with their current state (e.g. from an earlier Get-EvsSnapshot).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
        public SnapshotDetails? InputObject { get; set; }

        /// <summary>Only snapshots of these disks; binds from piped disks, so Get-EvsVolume -Name db01 | Get-EvsSnapshot works.</summary>
        [Parameter(ParameterSetName = ListSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string[]? VolumeId { get; set; }

        /// <summary>Only snapshots of the disks with these names (wildcards allowed), found with one disk listing.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VolumeNameCompleter))]
        public string[]? VolumeName { get; set; }

        /// <summary>Exact names are filtered by the server; names with wildcards here.</summary>
        [Parameter(Position = 0, ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Snapshot statuses, in any letter case.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(SnapshotStatusCompleter))]
        public string[]? Status { get; set; }

        /// <summary>Availability zone of the source disk.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(AvailabilityZoneCompleter))]
        public string? AvailabilityZone { get; set; }

        /// <summary>Only snapshots with all these metadata pairs (checked on this machine: the snapshot list has no such filter).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public Hashtable? Metadata { get; set; }

        /// <summary>Only snapshots created before this instant, or longer ago than this age.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [AgeOrInstant(nameof(OlderThan))]
        public DateTime OlderThan { get; set; }

        /// <summary>Only snapshots created after this instant, or more recently than this age.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [AgeOrInstant(nameof(NewerThan))]
        public DateTime NewerThan { get; set; }

        /// <summary>Snapshots per request (1 to 1000).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int PageSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ListSet)
            {
                CheckParameters(() =>
                {
                    InputValidator.PageSize(PageSize);
                    _names.AddRange(NamePatterns.From(Name));
                    _volumeNames.AddRange(NamePatterns.From(VolumeName, nameof(VolumeName)));
                    _statuses = InputValidator.SnapshotStatusValues(Status);
                    _metadata = InputValidator.MetadataFilter(Unwrap.Plain(Metadata));
                    _before = MyInvocation.BoundParameters.ContainsKey(nameof(OlderThan)) ? OlderThan : (DateTime?)null;
                    _after = MyInvocation.BoundParameters.ContainsKey(nameof(NewerThan)) ? NewerThan : (DateTime?)null;
                    InputValidator.CreatedRange(_before, _after);
                });
            }
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case ByIdSet:
                    foreach (var id in Id) Show(id);
                    return;
                case ByObjectSet:
                    if (InputObject != null) Show(InputObject.Id);
                    return;
            }

            var filter = new SnapshotFilter { AvailabilityZone = AvailabilityZone, CreatedBeforeUtc = _before, CreatedAfterUtc = _after };
            try
            {
                foreach (var id in InputValidator.VolumeIds(VolumeId)) filter.VolumeIds.Add(id);
            }
            catch (EvsValidationException ex)
            {
                WriteEvsError(ex, ex.Target);
                return;
            }
            if (_volumeNames.Count > 0)
            {
                var named = ResolveVolumeNames();
                if (named == null) return;
                foreach (var id in named.Keys) if (!filter.VolumeIds.Contains(id)) filter.VolumeIds.Add(id);
                if (filter.VolumeIds.Count == 0) return; // no disk has those names: no snapshot of one either
            }
            foreach (var name in _names) filter.Names.Add(name);
            foreach (var status in _statuses) filter.Statuses.Add(status);
            foreach (var pair in _metadata) filter.Metadata[pair.Key] = pair.Value;

            var namesWritten = new HashSet<string>(StringComparer.Ordinal);
            var listing = new ListingRecord();
            try
            {
                var outcome = WriteList(ListPlanner.Plan(filter), (query, offset, limit, call) => ActiveContext.Api.ListSnapshotsAsync(query, offset, limit, call),
                    s => s.Id, PageSize, PagingParameters, s =>
                    {
                        listing.Wrote(s);
                        if (s.Name != null) namesWritten.Add(s.Name);
                        if (s.VolumeId != null && _namedVolumes != null && _namedVolumes.TryGetValue(s.VolumeId, out var volumeName)) s.VolumeName = volumeName;
                    });
                listing.Completed();
                if (!outcome.Complete) return;
                WarnUnmatchedNames(_names, namesWritten, "snapshot", OtherFilters(filter));
                CheckZoneAfterEmptyList(AvailabilityZone, outcome);
            }
            catch (EvsException ex)
            {
                listing.Failed(ex.Message);
                WriteEvsError(ex, (object?)VolumeId ?? Name);
            }
        }

        /// <summary>The disks -VolumeName names (one listing, once per invocation); null after an error.</summary>
        private Dictionary<string, string?>? ResolveVolumeNames()
        {
            if (_namedVolumes != null) return _namedVolumes;
            NameMatches<VolumeDetails> matches;
            try
            {
                matches = Run(call => NameLookup.VolumesAsync(ActiveContext.Api, _volumeNames, call));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, VolumeName);
                return null;
            }
            var named = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in matches.ByName)
            {
                if (pair.Value.Count == 0 && !pair.Key.IsWildcard)
                {
                    WriteWarning($"No disk is named '{InputValidator.Printable(pair.Key.Text)}' (names are compared exactly, letter case included), so -VolumeName adds no disk for it.");
                }
                foreach (var volume in pair.Value) named[volume.Id] = volume.Name;
            }
            return _namedVolumes = named;
        }

        private static bool OtherFilters(SnapshotFilter filter) =>
            filter.VolumeIds.Count > 0 || filter.Statuses.Count > 0 || filter.AvailabilityZone != null || filter.Metadata.Count > 0
            || filter.CreatedBeforeUtc != null || filter.CreatedAfterUtc != null;

        private void Show(string id)
        {
            try
            {
                var snapshotId = InputValidator.SnapshotId(id, nameof(Id));
                WriteObject(Run(call => ActiveContext.Api.GetSnapshotAsync(snapshotId, call)));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, id, "SnapshotNotFound");
            }
        }
    }
}
