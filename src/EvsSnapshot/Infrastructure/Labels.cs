using System;
using System.Globalization;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// How prompts, -WhatIf lines and warnings name disks and snapshots: the way a person does, by name with a short
    /// id and the local creation time, falling back to the full id when the name is not known.
    /// </summary>
    internal static class Labels
    {
        public static string ShortId(string id) => id.Substring(0, Math.Min(8, id.Length));

        /// <summary><c>disk 'app01' (cf758038)</c>, or <c>disk cf758038-...</c> when the name is not known.</summary>
        public static string Disk(string id, string? name) =>
            string.IsNullOrEmpty(name) ? "disk " + id : $"disk '{InputValidator.Printable(name)}' ({ShortId(id)})";

        /// <summary><c>snapshot 'app01-pre-change' (f43ba576) of 2026-12-01 19:21</c>; <paramref name="withId"/> false leaves out the id.</summary>
        public static string Snapshot(string id, SnapshotDetails? known, bool withId = true)
        {
            if (known == null || string.IsNullOrEmpty(known.Name)) return "snapshot " + id + Created(known);
            return $"snapshot '{InputValidator.Printable(known.Name)}'" + (withId ? $" ({ShortId(id)})" : string.Empty) + Created(known);
        }

        private static string Created(SnapshotDetails? known) =>
            known?.CreatedAt is DateTime created ? " of " + created.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) : string.Empty;
    }
}
