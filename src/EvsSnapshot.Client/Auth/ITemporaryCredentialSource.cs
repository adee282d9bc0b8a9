using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>Issues temporary AK/SK: the ECS metadata service, OIDC federation, an IAM agency.</summary>
    internal interface ITemporaryCredentialSource
    {
        /// <summary>Names what it issues, for messages: "the ECS agency credential".</summary>
        string Name { get; }

        /// <summary>"from the ECS metadata service", for the credential's description.</summary>
        string Origin { get; }

        /// <summary>A new pair (the service may hand out the same one again until it rotates it).</summary>
        Task<AccessKeyCredential> FetchAsync(CallScope call);
    }
}
