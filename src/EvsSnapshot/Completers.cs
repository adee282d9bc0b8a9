using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Threading;
using EvsSnapshot.Client.Http;

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

    /// <summary>The regions with an EVS endpoint (evs-api.md §7).</summary>
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
    /// Completes ids from the live API in the current (or -Context) context: matches on id or name, shows the
    /// name as the tooltip, gives up quietly after a short timeout or on any error.
    /// </summary>
    public abstract class LiveIdCompleter : IArgumentCompleter
    {
        private static readonly TimeSpan Budget = TimeSpan.FromSeconds(3);
        private const int MaxCandidates = 200;

        protected abstract IEnumerable<(string id, string? name, string status)> Fetch(Client.EvsApi api, CallOptions call);

        public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete,
            CommandAst commandAst, IDictionary fakeBoundParameters)
        {
            var context = (fakeBoundParameters?["Context"] is PSObject ps ? ps.BaseObject : fakeBoundParameters?["Context"]) as EvsContext ?? EvsSession.Current;
            if (context == null) return Array.Empty<CompletionResult>();
            string word = (wordToComplete ?? string.Empty).Trim('\'', '"');
            var pattern = new WildcardPattern(word + "*", WildcardOptions.IgnoreCase);
            try
            {
                using (var timeout = new CancellationTokenSource(Budget))
                {
                    var call = new CallOptions(null, timeout.Token);
                    return Fetch(context.Api, call)
                        .Where(c => pattern.IsMatch(c.id) || (c.name != null && pattern.IsMatch(c.name)))
                        .Take(MaxCandidates)
                        .Select(c => new CompletionResult(c.id, string.IsNullOrEmpty(c.name) ? c.id : c.name + " (" + c.id.Substring(0, 8) + ")",
                            CompletionResultType.ParameterValue, (c.name ?? "(no name)") + " - " + c.status))
                        .ToList();
                }
            }
            catch (Exception)
            {
                return Array.Empty<CompletionResult>(); // completion must never throw at the user
            }
        }
    }

    public sealed class VolumeIdCompleter : LiveIdCompleter
    {
        protected override IEnumerable<(string id, string? name, string status)> Fetch(Client.EvsApi api, CallOptions call) =>
            api.ListVolumesAsync(new Client.VolumeQuery(), 0, 1000, call).GetAwaiter().GetResult().Items.Select(v => (v.Id, v.Name, v.Status));
    }

    public sealed class SnapshotIdCompleter : LiveIdCompleter
    {
        protected override IEnumerable<(string id, string? name, string status)> Fetch(Client.EvsApi api, CallOptions call) =>
            api.ListSnapshotsAsync(new Client.SnapshotQuery(), 0, 1000, call).GetAwaiter().GetResult().Items.Select(s => (s.Id, s.Name, s.Status));
    }
}
