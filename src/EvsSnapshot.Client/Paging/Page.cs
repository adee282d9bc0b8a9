using System.Collections.Generic;

namespace EvsSnapshot.Client.Paging
{
    /// <summary>One page of a list call.</summary>
    public sealed class Page<T>
    {
        internal Page(List<T> items, int? totalCount, bool hasNextLink)
        {
            Items = items;
            TotalCount = totalCount;
            HasNextLink = hasNextLink;
        }

        public List<T> Items { get; }

        /// <summary>The API's <c>count</c>: every match, regardless of paging. Null when the answer has none.</summary>
        public int? TotalCount { get; }

        /// <summary>The answer carried a <c>rel: next</c> link.</summary>
        public bool HasNextLink { get; }
    }
}
