using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Paging;
using EvsSnapshot.Client.Rules;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>
    /// Finds, for one invocation and one -ClientToken, the snapshots earlier runs made (<see cref="RunTokenRule"/>).
    /// The snapshot list has no metadata filter (evs-api.md §2.1), so the batch shares one listing: the first
    /// lookup reads the newest page of the whole project (up to 1000 snapshots), once. When that page is the whole
    /// project, it answers every disk of the batch; otherwise it answers the disks it finds, and a disk it does
    /// not find costs one listing of that disk's snapshots. A batch therefore costs one request, plus one per
    /// disk with no token snapshot among the newest 1000 of a project that has more.
    /// </summary>
    public sealed class RunTokenLookup
    {
        private const int PageSize = 1000;
        private readonly EvsApi _api;
        private readonly object _sync = new object();
        private Task<Page<SnapshotDetails>>? _newest;
        private int _requests;

        internal RunTokenLookup(EvsApi api, string token)
        {
            _api = api;
            Token = token;
        }

        public string Token { get; }

        /// <summary>List requests this lookup has sent (first pages and per-disk listings), for -Verbose and tests.</summary>
        public int Requests => Volatile.Read(ref _requests);

        /// <summary>The snapshot of <paramref name="volumeId"/> made with the token, or null.</summary>
        public async Task<SnapshotDetails?> FindAsync(string volumeId, CallScope call)
        {
            string value = RunTokenRule.MetadataValue(Token, volumeId);
            var newest = await NewestPageAsync(call).ConfigureAwait(false);
            var found = RunTokenRule.Pick(newest.Items, volumeId, value);
            if (found != null || WholeProject(newest)) return found;

            var all = new List<SnapshotDetails>();
            var reader = new Paging.PageReader<SnapshotDetails>((offset, limit) =>
            {
                Interlocked.Increment(ref _requests);
                return _api.ListSnapshotsAsync(new SnapshotQuery { VolumeId = volumeId }, offset, limit, call);
            }, s => s.Id, 0, PageSize, null);
            IReadOnlyList<SnapshotDetails>? page;
            while ((page = await reader.NextAsync().ConfigureAwait(false)) != null) all.AddRange(page);
            return RunTokenRule.Pick(all, volumeId, value);
        }

        private static bool WholeProject(Page<SnapshotDetails> page) =>
            page.TotalCount.HasValue ? page.TotalCount.Value <= page.Items.Count : !page.HasNextLink && page.Items.Count < PageSize;

        /// <summary>The project's newest page, fetched once for the batch; a failed fetch is tried again by the next disk.</summary>
        private Task<Page<SnapshotDetails>> NewestPageAsync(CallScope call)
        {
            lock (_sync)
            {
                if (_newest == null || _newest.IsFaulted || _newest.IsCanceled)
                {
                    Interlocked.Increment(ref _requests);
                    _newest = _api.ListSnapshotsAsync(new SnapshotQuery(), 0, PageSize, call);
                }
                return _newest;
            }
        }
    }
}
