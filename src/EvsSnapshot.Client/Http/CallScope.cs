using System.Threading;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// What one caller (a cmdlet invocation) gives each of its calls: where to report, how to cancel, and the gate
    /// that bounds its requests in flight. Not a context: the project, endpoints and credentials are the client's.
    /// </summary>
    public sealed class CallScope
    {
        public CallScope(IEvsTrace? trace = null, CancellationToken cancellationToken = default, ConcurrencyGate? gate = null)
        {
            Trace = trace ?? NullTrace.Instance;
            CancellationToken = cancellationToken;
            Gate = gate;
        }

        public IEvsTrace Trace { get; }
        public CancellationToken CancellationToken { get; }
        public ConcurrencyGate? Gate { get; }

        /// <summary>The same caller without the gate (for calls made while a slot is already held).</summary>
        public CallScope Ungated() => Gate == null ? this : new CallScope(Trace, CancellationToken);

        /// <summary>The same caller with another cancellation token.</summary>
        public CallScope WithCancellation(CancellationToken cancellationToken) => new CallScope(Trace, cancellationToken, Gate);

        public static CallScope None => new CallScope();
    }
}
