using System.Collections.Generic;

namespace EvsSnapshot.Client.Paging
{
    /// <summary>One page of a list call.</summary>
    public sealed class Page<T>
    {
        internal Page(List<T> items, int? totalCount, bool hasNextLink, string? requestId = null)
        {
            Items = items;
            TotalCount = totalCount;
            HasNextLink = hasNextLink;
            RequestId = requestId;
        }

        /// <summary>The answer's request id (scrubbed of secrets), for an error about the listing.</summary>
        public string? RequestId { get; }

        public List<T> Items { get; }

        /// <summary>The API's <c>count</c>: every match, regardless of paging. Null when the answer has none.</summary>
        public int? TotalCount { get; }

        /// <summary>The answer carried a <c>rel: next</c> link.</summary>
        public bool HasNextLink { get; }
    }
}
