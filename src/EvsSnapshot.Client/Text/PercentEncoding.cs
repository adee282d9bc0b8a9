using System.Text;

namespace EvsSnapshot.Client.Text
{
    /// <summary>
    /// RFC 3986 percent-encoding of UTF-8 bytes, leaving only <c>A-Z a-z 0-9 - _ . ~</c> as they are. The URLs the
    /// client sends and the canonical request the signer hashes must use exactly this alphabet, so both take it
    /// from here.
    /// </summary>
    public static class PercentEncoding
    {
        private const string HexUpper = "0123456789ABCDEF";

        public static string Encode(string? value)
        {
            if (string.IsNullOrEmpty(value)) return string.Empty;
            var bytes = Encoding.UTF8.GetBytes(value);
            var sb = new StringBuilder(bytes.Length * 3);
            foreach (byte b in bytes)
            {
                if (IsUnreserved(b)) sb.Append((char)b);
                else sb.Append('%').Append(HexUpper[b >> 4]).Append(HexUpper[b & 0xF]);
            }
            return sb.ToString();
        }

        private static bool IsUnreserved(byte b) =>
            (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' || b == '.' || b == '~';
    }
}
