using System.Collections.Generic;

namespace EvsSnapshot.Client.Operations
{
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
