using System.Text;

namespace EvsEmulator.Http;

/// <summary>Percent-decoding and the SDK signer's percent-encoding (§6.2).</summary>
public static class PercentCoding
{
    private const string Hex = "0123456789ABCDEF";

    public static bool IsUnreserved(byte b) =>
        b is >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9'
            or (byte)'-' or (byte)'_' or (byte)'.' or (byte)'~';

    /// <summary>Encodes every UTF-8 byte outside A-Z a-z 0-9 - _ . ~ as %XX with upper-case hex.</summary>
    public static string Encode(string s)
    {
        var bytes = Encoding.UTF8.GetBytes(s);
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            if (IsUnreserved(b)) sb.Append((char)b);
            else sb.Append('%').Append(Hex[b >> 4]).Append(Hex[b & 0xF]);
        }
        return sb.ToString();
    }

    /// <summary>Decodes %XX sequences as UTF-8; malformed sequences are kept as they are.
    /// In a query string '+' means a space (Go's url.Values and form encoding send spaces that way).</summary>
    public static string Decode(string s, bool plusIsSpace)
    {
        if (plusIsSpace && s.Contains('+')) s = s.Replace('+', ' ');
        return s.Contains('%') ? Uri.UnescapeDataString(s) : s;
    }
}

/// <summary>The query string exactly as sent, split into decoded name/value pairs in order.</summary>
public sealed class QueryParams
{
    public static readonly QueryParams Empty = new([]);

    public IReadOnlyList<KeyValuePair<string, string>> Pairs { get; }

    private QueryParams(IReadOnlyList<KeyValuePair<string, string>> pairs) => Pairs = pairs;

    /// <summary>Parses a raw query (without the leading '?'). A name without '=' has the value "".</summary>
    public static QueryParams Parse(string? rawQuery)
    {
        if (string.IsNullOrEmpty(rawQuery)) return Empty;
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in rawQuery.Split('&'))
        {
            if (part.Length == 0) continue;
            var eq = part.IndexOf('=');
            var name = eq < 0 ? part : part[..eq];
            var value = eq < 0 ? "" : part[(eq + 1)..];
            pairs.Add(new(PercentCoding.Decode(name, true), PercentCoding.Decode(value, true)));
        }
        return new QueryParams(pairs);
    }

    public bool Has(string name) => Pairs.Any(p => p.Key == name);

    /// <summary>The first value of a parameter, or null if absent.</summary>
    public string? Get(string name)
    {
        foreach (var p in Pairs)
            if (p.Key == name) return p.Value;
        return null;
    }

    public IEnumerable<string> GetAll(string name) => Pairs.Where(p => p.Key == name).Select(p => p.Value);
}

/// <summary>Splits a raw request target into its path and query parts.</summary>
public static class RawTarget
{
    public static (string Path, string Query) Split(string rawTarget)
    {
        var q = rawTarget.IndexOf('?');
        return q < 0 ? (rawTarget, "") : (rawTarget[..q], rawTarget[(q + 1)..]);
    }

    /// <summary>Path segments, percent-decoded, without the empty segment before the leading '/'.</summary>
    public static string[] Segments(string rawPath)
    {
        var trimmed = rawPath.StartsWith('/') ? rawPath[1..] : rawPath;
        if (trimmed.Length == 0) return [];
        var parts = trimmed.Split('/');
        for (var i = 0; i < parts.Length; i++) parts[i] = PercentCoding.Decode(parts[i], false);
        return parts;
    }
}
