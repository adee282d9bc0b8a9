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

        /// <summary>
        /// The user's run token (-ClientToken): a disk an earlier run made from this snapshot with it is returned
        /// instead of a new one (<see cref="Rules.RunTokenRule"/>); it then also decides the <c>X-Client-Token</c>.
        /// </summary>
        public string? RunToken { get; set; }
    }

    /// <summary>The disk that will be created: the spec with every default filled in from the snapshot and its source disk.</summary>
    public sealed class CreateVolumePlan
    {
        /// <summary>The plan an earlier run carried out: what the disk it made shows.</summary>
        internal CreateVolumePlan(CreateVolumeSpec spec, VolumeDetails made)
        {
            SnapshotId = made.SourceSnapshotId ?? spec.SnapshotId;
            Name = made.Name;
            Description = made.Description;
            Metadata = new Dictionary<string, string>(made.Metadata, StringComparer.Ordinal);
            ServerId = spec.ServerId;
            AvailabilityZone = made.AvailabilityZone ?? string.Empty;
            VolumeType = made.VolumeType ?? string.Empty;
            Size = made.Size ?? 0;
            Iops = made.Iops;
            Throughput = made.Throughput;
        }

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

        /// <summary>Null for a disk an earlier run made (found by its run token): nothing was planned.</summary>
        public SnapshotDetails? Snapshot { get; }

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

    /// <summary>
    /// A create the API accepted: its job, the new disk's id (when the answer or the job named it) and the token it was
    /// sent with; or the disk an earlier run made with the same run token (<see cref="Earlier"/>), with no job.
    /// </summary>
    public sealed class VolumeCreateStarted
    {
        internal VolumeCreateStarted(CreateVolumePlan plan, string jobId, string? volumeId, string clientToken)
        {
            Plan = plan;
            JobId = jobId;
            VolumeId = volumeId;
            ClientToken = clientToken;
        }

        internal VolumeCreateStarted(CreateVolumeSpec spec, VolumeDetails earlier)
        {
            Plan = new CreateVolumePlan(spec, earlier);
            VolumeId = earlier.Id;
            ClientToken = spec.ClientToken ?? string.Empty;
            Earlier = earlier;
        }

        public CreateVolumePlan Plan { get; }

        /// <summary>Null for a disk an earlier run made (its job is not known).</summary>
        public string? JobId { get; }

        /// <summary>The disk an earlier run made from this snapshot with the run token, as listed now; null when this run created one.</summary>
        public VolumeDetails? Earlier { get; }
        public string? VolumeId { get; }
        public string ClientToken { get; }
    }
}
