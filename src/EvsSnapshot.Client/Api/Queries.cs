using System.Collections.Generic;

namespace EvsSnapshot.Client
{
    /// <summary>Server-side filters of <c>cloudsnapshots/detail</c>.</summary>
    public sealed class SnapshotQuery
    {
        public string? Name { get; set; }
        public string? Status { get; set; }
        public string? VolumeId { get; set; }
        public string? AvailabilityZone { get; set; }
        public IList<string> Ids { get; } = new List<string>();
    }

    /// <summary>Server-side filters of <c>cloudvolumes/detail</c>.</summary>
    public sealed class VolumeQuery
    {
        public string? Name { get; set; }
        public string? Status { get; set; }
        public string? AvailabilityZone { get; set; }

        /// <summary>Disks with all these metadata pairs: sent as the <c>metadata</c> JSON object string (evs-api.md §12.1).</summary>
        public IDictionary<string, string>? Metadata { get; set; }

        /// <summary>Disks attached to this ECS server (<c>server_id</c>).</summary>
        public string? ServerId { get; set; }

        public bool? MultiAttach { get; set; }

        /// <summary>Sent as one <c>ids</c> filter, at most <see cref="EvsApi.MaxIdsPerVolumeList"/>.</summary>
        public IList<string> Ids { get; } = new List<string>();
    }
}
