using System;
using System.Globalization;
using System.Net.Http;
using System.Text;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// The -Debug line for one HTTP exchange: method, URL, status, request id, timing, attempt, headers (secrets
    /// masked), request body (unless it carries credentials) and the body of error answers, all scrubbed of secrets.
    /// </summary>
    internal sealed class ExchangeTracer
    {
        private const int MaxBodyExcerpt = 2048;
        private readonly SecretRedactor _redactor;

        public ExchangeTracer(SecretRedactor redactor)
        {
            _redactor = redactor;
        }

        public void Trace(IEvsTrace trace, ApiRequest request, HttpRequestMessage message, Uri uri, ApiResponse response, TimeSpan elapsed, int attempt, int maxAttempts)
        {
            if (!trace.DebugEnabled) return; // building the line (headers, body excerpt, redaction) costs more than the request
            var sb = new StringBuilder();
            sb.Append("HTTP ").Append(request.Method.Method).Append(' ').Append(uri)
              .Append(" -> ").Append(response.StatusCode).Append(' ').Append(_redactor.ForMessage(response.ReasonPhrase))
              .Append(" (request id ").Append(response.RequestId == null ? "none" : _redactor.ForMessage(response.RequestId))
              .Append(", ").Append(((long)elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).Append(" ms")
              .Append(", attempt ").Append(attempt).Append(" of ").Append(maxAttempts).Append(')');
            sb.Append("\n  request headers: ");
            bool first = true;
            foreach (var header in message.Headers)
            {
                if (!first) sb.Append("; ");
                first = false;
                sb.Append(header.Key).Append(": ").Append(IsSecretHeader(header.Key) ? SecretRedactor.Mask : string.Join(",", header.Value));
            }
            if (message.Content != null)
            {
                sb.Append("; Content-Type: ").Append(message.Content.Headers.ContentType);
                sb.Append("\n  request body: ");
                if (request.SensitiveBody) sb.Append("[redacted: contains credentials]");
                else sb.Append(Excerpt(request.Body));
            }
            if (response.Headers.Contains("X-Subject-Token")) sb.Append("\n  response header X-Subject-Token: ").Append(SecretRedactor.Mask);
            if (response.StatusCode >= 300) sb.Append("\n  response body: ").Append(Excerpt(response.Body));
            trace.Debug(_redactor.Scrub(sb.ToString()));
        }

        public void TraceNoAnswer(IEvsTrace trace, ApiRequest request, Uri uri, TimeSpan elapsed, int attempt, int maxAttempts) =>
            trace.Debug(string.Format(CultureInfo.InvariantCulture, "HTTP {0} {1} -> no answer after {2} ms (timeout; attempt {3} of {4})",
                request.Method.Method, _redactor.Scrub(uri.ToString()), (long)elapsed.TotalMilliseconds, attempt, maxAttempts));

        public void TraceFailure(IEvsTrace trace, ApiRequest request, Uri uri, TimeSpan elapsed, Exception failure, int attempt, int maxAttempts) =>
            trace.Debug(string.Format(CultureInfo.InvariantCulture, "HTTP {0} {1} -> failed after {2} ms: {3} (attempt {4} of {5})",
                request.Method.Method, _redactor.Scrub(uri.ToString()), (long)elapsed.TotalMilliseconds, _redactor.ForMessage(TransportErrors.InnermostMessage(failure)), attempt, maxAttempts));

        /// <summary>
        /// Scrubs first, then cuts, so a secret straddling the cut cannot leak its first characters. JSON or not
        /// (an HTML page, raw bytes), every control, bidi and zero-width character is made visible.
        /// </summary>
        private string Excerpt(byte[]? body)
        {
            if (body == null || body.Length == 0) return "(empty)";
            string text = _redactor.ForMessage(Encoding.UTF8.GetString(body));
            return text.Length > MaxBodyExcerpt ? text.Substring(0, MaxBodyExcerpt) + "... (" + body.Length + " bytes)" : text;
        }

        internal static bool IsSecretHeader(string name) =>
            name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Auth-Token", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Security-Token", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Subject-Token", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Metadata-Token", StringComparison.OrdinalIgnoreCase);
    }
}
