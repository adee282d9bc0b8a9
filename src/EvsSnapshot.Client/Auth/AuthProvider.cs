using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>Where a request goes, as the auth provider needs to see it.</summary>
    internal sealed class RequestTarget
    {
        public RequestTarget(Uri uri, string logicalPath, IReadOnlyList<KeyValuePair<string, string>> query, ApiService service)
        {
            Uri = uri;
            LogicalPath = logicalPath;
            Query = query;
            Service = service;
        }

        public Uri Uri { get; }
        public string LogicalPath { get; }

        /// <summary>The query pairs as the request built them (unencoded), so the signer need not re-parse the URL.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Query { get; }

        public ApiService Service { get; }

        /// <summary>Host header value as HttpClient sends it: the port only when it is not the scheme's default.</summary>
        public string HostHeader => Uri.IsDefaultPort ? Uri.Host : Uri.Host + ":" + Uri.Port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Adds credentials to requests and recovers from the 401s that can be recovered from.</summary>
    internal abstract class AuthProvider
    {
        /// <summary>Names the credential for error messages without revealing it.</summary>
        public abstract string CredentialDescription { get; }

        /// <summary>What to tell the user when the gateway or IAM rejects this credential.</summary>
        public abstract EvsAdvice RejectedAdvice { get; }

        public abstract Task ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call);

        /// <summary>Called once per request on a 401; true means "fixed, send it again".</summary>
        public virtual Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, CallScope call) =>
            Task.FromResult(false);

        protected static bool MessageContains(EvsApiException error, string text) =>
            error.ApiMessage != null && error.ApiMessage.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
