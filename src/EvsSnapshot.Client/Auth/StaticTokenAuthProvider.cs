using System.Net.Http;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>An existing X-Auth-Token given by the user; it cannot be renewed.</summary>
    internal sealed class StaticTokenAuthProvider : AuthProvider
    {
        private static readonly AppliedCredential Applied = new AppliedCredential("token", null);
        private readonly string _token;

        public StaticTokenAuthProvider(string token) { _token = token; }

        public override string CredentialDescription => "the IAM token given when connecting";
        public override EvsAdvice RejectedAdvice => EvsAdvice.CheckToken;
        public override string CredentialKey => Applied.Key;

        public override Task<AppliedCredential> ApplyAsync(HttpRequestMessage message, byte[] body, RequestTarget target, CallScope call)
        {
            message.Headers.TryAddWithoutValidation("X-Auth-Token", _token);
            return Task.FromResult(Applied);
        }
    }
}
