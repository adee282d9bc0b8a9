using System;
using System.Globalization;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>Temporary AK/SK from a source, renewed before expiry and after a 401 (see <see cref="CredentialRefresher{T}"/>).</summary>
    internal sealed class RenewableAccessKey : IAccessKeySource
    {
        private readonly ITemporaryCredentialSource _source;
        private readonly CredentialRefresher<AccessKeyCredential> _refresher;

        public RenewableAccessKey(ITemporaryCredentialSource source, TimeProvider time)
        {
            _source = source;
            _refresher = new CredentialRefresher<AccessKeyCredential>(FetchAsync, time, source.Name);
        }

        public AccessKeyCredential? Current => _refresher.Current;
        public string Origin => _source.Origin;

        /// <summary>Fetches so far (diagnostics and tests).</summary>
        public long Renewals => _refresher.Renewals;

        public Task<AccessKeyCredential> GetAsync(CallScope call) => _refresher.GetAsync(call);

        public async Task<bool> ReplaceAsync(AccessKeyCredential rejected, CallScope call)
        {
            await _refresher.ReplaceAsync(rejected, call).ConfigureAwait(false);
            return true;
        }

        private async Task<AccessKeyCredential> FetchAsync(CallScope call)
        {
            var pair = await _source.FetchAsync(call).ConfigureAwait(false);
            call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture, "Signing with temporary access key {0} {1}, valid until {2:u}.",
                pair.AccessKey, _source.Origin, pair.ExpiresAtUtc));
            return pair;
        }
    }
}
