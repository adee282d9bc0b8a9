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

    /// <summary>What signed one request: the credential object (so a 401 renews exactly that one) and its key.</summary>
    internal sealed class AppliedCredential
    {
        public AppliedCredential(string key, object? credential)
        {
            Key = key;
            Credential = credential;
        }

        /// <summary>The credential's stable, non-secret name (see <see cref="AuthProvider.CredentialKey"/>).</summary>
        public string Key { get; }

        public object? Credential { get; }
    }

    /// <summary>Adds credentials to requests and recovers from the 401s that can be recovered from.</summary>
    internal abstract class AuthProvider
    {
        /// <summary>Names the credential for error messages without revealing it.</summary>
        public abstract string CredentialDescription { get; }

        /// <summary>What to tell the user when the gateway or IAM rejects this credential.</summary>
        public abstract EvsAdvice RejectedAdvice { get; }

        /// <summary>
        /// A stable, non-secret name of the credential in use now: the access key id (each temporary key is its own
        /// credential, as the gateway counts them, §16), <c>user:{domain}/{name}</c> for password tokens, <c>token</c>.
        /// Request pacing keys its budgets by it.
        /// </summary>
        public abstract string CredentialKey { get; }

        /// <summary>When the credential in use expires (temporary credentials and tokens the module obtains), UTC.</summary>
        public virtual DateTime? ExpiresAtUtc => null;

        /// <summary>Obtains the first credential while connecting, so a wrong one fails there (nothing for static ones).</summary>
        public virtual Task PrepareAsync(CallScope call) => Task.CompletedTask;

        /// <summary>Adds the credential to one attempt; returns what it used.</summary>
        public abstract Task<AppliedCredential> ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call);

        /// <summary>Called once per request on a 401 with what signed it; true means "fixed, send it again".</summary>
        public virtual Task<bool> TryRecoverAsync(EvsApiException error, ApiResponse response, AppliedCredential? used, CallScope call) =>
            Task.FromResult(false);

        protected static bool MessageContains(EvsApiException error, string text) =>
            error.ApiMessage != null && error.ApiMessage.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
