using System;
using System.Globalization;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>The name a snapshot gets when the user gives none.</summary>
    public static class SnapshotNaming
    {
        /// <summary><c>snapshot-yyyyMMdd-HHmmss-&lt;first 8 of the disk id&gt;</c> in UTC: sortable, unique per disk and second, traceable to the disk.</summary>
        public static string DefaultName(string volumeId, DateTime utcNow) =>
            "snapshot-" + utcNow.ToUniversalTime().ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + volumeId.Substring(0, Math.Min(8, volumeId.Length));
    }
}
