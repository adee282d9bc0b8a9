using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Paging;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Waiting
{
    public sealed class WaitOptions
    {
        /// <summary>Status to wait for; ignored when <see cref="Deleted"/>.</summary>
        public string TargetStatus { get; set; } = SnapshotStatus.Available;

        /// <summary>Wait until the snapshot is gone (404) instead.</summary>
        public bool Deleted { get; set; }

        /// <summary>Per snapshot, counted from when it joins the wait.</summary>
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        public TimeSpan InitialPollInterval { get; set; } = TimeSpan.FromSeconds(1);
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);
        public double BackoffFactor { get; set; } = 1.5;

        /// <summary>Snapshots asked for in one list request (the <c>id</c> filter repeats).</summary>
        public int BatchSize { get; set; } = 50;
    }

    /// <summary>Where a wait stands, for a progress bar.</summary>
    public sealed class WaitProgress
    {
        internal WaitProgress(int total, int finished, IReadOnlyList<SnapshotDetails> pending, int percent)
        {
            Total = total;
            Finished = finished;
            Pending = pending;
            PercentComplete = percent;
        }

        public int Total { get; }
        public int Finished { get; }
        public IReadOnlyList<SnapshotDetails> Pending { get; }
        public int PercentComplete { get; }
    }

    /// <summary>
    /// One poller for a whole batch: snapshots join at any time (as creates finish), and every poll asks for up
    /// to <see cref="WaitOptions.BatchSize"/> of them in one list request. Polling starts fast and backs off;
    /// results are reported through callbacks as each snapshot finishes, fails, or runs out of time.
    /// </summary>
    public sealed class SnapshotWaiter
    {
        private static readonly string[] CreateFailures = { SnapshotStatus.Error, SnapshotStatus.ErrorDeleting };

        private readonly EvsApi _api;
        private readonly WaitOptions _options;
        private readonly CallScope _call;
        private readonly TimeProvider _time;
        private readonly object _lock = new object();
        private readonly Dictionary<string, Entry> _pending = new Dictionary<string, Entry>(StringComparer.OrdinalIgnoreCase);
        private readonly SemaphoreSlim _signal = new SemaphoreSlim(0);
        private bool _addingComplete;
        private int _total;
        private int _finished;

        public SnapshotWaiter(EvsApi api, WaitOptions options, CallScope call)
        {
            _api = api;
            _options = options;
            _call = call;
            _time = api.Transport.Time;
        }

        private DateTime UtcNow => _time.GetUtcNow().UtcDateTime;

        /// <summary>The snapshot reached the target (null details for <c>-Deleted</c>: it is gone).</summary>
        public Action<string, SnapshotDetails?>? Completed { get; set; }

        /// <summary>The snapshot reached a state it will not leave by itself (error, error_deleting) or vanished.</summary>
        public Action<string, EvsException>? Failed { get; set; }

        /// <summary>These snapshots ran out of time together; one report names them all with their last status.</summary>
        public Action<IReadOnlyList<SnapshotDetails>, EvsException>? TimedOut { get; set; }

        public Action<WaitProgress>? Progress { get; set; }

        /// <summary>Polls made (each is one list request, or one GET in the fallback).</summary>
        public int Requests => Volatile.Read(ref _requests);

        private int _requests;

        /// <summary>Adds a snapshot to the wait; the outcome is reported through the callbacks.</summary>
        public void Add(string snapshotId, SnapshotDetails? lastKnown = null) => AddEntry(snapshotId, lastKnown, null);

        /// <summary>Adds a snapshot and returns a task for its own outcome (the callbacks fire too).</summary>
        public Task<SnapshotDetails?> WaitForAsync(string snapshotId, SnapshotDetails? lastKnown = null)
        {
            var completion = new TaskCompletionSource<SnapshotDetails?>(TaskCreationOptions.RunContinuationsAsynchronously);
            AddEntry(snapshotId, lastKnown, completion);
            return completion.Task;
        }

        private void AddEntry(string snapshotId, SnapshotDetails? lastKnown, TaskCompletionSource<SnapshotDetails?>? completion)
        {
            lock (_lock)
            {
                if (_pending.TryGetValue(snapshotId, out var existing))
                {
                    if (completion != null) existing.Completions.Add(completion);
                    return;
                }
                var entry = new Entry(snapshotId, lastKnown, UtcNow + _options.Timeout);
                if (completion != null) entry.Completions.Add(completion);
                _pending[snapshotId] = entry;
                _total++;
            }
            _signal.Release();
        }

        /// <summary>No more snapshots will join; <see cref="RunAsync"/> ends when the pending ones are settled.</summary>
        public void CompleteAdding()
        {
            lock (_lock) _addingComplete = true;
            _signal.Release();
        }

        public async Task RunAsync()
        {
            try
            {
                await PollUntilSettledAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Cancelled (Ctrl+C) or broken: nobody may wait forever on a snapshot this poller will not settle,
                // and those who wait learn why.
                List<Entry> left;
                lock (_lock) left = _pending.Values.ToList();
                foreach (var entry in left)
                {
                    foreach (var completion in entry.Completions)
                    {
                        if (ex is OperationCanceledException) completion.TrySetCanceled();
                        else completion.TrySetException(ex);
                    }
                }
                throw;
            }
        }

        private async Task PollUntilSettledAsync()
        {
            var interval = _options.InitialPollInterval;
            while (true)
            {
                List<Entry> batch;
                lock (_lock)
                {
                    batch = _pending.Values.ToList();
                    if (batch.Count == 0 && _addingComplete) return;
                }
                if (batch.Count == 0)
                {
                    await _signal.WaitAsync(_call.CancellationToken).ConfigureAwait(false);
                    interval = _options.InitialPollInterval; // a new snapshot: start fast again
                    continue;
                }

                // Never sleep past the first deadline: it is reported when it comes, not at the next poll.
                await _time.Delay(PollDeadline.Min(interval, UntilFirstDeadline(batch)), _call.CancellationToken).ConfigureAwait(false);
                interval = TimeSpan.FromMilliseconds(Math.Min(_options.MaxPollInterval.TotalMilliseconds, interval.TotalMilliseconds * _options.BackoffFactor));

                lock (_lock) batch = _pending.Values.ToList();
                await PollUntilDeadlineAsync(batch).ConfigureAwait(false);
                ExpireOverdue();
                ReportProgress();
            }
        }

        /// <summary>Polls every chunk together (the caller's concurrency gate, -ThrottleLimit, bounds the requests in flight) until the first deadline of the batch.</summary>
        private Task PollUntilDeadlineAsync(List<Entry> batch) =>
            PollDeadline.RunAsync(_time, UntilFirstDeadline(batch), _call,
                call => Task.WhenAll(Chunk(batch, _options.BatchSize).Select(chunk => PollAsync(chunk, call)))); // cut off: ExpireOverdue reports what is pending

        private TimeSpan UntilFirstDeadline(List<Entry> batch) => PollDeadline.Until(batch.Min(e => e.Deadline), UtcNow);

        private async Task PollAsync(List<Entry> chunk, CallScope call)
        {
            var query = new SnapshotQuery();
            foreach (var e in chunk) query.Ids.Add(e.Id);
            Page<SnapshotDetails> page;
            try
            {
                Interlocked.Increment(ref _requests);
                page = await _api.ListSnapshotsAsync(query, 0, chunk.Count, call).ConfigureAwait(false);
            }
            catch (EvsException ex) when (ex.Kind != EvsErrorKind.Authentication && ex.Kind != EvsErrorKind.PermissionDenied)
            {
                // One failed poll (after the transport's own retries) is not a verdict on the snapshots; poll again later.
                _call.Trace.Verbose("Polling snapshot status failed; trying again at the next interval: " + ex.Message);
                return;
            }

            var byId = new Dictionary<string, SnapshotDetails>(StringComparer.OrdinalIgnoreCase);
            foreach (var s in page.Items) byId[s.Id] = s;
            bool filterHonoured = page.Items.All(s => chunk.Any(e => string.Equals(e.Id, s.Id, StringComparison.OrdinalIgnoreCase)))
                                  && (!page.TotalCount.HasValue || page.TotalCount.Value <= chunk.Count);
            foreach (var entry in chunk)
            {
                if (byId.TryGetValue(entry.Id, out var details))
                {
                    Evaluate(entry, details);
                }
                else if (filterHonoured)
                {
                    await ConfirmMissingAsync(entry, call).ConfigureAwait(false);
                }
                else
                {
                    // The server ignored the id filter: ask for this one directly.
                    try
                    {
                        Interlocked.Increment(ref _requests);
                        Evaluate(entry, await _api.GetSnapshotAsync(entry.Id, call).ConfigureAwait(false));
                    }
                    catch (EvsApiException ex) when (ex.StatusCode == 404)
                    {
                        Gone(entry);
                    }
                }
            }
        }

        private async Task ConfirmMissingAsync(Entry entry, CallScope call)
        {
            // Absent from a filtered list: confirm with a GET, so a server that filters oddly cannot fake a deletion.
            try
            {
                Interlocked.Increment(ref _requests);
                Evaluate(entry, await _api.GetSnapshotAsync(entry.Id, call).ConfigureAwait(false));
            }
            catch (EvsApiException ex) when (ex.StatusCode == 404)
            {
                Gone(entry);
            }
            catch (EvsException ex)
            {
                _call.Trace.Verbose($"Checking snapshot {entry.Id} failed; trying again at the next interval: {ex.Message}");
            }
        }

        private void Gone(Entry entry)
        {
            if (_options.Deleted)
            {
                Finish(entry, () => Completed?.Invoke(entry.Id, null), null, null);
                return;
            }
            var error = new EvsException(EvsErrorKind.NotFound, "SnapshotVanished",
                $"Snapshot {entry.Id} no longer exists (last status: {DisplayText.Safe(entry.Last?.Status ?? "unknown")}); it was deleted while waiting for '{_options.TargetStatus}'.")
            { Target = entry.Id };
            Finish(entry, () => Failed?.Invoke(entry.Id, error), null, error);
        }

        private void Evaluate(Entry entry, SnapshotDetails details)
        {
            // The disk's name is known only from what the caller passed in; keep it on the fresh state.
            if (details.VolumeName == null) details.VolumeName = entry.Last?.VolumeName;
            entry.Last = details;
            if (!_options.Deleted && string.Equals(details.Status, _options.TargetStatus, StringComparison.OrdinalIgnoreCase))
            {
                Finish(entry, () => Completed?.Invoke(entry.Id, details), details, null);
                return;
            }
            if (CreateFailures.Contains(details.Status, StringComparer.OrdinalIgnoreCase)
                && !string.Equals(details.Status, _options.TargetStatus, StringComparison.OrdinalIgnoreCase))
            {
                string what = details.Status == SnapshotStatus.ErrorDeleting ? "deleting it failed" : "it failed";
                var error = new EvsException(EvsErrorKind.WaitFailed, "SnapshotFailed",
                    $"Snapshot {DisplayText.Safe(details.Id)} ({Validation.InputValidator.Printable(details.Name)}) is in status '{DisplayText.Safe(details.Status)}': {what}, and it will not become '{(_options.Deleted ? "deleted" : _options.TargetStatus)}' by itself.")
                {
                    Target = details,
                }.Advise(details.Status == SnapshotStatus.Error ? EvsAdvice.RecreateSnapshot : EvsAdvice.ContactSupport, ("SnapshotId", details.Id));
                Finish(entry, () => Failed?.Invoke(entry.Id, error), null, error);
            }
        }

        private void ExpireOverdue()
        {
            List<Entry> overdue;
            lock (_lock)
            {
                var now = UtcNow;
                overdue = _pending.Values.Where(e => now >= e.Deadline).ToList();
                foreach (var e in overdue) _pending.Remove(e.Id);
                _finished += overdue.Count;
            }
            if (overdue.Count == 0) return;
            string target = _options.Deleted ? "deleted" : "'" + _options.TargetStatus + "'";
            string list = string.Join(", ", overdue.Select(e => Describe(e.Id, e.Last)));
            var error = new EvsException(EvsErrorKind.WaitTimeout, "WaitTimeout",
                string.Format(CultureInfo.InvariantCulture, "Timed out after {0} waiting for {1} snapshot(s) to be {2}; still pending: {3}.",
                    FormatSpan(_options.Timeout), overdue.Count, target, list))
            {
                Target = overdue.Select(e => (object?)e.Last ?? e.Id).ToArray(),
                Advice = EvsAdvice.WaitLonger,
            };
            TimedOut?.Invoke(overdue.Select(e => e.Last ?? new SnapshotDetails { Id = e.Id, Status = "unknown" }).ToList(), error);
            foreach (var e in overdue) Settle(e, null, error);
        }

        private void Finish(Entry entry, Action report, SnapshotDetails? result, EvsException? error)
        {
            lock (_lock)
            {
                if (!_pending.Remove(entry.Id)) return;
                _finished++;
            }
            report();
            Settle(entry, result, error);
        }

        private static void Settle(Entry entry, SnapshotDetails? result, EvsException? error)
        {
            foreach (var completion in entry.Completions)
            {
                if (error != null) completion.TrySetException(error);
                else completion.TrySetResult(result);
            }
        }

        private void ReportProgress()
        {
            if (Progress == null) return;
            List<SnapshotDetails> pending;
            int total, finished;
            lock (_lock)
            {
                pending = _pending.Values.Select(e => e.Last ?? new SnapshotDetails { Id = e.Id, Status = "unknown" }).ToList();
                total = _total;
                finished = _finished;
            }
            // Finished ones count 100%; pending ones by their progress field (0 when unknown).
            double sum = finished * 100.0 + pending.Sum(p => (double)(p.Progress ?? 0));
            int percent = total == 0 ? 100 : (int)Math.Min(100, Math.Round(sum / total));
            Progress(new WaitProgress(total, finished, pending, percent));
        }

        /// <summary>The snapshots not settled yet, with their last known state (for a report when the wait is interrupted).</summary>
        public IReadOnlyList<SnapshotDetails> PendingSnapshots()
        {
            lock (_lock) return _pending.Values.Select(e => e.Last ?? new SnapshotDetails { Id = e.Id, Status = "unknown" }).ToList();
        }

        /// <summary><c>'name' (id, status, 45%)</c>: what a person needs to find a snapshot in a report.</summary>
        public static string Describe(string id, SnapshotDetails? last)
        {
            string name = last?.Name != null ? "'" + Validation.InputValidator.Printable(last.Name) + "' " : string.Empty;
            return DisplayText.Safe($"{name}({id}, {last?.Status ?? "status unknown"}{ProgressText(last)})");
        }

        private static string ProgressText(SnapshotDetails? details) =>
            details?.Progress != null && details.Status == SnapshotStatus.Creating ? ", " + details.Progress + "%" : string.Empty;

        private static string FormatSpan(TimeSpan span) =>
            span.TotalMinutes >= 1 ? span.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min" : span.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";

        private static IEnumerable<List<Entry>> Chunk(List<Entry> items, int size)
        {
            for (int i = 0; i < items.Count; i += size) yield return items.GetRange(i, Math.Min(size, items.Count - i));
        }

        private sealed class Entry
        {
            public Entry(string id, SnapshotDetails? last, DateTime deadline)
            {
                Id = id;
                Last = last;
                Deadline = deadline;
            }

            public string Id { get; }
            public SnapshotDetails? Last { get; set; }
            public DateTime Deadline { get; }
            public List<TaskCompletionSource<SnapshotDetails?>> Completions { get; } = new List<TaskCompletionSource<SnapshotDetails?>>();
        }
    }
}
