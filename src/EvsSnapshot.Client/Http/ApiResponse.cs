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

        /// <summary>When the request went out, on its pacer's clock.</summary>
        public TimeSpan SentAt { get; set; }

        public string? Header(string name)
        {
            return Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
        }

        public DateTimeOffset? ServerDate => Headers.Date;

        /// <summary>What signed the request this answers (null when unsigned), so a 401 renews exactly that credential.</summary>
        public Auth.AppliedCredential? SignedWith { get; set; }
    }
}
