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

    /// <summary>A change to an existing snapshot (values already validated); null or empty parts are left alone.</summary>
    public sealed class SnapshotChange
    {
        public string? Name { get; set; }
        public string? Description { get; set; }

        /// <summary>Replaces all (non-system) metadata.</summary>
        public IDictionary<string, string>? ReplaceMetadata { get; set; }

        /// <summary>Adds or overwrites these keys.</summary>
        public IDictionary<string, string>? AddMetadata { get; set; }

        public IList<string> RemoveMetadataKeys { get; set; } = new List<string>();

        public bool ChangesMetadata => ReplaceMetadata != null || AddMetadata != null || RemoveMetadataKeys.Count > 0;
        public bool ChangesNameOrDescription => Name != null || Description != null;
        public bool IsEmpty => !ChangesMetadata && !ChangesNameOrDescription;
    }
}
