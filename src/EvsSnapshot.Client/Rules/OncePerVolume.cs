using System;
using System.Collections.Generic;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// One snapshot per disk per invocation: piping snapshots (Get-EvsSnapshot -Name 'db01-*' | New-EvsSnapshot)
    /// binds their disk once per snapshot, and a second snapshot of the same disk in the same run is never what
    /// was meant. Counts the repeats it drops, per disk.
    /// </summary>
    public sealed class OncePerVolume
    {
        private readonly HashSet<string> _seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        private readonly Dictionary<string, int> _repeats = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);

        /// <summary>True the first time a disk comes; false (and counted) for every repeat.</summary>
        public bool FirstTime(string volumeId)
        {
            if (_seen.Add(volumeId)) return true;
            _repeats[volumeId] = _repeats.TryGetValue(volumeId, out var n) ? n + 1 : 1;
            return false;
        }

        public int Dropped
        {
            get
            {
                int total = 0;
                foreach (var n in _repeats.Values) total += n;
                return total;
            }
        }

        /// <summary>Distinct disks seen.</summary>
        public int Distinct => _seen.Count;

        /// <summary>Disk id → repeats dropped.</summary>
        public IReadOnlyDictionary<string, int> Repeats => _repeats;
    }
}
