using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Base of every API cmdlet: resolves the context (-Context, or the current one), runs the client's async
    /// calls on the pipeline thread's pump, and words client errors as error records.
    /// </summary>
    public abstract class EvsCmdlet : CancellableCmdlet
    {
        private CallScope? _call;

        /// <summary>The context to use instead of the current one (see Connect-EvsProject -PassThru).</summary>
        [Parameter]
        [ValidateNotNull]
        public EvsContext? Context { get; set; }

        /// <summary>The resolved context (BeginProcessing).</summary>
        protected EvsContext ActiveContext { get; private set; } = null!;

        /// <summary>The scope of this cmdlet's client calls: trace into this cmdlet, cancel on Ctrl+C, no concurrency gate.</summary>
        protected virtual CallScope Call => _call ??= new CallScope(Trace, StopToken);

        protected override void BeginProcessing()
        {
            var context = Context ?? CurrentContext.Value;
            if (context == null)
            {
                const string message = "There is no current EVS context. Run Connect-EvsProject first, or pass -Context.";
                ThrowTerminatingError(new ErrorRecord(new InvalidOperationException(message), "NotConnected", ErrorCategory.InvalidOperation, null)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Connect-EvsProject -Region <region> -Credential <AK/SK credential>" },
                });
            }
            if (context!.Client.IsDisposed)
            {
                const string message = "This EVS context was closed when the EvsSnapshot module was removed. Run Connect-EvsProject again.";
                ThrowTerminatingError(new ErrorRecord(new ObjectDisposedException(nameof(EvsContext), message), "ContextClosed", ErrorCategory.InvalidOperation, context)
                {
                    ErrorDetails = new ErrorDetails(message) { RecommendedAction = "Connect-EvsProject -Region <region> ..." },
                });
            }
            ActiveContext = context;
        }

        /// <summary>Runs a client call to completion on this thread, writing what it reports as it happens.</summary>
        protected T Run<T>(Func<CallScope, Task<T>> operation) => RunToCompletion(operation(Call));

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

        /// <summary>
        /// Writes a paged list as it arrives. The next page is requested half-way through writing the current one,
        /// so a consumer that stops early (Select-Object -First) costs no extra request, and one that reads on
        /// rarely waits. <paramref name="clientFilter"/> (wildcards) disables server-side -First/-Skip.
        /// </summary>
        protected void WritePages<T>(Func<int, int, CallScope, Task<Client.Paging.Page<T>>> fetch, Func<T, string> key, int pageSize,
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
