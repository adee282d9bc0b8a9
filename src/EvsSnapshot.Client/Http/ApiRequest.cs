using System;
using System.Collections.Generic;
using System.Net.Http;
using System.Text;
using EvsSnapshot.Client.Text;

namespace EvsSnapshot.Client.Http
{
    internal enum ApiService
    {
        Evs,
        Iam,

        /// <summary>The ECS metadata service (§14.4): never signed, always with its own endpoint.</summary>
        Metadata,
    }

    /// <summary>One logical API call. Paths are built from segments, so no input can add a segment or a query.</summary>
    internal sealed class ApiRequest
    {
        public ApiRequest(HttpMethod method, ApiService service, params string[] segments)
        {
            Method = method;
            Service = service;
            foreach (var segment in segments)
            {
                // Defence in depth: callers validate ids, but a segment may never add or remove path levels.
                if (string.IsNullOrEmpty(segment) || segment == "." || segment == ".." || segment.IndexOf('/') >= 0 || segment.IndexOf('\\') >= 0)
                {
                    throw new ArgumentException($"'{segment}' cannot be a URL path segment.", nameof(segments));
                }
            }
            Segments = segments;
            Idempotent = method != HttpMethod.Post;
        }

        public HttpMethod Method { get; }
        public ApiService Service { get; }

        /// <summary>Path segments after the endpoint, unencoded; each is percent-encoded on its own.</summary>
        public IReadOnlyList<string> Segments { get; }

        /// <summary>The path after the endpoint as text, for messages: <c>/v2/{project}/cloudsnapshots</c>.</summary>
        public string PathText => "/" + string.Join("/", Segments);

        /// <summary>Query pairs in the order sent, unencoded; the signer takes them from here, not from the URL.</summary>
        public List<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();
        public byte[]? Body { get; set; }

        /// <summary>False for calls that must not be repeated blindly (snapshot create): an ambiguous failure is handed back to the caller.</summary>
        public bool Idempotent { get; set; }

        /// <summary>False only for the IAM token request itself.</summary>
        public bool Authenticate { get; set; } = true;

        /// <summary>The body carries credentials (IAM password) and must never be traced.</summary>
        public bool SensitiveBody { get; set; }

        /// <summary>Base URL instead of the service's endpoint (the metadata service, federation's IAM).</summary>
        public Uri? Endpoint { get; set; }

        /// <summary>Per-attempt timeout instead of the context's (the metadata service's 3 s).</summary>
        public TimeSpan? Timeout { get; set; }

        /// <summary>One attempt only: the caller has its own fallback (the metadata service, as the SDKs call it).</summary>
        public bool SingleAttempt { get; set; }

        /// <summary>
        /// The credential this request is signed with instead of the transport's (assume_role signs with the base
        /// credential); for an unsigned request that obtains a credential (an IAM password token), the one it is
        /// for, so an error names it.
        /// </summary>
        internal Auth.AuthProvider? Auth { get; set; }

        /// <summary>Extra headers, sent as given (X-Idp-Id, the metadata token headers).</summary>
        public List<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Short description for messages, e.g. "create a snapshot of volume 1234...".</summary>
        public string Operation { get; set; } = string.Empty;

        /// <summary><see cref="Operation"/> as the start of a sentence.</summary>
        public string OperationSentence => Operation.Length == 0 ? Operation : char.ToUpperInvariant(Operation[0]) + Operation.Substring(1);

        public ApiRequest WithHeader(string name, string? value)
        {
            if (value != null) Headers.Add(new KeyValuePair<string, string>(name, value));
            return this;
        }

        public ApiRequest WithQuery(string name, string? value)
        {
            if (value != null) Query.Add(new KeyValuePair<string, string>(name, value));
            return this;
        }

        /// <summary>The path as the signer sees it: logical, unencoded segments.</summary>
        internal string LogicalPath(Uri endpoint)
        {
            var sb = new StringBuilder(Uri.UnescapeDataString(endpoint.AbsolutePath).TrimEnd('/'));
            foreach (var s in Segments) sb.Append('/').Append(s);
            return sb.ToString();
        }

        /// <summary>Absolute URL with every segment and query part percent-encoded with the signer's alphabet.</summary>
        internal Uri BuildUri(Uri endpoint)
        {
            var sb = new StringBuilder();
            sb.Append(endpoint.GetLeftPart(UriPartial.Authority));
            sb.Append(endpoint.AbsolutePath.TrimEnd('/'));
            foreach (var s in Segments) sb.Append('/').Append(PercentEncoding.Encode(s));
            for (int i = 0; i < Query.Count; i++)
            {
                sb.Append(i == 0 ? '?' : '&');
                sb.Append(PercentEncoding.Encode(Query[i].Key)).Append('=').Append(PercentEncoding.Encode(Query[i].Value));
            }
            return new Uri(sb.ToString(), UriKind.Absolute);
        }
    }
}
