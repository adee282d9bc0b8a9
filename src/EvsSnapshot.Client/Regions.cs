using System;
using System.Collections.Generic;
using System.Linq;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// The regions with an EVS endpoint, <c>https://evs.{region}.myhuaweicloud.com</c> (evs-api.md §13.1, the 34 of
    /// Huawei's SDK region tables). The one list the module knows regions from: Connect-EvsProject's check and
    /// the region completer both read it.
    /// </summary>
    public static class EvsRegions
    {
        private static readonly string[] Ids =
        {
            "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-north-12",
            "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
            "cn-south-1", "cn-south-2", "cn-south-4",
            "cn-southwest-2", "cn-southwest-3",
            "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "my-kualalumpur-1",
            "eu-west-0", "eu-west-101", "ru-moscow-1", "ru-northwest-2",
            "af-south-1", "af-north-1", "sa-brazil-1", "la-north-2", "la-south-2", "na-mexico-1", "me-east-1", "ae-ad-1", "tr-west-1",
        };

        public static IReadOnlyList<string> All => Ids;

        public static bool IsKnown(string? region) => region != null && Array.IndexOf(Ids, region) >= 0;

        /// <summary>The known region a mistyped one most likely meant (at most two edits away), or null.</summary>
        public static string? Closest(string region)
        {
            string lower = region.ToLowerInvariant();
            var best = Ids.Select(id => (id, distance: Distance(lower, id))).OrderBy(c => c.distance).First();
            return best.distance <= 2 ? best.id : null;
        }

        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
