using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>
    /// Disks by id with the list's <c>ids</c> filter (evs-api.md §12.1): up to 60 per request instead of one GET per
    /// disk. Ids the answer leaves out are asked for with a GET, so a missing disk gets the API's own 404.
    /// </summary>
    public static class VolumeBatch
    {
        /// <summary>The disks in the order of <paramref name="ids"/> (repeats kept), or the error of each one that could not be read.</summary>
        public static async Task<IReadOnlyList<(string id, VolumeDetails? volume, EvsException? error)>> ByIdsAsync(EvsApi api, IReadOnlyList<string> ids, CallScope call)
        {
            var distinct = ids.Select(id => InputValidator.VolumeId(id, "Id")).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            var found = new Dictionary<string, VolumeDetails>(StringComparer.OrdinalIgnoreCase);
            var failed = new Dictionary<string, EvsException>(StringComparer.OrdinalIgnoreCase);
            for (int i = 0; i < distinct.Count; i += EvsApi.MaxIdsPerVolumeList)
            {
                var chunk = distinct.GetRange(i, Math.Min(EvsApi.MaxIdsPerVolumeList, distinct.Count - i));
                if (chunk.Count > 1)
                {
                    var query = new VolumeQuery();
                    foreach (var id in chunk) query.Ids.Add(id);
                    var page = await api.ListVolumesAsync(query, 0, chunk.Count, call).ConfigureAwait(false);
                    // Only what was asked for: a server that ignored the filter cannot add other disks.
                    foreach (var volume in page.Items.Where(v => chunk.Contains(v.Id, StringComparer.OrdinalIgnoreCase))) found[volume.Id] = volume;
                }
                foreach (var id in chunk.Where(id => !found.ContainsKey(id)))
                {
                    try
                    {
                        found[id] = await api.GetVolumeAsync(id, call).ConfigureAwait(false);
                    }
                    catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
                    {
                        failed[id] = ex;
                    }
                }
            }
            return ids.Select(raw =>
            {
                string id = raw.ToLowerInvariant();
                return (raw, found.TryGetValue(id, out var v) ? v : null, failed.TryGetValue(id, out var e) ? e : null);
            }).ToList();
        }
    }
}
