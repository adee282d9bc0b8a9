using EvsSnapshot.Client.Tests.Infrastructure;
using EvsSnapshot.Commands;

namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The engine gives advice as a kind with facts; the cmdlet layer's <see cref="ErrorAdvice"/> (compiled in from
/// src/EvsSnapshot) words it, naming the cmdlets and parameters. Every kind has words, and the facts appear.
/// </summary>
public class ErrorAdviceTests
{
    private static EvsException Error(EvsAdvice advice, string errorId = "SomeError", params (string, string?)[] facts) =>
        new EvsException(EvsErrorKind.InvalidState, errorId, "message").Advise(advice, facts);

    public static TheoryData<string> EveryAdvice()
    {
        var data = new TheoryData<string>();
        foreach (var advice in Enum.GetValues<EvsAdvice>()) if (advice != EvsAdvice.None) data.Add(advice.ToString());
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryAdvice))]
    public void EveryAdvice_HasWords(string name)
    {
        string? text = Error(Enum.Parse<EvsAdvice>(name)).RecommendedAction();
        Assert.False(string.IsNullOrWhiteSpace(text));
        Assert.EndsWith(".", text);
    }

    [Fact]
    public void CredentialAdvice_NamesTheFileLineAgencyAndIdentityProvider()
    {
        Assert.StartsWith("Correct line 7 of /ci/credentials:", Error(EvsAdvice.FixCredentialsFile, facts: new (string, string?)[] { ("CredentialsFile", "/ci/credentials"), ("Line", "7") }).RecommendedAction());
        Assert.StartsWith("Check /ci/credentials:", Error(EvsAdvice.FixCredentialsFile, facts: ("CredentialsFile", "/ci/credentials")).RecommendedAction());
        Assert.Contains("-AgencyName 'ops' and the delegating account 'acme'", Error(EvsAdvice.CheckAgency, facts: new (string, string?)[] { ("AgencyName", "ops"), ("AgencyDomain", "acme") }).RecommendedAction());
        Assert.Contains("/run/token holds a current id token that identity provider 'ci'", Error(EvsAdvice.CheckIdToken, facts: new (string, string?)[] { ("IdTokenFile", "/run/token"), ("IdpId", "ci") }).RecommendedAction());
    }

    [Fact]
    public void NoAdvice_NoWords() => Assert.Null(Error(EvsAdvice.None).RecommendedAction());

    [Theory]
    [InlineData("FindCreatedSnapshot", "VolumeId", "Get-EvsSnapshot -VolumeId ")]
    [InlineData("CheckVolumeState", "VolumeId", "Get-EvsVolume -Id ")]
    [InlineData("CheckSnapshotState", "SnapshotId", "Get-EvsSnapshot -Id ")]
    public void TheFactsAppearInTheCommandToRun(string advice, string fact, string command)
    {
        var text = Error(Enum.Parse<EvsAdvice>(advice), facts: (fact, Ids.Volume)).RecommendedAction();
        Assert.Contains(command + Ids.Volume, text);
    }

    [Theory]
    [InlineData("SlowDown", "-MaximumRetryWaitSec")]
    [InlineData("TrustCertificate", "-SkipCertificateCheck")]
    [InlineData("WaitForSnapshot", "Wait-EvsSnapshot")]
    [InlineData("WaitLonger", "-Timeout")]
    [InlineData("RetryRollback", "Restore-EvsSnapshot")]
    [InlineData("DetachVolume", "detach")]
    [InlineData("RenewStaticToken", "-UserName/-Password")]
    [InlineData("CheckPassword", "password")]
    [InlineData("ProvideCredentials", "-IdpId/-IdTokenFile")]
    [InlineData("ProvideCredentials", "HUAWEICLOUD_SDK_AK")]
    [InlineData("AttachEcsAgency", "agency")]
    [InlineData("CheckMetadataService", "-MetadataEndpoint")]
    [InlineData("CheckMetadataService", "EVSSNAPSHOT_METADATA_ENDPOINT")]
    public void TheWordsNameWhatToUse(string advice, string words) =>
        Assert.Contains(words, Error(Enum.Parse<EvsAdvice>(advice)).RecommendedAction());

    [Fact]
    public void APasswordIsNotToldAboutAccessKeys()
    {
        var text = Error(EvsAdvice.CheckPassword).RecommendedAction()!;
        Assert.DoesNotContain("access key", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("secret key", text, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("ProjectNotFound", "-Region")]
    [InlineData("ProjectAmbiguous", "choose")]
    public void ChooseProject_DependsOnWhatWentWrong(string errorId, string words) =>
        Assert.Contains(words, Error(EvsAdvice.ChooseProject, errorId).RecommendedAction());
}
