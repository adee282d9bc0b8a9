using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace EvsSnapshot.Commands
{
    /// <summary>Completes from a fixed list of values.</summary>
    public abstract class StaticValueCompleter : IArgumentCompleter
    {
        protected abstract IEnumerable<string> Values { get; }

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
            return Values.Where(v => pattern.IsMatch(v)).Select(v => new CompletionResult(Quote(v), v, CompletionResultType.ParameterValue, v));
        }

        internal static string Quote(string value) =>
            value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', '(', ')', '{', '}', ';', ',', '&', '|', '@', '#' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
    }

    public sealed class SnapshotStatusCompleter : StaticValueCompleter
    {
        protected override IEnumerable<string> Values => SnapshotStatus.All;
    }

    public sealed class VolumeStatusCompleter : StaticValueCompleter
    {
        protected override IEnumerable<string> Values => VolumeStatus.All;
    }

    /// <summary>The disk types of the v2.1 create (evs-api.md §11.3).</summary>
    public sealed class VolumeTypeCompleter : StaticValueCompleter
    {
        protected override IEnumerable<string> Values => Client.Rules.VolumeFromSnapshotRule.VolumeTypes;
    }

    /// <summary>The 34 regions with an EVS endpoint (EvsSnapshot.Client.Regions, evs-api.md §13.1).</summary>
    public sealed class RegionCompleter : StaticValueCompleter
    {
        protected override IEnumerable<string> Values => EvsSnapshot.Client.Regions.All;
    }

    /// <summary>
    /// Completes ids in the current (or -Context) context: matches on id or name, shows the name as the list
    /// text and tooltip. Answers come from the context's <see cref="CompletionCache"/>, so completion returns
    /// at once even when the API is slow or down; a cold cache is filled in the background.
    /// </summary>
    public abstract class LiveIdCompleter : IArgumentCompleter
    {
        private const int MaxCandidates = 200;

        internal abstract CompletionCache.Entry Source(EvsContext context);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var context = (Unwrap.Base(fakeBoundParameters?["Context"]) as EvsContext) ?? CurrentContext.Value;
                if (context == null) return Array.Empty<CompletionResult>();
                var pattern = new WildcardPattern((wordToComplete ?? string.Empty).Trim('\'', '"') + "*", WildcardOptions.IgnoreCase);
                return Source(context).Get()
                    .Where(c => pattern.IsMatch(c.Id) || (c.Name != null && pattern.IsMatch(c.Name)))
                    .Take(MaxCandidates)
                    .Select(c => new CompletionResult(c.Id, string.IsNullOrEmpty(c.Name) ? c.Id : c.Name + " (" + c.Id.Substring(0, Math.Min(8, c.Id.Length)) + ")",
                        CompletionResultType.ParameterValue, (c.Name ?? "(no name)") + " - " + c.Status))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>(); // completion must never throw at the user
            }
        }
    }

    /// <summary>
    /// Completes names (not files) from the context's <see cref="CompletionCache"/>: distinct names starting with
    /// what was typed, ignoring case; never waits on the API.
    /// </summary>
    public abstract class LiveValueCompleter : IArgumentCompleter
    {
        private const int MaxCandidates = 200;

        internal abstract IEnumerable<string?> Values(EvsContext context);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            try
            {
                var context = (Unwrap.Base(fakeBoundParameters?["Context"]) as EvsContext) ?? CurrentContext.Value;
                if (context == null) return Array.Empty<CompletionResult>();
                var pattern = new WildcardPattern(WildcardPattern.Escape((wordToComplete ?? string.Empty).Trim('\'', '"')) + "*", WildcardOptions.IgnoreCase);
                return Values(context)
                    .Where(v => !string.IsNullOrEmpty(v) && pattern.IsMatch(v))
                    .Distinct(StringComparer.Ordinal)
                    .OrderBy(v => v, StringComparer.OrdinalIgnoreCase)
                    .Take(MaxCandidates)
                    .Select(v => new CompletionResult(StaticValueCompleter.Quote(v!), v, CompletionResultType.ParameterValue, v))
                    .ToList();
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>(); // completion must never throw at the user
            }
        }
    }

    public sealed class VolumeNameCompleter : LiveValueCompleter
    {
        internal override IEnumerable<string?> Values(EvsContext context) => context.Completions.Volumes.Get().Select(c => c.Name);
    }

    public sealed class SnapshotNameCompleter : LiveValueCompleter
    {
        internal override IEnumerable<string?> Values(EvsContext context) => context.Completions.Snapshots.Get().Select(c => c.Name);
    }

    /// <summary>The project's availability zones, learnt from its disks (EVS v2 has no zone API).</summary>
    public sealed class AvailabilityZoneCompleter : LiveValueCompleter
    {
        internal override IEnumerable<string?> Values(EvsContext context) => context.Completions.Volumes.Get().Select(c => c.Zone);
    }

    public sealed class VolumeIdCompleter : LiveIdCompleter
    {
        internal override CompletionCache.Entry Source(EvsContext context) => context.Completions.Volumes;
    }

    public sealed class SnapshotIdCompleter : LiveIdCompleter
    {
        internal override CompletionCache.Entry Source(EvsContext context) => context.Completions.Snapshots;
    }
}
