using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>An existing X-Auth-Token given by the user; it cannot be renewed.</summary>
    internal sealed class StaticTokenAuthProvider : AuthProvider
    {
        private readonly AppliedCredential _applied;
        private readonly string _token;

        public StaticTokenAuthProvider(string token)
        {
            _token = token;
            _applied = new AppliedCredential("token:" + Fnv1a(token).ToString("x16", System.Globalization.CultureInfo.InvariantCulture), null);
        }

        public override string CredentialDescription => "the IAM token given when connecting";
        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckToken;
        /// <summary>
        /// <c>token:</c> and a 64-bit hash of the token, so contexts of the same token share a pacer and those of
        /// different users' tokens do not. A hash, never the token; not a cryptographic one, which would load OpenSSL
        /// on Linux for nothing else.
        /// </summary>
        public override string CredentialKey => _applied.Key;

        public override Task<AppliedCredential> ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            message.Headers.TryAddWithoutValidation("X-Auth-Token", _token);
            return Task.FromResult(_applied);
        }

        private static ulong Fnv1a(string text)
        {
            ulong hash = 14695981039346656037UL;
            foreach (char c in text) hash = (hash ^ c) * 1099511628211UL;
            return hash;
        }
    }
}
