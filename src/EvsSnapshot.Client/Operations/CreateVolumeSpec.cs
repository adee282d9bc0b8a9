using System;
using System.Collections.Generic;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>A disk to make from a snapshot, as the user gave it (values validated; null: the default from the source).</summary>
    public sealed class CreateVolumeSpec
    {
        public string SnapshotId { get; set; } = string.Empty;
        public string? Name { get; set; }
        public string? Description { get; set; }
        public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>(StringComparer.Ordinal);
        public string? AvailabilityZone { get; set; }
        public string? VolumeType { get; set; }

        /// <summary>GiB; null: the snapshot's size.</summary>
        public int? Size { get; set; }

        /// <summary>Attach the new disk to this ECS server.</summary>
        public string? ServerId { get; set; }

        public int? Iops { get; set; }
        public int? Throughput { get; set; }

        /// <summary>The <c>X-Client-Token</c> (a UUID) to send; null: a new one. Kept for every attempt of this create.</summary>
        public string? ClientToken { get; set; }
    }

    /// <summary>The disk that will be created: the spec with every default filled in from the snapshot and its source disk.</summary>
    public sealed class CreateVolumePlan
    {
        internal CreateVolumePlan(CreateVolumeSpec spec, SnapshotDetails snapshot, VolumeDetails? source, string zone, string type, int size, int? iops, int? throughput)
        {
            Snapshot = snapshot;
            Source = source;
            SnapshotId = snapshot.Id;
            Name = spec.Name;
            Description = spec.Description;
            Metadata = new Dictionary<string, string>(spec.Metadata, StringComparer.Ordinal);
            ServerId = spec.ServerId;
            AvailabilityZone = zone;
            VolumeType = type;
            Size = size;
            Iops = iops;
            Throughput = throughput;
        }

        public SnapshotDetails Snapshot { get; }

        /// <summary>Null when the source disk no longer exists.</summary>
        public VolumeDetails? Source { get; }

        public string SnapshotId { get; }
        public string? Name { get; }
        public string? Description { get; }
        public IReadOnlyDictionary<string, string> Metadata { get; }
        public string? ServerId { get; }
        public string AvailabilityZone { get; }
        public string VolumeType { get; }
        public int Size { get; }
        public int? Iops { get; }
        public int? Throughput { get; }
    }

    /// <summary>A create the API accepted: its job, the new disk's id (when the answer or the job named it) and the token it was sent with.</summary>
    public sealed class VolumeCreateStarted
    {
        internal VolumeCreateStarted(CreateVolumePlan plan, string jobId, string? volumeId, string clientToken)
        {
            Plan = plan;
            JobId = jobId;
            VolumeId = volumeId;
            ClientToken = clientToken;
        }

        public CreateVolumePlan Plan { get; }
        public string JobId { get; }
        public string? VolumeId { get; }
        public string ClientToken { get; }
    }
}
