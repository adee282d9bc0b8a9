using System;
using System.Collections.Generic;
using System.Globalization;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>One <c>[section]</c> of an INI file: its keys (lower case) with their values and line numbers.</summary>
    internal sealed class IniSection
    {
        public IniSection(string name, int line)
        {
            Name = name;
            Line = line;
        }

        public string Name { get; }
        public int Line { get; }
        public Dictionary<string, (string Value, int Line)> Values { get; } = new Dictionary<string, (string, int)>(StringComparer.OrdinalIgnoreCase);

        public string? Get(string key) => Values.TryGetValue(key, out var entry) && entry.Value.Length > 0 ? entry.Value : null;

        public int LineOf(string key) => Values.TryGetValue(key, out var entry) ? entry.Line : Line;
    }

    /// <summary>
    /// The SDKs' credentials file syntax (§14.2, INI as Go's ini and Python's configparser read it): <c>[section]</c>,
    /// <c>key = value</c> (or <c>key: value</c>), whole-line comments starting with <c>#</c> or <c>;</c>, blank lines.
    /// Where the two readers differ, the stricter reading is an error naming the line: a key outside any section,
    /// a repeated key or section. Section and key names are case-insensitive; values are trimmed and one pair of
    /// surrounding quotes is removed (as Go does); a <c>#</c> after a value is part of it (as Python reads it), so
    /// a secret is never cut short. Errors name the line and the key, never a value (it may be a secret).
    /// </summary>
    internal static class CredentialsFileParser
    {
        public static Dictionary<string, IniSection> Parse(string text, string displayPath)
        {
            var sections = new Dictionary<string, IniSection>(StringComparer.OrdinalIgnoreCase);
            IniSection? current = null;
            string[] lines = text.TrimStart('\uFEFF').Split('\n');
            for (int i = 0; i < lines.Length; i++)
            {
                int number = i + 1;
                string line = lines[i].TrimEnd('\r').Trim();
                if (line.Length == 0 || line[0] == '#' || line[0] == ';') continue;
                if (line[0] == '[')
                {
                    if (line[line.Length - 1] != ']' || line.Length < 3)
                        throw Invalid(displayPath, number, "a section header must look like [basic]");
                    string name = line.Substring(1, line.Length - 2).Trim();
                    if (sections.TryGetValue(name, out var earlier))
                        throw Invalid(displayPath, number, $"section [{name}] appears again (first on line {earlier.Line})");
                    current = new IniSection(name, number);
                    sections.Add(name, current);
                    continue;
                }
                int separator = IndexOfSeparator(line);
                if (separator <= 0)
                    throw Invalid(displayPath, number, "expected 'key = value', a [section] header or a comment");
                string key = line.Substring(0, separator).Trim();
                if (current == null)
                    throw Invalid(displayPath, number, $"{Printable(key)} is outside any section; put it under [basic]");
                if (current.Values.TryGetValue(key, out var first))
                    throw Invalid(displayPath, number, $"{Printable(key)} appears again in [{current.Name}] (first on line {first.Line})");
                current.Values.Add(key, (Unquote(line.Substring(separator + 1).Trim()), number));
            }
            return sections;
        }

        private static int IndexOfSeparator(string line)
        {
            int equals = line.IndexOf('='), colon = line.IndexOf(':');
            if (equals < 0) return colon;
            if (colon < 0) return equals;
            return Math.Min(equals, colon);
        }

        private static string Unquote(string value)
        {
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[value.Length - 1] == value[0])
                return value.Substring(1, value.Length - 2).Trim();
            return value;
        }

        private static readonly HashSet<string> KnownKeys = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
        {
            "ak", "sk", "security_token", "project_id", "domain_id", "iam_endpoint", "idp_id", "id_token_file",
        };

        /// <summary>A key as it may be shown: only the SDKs' own names (a mistyped line could start with a secret).</summary>
        private static string Printable(string key) => KnownKeys.Contains(key) ? "'" + key.ToLowerInvariant() + "'" : "a key";

        internal static EvsException Invalid(string displayPath, int line, string problem) =>
            new EvsException(EvsErrorKind.InvalidArgument, "CredentialsFileInvalid",
                string.Format(CultureInfo.InvariantCulture, "The credentials file {0} is not valid: line {1}: {2}.", displayPath, line, problem))
            { Target = displayPath }.Advise(EvsAdvice.FixCredentialsFile, ("CredentialsFile", displayPath), ("Line", line.ToString(CultureInfo.InvariantCulture)));
    }
}
