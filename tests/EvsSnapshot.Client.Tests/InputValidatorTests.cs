using System.Collections;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>Each rule at its boundary, with its ErrorId and ParameterName.</summary>
public class InputValidatorTests
{
    private static EvsValidationException Fails(Action action, string errorId, string parameterName)
    {
        var ex = Assert.Throws<EvsValidationException>(action);
        Assert.Equal(errorId, ex.ErrorId);
        Assert.Equal(parameterName, ex.ParameterName);
        Assert.Equal(EvsErrorKind.InvalidArgument, ex.Kind);
        return ex;
    }

    [Fact]
    public void Name_64Ok_65TooLong()
    {
        Assert.Equal(new string('n', 64), InputValidator.SnapshotName(new string('n', 64)));
        var ex = Fails(() => InputValidator.SnapshotName(new string('n', 65)), "SnapshotNameTooLong", "Name");
        Assert.Contains("65", ex.Message);
    }

    [Fact]
    public void Name_NullMeansNotGiven() => Assert.Null(InputValidator.SnapshotName(null));

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\t")]
    public void Name_EmptyOrBlank(string name) => Fails(() => InputValidator.SnapshotName(name), "SnapshotNameEmpty", "Name");

    [Theory]
    [InlineData("a\tb")]
    [InlineData("line\nbreak")]
    [InlineData("bell\u0007")]
    [InlineData("rtl\u202Eoverride")]
    public void Name_ControlCharacters(string name) =>
        Fails(() => InputValidator.SnapshotName(name), "SnapshotNameInvalidCharacter", "Name");

    [Theory]
    [InlineData("autobk_snapshot_x")]
    [InlineData("AUTOBK_SNAPSHOT_x")]
    [InlineData("AutoBk_Snapshot_")]
    public void Name_BackupPrefix_AnyCase(string name) =>
        Fails(() => InputValidator.SnapshotName(name, "NewName"), "SnapshotNameReservedPrefix", "NewName");

    [Fact]
    public void Name_PrefixOnlyInTheMiddle_IsFine() => Assert.Equal("x_autobk_snapshot_", InputValidator.SnapshotName("x_autobk_snapshot_"));

    [Fact]
    public void Description_85Ok_86TooLong()
    {
        Assert.Equal(new string('d', 85), InputValidator.Description(new string('d', 85)));
        Fails(() => InputValidator.Description(new string('d', 86)), "DescriptionTooLong", "Description");
    }

    [Fact]
    public void Description_AllowsLineBreaksAndTabs_ButNotOtherControls()
    {
        Assert.Equal("a\r\nb\tc", InputValidator.Description("a\r\nb\tc"));
        Assert.Equal("", InputValidator.Description(""));
        Fails(() => InputValidator.Description("a\u0000b"), "DescriptionInvalidCharacter", "Description");
    }

    [Theory]
    [InlineData("11111111-2222-4333-8444-555555555555")]
    [InlineData("AAAAAAAA-BBBB-4CCC-8DDD-EEEEEEEEEEEE")]
    public void Uuid_Valid_ReturnedLowercase(string id) => Assert.Equal(id.ToLowerInvariant(), InputValidator.SnapshotId(id));

    [Theory]
    [InlineData("11111111222243338444555555555555")]
    [InlineData("11111111-2222-4333-8444-55555555555")]
    [InlineData("11111111-2222-4333-8444-555555555555 ")]
    [InlineData("g1111111-2222-4333-8444-555555555555")]
    [InlineData("{11111111-2222-4333-8444-555555555555}")]
    [InlineData("../11111111-2222-4333-8444-555555555555")]
    [InlineData("11111111-2222-4333-8444-555555555555\n")] // '$' would accept a trailing newline
    public void Uuid_Invalid(string id)
    {
        Fails(() => InputValidator.VolumeId(id), "InvalidVolumeId", "VolumeId");
        Fails(() => InputValidator.SnapshotId(id), "InvalidSnapshotId", "Id");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void Uuid_Empty(string? id)
    {
        var ex = Fails(() => InputValidator.SnapshotId(id, "SnapshotId"), "InvalidSnapshotId", "SnapshotId");
        Assert.Contains("empty", ex.Message);
    }

    private static Hashtable Table(params object?[] pairs)
    {
        var h = new Hashtable();
        for (int i = 0; i < pairs.Length; i += 2) h[pairs[i]!] = pairs[i + 1];
        return h;
    }

    [Fact]
    public void Metadata_Valid_IsOrdinalCopy()
    {
        var result = InputValidator.Metadata(Table("Tier", "gold", "tier", "silver"));
        Assert.Equal(2, result.Count);
        Assert.Equal("gold", result["Tier"]);
        Assert.Equal("silver", result["tier"]);
        Assert.Empty(InputValidator.Metadata(null));
    }

    [Fact]
    public void Metadata_NonStringValue()
    {
        var ex = Fails(() => InputValidator.Metadata(Table("tier", 1)), "MetadataValueNotString", "Metadata");
        Assert.Contains("Int32", ex.Message);
    }

    [Fact]
    public void Metadata_NullValue() => Fails(() => InputValidator.Metadata(Table("tier", null)), "MetadataValueNotString", "Metadata");

    [Fact]
    public void Metadata_NonStringKey() => Fails(() => InputValidator.Metadata(Table(5, "x")), "MetadataKeyNotString", "Metadata");

    [Theory]
    [InlineData("")]
    [InlineData("  ")]
    public void Metadata_EmptyKey(string key) => Fails(() => InputValidator.Metadata(Table(key, "v")), "MetadataKeyEmpty", "Metadata");

    [Theory]
    [InlineData("__system__encrypted")]
    [InlineData("__system__")]
    [InlineData("evssnapshot_client_token")]
    public void Metadata_ReservedKeys(string key) => Fails(() => InputValidator.Metadata(Table(key, "v"), "SetMetadata"), "MetadataKeyReserved", "SetMetadata");

    [Fact]
    public void Metadata_50PairsOk_51TooMany()
    {
        var fifty = new Hashtable();
        for (int i = 0; i < 50; i++) fifty["k" + i] = "v";
        Assert.Equal(50, InputValidator.Metadata(fifty).Count);
        fifty["k50"] = "v";
        Fails(() => InputValidator.Metadata(fifty), "MetadataTooLarge", "Metadata");
    }

    [Fact]
    public void Metadata_KeyLength_255Ok_256TooLong()
    {
        Assert.Single(InputValidator.Metadata(Table(new string('k', 255), "v")));
        Fails(() => InputValidator.Metadata(Table(new string('k', 256), "v")), "MetadataKeyTooLong", "Metadata");
    }

    [Fact]
    public void Metadata_ValueLength_255Ok_256TooLong()
    {
        Assert.Single(InputValidator.Metadata(Table("k", new string('v', 255))));
        Fails(() => InputValidator.Metadata(Table("k", new string('v', 256))), "MetadataValueTooLong", "Metadata");
    }

    [Fact]
    public void Metadata_ControlCharacters()
    {
        Fails(() => InputValidator.Metadata(Table("k\n", "v")), "MetadataKeyInvalidCharacter", "Metadata");
        Fails(() => InputValidator.Metadata(Table("k", "v\r")), "MetadataValueInvalidCharacter", "Metadata");
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("a\\b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("...")]
    public void PathMetadataKey_RejectsPathCharacters(string key) =>
        Fails(() => InputValidator.PathMetadataKey(key), "MetadataKeyInvalidCharacter", "RemoveMetadataKey");

    [Theory]
    [InlineData("..x")]
    [InlineData("hw:passthrough")]
    [InlineData("a?b#c")]
    public void PathMetadataKey_AcceptsOtherKeys(string key) => Assert.Equal(key, InputValidator.PathMetadataKey(key));

    [Fact]
    public void PathMetadataKey_AlsoAppliesTheGeneralRules() =>
        Fails(() => InputValidator.PathMetadataKey("__system__x"), "MetadataKeyReserved", "RemoveMetadataKey");

    [Theory]
    [InlineData(0)]
    [InlineData(1001)]
    public void PageSize_OutOfRange(int size) => Fails(() => InputValidator.PageSize(size), "InvalidPageSize", "PageSize");

    [Theory]
    [InlineData(1)]
    [InlineData(1000)]
    public void PageSize_InRange(int size) => InputValidator.PageSize(size);

    [Theory]
    [InlineData("CN-NORTH-4")]
    [InlineData("cn_north_4")]
    [InlineData("cn-north-4/")]
    [InlineData("cn-north-4\n")]
    [InlineData("")]
    public void Region_Invalid(string region) => Fails(() => InputValidator.Region(region), "InvalidRegion", "Region");

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef/../x")]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("0123456789abcdef0123456789abcdef\n")]
    public void ProjectId_Invalid(string id) => Fails(() => InputValidator.ProjectId(id), "InvalidProjectId", "ProjectId");

    [Fact]
    public void Printable_EscapesControlsAndCutsLongValues()
    {
        Assert.Equal("a\\u000Ab", InputValidator.Printable("a\nb"));
        Assert.EndsWith("...", InputValidator.Printable(new string('x', 200)));
        Assert.Equal("(null)", InputValidator.Printable(null));
    }
}
