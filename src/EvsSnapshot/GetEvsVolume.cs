using System.Management.Automation;
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

        /// <summary>Disk name; exact names are filtered by the server, names with wildcards here.</summary>
        [Parameter(Position = 0, ParameterSetName = ListSet)]
        [SupportsWildcards]
        public string? Name { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(VolumeStatusCompleter))]
        public string? Status { get; set; }

        [Parameter(ParameterSetName = ListSet)]
        public string? AvailabilityZone { get; set; }

        /// <summary>Disks per request (1 to 1000).</summary>
        [Parameter(ParameterSetName = ListSet)]
        public int PageSize { get; set; } = 1000;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ListSet) CheckParameters(() => InputValidator.PageSize(PageSize));
            base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByIdSet)
            {
                var ids = Snapshot != null ? new[] { Snapshot.VolumeId ?? string.Empty } : Id;
                foreach (var id in ids)
                {
                    try
                    {
                        var volumeId = InputValidator.VolumeId(id, nameof(Id));
                        WriteObject(Run(call => ActiveContext.Api.GetVolumeAsync(volumeId, call)));
                    }
                    catch (EvsException ex)
                    {
                        WriteEvsError(ex, id, "VolumeNotFound");
                    }
                }
                return;
            }

            var query = new Client.VolumeQuery { Status = Status, AvailabilityZone = AvailabilityZone };
            WildcardPattern? pattern = null;
            if (Name != null)
            {
                if (WildcardPattern.ContainsWildcardCharacters(Name)) pattern = new WildcardPattern(Name, WildcardOptions.IgnoreCase);
                else query.Name = Name;
            }
            try
            {
                WritePages(
                    (offset, limit, call) => ActiveContext.Api.ListVolumesAsync(query, offset, limit, call),
                    v => v.Id, PageSize, PagingParameters,
                    pattern == null ? null : new System.Func<VolumeDetails, bool>(v => pattern.IsMatch(v.Name ?? string.Empty)));
            }
            catch (EvsException ex)
            {
                WriteEvsError(ex, Name);
            }
        }
    }
}
