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
        /// Writes a planned list as it arrives, one query's pages after another. The next page is requested half-way
        /// through writing the current one, so a consumer that stops early (Select-Object -First) costs no extra
        /// request, and one that reads on rarely waits. -First/-Skip go to the server only when one query with no
        /// local filter is listed; several queries are de-duplicated by id. <paramref name="beforeWrite"/> sees
        /// every item written.
        /// </summary>
        private protected ListOutcome WriteList<TQuery, T>(Client.Listing.ListPlan<TQuery, T> plan, Func<TQuery, int, int, CallScope, Task<Client.Paging.Page<T>>> fetch,
            Func<T, string> key, int pageSize, PagingParameters? paging, Action<T>? beforeWrite = null)
        {
            ulong skip = paging?.Skip ?? 0;
            ulong first = paging?.First ?? ulong.MaxValue;
            bool serverPaging = plan.LocalFilter == null && plan.Queries.Count == 1;
            var seen = plan.Queries.Count > 1 ? new System.Collections.Generic.HashSet<string>(StringComparer.OrdinalIgnoreCase) : null;
            var call = Call;
            bool totalWritten = false;
            ulong skipped = serverPaging ? skip : 0, written = 0;
            foreach (var query in plan.Queries)
            {
                var reader = new Client.Paging.PageReader<T>(
                    (offset, limit) => fetch(query, offset, limit, call),
                    key,
                    serverPaging ? (int)Math.Min(skip, int.MaxValue) : 0,
                    pageSize,
                    serverPaging && first != ulong.MaxValue ? (long)Math.Min(first, long.MaxValue) : (long?)null);
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
                        if (plan.LocalFilter != null && !plan.LocalFilter(item)) continue;
                        if (seen != null && !seen.Add(key(item))) continue;
                        if (skipped < skip) { skipped++; continue; }
                        beforeWrite?.Invoke(item);
                        WriteObject(item);
                        written++;
                    }
                }
                if (written >= first) break;
            }
            if (!totalWritten && paging != null && paging.IncludeTotalCount)
            {
                WriteObject(paging.NewTotalCount(written, 0.0));
            }
            return new ListOutcome(written, complete: written < first);
        }

        /// <summary>
        /// After a list: a warning for each exact name that matched nothing (a typo must not pass in silence;
        /// wildcards that match nothing stay silent, as PowerShell's own cmdlets do).
        /// </summary>
        private protected void WarnUnmatchedNames(System.Collections.Generic.IEnumerable<Client.Listing.NamePattern> names, System.Collections.Generic.ISet<string> namesWritten, string what, bool otherFilters)
        {
            foreach (var name in names)
            {
                if (name.IsWildcard || namesWritten.Contains(name.Text)) continue;
                WriteWarning($"No {what} named '{Validation.InputValidator.Printable(name.Text)}' was found"
                    + (otherFilters ? " among those that match the other filters" : string.Empty)
                    + " (names are compared exactly, letter case included; use wildcards such as '*" + Validation.InputValidator.Printable(name.Text) + "*' to search).");
            }
        }

        /// <summary>After a list that found nothing for -AvailabilityZone: an error when no disk of the project is in that zone (one disk listing).</summary>
        private protected void CheckZoneAfterEmptyList(string? zone, ListOutcome outcome)
        {
            if (zone == null || outcome.Written > 0 || !outcome.Complete) return;
            try
            {
                var zones = Run(call => ActiveContext.Api.ListAvailabilityZonesAsync(call));
                var error = Client.Rules.ZoneRule.Unknown(zone, zones);
                if (error != null) WriteEvsError(error, zone);
            }
            catch (EvsException ex)
            {
                Streams.Verbose(this, "Could not list the disks to check -AvailabilityZone: " + ex.Message);
            }
        }
    }

    /// <summary>How a list ended: how many items were written, and whether the list was read to its end (not cut by -First).</summary>
    internal readonly struct ListOutcome
    {
        public ListOutcome(ulong written, bool complete)
        {
            Written = written;
            Complete = complete;
        }

        public ulong Written { get; }
        public bool Complete { get; }
    }
}
