using System.Security.Cryptography;
using System.Text;
using EvsEmulator.Auth;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The §6.2 vectors, against both the emulator's verifier and the tests' own signer.</summary>
public class SigningVectorTests
{
    private const string V1Path = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs";
    private const string V1Query = "limit=2&marker=13551d6b-755d-4757-b956-536f674975c0";

    private static IReadOnlyList<string> Values(Dictionary<string, string> headers, string name) =>
        headers.TryGetValue(name, out var v) ? [v] : [];

    [Fact]
    public void V1_HuaweiOfficial_EmulatorCanonicalRequestAndSignature()
    {
        var headers = new Dictionary<string, string>
        {
            ["content-type"] = "application/json",
            ["host"] = "service.region.example.com",
            ["x-sdk-date"] = "20191115T033655Z",
        };
        var canonical = AkSkSignature.CanonicalRequest("GET", V1Path, V1Query, ["content-type", "host", "x-sdk-date"],
            n => Values(headers, n), AkSkSignature.HexSha256([]));

        Assert.Equal(
            "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n" +
            "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n" +
            "content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", canonical);
        Assert.Equal("b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a",
            Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical))));
        var sig = AkSkSignature.Sign("MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc",
            AkSkSignature.StringToSign("20191115T033655Z", canonical));
        Assert.Equal("7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe", sig);
    }

    [Fact]
    public void V2_GoTest1_EmulatorSignature()
    {
        var headers = new Dictionary<string, string> { ["x-sdk-date"] = "20060102T150405Z" };
        var canonical = AkSkSignature.CanonicalRequest("GET", "/path", "limit=1", ["x-sdk-date"], n => Values(headers, n),
            AkSkSignature.EmptyBodySha256);
        Assert.Equal("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
            AkSkSignature.Sign("SecretKey", AkSkSignature.StringToSign("20060102T150405Z", canonical)));
    }

    [Fact]
    public void V3_GoTest2_EmulatorSignatureCoversExactBodyBytes()
    {
        var headers = new Dictionary<string, string> { ["x-sdk-date"] = "20060102T150405Z" };
        var body = Encoding.UTF8.GetBytes("{\"Name\":\"test\",\"Id\":1}\n");
        Assert.Equal(23, body.Length);
        var canonical = AkSkSignature.CanonicalRequest("POST", "/path", "key=value", ["x-sdk-date"], n => Values(headers, n),
            AkSkSignature.HexSha256(body));
        Assert.Equal("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
            AkSkSignature.Sign("SecretKey", AkSkSignature.StringToSign("20060102T150405Z", canonical)));
    }

    [Theory]
    // Go's url.Values.Encode form (space as '+'), shuffled.
    [InlineData("test=%E4%B8%80+%28%26%3D%3F%21%23%25.%2A%29&multi=3&limit=1&multi=1&path=%2Ftmp%2F123&enable=true&multi=2")]
    // %20 for the space and a literal '/' in a value.
    [InlineData("path=/tmp/123&multi=2&multi=1&multi=3&enable=true&limit=1&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29")]
    public void QueryEncodingVector_EmulatorCanonicalQuery(string rawQuery)
    {
        Assert.Equal(
            "enable=true&limit=1&multi=1&multi=2&multi=3&path=%2Ftmp%2F123&test=%E4%B8%80%20%28%26%3D%3F%21%23%25.%2A%29",
            AkSkSignature.CanonicalQuery(rawQuery));
    }

    [Theory]
    [InlineData("/v2/pid/cloudsnapshots", "/v2/pid/cloudsnapshots/")]
    [InlineData("/v2/pid/cloudsnapshots/", "/v2/pid/cloudsnapshots/")]
    [InlineData("/v2/pid/snapshots/x/metadata/a%20b", "/v2/pid/snapshots/x/metadata/a%20b/")]
    [InlineData("/v2/pid/snapshots/x/metadata/hw:key", "/v2/pid/snapshots/x/metadata/hw%3Akey/")]
    [InlineData("/a+b/%7Etilde/%e4%b8%80", "/a%2Bb/~tilde/%E4%B8%80/")]
    public void CanonicalUri_DecodesThenReencodesEachSegment(string raw, string expected) =>
        Assert.Equal(expected, AkSkSignature.CanonicalUri(raw));

    [Fact]
    public void CanonicalQuery_EmptyValueAndNameOnly()
    {
        Assert.Equal("a=&b=1", AkSkSignature.CanonicalQuery("b=1&a"));
        Assert.Equal("", AkSkSignature.CanonicalQuery(""));
    }

    [Fact]
    public void TestSigner_MatchesPublishedVectors()
    {
        var v1 = TestSigner.CanonicalRequest("GET", V1Path + "?" + V1Query, new Dictionary<string, string>
        {
            ["Content-Type"] = "application/json",
            ["Host"] = "service.region.example.com",
            ["X-Sdk-Date"] = "20191115T033655Z",
        }, []);
        Assert.Equal("7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe",
            TestSigner.Signature(v1, "20191115T033655Z", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc"));

        var date = new Dictionary<string, string> { ["X-Sdk-Date"] = "20060102T150405Z" };
        Assert.Equal("5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
            TestSigner.Signature(TestSigner.CanonicalRequest("GET", "/path?limit=1", date, []), "20060102T150405Z", "SecretKey"));
        Assert.Equal("cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59",
            TestSigner.Signature(TestSigner.CanonicalRequest("POST", "/path?key=value", date,
                Encoding.UTF8.GetBytes("{\"Name\":\"test\",\"Id\":1}\n")), "20060102T150405Z", "SecretKey"));
        Assert.Equal("SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624",
            TestSigner.AuthorizationHeader("AccessKey", date, "5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624"));
    }

    [Fact]
    public void AuthorizationHeader_ParsedIntoFields()
    {
        Assert.True(AkSkSignature.TryParseAuthorization(
            "SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=abc", out var auth));
        Assert.Equal("AK1", auth!.Access);
        Assert.Equal(["host", "x-sdk-date"], auth.SignedHeaders);
        Assert.Equal("abc", auth.Signature);
        Assert.False(AkSkSignature.TryParseAuthorization("SDK-HMAC-SHA256 Access=AK1, Signature=abc", out _));
        Assert.False(AkSkSignature.TryParseAuthorization("Bearer xyz", out _));
    }
}
