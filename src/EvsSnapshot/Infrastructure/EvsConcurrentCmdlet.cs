using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Waiting;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of the cmdlets that change things: each pipeline item is validated and confirmed on the pipeline
    /// thread (so -WhatIf and -Confirm work item by item), then sent concurrently, with at most -ThrottleLimit
    /// requests in flight (lowered automatically while the gateway throttles). Results and per-item errors are
    /// written on the pipeline thread in completion order. Waiting (-Wait) uses one poller for the whole batch.
    /// </summary>
    public abstract class EvsConcurrentCmdlet : EvsCmdlet
    {
        public const int DefaultThrottleLimit = 8;

        private ConcurrencyGate? _gate;
        private CallScope? _gatedCall;
        private int _outstanding;
        private SnapshotWaiter? _waiter;
        private Task? _waiterTask;
        private string _waitActivity = string.Empty;
        private static int _nextProgressId = 100;
        private readonly int _progressId = Interlocked.Increment(ref _nextProgressId);

        /// <summary>Most requests in flight at once (1 sends one request at a time).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        protected override CallScope Call => _gatedCall ??= new CallScope(Trace, StopToken, _gate ??= new ConcurrencyGate(ThrottleLimit));

        /// <summary>Keeps a bounded backlog, so a long pipeline does not turn into thousands of queued tasks.</summary>
        private int MaxBacklog => Math.Max(16, ThrottleLimit * 2);

        /// <summary>Starts the work for one pipeline item. What it writes must go through <see cref="EvsCmdlet.Post"/>.</summary>
        protected void Submit(object? target, Func<CallScope, Task> work, string? notFoundErrorId = null)
        {
            var call = Call;
            Interlocked.Increment(ref _outstanding);
            Task.Run(() => work(call)).ContinueWith(done =>
            {
                if (done.IsFaulted)
                {
                    var error = done.Exception!.InnerException!;
                    Post(() => WriteEvsError(error, target, notFoundErrorId));
                }
                Interlocked.Decrement(ref _outstanding);
                Post(() => { }); // wake the pump to re-check
            }, TaskScheduler.Default);

            DrainPosted();
            PumpWhile(() => Volatile.Read(ref _outstanding) >= MaxBacklog);
        }

        /// <summary>Writes results until every submitted item has finished.</summary>
        protected void WaitForSubmitted() => PumpWhile(() => Volatile.Read(ref _outstanding) > 0);

        protected override void EndProcessing()
        {
            WaitForSubmitted();
            FinishWaiting();
            base.EndProcessing();
        }

        // ------------------------------------------------------------------ batch waiting

        protected bool IsWaiting => _waiter != null;

        /// <summary>Starts the batch poller. Completed snapshots are handed to <paramref name="completed"/> on the pipeline thread.</summary>
        protected void StartWaiting(WaitOptions options, string activity, Action<string, SnapshotDetails?> completed, bool reportTimeoutsTogether = true)
        {
            _waitActivity = activity;
            _waiter = new SnapshotWaiter(ActiveContext.Api, options, Call)
            {
                Completed = (id, details) => Post(() => completed(id, details)),
                Failed = (id, error) => Post(() => WriteEvsError(error, id)),
                Progress = progress => Post(() => WriteWaitProgress(progress)),
            };
            if (reportTimeoutsTogether)
            {
                _waiter.TimedOut = (pending, error) => Post(() => WriteEvsError(error, pending.ToArray()));
            }
            var waiter = _waiter;
            _waiterTask = Task.Run(() => waiter.RunAsync());
        }

        /// <summary>Adds a snapshot to the batch wait (any thread).</summary>
        protected void AddToWait(string snapshotId, SnapshotDetails? lastKnown) => _waiter!.Add(snapshotId, lastKnown);

        /// <summary>Adds a snapshot and returns a task for its outcome, for work items that continue afterwards.</summary>
        protected Task<SnapshotDetails?> WaitForSnapshotAsync(string snapshotId, SnapshotDetails? lastKnown) => _waiter!.WaitForAsync(snapshotId, lastKnown);

        private void FinishWaiting()
        {
            if (_waiter == null || _waiterTask == null) return;
            _waiter.CompleteAdding();
            PumpUntil(_waiterTask);
            WriteProgress(new ProgressRecord(_progressId, _waitActivity, "Done") { RecordType = ProgressRecordType.Completed });
            if (_waiterTask.IsFaulted) ThrowEvsError(_waiterTask.Exception!.InnerException!, null);
            _waiterTask.GetAwaiter().GetResult();
        }

        private void WriteWaitProgress(WaitProgress progress)
        {
            var pending = progress.Pending
                .Take(5)
                .Select(s => s.Id.Substring(0, Math.Min(8, s.Id.Length)) + " " + s.Status + (s.Progress != null && s.Status == SnapshotStatus.Creating ? " " + s.Progress + "%" : string.Empty));
            string status = string.Format(CultureInfo.InvariantCulture, "{0} of {1} done", progress.Finished, progress.Total);
            if (progress.Pending.Count > 0) status += "; waiting for " + string.Join(", ", pending) + (progress.Pending.Count > 5 ? ", ..." : string.Empty);
            WriteProgress(new ProgressRecord(_progressId, _waitActivity, status) { PercentComplete = progress.PercentComplete });
        }

        // ------------------------------------------------------------------ helpers for derived cmdlets

        /// <summary>
        /// ShouldProcess, except that -Force skips the confirmation prompt. -WhatIf still wins over -Force.
        /// </summary>
        protected bool ShouldProceed(bool force, string target, string action)
        {
            if (force && !WhatIfRequested()) return true;
            return ShouldProcess(target, action);
        }

        private bool WhatIfRequested()
        {
            if (MyInvocation.BoundParameters.TryGetValue("WhatIf", out var bound)) return bound is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(bound);
            return LanguagePrimitives.IsTrue(SessionState.PSVariable.GetValue("WhatIfPreference"));
        }

        protected void PostObject(object? value) => Post(() => WriteObject(value));

        protected static WaitOptions WaitOptionsFrom(TimeSpan timeout, TimeSpan maxPollInterval, string? targetStatus = null, bool deleted = false)
        {
            var options = new WaitOptions { Timeout = timeout, MaxPollInterval = maxPollInterval, Deleted = deleted };
            if (targetStatus != null) options.TargetStatus = targetStatus;
            if (options.InitialPollInterval > options.MaxPollInterval) options.InitialPollInterval = options.MaxPollInterval;
            return options;
        }
    }
}
