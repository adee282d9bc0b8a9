using System;
using System.Net.Http.Headers;

namespace EvsSnapshot.Client.Http
{
    /// <summary>A complete HTTP answer, body already read (within the size limit).</summary>
    internal sealed class ApiResponse
    {
        public ApiResponse(int statusCode, string reasonPhrase, byte[] body, HttpResponseHeaders headers, string? requestId)
        {
            StatusCode = statusCode;
            ReasonPhrase = reasonPhrase;
            Body = body;
            Headers = headers;
            RequestId = requestId;
        }

        public int StatusCode { get; }
        public string ReasonPhrase { get; }
        public byte[] Body { get; }
        public HttpResponseHeaders Headers { get; }
        public string? RequestId { get; }

        public string? Header(string name)
        {
            return Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
        }

        public DateTimeOffset? ServerDate => Headers.Date;
    }
}
