using System;
using System.Linq;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Waiting
{
    /// <summary>Polls one disk until it reaches a status, with the same schedule and deadlines as <see cref="SnapshotWaiter"/>.</summary>
    public static class VolumeWaiter
    {
        public static async Task<VolumeDetails> WaitForStatusAsync(EvsApi api, string volumeId, string targetStatus, string[] failureStatuses,
            WaitOptions options, CallScope call)
        {
            var time = api.Transport.Time;
            var deadline = time.GetUtcNow().UtcDateTime + options.Timeout;
            var interval = options.InitialPollInterval;
            VolumeDetails? last = null;
            while (true)
            {
                await time.Delay(PollDeadline.Min(interval, PollDeadline.Until(deadline, time.GetUtcNow().UtcDateTime)), call.CancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(options.MaxPollInterval.TotalMilliseconds, interval.TotalMilliseconds * options.BackoffFactor));
                try
                {
                    var seen = last;
                    await PollDeadline.RunAsync(time, PollDeadline.Until(deadline, time.GetUtcNow().UtcDateTime), call,
                        async bounded => seen = await api.GetVolumeAsync(volumeId, bounded).ConfigureAwait(false)).ConfigureAwait(false);
                    last = seen;
                }
                catch (EvsApiException ex) when (ex.StatusCode == 404)
                {
                    throw new EvsException(EvsErrorKind.NotFound, "VolumeNotFound", $"Volume {volumeId} no longer exists (deleted while waiting).", ex) { Target = volumeId };
                }
                catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
                {
                    call.Trace.Verbose($"Checking volume {volumeId} failed; trying again at the next interval: {ex.Message}");
                }
                if (last != null && string.Equals(last.Status, targetStatus, StringComparison.OrdinalIgnoreCase)) return last;
                if (last != null && failureStatuses.Contains(last.Status, StringComparer.OrdinalIgnoreCase))
                {
                    throw new EvsException(EvsErrorKind.WaitFailed, "VolumeFailed",
                        $"Volume {volumeId} ({last.Name}) is in status '{last.Status}' and will not become '{targetStatus}' by itself.")
                    {
                        Target = last,
                        Advice = last.Status == VolumeStatus.ErrorRollbacking ? EvsAdvice.RetryRollback : EvsAdvice.None,
                    };
                }
                if (time.GetUtcNow().UtcDateTime >= deadline)
                {
                    throw new EvsException(EvsErrorKind.WaitTimeout, "WaitTimeout",
                        $"Timed out after {options.Timeout.TotalSeconds:0} s waiting for volume {volumeId} to be '{targetStatus}'; last status: {last?.Status ?? "unknown"}.")
                    { Target = (object?)last ?? volumeId };
                }
            }
        }
    }
}
