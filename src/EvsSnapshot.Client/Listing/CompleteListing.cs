using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>
    /// A snapshot listing read to its end before anyone acts on it (a retention policy must see every snapshot
    /// of a group, or it would remove what a missing newer one made redundant): every page of every planned
    /// query, de-duplicated by id. Any failed page fails the whole read.
    /// </summary>
    public static class CompleteListing
    {
        public static async Task<List<SnapshotDetails>> SnapshotsAsync(EvsApi api, SnapshotFilter filter, CallScope call)
        {
            var plan = ListPlanner.Plan(filter);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var all = new List<SnapshotDetails>();
            foreach (var query in plan.Queries)
            {
                var reader = api.ReadSnapshots(query, call);
                IReadOnlyList<SnapshotDetails>? page;
                while ((page = await reader.NextAsync().ConfigureAwait(false)) != null)
                {
                    foreach (var s in page)
                    {
                        if (plan.LocalFilter != null && !plan.LocalFilter(s)) continue;
                        if (seen.Add(s.Id)) all.Add(s);
                    }
                }
            }
            return all;
        }
    }
}
