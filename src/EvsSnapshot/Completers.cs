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

    /// <summary>The regions with an EVS endpoint (../shared/evs-api.md §7).</summary>
    public sealed class RegionCompleter : StaticValueCompleter
    {
        internal static readonly string[] Regions =
        {
            "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
            "cn-south-1", "cn-south-2", "cn-south-4", "cn-southwest-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3",
            "ap-southeast-4", "af-south-1", "sa-brazil-1", "la-north-2", "la-south-2", "na-mexico-1", "tr-west-1", "ae-ad-1",
            "me-east-1", "eu-west-0", "eu-west-101", "ru-moscow-1", "ru-northwest-2", "my-kualalumpur-1",
        };

        protected override IEnumerable<string> Values => Regions;
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

    public sealed class VolumeIdCompleter : LiveIdCompleter
    {
        internal override CompletionCache.Entry Source(EvsContext context) => context.Completions.Volumes;
    }

    public sealed class SnapshotIdCompleter : LiveIdCompleter
    {
        internal override CompletionCache.Entry Source(EvsContext context) => context.Completions.Snapshots;
    }
}
