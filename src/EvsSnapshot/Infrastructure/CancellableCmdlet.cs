using System;
using System.Collections.Concurrent;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of every cmdlet that runs client work: owns the cancellation source (Ctrl+C, Select-Object -First, a
    /// terminating error) and the queue of work that must run on the pipeline thread (the only thread allowed to
    /// write), pumps that queue while async work runs, and completes and disposes both when PowerShell disposes
    /// the cmdlet.
    /// </summary>
    public abstract class CancellableCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource _stopping = new CancellationTokenSource();
        private readonly BlockingCollection<Action> _pipelineThreadWork = new BlockingCollection<Action>();
        private IEvsTrace? _trace;
        private bool _disposed;

        protected CancellationToken StopToken => _stopping.Token;

        /// <summary>Client trace that lands in this cmdlet's verbose/debug/warning streams.</summary>
        protected IEvsTrace Trace => _trace ??= new PipelineTrace(this);

        protected override void StopProcessing() => Cancel();

        protected override void EndProcessing() => DrainPosted();

        /// <summary>Runs a task to completion on this thread, writing what it reports as it happens.</summary>
        protected T RunToCompletion<T>(Task<T> task)
        {
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
            catch (Exception ex) when (ex is InvalidOperationException || ex is ObjectDisposedException)
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
                Cancel();
                throw;
            }
        }

        /// <summary>Runs whatever is queued now, without waiting.</summary>
        protected void DrainPosted()
        {
            while (_pipelineThreadWork.TryTake(out var action)) action();
        }

        private void Cancel()
        {
            try
            {
                _stopping.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Already disposed: nothing is running any more.
            }
        }

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            Cancel(); // work still running after the pipeline ended (stopped, failed) has nobody to report to
            _pipelineThreadWork.CompleteAdding();
            _pipelineThreadWork.Dispose();
            _stopping.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>The client may report from any thread; messages are written on the pipeline thread.</summary>
        private sealed class PipelineTrace : IEvsTrace
        {
            private readonly CancellableCmdlet _cmdlet;

            public PipelineTrace(CancellableCmdlet cmdlet)
            {
                _cmdlet = cmdlet;
                // Decided once, on the pipeline thread: -Debug, or a $DebugPreference that shows debug output.
                var bound = cmdlet.MyInvocation.BoundParameters;
                DebugEnabled = bound.TryGetValue("Debug", out var flag)
                    ? LanguagePrimitives.IsTrue(flag)
                    : !(cmdlet.GetVariableValue("DebugPreference") is ActionPreference pref) || (pref != ActionPreference.SilentlyContinue && pref != ActionPreference.Ignore);
            }

            public bool DebugEnabled { get; }
            // The client already made what servers said safe; this is the last line of defence for the console.
            public void Verbose(string message) => _cmdlet.Post(() => Streams.Verbose(_cmdlet, message));
            public void Debug(string message) => _cmdlet.Post(() => _cmdlet.WriteDebug(DisplayText.SafeLines(message)));
            public void Warning(string message) => _cmdlet.Post(() => _cmdlet.WriteWarning(DisplayText.Safe(message)));
        }
    }
}
