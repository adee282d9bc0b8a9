using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Lists EVS disks (all pages, streamed as they arrive) or shows disks by id. Pipe the result into
    /// New-EvsSnapshot or Get-EvsSnapshot.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "EvsVolume", DefaultParameterSetName = ListSet, SupportsPaging = true)]
    [OutputType(typeof(VolumeDetails))]
    public sealed class GetEvsVolumeCommand : EvsCmdlet
    {
        private const string ListSet = "List";
        private const string ByIdSet = "ById";

        private VolumeFilter _filter = new VolumeFilter();

        /// <summary>Disk ids (UUIDs).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string[] Id { get; set; } = new string[0];

        /// <summary>
        /// A snapshot piped in: its source disk is shown (binds together with the snapshot's own Id, which is then
        /// ignored), so Get-EvsSnapshot | Get-EvsVolume gives the disks the snapshots were taken from.
        /// </summary>
        [Parameter(ParameterSetName = ByIdSet, ValueFromPipeline = true)]
        public SnapshotDetails? Snapshot { get; set; }

        /// <summary>Disk names; exact names are filtered by the server, names with wildcards here.</summary>
        [Parameter(Position = 0, ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(VolumeNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Disk statuses, in any letter case (in-use, available...).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(VolumeStatusCompleter))]
        public string[]? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(AvailabilityZoneCompleter))]
        public string? AvailabilityZone { get; set; }

        /// <summary>Only disks with all these metadata pairs (filtered by the server).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public Hashtable? Metadata { get; set; }

        /// <summary>Only disks attached to these ECS servers (the API's server_id filter: one listing per server).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string[]? ServerId { get; set; }

        /// <summary>Only shared disks (-MultiAttach), or only unshared ones (-MultiAttach:$false); filtered by the server.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public SwitchParameter MultiAttach { get; set; }

        /// <summary>Only disks created before this instant, or longer ago than this age.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [AgeOrInstant(nameof(OlderThan))]
        public DateTime OlderThan { get; set; }

        /// <summary>Only disks created after this instant, or more recently than this age.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [AgeOrInstant(nameof(NewerThan))]
        public DateTime NewerThan { get; set; }

        /// <summary>Disks per request (1 to 1000).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int PageSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ListSet)
            {
                CheckParameters(() =>
                {
                    InputValidator.PageSize(PageSize);
                    foreach (var name in NamePatterns.From(Name)) _filter.Names.Add(name);
                    foreach (var status in InputValidator.VolumeStatusValues(Status)) _filter.Statuses.Add(status);
                    _filter.AvailabilityZone = AvailabilityZone;
                    foreach (var pair in InputValidator.MetadataFilter(Unwrap.Plain(Metadata))) _filter.Metadata[pair.Key] = pair.Value;
                    _filter.CreatedBeforeUtc = Bound(nameof(OlderThan)) ? OlderThan : (DateTime?)null;
                    _filter.CreatedAfterUtc = Bound(nameof(NewerThan)) ? NewerThan : (DateTime?)null;
                    InputValidator.CreatedRange(_filter.CreatedBeforeUtc, _filter.CreatedAfterUtc);
                    foreach (var server in ServerId ?? new string[0]) _filter.ServerIds.Add(InputValidator.ServerId(server));
                    _filter.MultiAttach = Bound(nameof(MultiAttach)) ? MultiAttach.IsPresent : (bool?)null;
                });
            }
            base.BeginProcessing();
        }

        private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByIdSet)
            {
                var ids = Snapshot != null ? new[] { Snapshot.VolumeId ?? string.Empty } : Id;
                foreach (var id in ids)
                {
                    try
                    {
                        _pendingIds.Add(InputValidator.VolumeId(id, nameof(Id)));
                    }
                    catch (EvsException ex)
                    {
                        WriteEvsError(ex, id, "VolumeNotFound");
                    }
                }
                // Batched through the list's ids filter, 60 per request; written in the order given.
                if (_pendingIds.Count >= Client.EvsApi.MaxIdsPerVolumeList) WritePendingIds();
                return;
            }

            var plan = ListPlanner.Plan(_filter);
            var namesWritten = new HashSet<string>(StringComparer.Ordinal);
            try
            {
                var outcome = WriteList(plan, (query, offset, limit, call) => ActiveContext.Api.ListVolumesAsync(query, offset, limit, call),
                    v => v.Id, PageSize, PagingParameters, v => { if (v.Name != null) namesWritten.Add(v.Name); });
                if (!outcome.Complete) return;
                WarnUnmatchedNames(_filter.Names, namesWritten, "disk", OtherFilters);
                CheckZoneAfterEmptyList(AvailabilityZone, outcome);
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, Name);
            }
        }

        private readonly List<string> _pendingIds = new List<string>();

        private void WritePendingIds()
        {
            if (_pendingIds.Count == 0) return;
            var ids = _pendingIds.ToArray();
            _pendingIds.Clear();
            IReadOnlyList<(string id, VolumeDetails? volume, EvsException? error)> results;
            try
            {
                results = Run(call => VolumeBatch.ByIdsAsync(ActiveContext.Api, ids, call));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, ids, "VolumeNotFound");
                return;
            }
            foreach (var (id, volume, error) in results)
            {
                if (volume != null) WriteObject(volume);
                else if (error != null) WriteEvsError(error, id, "VolumeNotFound");
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName == ByIdSet) WritePendingIds();
            base.EndProcessing();
        }

        private bool OtherFilters => _filter.Statuses.Count > 0 || _filter.AvailabilityZone != null || _filter.Metadata.Count > 0
                                     || _filter.CreatedBeforeUtc != null || _filter.CreatedAfterUtc != null || _filter.ServerIds.Count > 0 || _filter.MultiAttach != null;
    }
}
