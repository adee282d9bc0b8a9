using System;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// A non-idempotent request failed in a way that leaves its outcome unknown: the server may have acted on it.
    /// The caller must find out before sending it again.
    /// </summary>
    internal sealed class AmbiguousOutcomeException : Exception
    {
        public AmbiguousOutcomeException(EvsException failure) : base(failure.Message, failure) { Failure = failure; }
        public EvsException Failure { get; }
    }

    /// <summary>No answer within the request timeout.</summary>
    internal sealed class RequestTimeoutException : Exception
    {
    }

    /// <summary>The answer is larger than the transport accepts; the server may have acted on the request.</summary>
    internal sealed class ResponseTooLargeException : Exception
    {
        public ResponseTooLargeException(string message) : base(message) { }
    }
}
