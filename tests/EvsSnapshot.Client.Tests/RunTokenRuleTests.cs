using System.Security.Cryptography;
using System.Text;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Tests;

/// <summary>The -ClientToken rule: how the token is stored, and which snapshot stands for "already made".</summary>
public class RunTokenRuleTests
{
    private const string Disk = "aaaaaaaa-0000-4000-8000-000000000001";
    private const string OtherDisk = "bbbbbbbb-0000-4000-8000-000000000002";

    /// <summary>The documented storage: "v1:" + the first 16 bytes, in lowercase hex, of SHA-256 over the fixed prefix, the token and the disk id.</summary>
    private static string Documented(string token, string disk)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("EvsSnapshot run token\0" + token + "\0" + disk.ToLowerInvariant()));
        return "v1:" + Convert.ToHexStringLower(hash, 0, 16);
    }

    private static SnapshotDetails With(string? value, string status = "available", string volumeId = Disk, string created = "2026-12-01T01:00:00Z", string id = "00000000-0000-4000-8000-000000000001") => new()
    {
        Id = id,
        Status = status,
        VolumeId = volumeId,
        CreatedAtUtc = DateTime.Parse(created, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
        Metadata = value == null ? new Dictionary<string, string>() : new Dictionary<string, string> { [InputValidator.RunTokenMetadataKey] = value },
    };

    [Theory]
    [InlineData("nightly-20261202")]
    [InlineData("z")]
    [InlineData("Nächtlich ✓ 42")]
    public void TheValueIsTheDocumentedHash_OfTokenAndDisk(string token)
    {
        Assert.Equal(Documented(token, Disk), RunTokenRule.MetadataValue(token, Disk));
        Assert.Equal(35, RunTokenRule.MetadataValue(token, Disk).Length);
        Assert.DoesNotContain(token, RunTokenRule.MetadataValue(token, Disk));
    }

    [Fact]
    public void TheValue_DiffersByDiskAndToken_NotByTheDiskIdsLetterCase()
    {
        Assert.NotEqual(RunTokenRule.MetadataValue("t", Disk), RunTokenRule.MetadataValue("t", OtherDisk));
        Assert.NotEqual(RunTokenRule.MetadataValue("t", Disk), RunTokenRule.MetadataValue("T", Disk));
        Assert.Equal(RunTokenRule.MetadataValue("t", Disk), RunTokenRule.MetadataValue("t", Disk.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("available", true)]
    [InlineData("creating", true)]
    [InlineData("backing-up", true)]
    [InlineData("rollbacking", true)]
    [InlineData("deleting", false)]
    [InlineData("error", false)]
    [InlineData("error_deleting", false)]
    public void AnyStatusButDeletingAndError_StandsForAlreadyMade(string status, bool reusable)
    {
        var value = RunTokenRule.MetadataValue("t", Disk);
        Assert.Equal(reusable, RunTokenRule.Pick(new[] { With(value, status) }, Disk, value) != null);
    }

    [Fact]
    public void Pick_WantsTheSameDiskAndValue_AndTakesTheNewest()
    {
        var value = RunTokenRule.MetadataValue("t", Disk);
        var older = With(value, created: "2026-11-30T01:00:00Z", id: "00000000-0000-4000-8000-000000000002");
        var newer = With(value, created: "2026-12-01T01:00:00Z", id: "00000000-0000-4000-8000-000000000003");
        var otherDisk = With(value, volumeId: OtherDisk, created: "2026-12-02T01:00:00Z", id: "00000000-0000-4000-8000-000000000004");
        var edited = With(value + "x", created: "2026-12-03T01:00:00Z", id: "00000000-0000-4000-8000-000000000005");
        var none = With(null, created: "2026-12-04T01:00:00Z", id: "00000000-0000-4000-8000-000000000006");
        Assert.Same(newer, RunTokenRule.Pick(new[] { older, otherDisk, newer, edited, none }, Disk, value));
        Assert.Null(RunTokenRule.Pick(new[] { otherDisk, edited, none }, Disk, value));
    }

    [Theory]
    [InlineData("", "ClientTokenEmpty")]
    [InlineData("   ", "ClientTokenEmpty")]
    [InlineData("tab\there", "ClientTokenInvalidCharacter")]
    [InlineData("12345678901234567890123456789012345678901234567890123456789012345", "ClientTokenTooLong")]
    public void BadTokens_AreRefused(string token, string errorId)
    {
        Assert.Equal(errorId, Assert.Throws<EvsValidationException>(() => InputValidator.ClientToken(token)).ErrorId);
    }

    [Fact]
    public void SixtyFourCharacters_AreAllowed() => Assert.Equal(new string('x', 64), InputValidator.ClientToken(new string('x', 64)));

    [Fact]
    public void TheMetadataKey_IsReservedForUsers()
    {
        Assert.Equal("MetadataKeyReserved", Assert.Throws<EvsValidationException>(() => InputValidator.MetadataKey(InputValidator.RunTokenMetadataKey)).ErrorId);
    }

    // ------------------------------------------------------------------ disks made from snapshots (New-EvsVolume -ClientToken)

    private static byte[] DiskHash(string label, string token, string snapshot) =>
        SHA256.HashData(Encoding.UTF8.GetBytes(label + "\0" + token + "\0" + snapshot.ToLowerInvariant()));

    [Theory]
    [InlineData("restore-20261202")]
    [InlineData("Nächtlich ✓ 42")]
    public void DiskValue_IsItsOwnDocumentedHash_NotTheSnapshotOne(string token)
    {
        Assert.Equal("v1:" + Convert.ToHexStringLower(DiskHash("EvsSnapshot disk run token", token, Disk), 0, 16), RunTokenRule.VolumeMetadataValue(token, Disk));
        Assert.NotEqual(RunTokenRule.MetadataValue(token, Disk), RunTokenRule.VolumeMetadataValue(token, Disk));
        Assert.Equal(RunTokenRule.VolumeMetadataValue(token, Disk), RunTokenRule.VolumeMetadataValue(token, Disk.ToUpperInvariant()));
    }

    [Theory]
    [InlineData("restore-20261202")]
    [InlineData("z")]
    public void DiskClientToken_IsAVersion8Uuid_OfTheHash_TheSameInEveryRun(string token)
    {
        var hash = DiskHash("EvsSnapshot disk client token", token, Disk);
        hash[6] = (byte)((hash[6] & 0x0F) | 0x80);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        string hex = Convert.ToHexStringLower(hash, 0, 16);
        string expected = $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..32]}";

        string uuid = RunTokenRule.VolumeClientToken(token, Disk);

        Assert.Equal(expected, uuid);
        Assert.Equal('8', uuid[14]);
        Assert.Contains(uuid[19], "89ab");
        Assert.True(InputValidator.IsUuid(uuid));
        Assert.NotEqual(uuid, RunTokenRule.VolumeClientToken(token, OtherDisk));
    }

    private static VolumeDetails Made(string? value, string status = "available", string snapshot = Disk, string created = "2026-12-01T01:00:00Z", string id = "00000000-0000-4000-8000-000000000001") => new()
    {
        Id = id,
        Status = status,
        SourceSnapshotId = snapshot,
        CreatedAtUtc = DateTime.Parse(created, null, System.Globalization.DateTimeStyles.AdjustToUniversal),
        Metadata = value == null ? new Dictionary<string, string>() : new Dictionary<string, string> { [InputValidator.RunTokenMetadataKey] = value },
    };

    [Fact]
    public void PickVolume_TakesAStandingDiskOfThatSnapshotWithThatValue_NewestFirst()
    {
        string value = RunTokenRule.VolumeMetadataValue("t", Disk);
        var older = Made(value, created: "2026-12-01T01:00:00Z", id: "00000000-0000-4000-8000-000000000009");
        var newer = Made(value, status: "creating", created: "2026-12-01T02:00:00Z", id: "00000000-0000-4000-8000-000000000008");
        var candidates = new[]
        {
            Made(value, status: "error", created: "2026-12-01T03:00:00Z"),
            Made(value, status: "deleting", created: "2026-12-01T03:00:00Z"),
            Made(value, status: "error_deleting", created: "2026-12-01T03:00:00Z"),
            Made(value, snapshot: OtherDisk, created: "2026-12-01T03:00:00Z"),
            Made(RunTokenRule.VolumeMetadataValue("other", Disk), created: "2026-12-01T03:00:00Z"),
            Made(null, created: "2026-12-01T03:00:00Z"),
            older,
            newer,
        };

        Assert.Same(newer, RunTokenRule.PickVolume(candidates, Disk, value));
        Assert.Null(RunTokenRule.PickVolume(candidates.Take(6), Disk, value));
    }
}
