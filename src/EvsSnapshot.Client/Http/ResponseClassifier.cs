using System;
using System.IO;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;

namespace EvsSnapshot.Client.Http
{
    /// <summary>What to do after one attempt.</summary>
    internal enum VerdictKind
    {
        /// <summary>The answer is good.</summary>
        Success,

        /// <summary>The request certainly had no effect (or repeating it is harmless): send it again after a backoff.</summary>
        RetrySafely,

        /// <summary>The server may have acted on it: a request that must take effect once is checked before it is sent again.</summary>
        Ambiguous,

        /// <summary>Final: report the error.</summary>
        Fail,
    }

    /// <summary>One attempt's verdict and why, in words for the trace and the error id of its failure.</summary>
    internal readonly struct Verdict
    {
        public Verdict(VerdictKind kind, string reason, bool throttled = false, bool overloaded = false)
        {
            Kind = kind;
            Reason = reason;
            Throttled = throttled;
            Overloaded = overloaded;
        }

        public VerdictKind Kind { get; }

        /// <summary>Short and stable, e.g. <c>timeout</c>, <c>connection-lost</c>, <c>http-503</c>.</summary>
        public string Reason { get; }

        /// <summary>The gateway refused the request for its rate (429): the pacer's business, not a failed attempt.</summary>
        public bool Throttled { get; }

        /// <summary>The service or a proxy is overloaded (502/503/504, no answer in time): fewer requests in flight help.</summary>
        public bool Overloaded { get; }

        public override string ToString() => Kind + " (" + Reason + ")";
    }

    /// <summary>
    /// Pure decisions over one attempt's outcome: an HTTP status, an exception while sending, or an answer that
    /// could not be read. Whether a request is idempotent turns "ambiguous" into "retry safely".
    /// </summary>
    internal static class ResponseClassifier
    {
        public static Verdict ForStatus(int status)
        {
            if (status >= 200 && status < 300) return new Verdict(VerdictKind.Success, "http-" + status);
            switch (status)
            {
                case 429:
                    return new Verdict(VerdictKind.RetrySafely, "throttled", throttled: true); // refused by the gateway before the service saw it
                case 502:
                case 503:
                case 504:
                    return new Verdict(VerdictKind.Ambiguous, "http-" + status, overloaded: true); // a proxy or the service may have acted first
                default:
                    return new Verdict(VerdictKind.Fail, "http-" + status); // validation, auth, state and not-found errors are final
            }
        }

        /// <summary>A 2xx whose body is not the documented JSON: the server acted on it, only the answer is broken.</summary>
        public static Verdict ForUnreadableAnswer() => new Verdict(VerdictKind.Ambiguous, "malformed-answer");

        /// <summary>An exception from sending or reading; null for exceptions that are not about the exchange (bugs, cancellation).</summary>
        public static Verdict? ForException(Exception exception)
        {
            switch (exception)
            {
                case RequestTimeoutException _:
                    return new Verdict(VerdictKind.Ambiguous, "timeout", overloaded: true);
                case ResponseTooLargeException _:
                    return new Verdict(VerdictKind.Ambiguous, "answer-too-large");
                case HttpRequestException http when IsCertificateFailure(http):
                    return new Verdict(VerdictKind.Fail, "certificate");
                case HttpRequestException _:
                case IOException _:
                    return IsNotSent(exception)
                        ? new Verdict(VerdictKind.RetrySafely, "connection-failed")
                        : new Verdict(VerdictKind.Ambiguous, "connection-lost");
                default:
                    return null;
            }
        }

        /// <summary>The verdict for this request: an ambiguous outcome is safe to retry when repeating it is harmless.</summary>
        public static VerdictKind Resolve(Verdict verdict, bool idempotent) =>
            verdict.Kind == VerdictKind.Ambiguous && idempotent ? VerdictKind.RetrySafely : verdict.Kind;

        /// <summary>True when the request certainly never reached the server (safe to send again, even a create).</summary>
        internal static bool IsNotSent(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.AddressNotAvailable:
                            return true;
                    }
                }
            }
            return false;
        }

        private static bool IsCertificateFailure(Exception exception)
        {
            for (var e = exception; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException) return true;
            }
            return false;
        }
    }
}
