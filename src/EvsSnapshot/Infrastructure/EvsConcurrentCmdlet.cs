using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Http.Pacing;
using EvsSnapshot.Validation;
using EvsSnapshot.Client.Waiting;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of the cmdlets that change things: each pipeline item is validated and confirmed on the pipeline
    /// thread (so -WhatIf and -Confirm work item by item), then sent concurrently, with at most -ThrottleLimit
    /// requests in flight (lowered automatically while the service is overloaded) and at the pace the gateway's
    /// throttling allows (or -MaxRequestRate). Results and per-item errors are
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

        /// <summary>
        /// Requests per second this invocation never exceeds, all its calls together; instead of the context's
        /// -MaxRequestRate. Throttled requests are paced either way.
        /// </summary>
        [Parameter]
        [ValidateRange(InputValidator.MinRequestRate, InputValidator.MaxRequestRate)]
        public double MaxRequestRate { get; set; }

        protected override CallScope Call => _gatedCall ??= new CallScope(Trace, StopToken, _gate ??= new ConcurrencyGate(ThrottleLimit),
            MyInvocation.BoundParameters.ContainsKey(nameof(MaxRequestRate)) ? new RateCap(MaxRequestRate) : null);

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

        /// <summary>
        /// Ctrl+C: the pipeline can no longer write to its streams, so the snapshots still pending go to the host
        /// as a warning (console and transcript, or the warning stream of a hosted runspace): the runbook log then
        /// says what to look at.
        /// </summary>
        protected override void StopProcessing()
        {
            // Written before the work is cancelled: once the pipeline thread has ended, a hosted runspace's host
            // may no longer take the line.
            var pending = _waiter?.PendingSnapshots();
            if (pending != null && pending.Count > 0)
            {
                try
                {
                    Host.UI.WriteWarningLine(DisplayText.Safe($"{MyInvocation.MyCommand.Name} was stopped while waiting; {pending.Count} snapshot(s) still pending: "
                        + string.Join("; ", pending.Select(p => SnapshotWaiter.Describe(p.Id, p)))));
                }
                catch (Exception)
                {
                    // A host that cannot write any more: nothing else can be done at this point.
                }
            }
            base.StopProcessing();
        }

        private void WriteWaitProgress(WaitProgress progress)
        {
            var pending = progress.Pending
                .Take(5)
                .Select(s => (s.Name != null ? "'" + Validation.InputValidator.Printable(s.Name) + "' " : string.Empty) + Labels.ShortId(s.Id) + " " + s.Status
                             + (s.Progress != null && s.Status == SnapshotStatus.Creating ? " " + s.Progress + "%" : string.Empty));
            string status = string.Format(CultureInfo.InvariantCulture, "{0} of {1} done", progress.Finished, progress.Total);
            if (progress.Pending.Count > 0) status += "; waiting for " + string.Join(", ", pending) + (progress.Pending.Count > 5 ? ", ..." : string.Empty);
            WriteProgress(new ProgressRecord(_progressId, _waitActivity, DisplayText.Safe(status)) { PercentComplete = progress.PercentComplete });
        }

        // ------------------------------------------------------------------ helpers for derived cmdlets

        /// <summary>
        /// ShouldProcess with a sentence that names things as a person does (-WhatIf prints it, the prompt asks it),
        /// except that -Force skips the prompt; -WhatIf still wins over -Force. A host that cannot prompt
        /// (non-interactive) stops the command with ConfirmationRequired, which says how to go ahead.
        /// </summary>
        protected bool ShouldProceed(bool force, string description, string caption)
        {
            if (force && !WhatIfRequested()) return true;
            try
            {
                return ShouldProcess(description + ".", description + "?", caption);
            }
            catch (Exception ex) when (ex is System.Management.Automation.Host.HostException || ex is PSInvalidOperationException)
            {
                string forceHint = MyInvocation.MyCommand.Parameters.ContainsKey("Force") ? " or -Force" : string.Empty;
                string message = $"{MyInvocation.MyCommand.Name} asks for confirmation before it goes ahead ({description}), and this PowerShell session cannot ask: it is not interactive. "
                                 + $"Pass -Confirm:$false{forceHint} to go ahead without asking, or -WhatIf to see what it would do.";
                ThrowTerminatingError(new ErrorRecord(new PSInvalidOperationException(message, ex), "ConfirmationRequired", ErrorCategory.InvalidOperation, null)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = $"Add -Confirm:$false{forceHint} to the {MyInvocation.MyCommand.Name} command." },
                });
                return false;
            }
        }

        /// <summary>Whether <see cref="ShouldProceed"/> would show something (a prompt or a -WhatIf line), so it is worth naming things first.</summary>
        protected bool WillAsk(bool force)
        {
            if (WhatIfRequested()) return true;
            if (MyInvocation.BoundParameters.TryGetValue("Confirm", out var confirm)) return confirm is SwitchParameter sw ? sw.IsPresent : LanguagePrimitives.IsTrue(confirm);
            if (force) return false;
            var preference = GetVariableValue("ConfirmPreference") is ConfirmImpact p ? p : ConfirmImpact.High;
            var impact = (GetType().GetCustomAttributes(typeof(CmdletAttribute), true).FirstOrDefault() as CmdletAttribute)?.ConfirmImpact ?? ConfirmImpact.Medium;
            return preference != ConfirmImpact.None && impact >= preference;
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
