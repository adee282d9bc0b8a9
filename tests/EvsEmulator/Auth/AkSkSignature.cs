using System.Security.Cryptography;
using System.Text;
using EvsEmulator.Http;

namespace EvsEmulator.Auth;

/// <summary>The parsed <c>Authorization: SDK-HMAC-SHA256 Access=.., SignedHeaders=.., Signature=..</c> header.</summary>
public sealed record SdkAuthorization(string Access, IReadOnlyList<string> SignedHeaders, string Signature);

/// <summary>SDK-HMAC-SHA256 canonicalisation and signing, written from §6.2 (not shared with the client).</summary>
public static class AkSkSignature
{
    public const string Algorithm = "SDK-HMAC-SHA256";
    public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
    public const string EmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    /// <summary>Canonical URI from the raw path: each '/'-separated segment percent-decoded, re-encoded with the
    /// unreserved set, joined again, with a trailing '/' added when missing.</summary>
    public static string CanonicalUri(string rawPath)
    {
        var segments = rawPath.Split('/');
        for (var i = 0; i < segments.Length; i++)
            segments[i] = PercentCoding.Encode(PercentCoding.Decode(segments[i], plusIsSpace: false));
        var uri = string.Join('/', segments);
        return uri.EndsWith('/') ? uri : uri + "/";
    }

    /// <summary>Canonical query from the raw query (no '?'): pairs sorted by name, then value, in UTF-8 byte order
    /// (§6.2; the Go SDK) or, with <paramref name="utf16Order"/>, in UTF-16 code-unit order (the Node and .NET
    /// SDKs); each part re-encoded; <c>name=</c> for an empty value; joined with '&amp;'.</summary>
    public static string CanonicalQuery(string rawQuery, bool utf16Order = false)
    {
        var pairs = QueryParams.Parse(rawQuery).Pairs.ToList();
        Comparison<string?> order = utf16Order ? string.CompareOrdinal : Utf8Order.Compare;
        pairs.Sort((a, b) =>
        {
            var c = order(a.Key, b.Key);
            return c != 0 ? c : order(a.Value, b.Value);
        });
        return string.Join('&', pairs.Select(p => PercentCoding.Encode(p.Key) + "=" + PercentCoding.Encode(p.Value)));
    }

    /// <summary>One <c>name:trimmed value</c> line per value (values sorted) for each signed header, in the order the
    /// client listed them; a header absent from the request contributes no line (as the Go signer does). The block
    /// ends with a newline.</summary>
    public static string CanonicalHeaders(IReadOnlyList<string> signedHeaders, Func<string, IReadOnlyList<string>> valuesOf)
    {
        var sb = new StringBuilder();
        foreach (var name in signedHeaders)
        {
            var values = valuesOf(name).Select(v => v.Trim()).ToList();
            values.Sort(Utf8Order.Compare);
            foreach (var v in values) sb.Append(name).Append(':').Append(v).Append('\n');
        }
        return sb.ToString();
    }

    public static string CanonicalRequest(string method, string rawPath, string rawQuery, IReadOnlyList<string> signedHeaders,
        Func<string, IReadOnlyList<string>> valuesOf, string payloadHash, bool utf16QueryOrder = false) =>
        string.Join('\n',
            method.ToUpperInvariant(),
            CanonicalUri(rawPath),
            CanonicalQuery(rawQuery, utf16QueryOrder),
            CanonicalHeaders(signedHeaders, valuesOf),
            string.Join(';', signedHeaders),
            payloadHash);

    public static string StringToSign(string sdkDate, string canonicalRequest) =>
        $"{Algorithm}\n{sdkDate}\n{HexSha256(Encoding.UTF8.GetBytes(canonicalRequest))}";

    public static string Sign(string secretKey, string stringToSign) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(stringToSign)));

    public static string HexSha256(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    public static bool FixedTimeEquals(string expected, string actual) =>
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(actual));

    /// <summary>Parses the Authorization header; false when it is not an SDK-HMAC-SHA256 header with all three fields.</summary>
    public static bool TryParseAuthorization(string? header, out SdkAuthorization? auth)
    {
        auth = null;
        if (header is null || !header.StartsWith(Algorithm + " ", StringComparison.Ordinal)) return false;
        string? access = null, signed = null, signature = null;
        foreach (var part in header[(Algorithm.Length + 1)..].Split(','))
        {
            var kv = part.Trim();
            var eq = kv.IndexOf('=');
            if (eq <= 0) return false;
            var value = kv[(eq + 1)..].Trim();
            switch (kv[..eq].Trim())
            {
                case "Access": access = value; break;
                case "SignedHeaders": signed = value; break;
                case "Signature": signature = value; break;
            }
        }
        if (string.IsNullOrEmpty(access) || string.IsNullOrEmpty(signed) || string.IsNullOrEmpty(signature)) return false;
        auth = new SdkAuthorization(access, signed.Split(';').Select(h => h.Trim().ToLowerInvariant()).ToArray(), signature);
        return true;
    }
}

/// <summary>Ordinal order of UTF-8 bytes (= code point order), which differs from UTF-16 ordinal order only for
/// characters above U+FFFF versus U+E000..U+FFFF; Go's sort.Strings compares bytes.</summary>
public static class Utf8Order
{
    public static int Compare(string? a, string? b)
    {
        if (ReferenceEquals(a, b)) return 0;
        if (a is null) return -1;
        if (b is null) return 1;
        var ea = a.EnumerateRunes();
        var eb = b.EnumerateRunes();
        while (true)
        {
            var hasA = ea.MoveNext();
            var hasB = eb.MoveNext();
            if (!hasA || !hasB) return hasA == hasB ? 0 : hasA ? 1 : -1;
            var c = ea.Current.Value.CompareTo(eb.Current.Value);
            if (c != 0) return c;
        }
    }
}
