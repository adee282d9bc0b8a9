using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Diagnostics;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of every API cmdlet: resolves the context, runs the client's async calls while pumping their
    /// verbose/debug/warning/progress/output back onto the pipeline thread (the only thread allowed to write),
    /// and cancels everything in flight on Ctrl+C.
    /// </summary>
    public abstract class EvsCmdlet : PSCmdlet
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly BlockingCollection<Action> _pipelineThreadWork = new BlockingCollection<Action>();
        private CallOptions? _call;

        /// <summary>The context to use instead of the current one (see Connect-EvsProject -PassThru).</summary>
        [Parameter]
        [ValidateNotNull]
        public EvsContext? Context { get; set; }

        /// <summary>The resolved context (BeginProcessing).</summary>
        protected EvsContext ActiveContext { get; private set; } = null!;

        protected CancellationToken StopToken => _stopping.Token;

        /// <summary>Options for client calls: trace into this cmdlet, cancel on Ctrl+C, no concurrency gate.</summary>
        protected virtual CallOptions Call => _call ??= new CallOptions(Trace, StopToken);

        /// <summary>Client trace that lands in this cmdlet's verbose/debug/warning streams.</summary>
        protected IEvsTrace Trace => _trace ??= new PipelineTrace(this);

        private IEvsTrace? _trace;

        protected override void BeginProcessing()
        {
            var context = Context ?? EvsSession.Current;
            if (context == null)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new InvalidOperationException("There is no current EVS context. Run Connect-EvsProject first, or pass -Context."),
                    "NotConnected", ErrorCategory.InvalidOperation, null)
                {
                    ErrorDetails = new ErrorDetails("There is no current EVS context. Run Connect-EvsProject first, or pass -Context.")
                    {
                        RecommendedAction = "Connect-EvsProject -Region <region> -Credential <AK/SK credential>",
                    },
                });
            }
            ActiveContext = context!;
        }

        protected override void StopProcessing() => _stopping.Cancel();

        /// <summary>Runs a client call to completion on this thread, writing what it reports as it happens.</summary>
        protected T Run<T>(Func<CallOptions, Task<T>> operation)
        {
            var task = operation(Call);
            PumpUntil(task);
            return task.GetAwaiter().GetResult();
        }

        /// <summary>Queues work that must run on the pipeline thread (WriteObject, WriteError, WriteProgress...).</summary>
        internal void Post(Action action)
        {
            try
            {
                _pipelineThreadWork.Add(action);
            }
            catch (InvalidOperationException)
            {
                // The cmdlet has finished; late messages from cancelled work are dropped.
            }
        }

        /// <summary>Runs queued pipeline-thread work until the task is done and the queue is empty.</summary>
        protected void PumpUntil(Task task)
        {
            if (!task.IsCompleted) task.ContinueWith(_ => Post(() => { }), TaskContinuationOptions.ExecuteSynchronously);
            PumpWhile(() => !task.IsCompleted);
        }

        /// <summary>Runs queued pipeline-thread work while the condition holds, then whatever is still queued.</summary>
        protected void PumpWhile(Func<bool> condition)
        {
            try
            {
                while (condition())
                {
                    Action action;
                    try
                    {
                        action = _pipelineThreadWork.Take(_stopping.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        throw new PipelineStoppedException();
                    }
                    action();
                }
                DrainPosted();
            }
            catch
            {
                // Select-Object -First, Ctrl+C or a terminating error: stop the background work too.
                _stopping.Cancel();
                throw;
            }
        }

        /// <summary>Runs whatever is queued now, without waiting.</summary>
        protected void DrainPosted()
        {
            while (_pipelineThreadWork.TryTake(out var action)) action();
        }

        /// <summary>The client may report from any thread; messages are written on the pipeline thread.</summary>
        private sealed class PipelineTrace : IEvsTrace
        {
            private readonly EvsCmdlet _cmdlet;

            public PipelineTrace(EvsCmdlet cmdlet)
            {
                _cmdlet = cmdlet;
                // Decided once, on the pipeline thread: -Debug, or a $DebugPreference that shows debug output.
                var bound = cmdlet.MyInvocation.BoundParameters;
                DebugEnabled = bound.TryGetValue("Debug", out var flag)
                    ? LanguagePrimitives.IsTrue(flag)
                    : !(cmdlet.GetVariableValue("DebugPreference") is ActionPreference pref) || (pref != ActionPreference.SilentlyContinue && pref != ActionPreference.Ignore);
            }

            public bool DebugEnabled { get; }
            public void Verbose(string message) => _cmdlet.Post(() => Streams.Verbose(_cmdlet, message));
            public void Debug(string message) => _cmdlet.Post(() => _cmdlet.WriteDebug(message));
            public void Warning(string message) => _cmdlet.Post(() => _cmdlet.WriteWarning(message));
        }

        /// <summary>Writes a client error as a non-terminating error record.</summary>
        protected void WriteEvsError(Exception exception, object? target, string? notFoundErrorId = null)
        {
            WriteError(ErrorRecords.From(exception, target, notFoundErrorId));
        }

        /// <summary>
        /// Checks of the parameters that hold for the whole invocation: one that fails would fail every item the
        /// same way, so it stops the command (terminating, with the check's error id) before anything is sent.
        /// </summary>
        protected void CheckParameters(Action check)
        {
            try
            {
                check();
            }
            catch (EvsValidationException ex)
            {
                ThrowEvsError(ex, ex.Target);
            }
        }

        /// <summary>Terminating error for a condition that no further input can fix.</summary>
        protected void ThrowEvsError(Exception exception, object? target)
        {
            ThrowTerminatingError(ErrorRecords.From(exception, target));
        }

        protected override void EndProcessing() => DrainPosted();

        /// <summary>
        /// Writes a paged list as it arrives. The next page is requested half-way through writing the current one,
        /// so a consumer that stops early (Select-Object -First) costs no extra request, and one that reads on
        /// rarely waits. <paramref name="clientFilter"/> (wildcards) disables server-side -First/-Skip.
        /// </summary>
        protected void WritePages<T>(Func<int, int, CallOptions, Task<Client.Page<T>>> fetch, Func<T, string> key, int pageSize,
            PagingParameters? paging, Func<T, bool>? clientFilter)
        {
            ulong skip = paging?.Skip ?? 0;
            ulong first = paging?.First ?? ulong.MaxValue;
            bool serverPaging = clientFilter == null;
            var call = Call;
            var reader = new Client.Paging.PageReader<T>(
                (offset, limit) => fetch(offset, limit, call),
                key,
                serverPaging ? (int)Math.Min(skip, int.MaxValue) : 0,
                pageSize,
                serverPaging && first != ulong.MaxValue ? (long)Math.Min(first, long.MaxValue) : (long?)null);

            bool totalWritten = false;
            ulong skipped = serverPaging ? skip : 0, written = 0;
            while (written < first)
            {
                var items = Run(_ => reader.NextAsync());
                if (items == null) break;
                if (!totalWritten && paging != null && paging.IncludeTotalCount && serverPaging)
                {
                    totalWritten = true;
                    WriteObject(paging.NewTotalCount((ulong)(reader.TotalCount ?? 0), reader.TotalCount.HasValue ? 1.0 : 0.0));
                }
                for (int i = 0; i < items.Count && written < first; i++)
                {
                    if (i == items.Count / 2) reader.Prefetch();
                    var item = items[i];
                    if (clientFilter != null && !clientFilter(item)) continue;
                    if (skipped < skip) { skipped++; continue; }
                    WriteObject(item);
                    written++;
                }
            }
            if (!totalWritten && paging != null && paging.IncludeTotalCount)
            {
                WriteObject(paging.NewTotalCount(serverPaging ? (ulong)(reader.TotalCount ?? 0) : written, serverPaging && reader.TotalCount.HasValue ? 1.0 : 0.0));
            }
        }
    }
}
