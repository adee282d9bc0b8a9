using System.Security.Cryptography;
using System.Text;
using EvsSnapshot.Client.Signing;

namespace EvsSnapshot.Client.Tests;

/// <summary>The SDK-HMAC-SHA256 signer against the published vectors (evs-api.md §6.2).</summary>
public class SignerTests
{
    private const string V1Sk = "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc";
    private const string V1Signature = "7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe";
    private const string EmptySha = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    private static SigningRequest V1Request(bool hostAsHeader)
    {
        var r = new SigningRequest("GET", "service.region.example.com", "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs");
        // Query deliberately out of order: the signer must sort.
        r.Query.Add(new("marker", "13551d6b-755d-4757-b956-536f674975c0"));
        r.Query.Add(new("limit", "2"));
        r.Headers.Add(new("Content-Type", "application/json"));
        if (hostAsHeader) r.Headers.Add(new("Host", "service.region.example.com"));
        r.Headers.Add(new("X-Sdk-Date", "20191115T033655Z"));
        return r;
    }

    private static string Sha(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Hmac(string key, string text) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(text)));

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void V1_CanonicalRequest_MatchesPublishedLinesAndHash(bool hostAsHeader)
    {
        string canonical = AkSkSigner.BuildCanonicalRequest(V1Request(hostAsHeader));
        Assert.Equal(
            "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
            "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" +
            "content-type;host;x-sdk-date\n" + EmptySha, canonical);
        Assert.Equal("b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a", Sha(canonical));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void V1_Sign_ProducesPublishedSignatureAndHeaderForm(bool hostAsHeader)
    {
        string header = AkSkSigner.Sign(V1Request(hostAsHeader), "AK-V1", V1Sk);
        Assert.Equal("SDK-HMAC-SHA256 Access=AK-V1, SignedHeaders=content-type;host;x-sdk-date, Signature=" + V1Signature, header);
    }

    [Fact]
    public void V2_GoTest1_CanonicalPartsGiveThePublishedSignature()
    {
        // Sign() always signs host; the Go vector does not. So the canonical request is assembled from the
        // signer's own building blocks (URI, query, payload hash) and the HMAC step is done here.
        var query = new List<KeyValuePair<string, string>> { new("limit", "1") };
        string canonical = "GET\n" + AkSkSigner.CanonicalUri("/path") + "\n" + AkSkSigner.CanonicalQuery(query) + "\n"
                           + "x-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + AkSkSigner.HexSha256(Array.Empty<byte>());
        string signature = Hmac("SecretKey", "SDK-HMAC-SHA256\n20060102T150405Z\n" + Sha(canonical));
        Assert.Equal("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624", signature);
    }

    [Fact]
    public void V3_GoTest2_BodyHashCoversExactBytesIncludingNewline()
    {
        var body = Encoding.UTF8.GetBytes("{\"Name\":\"test\",\"Id\":1}\n");
        Assert.Equal(23, body.Length);
        string canonical = "POST\n" + AkSkSigner.CanonicalUri("/path") + "\n"
                           + AkSkSigner.CanonicalQuery(new[] { new KeyValuePair<string, string>("key", "value") }) + "\n"
                           + "x-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + AkSkSigner.HexSha256(body);
        Assert.Equal("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
            Hmac("SecretKey", "SDK-HMAC-SHA256\n20060102T150405Z\n" + Sha(canonical)));
    }

    [Fact]
    public void V3_SignerPayloadLineIsTheBodyHash()
    {
        var body = Encoding.UTF8.GetBytes("{\"Name\":\"test\",\"Id\":1}\n");
        var r = new SigningRequest("POST", "example.huaweicloud.com", "/path") { Body = body };
        r.Headers.Add(new("X-Sdk-Date", "20060102T150405Z"));
        string canonical = AkSkSigner.BuildCanonicalRequest(r);
        Assert.EndsWith("\n" + Convert.ToHexStringLower(SHA256.HashData(body)), canonical);
        Assert.NotEqual(EmptySha, canonical.Split('\n').Last());
    }

    [Fact]
    public void QueryEncodingVector_GoTest()
    {
        var query = new List<KeyValuePair<string, string>>
        {
            new("test", "一 (&=?!#%.*)"), new("multi", "3"), new("limit", "1"), new("multi", "1"),
            new("path", "/tmp/123"), new("enable", "true"), new("multi", "2"),
        };
        Assert.Equal("enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29",
            AkSkSigner.CanonicalQuery(query));
    }

    [Fact]
    public void CanonicalQuery_EmptyWhenNoParameters_AndNullValueIsEmpty()
    {
        Assert.Equal("", AkSkSigner.CanonicalQuery(Array.Empty<KeyValuePair<string, string>>()));
        Assert.Equal("a=&b=1", AkSkSigner.CanonicalQuery(new[] { new KeyValuePair<string, string>("b", "1"), new KeyValuePair<string, string>("a", null!) }));
    }

    [Fact]
    public void CanonicalQuery_SortsByOrdinalNotCulture()
    {
        // Ordinal: uppercase before lowercase, '_' (0x5F) between them.
        var q = new[] { new KeyValuePair<string, string>("b", "1"), new("_x", "2"), new("B", "3"), new("a", "4") };
        Assert.Equal("B=3&_x=2&a=4&b=1", AkSkSigner.CanonicalQuery(q));
    }

    [Theory]
    [InlineData("/v2/pid/cloudsnapshots", "/v2/pid/cloudsnapshots/")]
    [InlineData("/v2/pid/cloudsnapshots/", "/v2/pid/cloudsnapshots/")]
    [InlineData("/", "/")]
    [InlineData("", "/")]
    [InlineData("/v2/pid/snapshots/x/metadata/a b", "/v2/pid/snapshots/x/metadata/a%20b/")]
    [InlineData("/v2/pid/snapshots/x/metadata/hw:key", "/v2/pid/snapshots/x/metadata/hw%3Akey/")]
    [InlineData("/a+b/~tilde/一", "/a%2Bb/~tilde/%E4%B8%80/")]
    public void CanonicalUri_EncodesEachSegmentAndEndsWithSlash(string path, string expected) =>
        Assert.Equal(expected, AkSkSigner.CanonicalUri(path));

    [Fact]
    public void SigningRequest_EmptyPathBecomesRoot()
    {
        var r = new SigningRequest("get", "h", "");
        r.Headers.Add(new("X-Sdk-Date", "20240101T000000Z"));
        var lines = AkSkSigner.BuildCanonicalRequest(r).Split('\n');
        Assert.Equal("GET", lines[0]); // method upper-cased
        Assert.Equal("/", lines[1]);
    }

    [Theory]
    [InlineData("AZaz09-_.~", "AZaz09-_.~")]
    [InlineData(" ", "%20")]
    [InlineData("/", "%2F")]
    [InlineData("+", "%2B")]
    [InlineData("*", "%2A")]
    [InlineData("%", "%25")]
    [InlineData("=&?#", "%3D%26%3F%23")]
    [InlineData(":", "%3A")]
    [InlineData("é", "%C3%A9")]
    [InlineData("一", "%E4%B8%80")]
    [InlineData("😀", "%F0%9F%98%80")]
    [InlineData("", "")]
    public void Encode_KnownValues(string input, string expected) => Assert.Equal(expected, AkSkSigner.Encode(input));

    [Fact]
    public void Encode_LeavesOnlyTheUnreservedAlphabetAndUsesUppercaseHex()
    {
        const string unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~";
        for (int c = 0; c < 128; c++)
        {
            string s = ((char)c).ToString();
            string encoded = AkSkSigner.Encode(s);
            if (unreserved.Contains((char)c)) Assert.Equal(s, encoded);
            else Assert.Equal("%" + c.ToString("X2"), encoded);
        }
    }

    [Fact]
    public void RepeatedHeaders_OneLinePerValueSortedAndOneSignedName()
    {
        var r = new SigningRequest("GET", "h.example", "/p");
        r.Headers.Add(new("X-B", "2"));
        r.Headers.Add(new(" x-a ", "  z  "));
        r.Headers.Add(new("X-B", "1"));
        r.Headers.Add(new("X-Sdk-Date", "20240101T000000Z"));
        var lines = AkSkSigner.BuildCanonicalRequest(r).Split('\n');
        Assert.Equal(new[] { "host:h.example", "x-a:z", "x-b:1", "x-b:2", "x-sdk-date:20240101T000000Z", "" }, lines[3..9]);
        Assert.Equal("host;x-a;x-b;x-sdk-date", lines[9]);
    }

    [Fact]
    public void HeaderOrderOfInputDoesNotChangeSignature()
    {
        SigningRequest Make(bool reversed)
        {
            var r = new SigningRequest("GET", "h", "/p");
            var headers = new List<KeyValuePair<string, string>> { new("X-Sdk-Date", "20240101T000000Z"), new("X-Project-Id", "p1"), new("X-B", "b") };
            if (reversed) headers.Reverse();
            foreach (var h in headers) r.Headers.Add(h);
            return r;
        }
        Assert.Equal(AkSkSigner.Sign(Make(false), "ak", "sk"), AkSkSigner.Sign(Make(true), "ak", "sk"));
    }

    [Fact]
    public void UnsignedPayload_ReplacesBodyHashAndMakesSignatureBodyIndependent()
    {
        SigningRequest Make(string body, bool unsigned)
        {
            var r = new SigningRequest("PUT", "h", "/upload") { Body = Encoding.UTF8.GetBytes(body) };
            r.Headers.Add(new("X-Sdk-Date", "20240101T000000Z"));
            if (unsigned) r.Headers.Add(new("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD"));
            return r;
        }
        Assert.EndsWith("\nUNSIGNED-PAYLOAD", AkSkSigner.BuildCanonicalRequest(Make("one", true)));
        Assert.Equal(AkSkSigner.Sign(Make("one", true), "ak", "sk"), AkSkSigner.Sign(Make("two", true), "ak", "sk"));
        Assert.NotEqual(AkSkSigner.Sign(Make("one", false), "ak", "sk"), AkSkSigner.Sign(Make("two", false), "ak", "sk"));
    }

    [Fact]
    public void MissingSdkDate_IsRejected()
    {
        var r = new SigningRequest("GET", "h", "/p");
        r.Headers.Add(new("X-Project-Id", "p"));
        var ex = Assert.Throws<ArgumentException>(() => AkSkSigner.Sign(r, "ak", "sk"));
        Assert.Contains("X-Sdk-Date", ex.Message);
    }

    [Theory]
    [InlineData("", "sk")]
    [InlineData("ak", "")]
    public void EmptyKeys_AreRejected(string ak, string sk)
    {
        var r = new SigningRequest("GET", "h", "/p");
        r.Headers.Add(new("X-Sdk-Date", "20240101T000000Z"));
        Assert.Throws<ArgumentException>(() => AkSkSigner.Sign(r, ak, sk));
    }

    [Fact]
    public void DifferentSecretKeys_GiveDifferentSignatures()
    {
        Assert.NotEqual(AkSkSigner.Sign(V1Request(true), "ak", V1Sk), AkSkSigner.Sign(V1Request(true), "ak", V1Sk + "x"));
    }

    [Fact]
    public void FormatSdkDate_IsCompactUtc()
    {
        Assert.Equal("20191115T033655Z", AkSkSigner.FormatSdkDate(new DateTime(2019, 11, 15, 3, 36, 55, DateTimeKind.Utc)));
        var offset = new DateTimeOffset(2019, 11, 15, 11, 36, 55, TimeSpan.FromHours(8));
        Assert.Equal("20191115T033655Z", AkSkSigner.FormatSdkDate(offset.UtcDateTime));
    }
}
