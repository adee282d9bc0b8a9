using System;
using System.IO;

namespace EvsSnapshot.Client.Http
{
    /// <summary>The errors reported for attempts that produced no usable answer: facts only, the advice as a kind.</summary>
    internal static class TransportErrors
    {
        public static EvsTransportException From(Exception exception, Verdict verdict, ApiRequest request, Uri endpoint, TimeSpan requestTimeout, SecretRedactor redactor)
        {
            string method = request.Method.Method, path = request.PathText, operation = request.Operation;
            switch (verdict.Reason)
            {
                case "timeout":
                    return new EvsTransportException(EvsErrorKind.Timeout, "RequestTimeout",
                        $"Could not {operation}: no answer within {requestTimeout.TotalSeconds:0.#} s.", method, path, exception);
                case "answer-too-large":
                    return new EvsTransportException(EvsErrorKind.MalformedResponse, "MalformedResponse",
                        $"Could not {operation}: {exception.Message}", method, path, exception);
                case "certificate":
                    var certificate = new EvsTransportException(EvsErrorKind.Network, "CertificateValidationFailed",
                        $"Could not {operation}: the server's TLS certificate was not accepted.", method, path, exception);
                    certificate.Advise(EvsAdvice.TrustCertificate);
                    return certificate;
                case "connection-failed":
                    return new EvsTransportException(EvsErrorKind.Network, "ConnectionFailed",
                        $"Could not {operation}: could not connect to {endpoint.GetLeftPart(UriPartial.Authority)} ({redactor.ForMessage(InnermostMessage(exception))}).",
                        method, path, exception);
                default:
                    return new EvsTransportException(EvsErrorKind.Network, "ConnectionLost",
                        $"Could not {operation}: the connection was lost before the answer arrived ({redactor.ForMessage(InnermostMessage(exception))}).",
                        method, path, exception);
            }
        }

        /// <summary>
        /// A 2xx answer that is not the documented JSON. The reason may quote the answer (a malformed field), so
        /// it and the request id are scrubbed of secrets and made safe for a terminal.
        /// </summary>
        public static EvsTransportException Unreadable(Exception exception, ApiRequest request, ApiResponse response, SecretRedactor redactor) =>
            new EvsTransportException(EvsErrorKind.MalformedResponse, exception is Auth.UnusableCredentialException ? "UnusableCredential" : "MalformedResponse",
                $"Could not {request.Operation}: the answer (HTTP {response.StatusCode}, request id {(response.RequestId == null ? "none" : redactor.ForMessage(response.RequestId))}) was not the JSON the API documents: {redactor.ForMessage(exception.Message)}",
                request.Method.Method, request.PathText, new InvalidDataException(redactor.Scrub(exception.Message)));

        internal static string InnermostMessage(Exception exception)
        {
            var e = exception;
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }
    }
}
