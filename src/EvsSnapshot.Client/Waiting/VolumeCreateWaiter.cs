using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Waiting
{
    /// <summary>
    /// One poller for a batch of new disks (evs-api.md §11.6, §11.7): each poll lists up to 60 of them with one
    /// <c>ids</c> request; the job is read only when it can say more than the disk (the id is not known yet, the disk
    /// is hidden or in <c>error</c>), so a FAIL job's <c>fail_reason</c> and <c>error_code</c> reach the error. A disk
    /// is done at <c>available</c> (<c>in-use</c> when attached to a server). Same schedule and deadlines as <see cref="SnapshotWaiter"/>.
    /// </summary>
    public sealed class VolumeCreateWaiter
    {
        private readonly EvsApi _api;
        private readonly WaitOptions _options;
        private readonly CallScope _call;
        private readonly TimeProvider _time;
        private readonly object _lock = new object();
        private readonly List<Entry> _pending = new List<Entry>();
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0);
        private bool _addingComplete;
        private int _total;
        private int _finished;
        private int _requests;

        public VolumeCreateWaiter(EvsApi api, WaitOptions options, CallScope call)
        {
            _api = api;
            _options = options;
            _call = call;
            _time = api.Transport.Time;
        }

        public Action<VolumeCreateStarted, VolumeDetails>? Completed { get; set; }
        public Action<VolumeCreateStarted, EvsException>? Failed { get; set; }

        /// <summary>These disks ran out of time together; one error names them all.</summary>
        public Action<IReadOnlyList<VolumeDetails>, EvsException>? TimedOut { get; set; }

        /// <summary>(total, finished, pending disks with their last state).</summary>
        public Action<int, int, IReadOnlyList<VolumeDetails>>? Progress { get; set; }

        /// <summary>Requests made by the polls (lists, jobs and GETs).</summary>
        public int Requests => Volatile.Read(ref _requests);

        public void Add(VolumeCreateStarted started)
        {
            lock (_lock)
            {
                _pending.Add(new Entry(started, UtcNow + _options.Timeout));
                _total++;
            }
            _signal.Release();
        }

        public void CompleteAdding()
        {
            lock (_lock) _addingComplete = true;
            _signal.Release();
        }

        /// <summary>The disks not settled yet, with their last known state.</summary>
        public IReadOnlyList<VolumeDetails> PendingVolumes()
        {
            lock (_lock) return _pending.Select(e => e.Last).ToList();
        }

        private DateTime UtcNow => _time.GetUtcNow().UtcDateTime;

        public async Task RunAsync()
        {
            var interval = _options.InitialPollInterval;
            while (true)
            {
                List<Entry> batch;
                lock (_lock)
                {
                    batch = _pending.ToList();
                    if (batch.Count == 0 && _addingComplete) return;
                }
                if (batch.Count == 0)
                {
                    await _signal.WaitAsync(_call.CancellationToken).ConfigureAwait(false);
                    interval = _options.InitialPollInterval;
                    continue;
                }
                await _time.Delay(PollDeadline.Min(interval, UntilFirstDeadline(batch)), _call.CancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(_options.MaxPollInterval.TotalMilliseconds, interval.TotalMilliseconds * _options.BackoffFactor));
                lock (_lock) batch = _pending.ToList();
                await PollDeadline.RunAsync(_time, UntilFirstDeadline(batch), _call, call => PollAsync(batch, call)).ConfigureAwait(false);
                ExpireOverdue();
                ReportProgress();
            }
        }

        private TimeSpan UntilFirstDeadline(List<Entry> batch) => PollDeadline.Until(batch.Min(e => e.Deadline), UtcNow);

        private async Task PollAsync(List<Entry> batch, CallScope call)
        {
            await Task.WhenAll(batch.Where(e => e.VolumeId == null).Select(e => ReadJobAsync(e, call))).ConfigureAwait(false);
            var known = batch.Where(e => e.VolumeId != null && !e.Settled).ToList();
            var chunks = new List<List<Entry>>();
            for (int i = 0; i < known.Count; i += EvsApi.MaxIdsPerVolumeList) chunks.Add(known.GetRange(i, Math.Min(EvsApi.MaxIdsPerVolumeList, known.Count - i)));
            await Task.WhenAll(chunks.Select(chunk => PollChunkAsync(chunk, call))).ConfigureAwait(false);
        }

        private async Task PollChunkAsync(List<Entry> chunk, CallScope call)
        {
            var query = new VolumeQuery();
            foreach (var e in chunk) query.Ids.Add(e.VolumeId!);
            Dictionary<string, VolumeDetails> byId;
            try
            {
                Interlocked.Increment(ref _requests);
                var page = await _api.ListVolumesAsync(query, 0, chunk.Count, call).ConfigureAwait(false);
                byId = page.Items.GroupBy(v => v.Id, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First(), StringComparer.OrdinalIgnoreCase);
            }
            catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
            {
                call.Trace.Verbose("Polling the new disks failed; trying again at the next interval: " + ex.Message);
                return;
            }
            foreach (var entry in chunk)
            {
                if (!byId.TryGetValue(entry.VolumeId!, out var volume)) await ReadJobAsync(entry, call).ConfigureAwait(false); // hidden while creating, or gone
                else if (IsTarget(entry, volume)) Complete(entry, volume);
                else if (string.Equals(volume.Status, VolumeStatus.Error, StringComparison.OrdinalIgnoreCase))
                {
                    entry.Last = volume;
                    await ReadJobAsync(entry, call).ConfigureAwait(false);
                    if (!entry.Settled) Fail(entry, null);
                }
                else entry.Last = volume;
            }
        }

        /// <summary>The job says what the disk cannot: its id (while hidden), FAIL with the reason, or SUCCESS for a disk that vanished.</summary>
        private async Task ReadJobAsync(Entry entry, CallScope call)
        {
            if (entry.Started.JobId == null)
            {
                await CheckDiskAsync(entry, null, call).ConfigureAwait(false); // an earlier run's disk: no job to ask
                return;
            }
            VolumeJob job;
            try
            {
                Interlocked.Increment(ref _requests);
                job = await _api.GetJobAsync(entry.Started.JobId, call).ConfigureAwait(false);
            }
            catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
            {
                call.Trace.Verbose($"Reading job {entry.Started.JobId} failed; trying again at the next interval: {ex.Message}");
                return;
            }
            if (entry.VolumeId == null && job.VolumeId != null)
            {
                entry.VolumeId = job.VolumeId;
                entry.Last = VolumeOperations.Placeholder(entry.Started, job.VolumeId);
            }
            if (job.Failed)
            {
                Fail(entry, job);
                return;
            }
            if (!job.Succeeded || entry.VolumeId == null) return; // INIT / RUNNING: the next poll looks again
            await CheckDiskAsync(entry, job, call).ConfigureAwait(false);
        }

        /// <summary>The disk itself, when the list did not show it ready: ready, still on its way, or gone.</summary>
        private async Task CheckDiskAsync(Entry entry, VolumeJob? job, CallScope call)
        {
            try
            {
                Interlocked.Increment(ref _requests);
                var volume = await _api.GetVolumeAsync(entry.VolumeId!, call).ConfigureAwait(false);
                if (IsTarget(entry, volume)) Complete(entry, volume);
                else if (job == null && string.Equals(volume.Status, VolumeStatus.Error, StringComparison.OrdinalIgnoreCase))
                {
                    entry.Last = volume;
                    Fail(entry, null);
                }
                else entry.Last = volume;
            }
            catch (EvsApiException gone) when (gone.StatusCode == 404)
            {
                Fail(entry, job, vanished: true);
            }
            catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
            {
                call.Trace.Verbose($"Checking disk {entry.VolumeId} failed; trying again at the next interval: {ex.Message}");
            }
        }

        private static bool IsTarget(Entry entry, VolumeDetails volume) => IsReady(entry.Started, volume);

        /// <summary>Whether the disk of that create is ready: available, or in-use when it was to be attached to a server.</summary>
        public static bool IsReady(VolumeCreateStarted started, VolumeDetails volume) =>
            string.Equals(volume.Status, started.Plan.ServerId != null ? VolumeStatus.InUse : VolumeStatus.Available, StringComparison.OrdinalIgnoreCase);

        private void Complete(Entry entry, VolumeDetails volume)
        {
            if (!Settle(entry)) return;
            entry.Last = volume;
            Completed?.Invoke(entry.Started, volume);
        }

        private void Fail(Entry entry, VolumeJob? job, bool vanished = false)
        {
            if (!Settle(entry)) return;
            string disk = Describe(entry.Last);
            string reason = job?.Failed == true
                ? $": {InputValidator.Printable(job.FailReason ?? "no reason given")} ({job.ErrorCode ?? "no error code"}, job {job.JobId})"
                : vanished ? (job != null ? $": the job {job.JobId} succeeded but the disk no longer exists (deleted meanwhile)" : ": the disk no longer exists (deleted meanwhile)")
                : $": the disk is in status '{entry.Last.Status}'";
            var error = new EvsException(EvsErrorKind.WaitFailed, "VolumeCreateFailed",
                $"Creating disk {disk} from snapshot {entry.Started.Plan.SnapshotId} failed{reason}.")
            {
                Target = entry.Last,
            }.Advise(EvsAdvice.None, ("JobId", entry.Started.JobId), ("ErrorCode", job?.ErrorCode), ("FailReason", job?.FailReason), ("VolumeId", entry.VolumeId));
            Failed?.Invoke(entry.Started, error);
        }

        private bool Settle(Entry entry)
        {
            lock (_lock)
            {
                if (entry.Settled) return false;
                entry.Settled = true;
                _pending.Remove(entry);
                _finished++;
                return true;
            }
        }

        private void ExpireOverdue()
        {
            List<Entry> overdue;
            lock (_lock)
            {
                var now = UtcNow;
                overdue = _pending.Where(e => now >= e.Deadline).ToList();
                foreach (var e in overdue)
                {
                    e.Settled = true;
                    _pending.Remove(e);
                }
                _finished += overdue.Count;
            }
            if (overdue.Count == 0) return;
            var error = new EvsException(EvsErrorKind.WaitTimeout, "WaitTimeout",
                string.Format(CultureInfo.InvariantCulture, "Timed out after {0:0.#} s waiting for {1} new disk(s) to be ready; still pending: {2}.",
                    _options.Timeout.TotalSeconds, overdue.Count, string.Join(", ", overdue.Select(e => Describe(e.Last)))))
            {
                Target = overdue.Select(e => (object)e.Last).ToArray(),
                Advice = EvsAdvice.WaitLonger,
            };
            TimedOut?.Invoke(overdue.Select(e => e.Last).ToList(), error);
        }

        private void ReportProgress()
        {
            if (Progress == null) return;
            int total, finished;
            List<VolumeDetails> pending;
            lock (_lock)
            {
                total = _total;
                finished = _finished;
                pending = _pending.Select(e => e.Last).ToList();
            }
            Progress(total, finished, pending);
        }

        /// <summary><c>'name' (id, status)</c>.</summary>
        public static string Describe(VolumeDetails volume)
        {
            string name = !string.IsNullOrEmpty(volume.Name) ? "'" + InputValidator.Printable(volume.Name) + "' " : string.Empty;
            return $"{name}({(volume.Id.Length > 0 ? volume.Id : "id not known yet")}, {volume.Status})";
        }

        private sealed class Entry
        {
            public Entry(VolumeCreateStarted started, DateTime deadline)
            {
                Started = started;
                Deadline = deadline;
                VolumeId = started.VolumeId;
                Last = started.Earlier ?? VolumeOperations.Placeholder(started, started.VolumeId);
            }

            public VolumeCreateStarted Started { get; }
            public DateTime Deadline { get; }
            public string? VolumeId { get; set; }
            public VolumeDetails Last { get; set; }
            public bool Settled { get; set; }
        }
    }
}
