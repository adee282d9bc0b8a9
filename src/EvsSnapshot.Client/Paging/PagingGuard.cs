using System;
using System.Globalization;

namespace EvsSnapshot.Client.Paging
{
    /// <summary>
    /// When a listing must stop because the server is not letting it end: a page (of a listing that would go on)
    /// brought nothing that was not already listed, or the reported count was not reached within
    /// count / page size + <see cref="PageReader{T}.SparePages"/> pages. Pure: the reader passes what it knows.
    /// </summary>
    internal static class PagingGuard
    {
        public static void Check(int offset, int pageItems, int unseenItems, int pagesFetched, int? totalCount, int startOffset, int largestPage, string? requestId)
        {
            if (unseenItems == 0)
            {
                throw Stalled(offset, requestId, string.Format(CultureInfo.InvariantCulture,
                    "the page at offset {0} brought {1} item(s), none of them new, and the server says there are more", offset, pageItems));
            }
            if (totalCount.HasValue)
            {
                long needed = (long)Math.Ceiling(Math.Max(0, totalCount.Value - startOffset) / (double)Math.Max(1, largestPage));
                if (pagesFetched >= needed + PageReader<object>.SparePages)
                {
                    throw Stalled(offset, requestId, string.Format(CultureInfo.InvariantCulture,
                        "{0} pages of up to {1} items have not reached the reported count of {2}", pagesFetched, largestPage, totalCount.Value));
                }
            }
        }

        private static EvsException Stalled(int offset, string? requestId, string why) =>
            new EvsException(EvsErrorKind.MalformedResponse, "PagingStalled", string.Format(CultureInfo.InvariantCulture,
                "The listing stopped at offset {0} (request id {1}): {2}. The server is not paging as the API documents, so the list is not complete.",
                offset, requestId == null ? "none" : DisplayText.Safe(requestId), why));
    }
}
