using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EvsSnapshot
{
    /// <summary>
    /// Metadata as one line: <c>key=value</c> pairs sorted by key (ordinal), joined by <c>"; "</c>. A backslash,
    /// a semicolon or an equals sign inside a key or value is escaped with a backslash (<c>\\</c>, <c>\;</c>,
    /// <c>\=</c>), so the text splits back into exactly the pairs it came from. Empty metadata is "".
    /// </summary>
    public static class MetadataText
    {
        public static string Format(IDictionary<string, string>? metadata)
        {
            if (metadata == null || metadata.Count == 0) return string.Empty;
            var text = new StringBuilder();
            foreach (var pair in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (text.Length > 0) text.Append("; ");
                Escape(text, pair.Key);
                text.Append('=');
                Escape(text, pair.Value ?? string.Empty);
            }
            return text.ToString();
        }

        private static void Escape(StringBuilder text, string value)
        {
            foreach (char c in value)
            {
                if (c == '\\' || c == ';' || c == '=') text.Append('\\');
                text.Append(c);
            }
        }
    }
}
