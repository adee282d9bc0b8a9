using System;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>A credential from a server (a token, temporary keys) that cannot be sent in a header.</summary>
    internal sealed class UnusableCredentialException : FormatException
    {
        public UnusableCredentialException(string message) : base(message) { }
    }

    /// <summary>
    /// Checks a credential as it arrives (X-Subject-Token, temporary AK/SK/security token, the metadata session
    /// token): it goes into request headers, so only printable ASCII without spaces is accepted. Refused when it
    /// arrives, with its own error id, instead of failing every later call with an HTTP library message.
    /// </summary>
    internal static class ArrivedCredential
    {
        public static string Check(string value, string what)
        {
            foreach (char c in value)
            {
                // Never the value: it is a secret.
                if (c < '\u0021' || c > '\u007E')
                    throw new UnusableCredentialException($"the {what} it issued contains a character that is not printable ASCII (a control character, a space or a non-ASCII letter), so it cannot be sent in a request header.");
            }
            return value;
        }
    }
}
