using System.Globalization;
using System.Text;

namespace EvsSnapshot
{
    /// <summary>
    /// Makes text a server controls safe to show a person: every C0/C1 control character (ESC, BEL, CR, LF, tab,
    /// DEL, U+0080-U+009F), every bidirectional override, embedding, isolate and mark (U+202A-U+202E,
    /// U+2066-U+2069, U+200E, U+200F) and every zero-width character (U+200B-U+200D, U+FEFF) becomes a visible
    /// <c>\uXXXX</c> escape, so an error body cannot retitle or clear a terminal or reorder what is read.
    /// Objects keep the raw values; this is only for what is written for a person (messages, progress, warnings,
    /// trace lines, views). The one home of that rule: input checks use <see cref="IsUnsafe"/> too.
    /// </summary>
    public static class DisplayText
    {
        /// <summary>True for a character that must never reach a terminal as it is.</summary>
        public static bool IsUnsafe(char c) =>
            char.IsControl(c)                       // C0, DEL, C1
            || (c >= '\u200B' && c <= '\u200F')     // zero-width space/non-joiner/joiner, LRM, RLM
            || (c >= '\u202A' && c <= '\u202E')     // embeddings and overrides
            || (c >= '\u2066' && c <= '\u2069')     // isolates
            || c == '\uFEFF';                       // zero-width no-break space (BOM)

        /// <summary>The first unsafe character's index, or -1.</summary>
        public static int IndexOfUnsafe(string? text)
        {
            if (text == null) return -1;
            for (int i = 0; i < text.Length; i++)
            {
                if (IsUnsafe(text[i])) return i;
            }
            return -1;
        }

        /// <summary>The text with every unsafe character escaped (null: empty). Idempotent: escapes are printable ASCII.</summary>
        public static string Safe(string? text)
        {
            if (text == null) return string.Empty;
            int first = IndexOfUnsafe(text);
            if (first < 0) return text;
            var sb = new StringBuilder(text.Length + 16);
            sb.Append(text, 0, first);
            for (int i = first; i < text.Length; i++) Append(sb, text[i]);
            return sb.ToString();
        }

        /// <summary>
        /// As <see cref="Safe"/>, but keeps the line feeds the module itself puts between the lines of one trace
        /// message. Only for text whose server parts were already made safe (they then hold no line feed).
        /// </summary>
        public static string SafeLines(string? text)
        {
            if (text == null) return string.Empty;
            if (IndexOfUnsafe(text) < 0) return text;
            var sb = new StringBuilder(text.Length + 16);
            foreach (char c in text)
            {
                if (c == '\n') sb.Append(c);
                else Append(sb, c);
            }
            return sb.ToString();
        }

        private static void Append(StringBuilder sb, char c)
        {
            if (IsUnsafe(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
    }
}
