using System;
using System.Collections.Generic;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using EvsSnapshot.Client.Text;

namespace EvsSnapshot.Client.Signing
{
    /// <summary>What the signer needs to know about one HTTP request.</summary>
    public sealed class SigningRequest
    {
        public SigningRequest(string method, string host, string path)
        {
            Method = method ?? throw new ArgumentNullException(nameof(method));
            Host = host ?? throw new ArgumentNullException(nameof(host));
            Path = string.IsNullOrEmpty(path) ? "/" : path;
        }

        public string Method { get; }

        /// <summary>The Host header value as sent: host, plus ":port" when the port is not the scheme's default.</summary>
        public string Host { get; }

        /// <summary>The logical (not percent-encoded) request path, e.g. <c>/v2/{project}/cloudsnapshots</c>.</summary>
        public string Path { get; }

        /// <summary>Query parameters in any order; a name may repeat. Values are logical (not encoded).</summary>
        public IList<KeyValuePair<string, string>> Query { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>Headers to sign besides <c>host</c> (which is always signed). <c>X-Sdk-Date</c> must be among them.</summary>
        public IList<KeyValuePair<string, string>> Headers { get; } = new List<KeyValuePair<string, string>>();

        /// <summary>The exact body bytes that will be sent; empty for none.</summary>
        public byte[] Body { get; set; } = Array.Empty<byte>();
    }

    /// <summary>
    /// Huawei Cloud APIG "SDK-HMAC-SHA256" request signing (../shared/evs-api.md §6.2).
    /// Pure functions: no clock, no I/O, so they are checked byte for byte against the official SDK's signer.
    /// </summary>
    public static class AkSkSigner
    {
        public const string Algorithm = "SDK-HMAC-SHA256";
        public const string DateHeader = "X-Sdk-Date";
        public const string ContentSha256Header = "X-Sdk-Content-Sha256";
        public const string UnsignedPayload = "UNSIGNED-PAYLOAD";
        private const string EmptyBodySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

        /// <summary><c>YYYYMMDD'T'HHMMSS'Z'</c> in UTC.</summary>
        public static string FormatSdkDate(DateTime utc) =>
            utc.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        /// <summary>Returns the value of the <c>Authorization</c> header.</summary>
        public static string Sign(SigningRequest request, string accessKey, string secretKey)
        {
            if (request == null) throw new ArgumentNullException(nameof(request));
            if (string.IsNullOrEmpty(accessKey)) throw new ArgumentException("The access key is empty.", nameof(accessKey));
            if (string.IsNullOrEmpty(secretKey)) throw new ArgumentException("The secret key is empty.", nameof(secretKey));

            var headers = CollectSignedHeaders(request);
            string sdkDate = null!;
            foreach (var h in headers)
            {
                if (h.Key == "x-sdk-date") { sdkDate = h.Value; break; }
            }
            if (sdkDate == null) throw new ArgumentException("X-Sdk-Date must be one of the signed headers.", nameof(request));

            string signedHeaderNames = SignedHeaderNames(headers);
            string canonical = BuildCanonicalRequest(request, headers, signedHeaderNames);
            string stringToSign = Algorithm + "\n" + sdkDate + "\n" + HexSha256(Encoding.UTF8.GetBytes(canonical));
            string signature = HexHmacSha256(Encoding.UTF8.GetBytes(secretKey), stringToSign);
            return Algorithm + " Access=" + accessKey + ", SignedHeaders=" + signedHeaderNames + ", Signature=" + signature;
        }

        /// <summary>The canonical request (six parts joined by newlines); exposed for tests and diagnostics.</summary>
        public static string BuildCanonicalRequest(SigningRequest request)
        {
            var headers = CollectSignedHeaders(request);
            return BuildCanonicalRequest(request, headers, SignedHeaderNames(headers));
        }

        private static string BuildCanonicalRequest(SigningRequest request, List<KeyValuePair<string, string>> headers, string signedHeaderNames)
        {
            var sb = new StringBuilder(256);
            sb.Append(request.Method.ToUpperInvariant()).Append('\n');
            sb.Append(CanonicalUri(request.Path)).Append('\n');
            sb.Append(CanonicalQuery(request.Query)).Append('\n');
            foreach (var h in headers) sb.Append(h.Key).Append(':').Append(h.Value).Append('\n');
            sb.Append('\n');
            sb.Append(signedHeaderNames).Append('\n');
            sb.Append(PayloadHash(request, headers));
            return sb.ToString();
        }

        public static string CanonicalUri(string path)
        {
            var segments = path.Split('/');
            var sb = new StringBuilder(path.Length + 16);
            for (int i = 0; i < segments.Length; i++)
            {
                if (i > 0) sb.Append('/');
                sb.Append(Encode(segments[i]));
            }
            if (sb.Length == 0 || sb[sb.Length - 1] != '/') sb.Append('/');
            return sb.ToString();
        }

        public static string CanonicalQuery(IEnumerable<KeyValuePair<string, string>> query)
        {
            var pairs = new List<KeyValuePair<string, string>>(query);
            // Names, then values of a repeated name, in ordinal (UTF-16 code unit) order, as the official SDKs sort.
            pairs.Sort((a, b) =>
            {
                int byName = string.CompareOrdinal(a.Key, b.Key);
                return byName != 0 ? byName : string.CompareOrdinal(a.Value ?? string.Empty, b.Value ?? string.Empty);
            });
            var sb = new StringBuilder();
            foreach (var p in pairs)
            {
                if (sb.Length > 0) sb.Append('&');
                sb.Append(Encode(p.Key)).Append('=').Append(Encode(p.Value ?? string.Empty));
            }
            return sb.ToString();
        }

        /// <summary>Percent-encodes UTF-8 bytes, leaving only <c>A-Z a-z 0-9 - _ . ~</c> as they are.</summary>
        public static string Encode(string value) => PercentEncoding.Encode(value);

        private static List<KeyValuePair<string, string>> CollectSignedHeaders(SigningRequest request)
        {
            var list = new List<KeyValuePair<string, string>>(request.Headers.Count + 1);
            bool hostGiven = false;
            foreach (var h in request.Headers)
            {
                string name = h.Key.Trim().ToLowerInvariant();
                if (name == "host") hostGiven = true;
                list.Add(new KeyValuePair<string, string>(name, (h.Value ?? string.Empty).Trim()));
            }
            if (!hostGiven) list.Add(new KeyValuePair<string, string>("host", request.Host));
            list.Sort((a, b) =>
            {
                int byName = string.CompareOrdinal(a.Key, b.Key);
                return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
            });
            return list;
        }

        private static string SignedHeaderNames(List<KeyValuePair<string, string>> headers)
        {
            var sb = new StringBuilder();
            string? previous = null;
            foreach (var h in headers)
            {
                if (h.Key == previous) continue; // a repeated header is one name with several canonical lines
                if (sb.Length > 0) sb.Append(';');
                sb.Append(h.Key);
                previous = h.Key;
            }
            return sb.ToString();
        }

        private static string PayloadHash(SigningRequest request, List<KeyValuePair<string, string>> headers)
        {
            foreach (var h in headers)
            {
                if (h.Key == "x-sdk-content-sha256" && h.Value == UnsignedPayload) return UnsignedPayload;
            }
            return request.Body == null || request.Body.Length == 0 ? EmptyBodySha256 : HexSha256(request.Body);
        }

        internal static string HexSha256(byte[] data)
        {
            using (var sha = SHA256.Create()) return ToHex(sha.ComputeHash(data));
        }

        private static string HexHmacSha256(byte[] key, string data)
        {
            using (var hmac = new HMACSHA256(key)) return ToHex(hmac.ComputeHash(Encoding.UTF8.GetBytes(data)));
        }

        private static string ToHex(byte[] bytes)
        {
            const string hex = "0123456789abcdef";
            var chars = new char[bytes.Length * 2];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[2 * i] = hex[bytes[i] >> 4];
                chars[2 * i + 1] = hex[bytes[i] & 0xF];
            }
            return new string(chars);
        }
    }
}
