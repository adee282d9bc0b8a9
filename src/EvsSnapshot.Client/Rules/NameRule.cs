using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// What a name given for a disk or snapshot must match. An exact name names one thing: none is an error, and
    /// several (EVS names are not unique) is an error listing them, so nothing is changed by a guess. A wildcard
    /// names a set, unless the caller needs one item (a rollback overwrites one disk).
    /// </summary>
    public static class NameRule
    {
        /// <summary>The error for a disk name's matches, or null when they may be used.</summary>
        public static EvsException? Volumes(NamePattern name, IReadOnlyList<VolumeDetails> matches, bool oneOnly = false)
        {
            if (matches.Count == 0)
            {
                return name.IsWildcard ? null : new EvsException(EvsErrorKind.NotFound, "VolumeNameNotFound",
                    $"No disk is named '{InputValidator.Printable(name.Text)}' (names are compared exactly, letter case included).") { Target = name.Text };
            }
            if (matches.Count == 1 || (name.IsWildcard && !oneOnly)) return null;
            return new EvsException(EvsErrorKind.InvalidArgument, "VolumeNameAmbiguous",
                $"{matches.Count} disks match '{InputValidator.Printable(name.Text)}': "
                + string.Join("; ", matches.Select(v => string.Format(CultureInfo.InvariantCulture, "'{0}' {1} ({2}, {3} GiB, {4})",
                    InputValidator.Printable(v.Name), v.Id, v.Status, v.Size, v.AvailabilityZone)))
                + ". Pass the disk's id instead, or a name that matches one disk.")
            { Target = name.Text };
        }

        /// <summary>The error for a snapshot name's matches, or null when they may be used.</summary>
        public static EvsException? Snapshots(NamePattern name, IReadOnlyList<SnapshotDetails> matches, bool oneOnly = false)
        {
            if (matches.Count == 0)
            {
                return name.IsWildcard ? null : new EvsException(EvsErrorKind.NotFound, "SnapshotNameNotFound",
                    $"No snapshot is named '{InputValidator.Printable(name.Text)}' (names are compared exactly, letter case included).") { Target = name.Text };
            }
            if (matches.Count == 1 || (name.IsWildcard && !oneOnly)) return null;
            return new EvsException(EvsErrorKind.InvalidArgument, "SnapshotNameAmbiguous",
                $"{matches.Count} snapshots match '{InputValidator.Printable(name.Text)}': "
                + string.Join("; ", matches.Select(s => string.Format(CultureInfo.InvariantCulture, "{0} ({1}, disk {2}, created {3:yyyy-MM-dd HH:mm} UTC)",
                    s.Id, s.Status, s.VolumeId, s.CreatedAtUtc)))
                + ". Pass the snapshot's id instead, or a name that matches one snapshot.")
            { Target = name.Text };
        }
    }
}
