using System.Management.Automation;
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

        /// <summary>Snapshot ids (UUIDs).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByIdSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("SnapshotId")]
        [ArgumentCompleter(typeof(SnapshotIdCompleter))]
        public string[] Id { get; set; } = new string[0];

        /// <summary>Snapshots to show again with their current state (e.g. from an earlier Get-EvsSnapshot).</summary>
        [Parameter(Mandatory = true, ParameterSetName = ByObjectSet, ValueFromPipeline = true)]
        public SnapshotDetails? InputObject { get; set; }

        /// <summary>Only snapshots of this disk; binds from piped disks, so Get-EvsVolume -Name db01 | Get-EvsSnapshot works.</summary>
        [Parameter(ParameterSetName = ListSet, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string? VolumeId { get; set; }

        /// <summary>Exact names are filtered by the server; names with wildcards here.</summary>
        [Parameter(Position = 0, ParameterSetName = ListSet)]
        [SupportsWildcards]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(SnapshotStatusCompleter))]
        public string? Status { get; set; }

        /// <summary>Availability zone of the source disk.</summary>
        [Parameter(ParameterSetName = ListSet)]
        public string? AvailabilityZone { get; set; }

        /// <summary>Snapshots per request (1 to 1000).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int PageSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ListSet) CheckParameters(() => InputValidator.PageSize(PageSize));
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

            var query = new Client.SnapshotQuery { Status = Status, AvailabilityZone = AvailabilityZone };
            if (VolumeId != null)
            {
                try
                {
                    query.VolumeId = InputValidator.VolumeId(VolumeId);
                }
                catch (EvsValidationException ex)
                {
                    WriteEvsError(ex, VolumeId);
                    return;
                }
            }
            WildcardPattern? pattern = null;
            if (Name != null)
            {
                if (WildcardPattern.ContainsWildcardCharacters(Name)) pattern = new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                else query.Name = Name;
            }
            try
            {
                WritePages(
                    (offset, limit, call) => ActiveContext.Api.ListSnapshotsAsync(query, offset, limit, call),
                    s => s.Id, PageSize, PagingParameters,
                    pattern == null ? null : new System.Func<SnapshotDetails, bool>(s => pattern.IsMatch(s.Name ?? string.Empty)));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, (object?)VolumeId ?? Name);
            }
        }

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
