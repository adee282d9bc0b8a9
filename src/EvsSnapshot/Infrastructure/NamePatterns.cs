using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;

namespace EvsSnapshot.Commands
{
    /// <summary>Names from the command line as the client's name patterns: wildcards by PowerShell's rules, ignoring case.</summary>
    internal static class NamePatterns
    {
        /// <summary>The patterns, each checked first (<see cref="Validation.InputValidator.NameFilter"/>).</summary>
        public static List<NamePattern> From(IEnumerable<string>? names, string parameterName = "Name") =>
            (names ?? Enumerable.Empty<string>()).Where(n => n != null).Distinct()
                .Select(n => From(Validation.InputValidator.NameFilter(n, parameterName))).ToList();

        public static NamePattern From(string name)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(name)) return NamePattern.Exact(name);
            var pattern = new WildcardPattern(name, WildcardOptions.IgnoreCase);
            return NamePattern.Wildcard(name, pattern.IsMatch);
        }
    }
}
