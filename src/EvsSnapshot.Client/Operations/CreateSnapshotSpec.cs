using System;
using System.Collections.Generic;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>What to create a snapshot of, and how to call it (values already validated).</summary>
    public sealed class CreateSnapshotSpec
    {
        public string VolumeId { get; set; } = string.Empty;

        /// <summary>Null: the default name (<see cref="Rules.SnapshotNaming"/>).</summary>
        public string? Name { get; set; }

        public string? Description { get; set; }
        public bool Force { get; set; }
        public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
    }
}

namespace EvsSnapshot.Client.Operations
{
    /// <summary>What <see cref="SnapshotOperations.CreateOrFindAsync"/> did: made a snapshot, or found one an earlier run made with the token.</summary>
    public sealed class SnapshotCreation
    {
        internal SnapshotCreation(SnapshotDetails snapshot, bool found)
        {
            Snapshot = snapshot;
            Found = found;
        }

        public SnapshotDetails Snapshot { get; }

        /// <summary>True when the snapshot existed already (made with the same -ClientToken), so nothing was created.</summary>
        public bool Found { get; }
    }
}
