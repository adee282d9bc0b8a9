namespace EvsSnapshot.Client.Tests;

/// <summary>
/// The endpoint chosen in every region, pinned from the lists in evs-api.md §13 (copied here by hand, not computed
/// from the code under test): EVS from §13.1, IAM from §13.3 with the global fallback of §13.2.
/// </summary>
public class RegionsTests
{
    // §13.1: all 34 EVS regions, in the doc's order.
    private static readonly string[] EvsRegions =
    {
        "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-north-12", "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
        "cn-south-1", "cn-south-2", "cn-south-4", "cn-southwest-2", "cn-southwest-3",
        "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "my-kualalumpur-1",
        "eu-west-0", "eu-west-101", "ru-moscow-1", "ru-northwest-2",
        "af-south-1", "af-north-1", "sa-brazil-1", "la-north-2", "la-south-2", "na-mexico-1", "me-east-1", "ae-ad-1", "tr-west-1",
    };

    public static TheoryData<string, string, string> EveryRegion() => new()
    {
        { "cn-north-1", "https://evs.cn-north-1.myhuaweicloud.com/", "https://iam.cn-north-1.myhuaweicloud.com/" },
        { "cn-north-2", "https://evs.cn-north-2.myhuaweicloud.com/", "https://iam.cn-north-2.myhuaweicloud.com/" },
        { "cn-north-4", "https://evs.cn-north-4.myhuaweicloud.com/", "https://iam.cn-north-4.myhuaweicloud.com/" },
        { "cn-north-9", "https://evs.cn-north-9.myhuaweicloud.com/", "https://iam.cn-north-9.myhuaweicloud.com/" },
        { "cn-north-11", "https://evs.cn-north-11.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "cn-north-12", "https://evs.cn-north-12.myhuaweicloud.com/", "https://iam.cn-north-12.myhuaweicloud.com/" },
        { "cn-east-2", "https://evs.cn-east-2.myhuaweicloud.com/", "https://iam.cn-east-2.myhuaweicloud.com/" },
        { "cn-east-3", "https://evs.cn-east-3.myhuaweicloud.com/", "https://iam.cn-east-3.myhuaweicloud.com/" },
        { "cn-east-4", "https://evs.cn-east-4.myhuaweicloud.com/", "https://iam.cn-east-4.myhuaweicloud.com/" },
        { "cn-east-5", "https://evs.cn-east-5.myhuaweicloud.com/", "https://iam.cn-east-5.myhuaweicloud.com/" },
        { "cn-south-1", "https://evs.cn-south-1.myhuaweicloud.com/", "https://iam.cn-south-1.myhuaweicloud.com/" },
        { "cn-south-2", "https://evs.cn-south-2.myhuaweicloud.com/", "https://iam.cn-south-2.myhuaweicloud.com/" },
        { "cn-south-4", "https://evs.cn-south-4.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "cn-southwest-2", "https://evs.cn-southwest-2.myhuaweicloud.com/", "https://iam.cn-southwest-2.myhuaweicloud.com/" },
        { "cn-southwest-3", "https://evs.cn-southwest-3.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "ap-southeast-1", "https://evs.ap-southeast-1.myhuaweicloud.com/", "https://iam.ap-southeast-1.myhuaweicloud.com/" },
        { "ap-southeast-2", "https://evs.ap-southeast-2.myhuaweicloud.com/", "https://iam.ap-southeast-2.myhuaweicloud.com/" },
        { "ap-southeast-3", "https://evs.ap-southeast-3.myhuaweicloud.com/", "https://iam.ap-southeast-3.myhuaweicloud.com/" },
        { "ap-southeast-4", "https://evs.ap-southeast-4.myhuaweicloud.com/", "https://iam.ap-southeast-4.myhuaweicloud.com/" },
        { "ap-southeast-5", "https://evs.ap-southeast-5.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "my-kualalumpur-1", "https://evs.my-kualalumpur-1.myhuaweicloud.com/", "https://iam.my-kualalumpur-1.myhuaweicloud.com/" },
        { "eu-west-0", "https://evs.eu-west-0.myhuaweicloud.com/", "https://iam.eu-west-0.myhuaweicloud.com/" },
        { "eu-west-101", "https://evs.eu-west-101.myhuaweicloud.com/", "https://iam.eu-west-101.myhuaweicloud.eu/" },
        { "ru-moscow-1", "https://evs.ru-moscow-1.myhuaweicloud.com/", "https://iam.ru-moscow-1.myhuaweicloud.com/" },
        { "ru-northwest-2", "https://evs.ru-northwest-2.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "af-south-1", "https://evs.af-south-1.myhuaweicloud.com/", "https://iam.af-south-1.myhuaweicloud.com/" },
        { "af-north-1", "https://evs.af-north-1.myhuaweicloud.com/", "https://iam.myhuaweicloud.com/" },
        { "sa-brazil-1", "https://evs.sa-brazil-1.myhuaweicloud.com/", "https://iam.sa-brazil-1.myhuaweicloud.com/" },
        { "la-north-2", "https://evs.la-north-2.myhuaweicloud.com/", "https://iam.la-north-2.myhuaweicloud.com/" },
        { "la-south-2", "https://evs.la-south-2.myhuaweicloud.com/", "https://iam.la-south-2.myhuaweicloud.com/" },
        { "na-mexico-1", "https://evs.na-mexico-1.myhuaweicloud.com/", "https://iam.na-mexico-1.myhuaweicloud.com/" },
        { "me-east-1", "https://evs.me-east-1.myhuaweicloud.com/", "https://iam.me-east-1.myhuaweicloud.com/" },
        { "ae-ad-1", "https://evs.ae-ad-1.myhuaweicloud.com/", "https://iam.ae-ad-1.myhuaweicloud.com/" },
        { "tr-west-1", "https://evs.tr-west-1.myhuaweicloud.com/", "https://iam.tr-west-1.myhuaweicloud.com/" },
    };

    [Fact]
    public void All_IsThe34RegionsOfTheSdkTable() => Assert.Equal(EvsRegions, Regions.All);

    [Fact]
    public void TheTableBelowCoversEveryRegion() => Assert.Equal(EvsRegions, EveryRegion().Select(row => (string)row[0]));

    [Theory]
    [MemberData(nameof(EveryRegion))]
    public void Endpoints(string region, string evs, string iam)
    {
        Assert.Equal(evs, Regions.EvsEndpoint(region).ToString());
        Assert.Equal(iam, Regions.IamEndpoint(region).ToString());
    }

    [Theory]
    [MemberData(nameof(EveryRegion))]
    public async Task AClientWithoutEndpointParameters_CallsThoseHosts(string region, string evs, string iam)
    {
        var handler = new Infrastructure.FakeHandler();
        using var ctx = await Infrastructure.Contexts.AkSkAsync(handler, tweak: o =>
        {
            o.Region = region;
            o.Endpoint = null;
            o.IamEndpoint = null;
            o.Environment = _ => null;
        });
        Assert.Equal(evs, ctx.Endpoint.ToString());
        Assert.Equal(iam, ctx.IamEndpoint.ToString());
    }

    [Fact]
    public void ARegionTheTableDoesNotKnow_UsesThePatternForEvs_AndTheGlobalIam()
    {
        Assert.Equal("https://evs.xx-new-9.myhuaweicloud.com/", Regions.EvsEndpoint("xx-new-9").ToString());
        Assert.Equal("https://iam.myhuaweicloud.com/", Regions.IamEndpoint("xx-new-9").ToString());
        Assert.False(Regions.IsKnown("xx-new-9"));
        Assert.True(Regions.IsKnown("eu-west-101"));
    }
}
