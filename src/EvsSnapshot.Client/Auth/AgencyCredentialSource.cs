using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// Temporary AK/SK of an IAM agency (§14.6, assume_role), obtained with whatever base credential the context
    /// has (AK/SK, a token, a password token, or another temporary credential) and acting in the delegating account.
    /// </summary>
    internal sealed class AgencyCredentialSource : ITemporaryCredentialSource
    {
        private readonly CredentialApi _api;
        private readonly AuthProvider _caller;
        private readonly AgencySettings _agency;

        public AgencyCredentialSource(CredentialApi api, AuthProvider caller, AgencySettings agency)
        {
            _api = api;
            _caller = caller;
            _agency = agency;
        }

        /// <summary>The base credential that assumes the agency.</summary>
        public AuthProvider Caller => _caller;

        public string Name => $"the credential of agency '{_agency.Name}' of account '{_agency.Account}'";
        public string Origin => $"of agency '{_agency.Name}' of account '{_agency.Account}'";

        public async Task<AccessKeyCredential> FetchAsync(CallScope call)
        {
            try
            {
                return await _api.AssumeRoleAsync(_caller, _agency, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.StatusCode == 403 || ex.StatusCode == 404)
            {
                // §14.6: a refusal names no reason the caller can act on but the agency, its account and the trust.
                // Not confirmed: whether IAM answers an unknown agency with 403 or 404, so both get this advice.
                ex.Advise(EvsAdvice.CheckAgency, ("AgencyName", _agency.Name), ("AgencyDomain", _agency.Account));
                throw;
            }
        }
    }
}
