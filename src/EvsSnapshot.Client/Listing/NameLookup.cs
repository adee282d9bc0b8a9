using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Paging;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>What each name given by the user matched, in the order the names were given.</summary>
    public sealed class NameMatches<T>
    {
        internal NameMatches(IReadOnlyList<KeyValuePair<NamePattern, IReadOnlyList<T>>> byName)
        {
            ByName = byName;
        }

        public IReadOnlyList<KeyValuePair<NamePattern, IReadOnlyList<T>>> ByName { get; }
    }

    /// <summary>
    /// Finds disks and snapshots by name with one listing: a single exact name is filtered by the server (one
    /// request); several names or wildcards read the whole list once (one request per 1000) and match here.
    /// </summary>
    public static class NameLookup
    {
        public static async Task<NameMatches<VolumeDetails>> VolumesAsync(EvsApi api, IReadOnlyList<NamePattern> names, CallScope call)
        {
            var query = new VolumeQuery { Name = SingleExact(names) };
            var all = await ReadAllAsync(api.ReadVolumes(query, call)).ConfigureAwait(false);
            return Match(names, all, v => v.Name);
        }

        public static async Task<NameMatches<SnapshotDetails>> SnapshotsAsync(EvsApi api, IReadOnlyList<NamePattern> names, CallScope call)
        {
            var query = new SnapshotQuery { Name = SingleExact(names) };
            var all = await ReadAllAsync(api.ReadSnapshots(query, call)).ConfigureAwait(false);
            return Match(names, all, s => s.Name);
        }

        private static string? SingleExact(IReadOnlyList<NamePattern> names) => names.Count == 1 && !names[0].IsWildcard ? names[0].Text : null;

        private static NameMatches<T> Match<T>(IReadOnlyList<NamePattern> names, List<T> all, Func<T, string?> nameOf) =>
            new NameMatches<T>(names
                .Select(n => new KeyValuePair<NamePattern, IReadOnlyList<T>>(n, all.Where(item => n.Matches(nameOf(item))).ToList()))
                .ToList());

        private static async Task<List<T>> ReadAllAsync<T>(PageReader<T> reader)
        {
            var all = new List<T>();
            IReadOnlyList<T>? page;
            while ((page = await reader.NextAsync().ConfigureAwait(false)) != null) all.AddRange(page);
            return all;
        }
    }
}
