using System.Collections.Generic;
using System.Runtime.CompilerServices;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Remembers which Get-EvsSnapshot listing wrote each snapshot object and whether that listing was read to its
    /// end, so Limit-EvsSnapshot can refuse to prune from a listing that failed half-way (a page error is a
    /// non-terminating error upstream, which a downstream cmdlet would otherwise never see). Weak: the records
    /// live as long as the objects do.
    /// </summary>
    internal sealed class ListingRecord
    {
        private static readonly ConditionalWeakTable<SnapshotDetails, ListingRecord> Sources = new ConditionalWeakTable<SnapshotDetails, ListingRecord>();

        /// <summary>Set when the listing ended normally (every page read, or -First reached).</summary>
        public bool Complete { get; private set; }

        /// <summary>The error that ended the listing, if one did.</summary>
        public string? Failure { get; private set; }

        public void Wrote(SnapshotDetails snapshot)
        {
            Sources.Remove(snapshot);
            Sources.Add(snapshot, this);
        }

        public void Completed() => Complete = true;

        public void Failed(string message) => Failure = message;

        /// <summary>The listing that wrote <paramref name="snapshot"/>, or null for an object from elsewhere (-Id, another cmdlet).</summary>
        public static ListingRecord? Of(SnapshotDetails snapshot) => Sources.TryGetValue(snapshot, out var record) ? record : null;

        /// <summary>The distinct listings behind the objects.</summary>
        public static IEnumerable<ListingRecord> Behind(IEnumerable<SnapshotDetails> snapshots)
        {
            var seen = new HashSet<ListingRecord>();
            foreach (var s in snapshots)
            {
                var record = Of(s);
                if (record != null && seen.Add(record)) yield return record;
            }
        }
    }
}
