using System;
using System.Collections.Generic;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>What a snapshot listing asks for; <see cref="ListPlanner"/> decides what the server filters.</summary>
    public sealed class SnapshotFilter
    {
        public IList<NamePattern> Names { get; } = new List<NamePattern>();
        public IList<string> Statuses { get; } = new List<string>();
        public IList<string> VolumeIds { get; } = new List<string>();
        public string? AvailabilityZone { get; set; }

        /// <summary>Every pair must be present with exactly this value (the snapshot list has no metadata filter: checked here).</summary>
        public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>Created strictly before this instant (UTC).</summary>
        public DateTime? CreatedBeforeUtc { get; set; }

        /// <summary>Created strictly after this instant (UTC).</summary>
        public DateTime? CreatedAfterUtc { get; set; }
    }

    /// <summary>What a disk listing asks for.</summary>
    public sealed class VolumeFilter
    {
        public IList<NamePattern> Names { get; } = new List<NamePattern>();
        public IList<string> Statuses { get; } = new List<string>();
        public string? AvailabilityZone { get; set; }

        /// <summary>Sent to the server as the documented <c>metadata</c> JSON filter (evs-api.md §12.1).</summary>
        public IDictionary<string, string> Metadata { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public DateTime? CreatedBeforeUtc { get; set; }
        public DateTime? CreatedAfterUtc { get; set; }

        /// <summary>Disks attached to any of these ECS servers: one server query each (the API's <c>server_id</c>, §12.1).</summary>
        public IList<string> ServerIds { get; } = new List<string>();

        /// <summary>Shared disks only (true) or unshared only (false): the API's <c>multiattach</c>.</summary>
        public bool? MultiAttach { get; set; }
    }

    /// <summary>The server queries to send (one stream each, in order) and the check every item must also pass.</summary>
    public sealed class ListPlan<TQuery, TItem>
    {
        internal ListPlan(IReadOnlyList<TQuery> queries, Func<TItem, bool>? localFilter)
        {
            Queries = queries;
            LocalFilter = localFilter;
        }

        public IReadOnlyList<TQuery> Queries { get; }

        /// <summary>Null when the server filters everything (then -First/-Skip can be sent to the server too).</summary>
        public Func<TItem, bool>? LocalFilter { get; }
    }
}
