using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// The rules of a disk made from a snapshot (evs-api.md §11.3, §11.4), as pure functions: what can be checked on
    /// the input alone (<see cref="InputRefusal"/>, <see cref="InheritedMetadataKey"/>), and the plan that fills the
    /// defaults from the snapshot and its source disk and refuses what EVS would refuse (<see cref="Plan"/>), so
    /// every refusal comes before the create is sent, with the reason.
    /// </summary>
    public static class VolumeFromSnapshotRule
    {
        public const int MaxSize = 32768;   // §11.3: data disks up to 32768 GB
        public const int MinSize = 1;       // §11.3: system disks from 1 GB; the snapshot's size is the real floor
        public const int MaxIops = 128000;
        public const int MaxThroughput = 1000;

        /// <summary>The types the v2.1 create accepts (§11.3).</summary>
        public static readonly string[] VolumeTypes = { "SATA", "SAS", "GPSSD", "SSD", "ESSD", "GPSSD2", "ESSD2" };

        /// <summary>Metadata a disk from a snapshot inherits from the source and must not be sent (EVS.1043), plus the module's own flag.</summary>
        public static readonly string[] InheritedKeys = { VolumeDetails.EncryptedKey, VolumeDetails.KmsKeyIdKey, VolumeDetails.PassthroughKey };
        public const string CreateForVolumeIdKey = "create_for_volume_id";

        /// <summary>A -Metadata key that is inherited from the source or set by the module, or null. Checked before the generic metadata rules, so the reason is the specific one.</summary>
        public static EvsValidationException? InheritedMetadataKey(IDictionary? metadata, string parameterName = "Metadata")
        {
            if (metadata == null) return null;
            foreach (DictionaryEntry entry in metadata)
            {
                if (!(entry.Key is string key)) continue;
                if (InheritedKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
                {
                    return new EvsValidationException("InheritedMetadataKey", parameterName,
                        $"The metadata key '{key}' cannot be set on a disk made from a snapshot: encryption (the KMS key) and the disk mode (SCSI or VBD) "
                        + "are inherited from the snapshot's source disk, and EVS refuses them in the request (EVS.1043).", key);
                }
                if (string.Equals(key, CreateForVolumeIdKey, StringComparison.OrdinalIgnoreCase))
                {
                    return new EvsValidationException("MetadataKeyReserved", parameterName,
                        $"The metadata key '{CreateForVolumeIdKey}' is a request flag EvsSnapshot sets itself (the answer then names the new disk).", key);
                }
            }
            return null;
        }

        /// <summary>What the input alone breaks (size range, type, iops/throughput values), or null.</summary>
        public static EvsValidationException? InputRefusal(CreateVolumeSpec spec)
        {
            if (spec.Size.HasValue && (spec.Size.Value < MinSize || spec.Size.Value > MaxSize))
            {
                return new EvsValidationException("InvalidVolumeSize", "Size",
                    $"-Size {spec.Size.Value} is out of range: a disk is {MinSize} to {MaxSize} GiB (and at least the snapshot's size).", spec.Size.Value);
            }
            if (spec.VolumeType != null && !VolumeTypes.Contains(spec.VolumeType, StringComparer.Ordinal))
            {
                string? upper = VolumeTypes.FirstOrDefault(t => string.Equals(t, spec.VolumeType, StringComparison.OrdinalIgnoreCase));
                return new EvsValidationException("InvalidVolumeType", "VolumeType",
                    $"'{InputValidator.Printable(spec.VolumeType)}' is not an EVS disk type" + (upper != null ? $" (types are uppercase: {upper})" : string.Empty)
                    + $"; the types are {string.Join(", ", VolumeTypes)}.", spec.VolumeType);
            }
            if (spec.Iops.HasValue && (spec.Iops.Value < 1 || spec.Iops.Value > MaxIops))
            {
                return new EvsValidationException("InvalidIops", "Iops", $"-Iops {spec.Iops.Value} is out of range: 1 to {MaxIops}.", spec.Iops.Value);
            }
            if (spec.Throughput.HasValue && (spec.Throughput.Value < 1 || spec.Throughput.Value > MaxThroughput))
            {
                return new EvsValidationException("InvalidThroughput", "Throughput", $"-Throughput {spec.Throughput.Value} is out of range: 1 to {MaxThroughput} MiB/s.", spec.Throughput.Value);
            }
            return null;
        }

        /// <summary>
        /// The disk to create: the given values, else the source disk's zone and type and the snapshot's size (and the
        /// source's IOPS/throughput for GPSSD2/ESSD2). Throws the refusal when EVS would refuse it. <paramref name="source"/>
        /// is null when the source disk no longer exists.
        /// </summary>
        public static CreateVolumePlan Plan(CreateVolumeSpec spec, SnapshotDetails snapshot, VolumeDetails? source)
        {
            if (snapshot.Status != SnapshotStatus.Available && snapshot.Status != SnapshotStatus.BackingUp)
            {
                throw Refuse(EvsErrorKind.InvalidState, "SnapshotNotAvailable", snapshot,
                    $"Snapshot {Describe(snapshot)} is '{snapshot.Status}': a disk can be made only from an 'available' (or 'backing-up') snapshot (EVS.2043).")
                    .Advise(snapshot.Status == SnapshotStatus.Creating ? EvsAdvice.WaitForSnapshot : EvsAdvice.None, ("SnapshotId", snapshot.Id));
            }
            string zone = Resolve(spec.AvailabilityZone, source?.AvailabilityZone, snapshot, "AvailabilityZone", "availability zone");
            string type = Resolve(spec.VolumeType, source?.VolumeType, snapshot, "VolumeType", "disk type");
            if (source != null && !string.Equals(zone, source.AvailabilityZone, StringComparison.Ordinal))
            {
                throw Refuse(EvsErrorKind.InvalidArgument, "AvailabilityZoneMismatch", snapshot,
                    $"Availability zone '{InputValidator.Printable(zone)}' is not the zone of the snapshot's source disk ({source.AvailabilityZone}): a snapshot lives in the zone of its disk, "
                    + $"and EVS makes disks from it only there (EVS.2054). Omit the zone to use {source.AvailabilityZone}.");
            }
            if (source != null && !string.Equals(type, source.VolumeType, StringComparison.Ordinal))
            {
                throw Refuse(EvsErrorKind.InvalidArgument, "VolumeTypeMismatch", snapshot,
                    $"Disk type '{type}' is not the type of the snapshot's source disk ({source.VolumeType}): a disk made from a snapshot keeps its source's type (EVS.2096). "
                    + $"Omit the type to use {source.VolumeType}; change the type of the new disk afterwards if you need another.");
            }
            int floor = snapshot.Size ?? source?.Size ?? MinSize;
            int size = spec.Size ?? floor;
            if (size < floor)
            {
                throw Refuse(EvsErrorKind.InvalidArgument, "SizeBelowSnapshot", snapshot,
                    $"-Size {size} GiB is below the snapshot's size ({floor} GiB): a disk made from a snapshot holds all of it. Omit the size to use {floor} GiB, or pass more.");
            }
            var (iops, throughput) = Performance(spec, type, source, snapshot);
            return new CreateVolumePlan(spec, snapshot, source, zone, type, size, iops, throughput);
        }

        /// <summary>IOPS and throughput: required (defaulting to the source's) for GPSSD2 / ESSD2, refused for the other types (§11.3).</summary>
        private static (int? iops, int? throughput) Performance(CreateVolumeSpec spec, string type, VolumeDetails? source, SnapshotDetails snapshot)
        {
            bool takesIops = type == "GPSSD2" || type == "ESSD2";
            bool takesThroughput = type == "GPSSD2";
            if (!takesIops && spec.Iops.HasValue)
                throw Refuse(EvsErrorKind.InvalidArgument, "IopsNotAllowed", snapshot, $"-Iops applies only to GPSSD2 and ESSD2 disks; this disk is {type}.", "Iops");
            if (!takesThroughput && spec.Throughput.HasValue)
                throw Refuse(EvsErrorKind.InvalidArgument, "ThroughputNotAllowed", snapshot, $"-Throughput applies only to GPSSD2 disks; this disk is {type}.", "Throughput");
            int? iops = takesIops ? spec.Iops ?? source?.Iops : null;
            int? throughput = takesThroughput ? spec.Throughput ?? source?.Throughput : null;
            if (takesIops && iops == null)
                throw Refuse(EvsErrorKind.InvalidArgument, "IopsRequired", snapshot, $"A {type} disk needs its IOPS and the source disk's are not known: pass -Iops.", "Iops");
            if (takesThroughput && throughput == null)
                throw Refuse(EvsErrorKind.InvalidArgument, "ThroughputRequired", snapshot, "A GPSSD2 disk needs its throughput and the source disk's is not known: pass -Throughput.", "Throughput");
            return (iops, throughput);
        }

        private static string Resolve(string? given, string? fromSource, SnapshotDetails snapshot, string parameter, string what)
        {
            if (!string.IsNullOrEmpty(given)) return given!;
            if (!string.IsNullOrEmpty(fromSource)) return fromSource!;
            throw Refuse(EvsErrorKind.InvalidArgument, "SourceVolumeUnknown", snapshot,
                $"The {what} of a disk made from snapshot {Describe(snapshot)} defaults to its source disk's, and the source disk {snapshot.VolumeId} no longer exists: pass -{parameter} (it must be the source disk's).",
                parameter);
        }

        private static EvsException Refuse(EvsErrorKind kind, string errorId, SnapshotDetails snapshot, string message, string? parameter = null)
        {
            // A refusal of the input is a validation error naming the parameter; the rest is about the snapshot.
            if (kind == EvsErrorKind.InvalidArgument) return new EvsValidationException(errorId, parameter ?? ParameterOf(errorId), message, snapshot.Id);
            return new EvsException(kind, errorId, message) { Target = snapshot.Id };
        }

        private static string ParameterOf(string errorId) =>
            errorId == "AvailabilityZoneMismatch" ? "AvailabilityZone" : errorId == "VolumeTypeMismatch" ? "VolumeType" : errorId == "SizeBelowSnapshot" ? "Size" : "SnapshotId";

        private static string Describe(SnapshotDetails snapshot) =>
            snapshot.Name != null ? $"'{InputValidator.Printable(snapshot.Name)}' ({snapshot.Id})" : snapshot.Id;
    }
}
