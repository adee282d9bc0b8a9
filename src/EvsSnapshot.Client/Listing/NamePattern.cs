using System;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>
    /// A name as the user gave it: exact (compared ordinally, as the API's name filter does) or a wildcard pattern
    /// whose matcher the caller supplies (the cmdlets use PowerShell's wildcard rules, ignoring case).
    /// </summary>
    public sealed class NamePattern
    {
        private readonly Func<string, bool>? _wildcard;

        private NamePattern(string text, Func<string, bool>? wildcard)
        {
            Text = text;
            _wildcard = wildcard;
        }

        public static NamePattern Exact(string name) => new NamePattern(name, null);

        public static NamePattern Wildcard(string pattern, Func<string, bool> matches) => new NamePattern(pattern, matches);

        public string Text { get; }
        public bool IsWildcard => _wildcard != null;

        public bool Matches(string? name) => _wildcard != null ? _wildcard(name ?? string.Empty) : string.Equals(name, Text, StringComparison.Ordinal);

        public override string ToString() => Text;
    }
}
