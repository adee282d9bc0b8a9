using System;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Waiting
{
    /// <summary>
    /// The waiters' one rule for time: never sleep past a deadline, and cut a round of polls off when it comes, so a
    /// slow answer, a request timeout or a retry wait cannot hold the timeout error back (issue 12, "Deadlines").
    /// </summary>
    internal static class PollDeadline
    {
        /// <summary>
        /// A round that starts at (or just before) the deadline still gets this long, so a -Timeout shorter than the
        /// first poll interval reports a status seen at the deadline rather than none; the error stays within a second.
        /// </summary>
        public static readonly TimeSpan LastLook = TimeSpan.FromSeconds(1);

        public static TimeSpan Until(DateTime deadline, DateTime now) => deadline > now ? deadline - now : TimeSpan.Zero;

        public static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

        /// <summary>Runs <paramref name="round"/> with the call's cancellation also bound to the deadline (at least <see cref="LastLook"/> away); true when the deadline cut it off.</summary>
        public static async Task<bool> RunAsync(TimeProvider time, TimeSpan left, CallScope call, Func<CallScope, Task> round)
        {
            using (var deadline = time.CreateCancellationTokenSource(left < LastLook ? LastLook : left))
            using (var linked = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, deadline.Token))
            {
                try
                {
                    await round(call.WithCancellation(linked.Token)).ConfigureAwait(false);
                    return false;
                }
                catch (OperationCanceledException) when (deadline.IsCancellationRequested && !call.CancellationToken.IsCancellationRequested)
                {
                    return true;
                }
            }
        }
    }
}
