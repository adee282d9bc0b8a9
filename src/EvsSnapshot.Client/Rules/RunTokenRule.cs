using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// The user's -ClientToken, which makes a re-run of the same command find the snapshots (or disks) the first run
    /// made instead of making new ones. A snapshot made with a token carries metadata
    /// <c>evssnapshot_run_token = v1:&lt;first 32 hex digits of SHA-256("EvsSnapshot run token" NUL token NUL disk id)&gt;</c>:
    /// the disk id is part of the hash, so one token names one snapshot per disk, and the token itself is not
    /// stored. Pure functions.
    /// </summary>
    public static class RunTokenRule
    {
        public const string MetadataKey = InputValidator.RunTokenMetadataKey;
        private const string Version = "v1:";

        /// <summary>The metadata value a snapshot of <paramref name="volumeId"/> made with <paramref name="token"/> carries.</summary>
        public static string MetadataValue(string token, string volumeId) => Versioned(Hash("EvsSnapshot run token", token, volumeId));

        /// <summary>
        /// The metadata value a disk made from <paramref name="snapshotId"/> with <paramref name="token"/> carries
        /// (New-EvsVolume): the same key, hashed with the snapshot id under its own label, so one token names one
        /// disk per snapshot.
        /// </summary>
        public static string VolumeMetadataValue(string token, string snapshotId) => Versioned(Hash("EvsSnapshot disk run token", token, snapshotId));

        /// <summary>
        /// The <c>X-Client-Token</c> of that disk's create, the same in every run (a UUID, RFC 9562 version 8, from
        /// the hash): a re-run within EVS's 8 hours gets the first create's answer back (evs-api.md §11.2), even
        /// while the first disk is still hidden from the list that would have found it.
        /// </summary>
        public static string VolumeClientToken(string token, string snapshotId)
        {
            byte[] b = Hash("EvsSnapshot disk client token", token, snapshotId);
            b[6] = (byte)((b[6] & 0x0F) | 0x80); // version 8
            b[8] = (byte)((b[8] & 0x3F) | 0x80); // variant 10
            string hex = Hex(b, 16);
            return $"{hex.Substring(0, 8)}-{hex.Substring(8, 4)}-{hex.Substring(12, 4)}-{hex.Substring(16, 4)}-{hex.Substring(20, 12)}";
        }

        private static byte[] Hash(string label, string token, string id)
        {
            byte[] input = Encoding.UTF8.GetBytes(label + "\0" + token + "\0" + id.ToLowerInvariant());
            using (var sha = SHA256.Create()) return sha.ComputeHash(input);
        }

        private static string Versioned(byte[] hash) => Version + Hex(hash, 16);

        private static string Hex(byte[] bytes, int count)
        {
            var text = new StringBuilder(count * 2);
            for (int i = 0; i < count; i++) text.Append(bytes[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
            return text.ToString();
        }

        /// <summary>
        /// Whether a snapshot with the token stands for "already made": any status but deleting, error and
        /// error_deleting (those are going, or never were, so the run makes a new one).
        /// </summary>
        public static bool Reusable(string? status) =>
            !string.Equals(status, SnapshotStatus.Deleting, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(status, SnapshotStatus.Error, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(status, SnapshotStatus.ErrorDeleting, StringComparison.OrdinalIgnoreCase);

        /// <summary>
        /// Whether a disk with the token stands for "already made": any status but error, deleting and
        /// error_deleting (those failed or are going, so the run makes a new one).
        /// </summary>
        public static bool ReusableVolume(string? status) =>
            !string.Equals(status, VolumeStatus.Error, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(status, VolumeStatus.Deleting, StringComparison.OrdinalIgnoreCase)
            && !string.Equals(status, VolumeStatus.ErrorDeleting, StringComparison.OrdinalIgnoreCase);

        /// <summary>The disk to return instead of creating one: made from that snapshot, carrying that value, reusable; newest, then smallest id.</summary>
        public static VolumeDetails? PickVolume(IEnumerable<VolumeDetails> volumes, string snapshotId, string metadataValue) =>
            volumes
                .Where(v => string.Equals(v.SourceSnapshotId, snapshotId, StringComparison.OrdinalIgnoreCase)
                            && v.Metadata.TryGetValue(MetadataKey, out var value) && string.Equals(value, metadataValue, StringComparison.Ordinal)
                            && ReusableVolume(v.Status))
                .OrderByDescending(v => v.CreatedAtUtc ?? DateTime.MinValue)
                .ThenBy(v => v.Id, StringComparer.Ordinal)
                .FirstOrDefault();

        /// <summary>
        /// The snapshot to return instead of creating one: of that disk, carrying that value, reusable; the newest
        /// when several do (someone copied the metadata), then the smallest id, so every run picks the same one.
        /// </summary>
        public static SnapshotDetails? Pick(IEnumerable<SnapshotDetails> snapshots, string volumeId, string metadataValue) =>
            snapshots
                .Where(s => string.Equals(s.VolumeId, volumeId, StringComparison.OrdinalIgnoreCase)
                            && s.Metadata.TryGetValue(MetadataKey, out var v) && string.Equals(v, metadataValue, StringComparison.Ordinal)
                            && Reusable(s.Status))
                .OrderByDescending(s => s.CreatedAtUtc ?? DateTime.MinValue)
                .ThenBy(s => s.Id, StringComparer.Ordinal)
                .FirstOrDefault();
    }
}
