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
