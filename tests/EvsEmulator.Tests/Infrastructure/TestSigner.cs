using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EvsEmulator.Tests.Infrastructure;

/// <summary>A small SDK-HMAC-SHA256 signer written for the tests, separately from the emulator's verifier, and proven
/// against the published vectors (SigningVectorTests). Headers are signed in sorted order, as the SDKs do.</summary>
public static class TestSigner
{
    public static string SdkDate(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    private static string Enc(string s)
    {
        var sb = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(s))
        {
            var c = (char)b;
            if (c is >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '0' and <= '9' or '-' or '_' or '.' or '~') sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2"));
        }
        return sb.ToString();
    }

    private static string Dec(string s, bool query) => Uri.UnescapeDataString(query ? s.Replace('+', ' ') : s);

    public static string CanonicalRequest(string method, string pathAndQuery, IReadOnlyDictionary<string, string> signedHeaders,
        byte[] body, bool unsignedPayload = false)
    {
        var q = pathAndQuery.IndexOf('?');
        var path = q < 0 ? pathAndQuery : pathAndQuery[..q];
        var query = q < 0 ? "" : pathAndQuery[(q + 1)..];

        var uri = string.Join("/", path.Split('/').Select(seg => Enc(Dec(seg, false))));
        if (!uri.EndsWith('/')) uri += "/";

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var i = p.IndexOf('=');
                return i < 0 ? (Dec(p, true), "") : (Dec(p[..i], true), Dec(p[(i + 1)..], true));
            })
            .OrderBy(p => p.Item1, StringComparer.Ordinal)
            .ThenBy(p => p.Item2, StringComparer.Ordinal)
            .Select(p => Enc(p.Item1) + "=" + Enc(p.Item2));
        var canonicalQuery = string.Join("&", pairs);

        var names = signedHeaders.Keys.Select(k => k.ToLowerInvariant()).OrderBy(k => k, StringComparer.Ordinal).ToList();
        var lookup = signedHeaders.ToDictionary(kv => kv.Key.ToLowerInvariant(), kv => kv.Value);
        var headerBlock = string.Concat(names.Select(n => n + ":" + lookup[n].Trim() + "\n"));

        var hash = unsignedPayload ? "UNSIGNED-PAYLOAD" : Convert.ToHexStringLower(SHA256.HashData(body));
        return $"{method}\n{uri}\n{canonicalQuery}\n{headerBlock}\n{string.Join(";", names)}\n{hash}";
    }

    public static string Signature(string canonicalRequest, string sdkDate, string secretKey)
    {
        var sts = "SDK-HMAC-SHA256\n" + sdkDate + "\n" +
                  Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalRequest)));
        return Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secretKey), Encoding.UTF8.GetBytes(sts)));
    }

    public static string SignedHeaderList(IReadOnlyDictionary<string, string> signedHeaders) =>
        string.Join(";", signedHeaders.Keys.Select(k => k.ToLowerInvariant()).OrderBy(k => k, StringComparer.Ordinal));

    public static string AuthorizationHeader(string ak, IReadOnlyDictionary<string, string> signedHeaders, string signature) =>
        $"SDK-HMAC-SHA256 Access={ak}, SignedHeaders={SignedHeaderList(signedHeaders)}, Signature={signature}";
}
