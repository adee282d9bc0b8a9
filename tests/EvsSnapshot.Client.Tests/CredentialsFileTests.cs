using EvsSnapshot.Client.Auth;

namespace EvsSnapshot.Client.Tests;

/// <summary>The SDKs' credentials file (§14.2): INI syntax, [basic] keys, and errors that name the line, never a value.</summary>
public class CredentialsFileTests
{
    private const string Display = "/ci/credentials";
    private const string Secret = "Sk-Very-Secret-Value-0123456789abcdef";

    private static Dictionary<string, IniSection> Parse(string text) => CredentialsFileParser.Parse(text, Display);

    [Fact]
    public void Parses_SectionsKeysCommentsQuotesAndBom()
    {
        var sections = Parse("\uFEFF# written by the CI\r\n[basic]\r\nak = AKFROMFILE0000000001\r\nSK: \"" + Secret + "\"\r\n; a comment\r\n\r\n"
                             + "security_token = 'st#with#hashes'\r\n[global]\ndomain_id = 0123\n");

        var basic = sections["BASIC"]; // section names are case-insensitive
        Assert.Equal("AKFROMFILE0000000001", basic.Get("ak"));
        Assert.Equal(Secret, basic.Get("sk"));            // ':' separates too; one pair of quotes is removed
        Assert.Equal(4, basic.LineOf("sk"));
        Assert.Equal("st#with#hashes", basic.Get("security_token")); // '#' after a value is part of it
        Assert.Equal("0123", sections["global"].Get("domain_id"));
        Assert.Null(basic.Get("project_id"));
    }

    [Theory]
    [InlineData("[basic]\nak = A\nthis line has no separator " + Secret + "\n", 3, "expected 'key = value'")]
    [InlineData("ak = A\n[basic]\n", 1, "'ak' is outside any section")]
    [InlineData("[basic]\nak = A\nak = B\n", 3, "'ak' appears again in [basic] (first on line 2)")]
    [InlineData("[basic]\nak = A\n[basic]\n", 3, "section [basic] appears again (first on line 1)")]
    [InlineData("[basic\nak = A\n", 1, "a section header must look like [basic]")]
    [InlineData("[basic]\n= " + Secret + "\n", 2, "expected 'key = value'")]
    [InlineData("[basic]\n" + Secret + " = x\n[basic]\n", 3, "section [basic]")]
    public void Malformed_NamesTheLine_NeverTheValue(string text, int line, string problem)
    {
        var ex = Assert.Throws<EvsException>(() => Parse(text));
        Assert.Equal("CredentialsFileInvalid", ex.ErrorId);
        Assert.Equal(EvsErrorKind.InvalidArgument, ex.Kind);
        Assert.Contains($"The credentials file {Display} is not valid: line {line}: ", ex.Message);
        Assert.Contains(problem, ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
        Assert.Equal(line.ToString(), ex.Fact("Line"));
        Assert.Equal(EvsAdvice.FixCredentialsFile, ex.Advice);
    }

    [Fact]
    public void AnUnknownKeyOutsideASection_IsNotEchoed()
    {
        var ex = Assert.Throws<EvsException>(() => Parse(Secret + " = x\n"));
        Assert.Contains("line 1: a key is outside any section", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Fact]
    public void Basic_AkSk_WithTokenProjectAndIamEndpoint()
    {
        var spec = CredentialsFileSource.FromBasic(Parse("[basic]\nak=AKFILE\nsk=" + Secret + "\nsecurity_token=STFILE123456\nproject_id=0123456789abcdef0123456789abcdef\niam_endpoint=iam.example.com\n"), Display, required: true)!;
        Assert.Equal(CredentialKind.AccessKey, spec.Kind);
        Assert.Equal("CredentialsFile (/ci/credentials)", spec.Source);
        Assert.Equal("AKFILE", spec.AccessKey);
        Assert.Equal(Secret, spec.SecretKey);
        Assert.Equal("STFILE123456", spec.SecurityToken);
        Assert.Equal("0123456789abcdef0123456789abcdef", spec.ProjectId);
        Assert.Equal(new Uri("https://iam.example.com"), spec.IamEndpoint); // a host alone means https, as Go reads it
    }

    [Fact]
    public void Basic_FederationWinsOverAkSk()
    {
        var spec = CredentialsFileSource.FromBasic(Parse("[basic]\nak=AKFILE\nsk=" + Secret + "\nidp_id=ci-idp\nid_token_file=/run/token\n"), Display, required: true)!;
        Assert.Equal(CredentialKind.Federation, spec.Kind);
        Assert.Equal("ci-idp", spec.IdpId);
        Assert.Equal("/run/token", spec.IdTokenFile);
        Assert.Equal("Federation (idp ci-idp) from CredentialsFile (/ci/credentials)", spec.Source);
    }

    [Theory]
    [InlineData("[basic]\nproject_id = x\nak = AK\n", 3, "'ak' is set but [basic] has no 'sk'")]
    [InlineData("[basic]\nsk = " + Secret + "\n", 2, "'sk' is set but [basic] has no 'ak'")]
    [InlineData("[basic]\nidp_id = x\n", 2, "'idp_id' is set but [basic] has no 'id_token_file'")]
    public void Basic_HalfAPair_IsAnErrorEvenInTheChain(string text, int line, string problem)
    {
        var ex = Assert.Throws<EvsException>(() => CredentialsFileSource.FromBasic(Parse(text), Display, required: false));
        Assert.Contains($"line {line}: {problem}", ex.Message);
        Assert.DoesNotContain(Secret, ex.Message);
    }

    [Fact]
    public void NoBasicCredentials_SkippedInTheChain_AnErrorWhenGivenExplicitly()
    {
        var onlyGlobal = Parse("[global]\nak = A\nsk = B\n");
        Assert.Null(CredentialsFileSource.FromBasic(onlyGlobal, Display, required: false));
        var ex = Assert.Throws<EvsException>(() => CredentialsFileSource.FromBasic(onlyGlobal, Display, required: true));
        Assert.Equal("CredentialsFileInvalid", ex.ErrorId);
        Assert.Contains("no [basic] section", ex.Message);
    }

    [Fact]
    public void Read_MissingFile_IsCredentialsFileNotFound()
    {
        string path = Path.Combine(Path.GetTempPath(), "evs-no-such-dir-" + Guid.NewGuid().ToString("N"), "credentials");
        var ex = Assert.Throws<EvsException>(() => CredentialsFileSource.Read(path));
        Assert.Equal("CredentialsFileNotFound", ex.ErrorId);
        Assert.Equal(EvsErrorKind.NotFound, ex.Kind);
        Assert.Contains(path, ex.Message);
    }

    [Theory]
    [InlineData("HOME", "/home/ops", "/home/ops")]
    [InlineData("OTHER", "/x", null)]
    public void HomeDirectory_FromTheEnvironment(string name, string value, string? expected)
    {
        if (Path.DirectorySeparatorChar == '\\') return; // Windows reads USERPROFILE; this suite runs on Linux
        Assert.Equal(expected, CredentialsFileSource.HomeDirectory(n => n == name ? value : null));
    }
}
