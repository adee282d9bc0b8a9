namespace EvsSnapshot
{
    /// <summary>How a context authenticates.</summary>
    public enum EvsAuthType
    {
        /// <summary>SDK-HMAC-SHA256 signatures with an access key and secret key (optionally temporary, with a security token).</summary>
        AkSk,

        /// <summary>An existing IAM token passed with -Token.</summary>
        Token,

        /// <summary>An IAM user's password; the module obtains and renews project-scoped tokens.</summary>
        Password,
    }
}
