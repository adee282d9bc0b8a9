using System;
using System.IO;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// OIDC federation (§14.5): the id token from a file (read again at every renewal, since CI systems rotate it),
    /// exchanged at IAM for an unscoped federated token, then for temporary AK/SK of the federated user.
    /// </summary>
    internal sealed class FederationCredentialSource : ITemporaryCredentialSource
    {
        /// <summary>What the SDKs ask for (§14.5 step 2).</summary>
        public const int DurationSeconds = 21600;

        private readonly CredentialApi _api;
        private readonly Uri _iamEndpoint;

        public FederationCredentialSource(CredentialApi api, string idpId, string idTokenFile, Uri iamEndpoint)
        {
            _api = api;
            IdpId = idpId;
            IdTokenFile = idTokenFile;
            _iamEndpoint = iamEndpoint;
        }

        public string IdpId { get; }
        public string IdTokenFile { get; }
        public string Name => $"the federated credential of identity provider '{IdpId}'";
        public string Origin => $"from identity provider '{IdpId}'";

        public async Task<AccessKeyCredential> FetchAsync(CallScope call)
        {
            string idToken = ReadIdToken();
            string token;
            try
            {
                token = await _api.GetFederatedTokenAsync(_iamEndpoint, IdpId, idToken, call).ConfigureAwait(false);
            }
            catch (EvsApiException ex) when (ex.StatusCode >= 400 && ex.StatusCode < 500)
            {
                ex.Advise(EvsAdvice.CheckIdToken, ("IdpId", IdpId), ("IdTokenFile", IdTokenFile));
                throw;
            }
            return await _api.GetSecurityTokenAsync(_iamEndpoint, token, DurationSeconds, call).ConfigureAwait(false);
        }

        /// <summary>The file's text, trimmed (§14.5); a missing or empty file is a clear error, never a request.</summary>
        internal string ReadIdToken()
        {
            string text;
            try
            {
                text = File.ReadAllText(IdTokenFile);
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw Problem(EvsErrorKind.NotFound, "IdTokenFileNotFound", $"The id token file '{IdTokenFile}' does not exist.", ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Problem(EvsErrorKind.InvalidArgument, "IdTokenFileUnreadable", $"The id token file '{IdTokenFile}' cannot be read: {ex.Message}", ex);
            }
            string idToken = text.Trim();
            if (idToken.Length == 0) throw Problem(EvsErrorKind.InvalidArgument, "IdTokenEmpty", $"The id token file '{IdTokenFile}' is empty.", null);
            _api.Transport.Redactor.Add(idToken);
            return idToken;
        }

        private EvsException Problem(EvsErrorKind kind, string errorId, string message, Exception? inner) =>
            new EvsException(kind, errorId, message, inner) { Target = IdTokenFile }
                .Advise(EvsAdvice.CheckIdToken, ("IdpId", IdpId), ("IdTokenFile", IdTokenFile));
    }
}
