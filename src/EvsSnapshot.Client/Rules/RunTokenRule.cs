using System;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// The user's -ClientToken, which makes a re-run of the same command find the snapshots the first run made
    /// instead of making new ones. A snapshot made with a token carries metadata
    /// <c>evssnapshot_run_token = v1:&lt;first 32 hex digits of SHA-256("EvsSnapshot run token" NUL token NUL disk id)&gt;</c>:
    /// the disk id is part of the hash, so one token names one snapshot per disk, and the token itself is not
    /// stored. Pure functions.
    /// </summary>
    public static class RunTokenRule
    {
        public const string MetadataKey = InputValidator.RunTokenMetadataKey;
        private const string Version = "v1:";

        /// <summary>The metadata value a snapshot of <paramref name="volumeId"/> made with <paramref name="token"/> carries.</summary>
        public static string MetadataValue(string token, string volumeId)
        {
            byte[] input = Encoding.UTF8.GetBytes("EvsSnapshot run token\0" + token + "\0" + volumeId.ToLowerInvariant());
            byte[] hash;
            using (var sha = SHA256.Create()) hash = sha.ComputeHash(input);
            var text = new StringBuilder(Version, Version.Length + 32);
            for (int i = 0; i < 16; i++) text.Append(hash[i].ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
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
