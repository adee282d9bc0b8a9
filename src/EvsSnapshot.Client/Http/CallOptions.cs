using System.Threading;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Http
{
    /// <summary>Per-call plumbing: where to report, how to cancel, and the gate that bounds requests in flight.</summary>
    public sealed class CallOptions
    {
        public CallOptions(IEvsTrace? trace = null, CancellationToken cancellationToken = default, ConcurrencyGate? gate = null)
        {
            Trace = trace ?? NullTrace.Instance;
            CancellationToken = cancellationToken;
            Gate = gate;
        }

        public IEvsTrace Trace { get; }
        public CancellationToken CancellationToken { get; }
        public ConcurrencyGate? Gate { get; }

        public static CallOptions None => new CallOptions();
    }
}
