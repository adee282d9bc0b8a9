using System;
using System.Collections.Concurrent;

namespace EvsSnapshot.Client.Http.Pacing
{
    /// <summary>
    /// The pacers of a process, one per budget: (credential, endpoint authority, service, class of call). The engine
    /// assembly is loaded once per process (its own load context on PowerShell 7), so <see cref="Shared"/> is shared by
    /// every context, cmdlet and runspace: two pipelines of ForEach-Object -Parallel on one credential share one
    /// budget, and a later cmdlet starts at the rate an earlier one learned. Another process learns on its own.
    /// </summary>
    internal sealed class PacerRegistry
    {
        private readonly ConcurrentDictionary<string, RatePacer> _pacers = new ConcurrentDictionary<string, RatePacer>(StringComparer.Ordinal);

        public static PacerRegistry Shared { get; } = new PacerRegistry();

        /// <summary>The pacer of a budget, created on first use with <paramref name="time"/>.</summary>
        public RatePacer For(string credentialKey, Uri endpoint, ApiService service, RequestClass requestClass, TimeProvider time)
        {
            string key = credentialKey + "|" + endpoint.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + "|" + service + "|" + requestClass;
            if (_pacers.TryGetValue(key, out var pacer)) return pacer;
            string calls = service == ApiService.Iam ? "IAM" : requestClass == RequestClass.Write ? "write" : "read";
            return _pacers.GetOrAdd(key, _ => new RatePacer(calls, time));
        }

        public int Count => _pacers.Count;
    }
}
