using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>Where an AK/SK provider gets the pair to sign with: fixed, or renewed from a temporary-credential source.</summary>
    internal interface IAccessKeySource
    {
        /// <summary>The pair in use now; null before the first fetch.</summary>
        AccessKeyCredential? Current { get; }

        /// <summary>"from the ECS metadata service" and the like; empty for a fixed pair.</summary>
        string Origin { get; }

        Task<AccessKeyCredential> GetAsync(CallScope call);

        /// <summary>After a 401 for <paramref name="rejected"/>: true once another pair is ready, false when this source cannot renew.</summary>
        Task<bool> ReplaceAsync(AccessKeyCredential rejected, CallScope call);
    }

    /// <summary>A pair given by the user (parameters, environment, credentials file): used as it is, never renewed.</summary>
    internal sealed class FixedAccessKey : IAccessKeySource
    {
        private readonly Task<AccessKeyCredential> _pair;

        public FixedAccessKey(AccessKeyCredential pair)
        {
            _pair = Task.FromResult(pair);
        }

        public AccessKeyCredential? Current => _pair.Result;
        public string Origin => string.Empty;
        public Task<AccessKeyCredential> GetAsync(CallScope call) => _pair;
        public Task<bool> ReplaceAsync(AccessKeyCredential rejected, CallScope call) => Task.FromResult(false);
    }
}
