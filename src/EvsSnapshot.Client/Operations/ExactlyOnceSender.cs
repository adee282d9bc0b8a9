using System;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Operations
{
    /// <summary>
    /// Sends a request that must take effect once although the API has no idempotency key: a second create makes
    /// a second snapshot; a second delete or rollback meets a 400 that hides the first one's success. After an
    /// ambiguous failure (the request may have been carried out), waits the backoff, then asks the caller's check
    /// whether it happened; only if not is it sent again, within the same retry budget.
    /// </summary>
    internal sealed class ExactlyOnceSender
    {
        private readonly EvsTransport _transport;

        public ExactlyOnceSender(EvsTransport transport)
        {
            _transport = transport;
        }

        /// <param name="check">Did it happen? (true, and the result to return) or (false, anything).</param>
        /// <param name="outcomeUnknown">The error when the check itself fails: (the ambiguous failure, the check's failure).</param>
        public async Task<T> SendAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, Func<Task<(bool done, T result)>> check,
            Func<EvsException, EvsException, EvsException> outcomeUnknown, CallScope call)
        {
            request.Idempotent = false;
            var state = new RetryState();
            while (true)
            {
                try
                {
                    return await _transport.SendAsync(request, parse, call, state).ConfigureAwait(false);
                }
                catch (AmbiguousOutcomeException ambiguous)
                {
                    call.Trace.Verbose($"{request.OperationSentence} may or may not have happened ({ambiguous.Failure.Message}). Checking before sending it again.");
                    // Wait first: a server that is slow to commit gets the backoff's time before we look.
                    var delay = await _transport.WaitBeforeRetryAsync(request, ambiguous.Failure, null, state, call).ConfigureAwait(false);
                    (bool done, T result) outcome;
                    try
                    {
                        outcome = await check().ConfigureAwait(false);
                    }
                    catch (EvsException checkFailure)
                    {
                        throw outcomeUnknown(ambiguous.Failure, checkFailure);
                    }
                    if (outcome.done) return outcome.result;
                    if (delay == null) throw ambiguous.Failure; // budget spent, and we know it did not happen
                }
            }
        }
    }
}
