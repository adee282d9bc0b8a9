using System;
using System.Collections.Generic;
using System.Threading.Tasks;

namespace EvsSnapshot.Client.Paging
{
    /// <summary>
    /// Walks an offset/limit list one page at a time. The end is decided by the API's <c>count</c> (or, without
    /// it, by a <c>next</c> link), never by "the page was short", so a server-side page cap smaller than the
    /// requested limit still yields every item. The caller may ask for the next page early (<see cref="Prefetch"/>)
    /// while it is still writing the current one; nothing is fetched before it is needed otherwise.
    /// A server cannot keep it reading forever: a page that brings no item not already listed stops the listing
    /// with <c>PagingStalled</c>, and so does a reported count that more than count / page size + <see cref="SparePages"/>
    /// pages have not reached (<see cref="PagingGuard"/>).
    /// </summary>
    public sealed class PageReader<T>
    {
        private readonly Func<int, int, Task<Page<T>>> _fetch;
        private readonly Func<T, string> _key;
        private readonly int _pageSize;
        private readonly long? _maxItems;
        private int _nextOffset;
        private readonly int _startOffset;
        private long _delivered;
        private bool _exhausted;
        private Task<Page<T>>? _pending;
        private readonly HashSet<string> _seenKeys = new HashSet<string>(StringComparer.Ordinal);
        private int _largestPage;

        /// <summary>Pages allowed beyond count / page size (a count that grows while we read, one short page).</summary>
        public const int SparePages = 3;

        /// <param name="fetch">Fetches (offset, limit).</param>
        /// <param name="key">Identity of an item, to drop one that shifts onto the next page while we read.</param>
        public PageReader(Func<int, int, Task<Page<T>>> fetch, Func<T, string> key, int startOffset, int pageSize, long? maxItems)
        {
            _fetch = fetch;
            _key = key;
            _nextOffset = Math.Max(0, startOffset);
            _startOffset = _nextOffset;
            _pageSize = pageSize;
            _maxItems = maxItems;
            _exhausted = maxItems.HasValue && maxItems.Value <= 0;
        }

        /// <summary>The API's total count from the latest page, if it sends one.</summary>
        public int? TotalCount { get; private set; }

        public int PagesFetched { get; private set; }

        /// <summary>Starts fetching the next page now, if there is one and it is not already on its way.</summary>
        public void Prefetch()
        {
            if (_pending == null && !_exhausted) _pending = FetchNext();
        }

        /// <summary>The next page's new items, or null when the list is done.</summary>
        public async Task<IReadOnlyList<T>?> NextAsync()
        {
            while (true)
            {
                if (_pending == null)
                {
                    if (_exhausted) return null;
                    _pending = FetchNext();
                }
                var task = _pending;
                _pending = null;
                var page = await task.ConfigureAwait(false);
                PagesFetched++;
                TotalCount = page.TotalCount ?? TotalCount;
                int offset = _nextOffset;
                _nextOffset += page.Items.Count;
                bool more = page.Items.Count > 0 && (page.TotalCount.HasValue ? _nextOffset < page.TotalCount.Value : page.HasNextLink);

                int unseen = 0;
                var fresh = new List<T>(page.Items.Count);
                foreach (var item in page.Items)
                {
                    if (!_seenKeys.Add(_key(item))) continue; // shifted by a concurrent create/delete, or repeated
                    unseen++;
                    if (_maxItems.HasValue && _delivered >= _maxItems.Value) { more = false; continue; }
                    fresh.Add(item);
                    _delivered++;
                }
                if (_maxItems.HasValue && _delivered >= _maxItems.Value) more = false;
                _largestPage = Math.Max(_largestPage, page.Items.Count);
                if (more) PagingGuard.Check(offset, page.Items.Count, unseen, PagesFetched, TotalCount, _startOffset, _largestPage, page.RequestId);
                _exhausted = !more;
                if (fresh.Count > 0) return fresh;
                if (_exhausted) return null;
            }
        }

        private Task<Page<T>> FetchNext()
        {
            int limit = _pageSize;
            if (_maxItems.HasValue) limit = (int)Math.Max(1, Math.Min(limit, _maxItems.Value - _delivered));
            return _fetch(_nextOffset, limit);
        }
    }
}
