using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>The §12.2 disk fields (control plane 1.2) on the default seed's disks and the seed fields that describe them.</summary>
public class VolumeFieldTests
{
    private static async Task<Dictionary<string, JsonNode>> FeatureDisks(Emu emu)
    {
        var (pid, cred, _) = emu.Features();
        var r = await emu.GetAsync($"/v2/{pid}/cloudvolumes/detail", cred);
        Assert.Equal(200, r.Code);
        return r.Json["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!);
    }

    [Fact]
    public async Task EncryptedDisk_ShowsEncryptionInMetadata_NotInTheUnsupportedTopLevelField()
    {
        await using var emu = await Emu.StartAsync();
        var enc = (await FeatureDisks(emu))["enc01"];
        Assert.Equal("1", enc["metadata"]!["__system__encrypted"]!.GetValue<string>());
        Assert.Equal("0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11", enc["metadata"]!["__system__cmkid"]!.GetValue<string>());
        // §12.2: the top-level `encrypted` is documented as not supported; the emulator keeps it false.
        Assert.False(enc["encrypted"]!.GetValue<bool>());
        Assert.Equal("5c1f2a3b-4d5e-4f60-8a71-92b3c4d5e6f7", enc["enterprise_project_id"]!.GetValue<string>());
        Assert.Null(enc["serial_number"]);
        Assert.Null(enc["iops"]);
    }

    [Fact]
    public async Task ScsiDisks_HaveASerialNumber_VbdDisksDoNot()
    {
        await using var emu = await Emu.StartAsync();
        var disks = await FeatureDisks(emu);
        var scsi = disks["scsi01"];
        Assert.Equal("true", scsi["metadata"]!["hw:passthrough"]!.GetValue<string>());
        Assert.Matches("^[0-9A-F]{20}$", scsi["serial_number"]!.GetValue<string>());
        Assert.Null(disks["enc01"]["serial_number"]);
        Assert.Equal("0", disks["sys01"]["metadata"]!["__system__encrypted"]!.GetValue<string>());

        // The default project's SCSI disk (shared01, hw:passthrough "true" since 1.0) gains one; a VBD disk does not.
        var shared = await emu.ShowVolumeAsync(emu.VolumeId("shared01"));
        var db02 = await emu.ShowVolumeAsync(emu.VolumeId("db02"));
        Assert.Matches("^[0-9A-F]{20}$", shared["serial_number"]!.GetValue<string>());
        Assert.NotEqual(scsi["serial_number"]!.GetValue<string>(), shared["serial_number"]!.GetValue<string>());
        Assert.False(db02.AsObject().ContainsKey("serial_number"));
    }

    [Fact]
    public async Task ProvisionedDisks_HaveIopsAndThroughputObjects()
    {
        await using var emu = await Emu.StartAsync();
        var disks = await FeatureDisks(emu);
        var gp2 = disks["gp2data01"];
        Assert.Equal(5000, gp2["iops"]!["total_val"]!.GetValue<int>());
        Assert.False(gp2["iops"]!["frozened"]!.GetValue<bool>());
        Assert.True(Guid.TryParse(gp2["iops"]!["id"]!.GetValue<string>(), out _));
        Assert.Equal(250, gp2["throughput"]!["total_val"]!.GetValue<int>());
        Assert.NotEqual(gp2["iops"]!["id"]!.GetValue<string>(), gp2["throughput"]!["id"]!.GetValue<string>());
        Assert.Equal("storage", gp2["tags"]!["team"]!.GetValue<string>());
        var essd2 = disks["essd2data01"];
        Assert.Equal(10000, essd2["iops"]!["total_val"]!.GetValue<int>());
        Assert.False(essd2.AsObject().ContainsKey("throughput"));
        Assert.False(disks["sys01"].AsObject().ContainsKey("iops"));
    }

    [Fact]
    public async Task SystemDisk_CarriesImageMetadata_DataDisksAnEmptyObject()
    {
        await using var emu = await Emu.StartAsync();
        var disks = await FeatureDisks(emu);
        var sys = disks["sys01"];
        Assert.Equal("true", sys["bootable"]!.GetValue<string>());
        var image = sys["volume_image_metadata"]!;
        Assert.Equal("a7c1f0d2-3b4e-4f56-8a9b-0c1d2e3f4a5b", image["image_id"]!.GetValue<string>());
        Assert.Equal("CentOS 7.9 64bit", image["image_name"]!.GetValue<string>());
        Assert.Equal("Linux", image["__os_type"]!.GetValue<string>());
        Assert.Equal("CentOS 7.9 64bit", image["__os_version"]!.GetValue<string>());
        Assert.Empty(disks["enc01"]["volume_image_metadata"]!.AsObject());
        var attachment = Assert.Single(sys["attachments"]!.AsArray())!;
        Assert.Equal("/dev/vda", attachment["device"]!.GetValue<string>());
        Assert.NotEqual(sys["id"]!.GetValue<string>(), attachment["attachment_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task DiskFromASnapshot_NamesIt_OthersHaveNull()
    {
        await using var emu = await Emu.StartAsync();
        var (_, _, info) = emu.Features();
        var encDaily = info["snapshots"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == "enc01-daily")!["id"]!.GetValue<string>();
        var disks = await FeatureDisks(emu);
        Assert.Equal(encDaily, disks["restored01"]["snapshot_id"]!.GetValue<string>());
        Assert.Equal("1", disks["restored01"]["metadata"]!["__system__encrypted"]!.GetValue<string>());
        Assert.Null(disks["enc01"]["snapshot_id"]);
    }

    [Fact]
    public async Task AdminVolume_ReportsTheNewFields()
    {
        await using var emu = await Emu.StartAsync();
        var (_, _, info) = emu.Features();
        var admin = info["volumes"]!.AsArray().ToDictionary(v => v!["name"]!.GetValue<string>(), v => v!);
        Assert.True(admin["enc01"]["encrypted"]!.GetValue<bool>());
        Assert.Equal("0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11", admin["enc01"]["kmsKeyId"]!.GetValue<string>());
        Assert.True(admin["scsi01"]["scsi"]!.GetValue<bool>());
        Assert.Equal(5000, admin["gp2data01"]["iops"]!.GetValue<int>());
        Assert.Equal("seed", admin["sys01"]["origin"]!.GetValue<string>());
        Assert.Equal("1.1", emu.Info["seedFormat"]!.GetValue<string>());
    }

    private const string Head = "{\"seedFormatVersion\":\"1.1\",\"domains\":[{\"name\":\"a\"}],\"projects\":[{\"name\":\"p\",\"domain\":\"a\",\"volumes\":[";

    [Theory]
    [InlineData("{\"name\":\"v\",\"kmsKeyId\":\"short\"}]}]}", "projects[0].volumes[0].kmsKeyId: must be a 36-character KMS key id")]
    [InlineData("{\"name\":\"v\",\"encrypted\":true}]}]}", "projects[0].volumes[0].encrypted: an encrypted disk needs its kmsKeyId")]
    [InlineData("{\"name\":\"v\",\"serialNumber\":\"X1\"}]}]}", "projects[0].volumes[0].serialNumber: only SCSI disks")]
    [InlineData("{\"name\":\"v\",\"iops\":100}]}]}", "projects[0].volumes[0].iops: only GPSSD2 and ESSD2")]
    [InlineData("{\"name\":\"v\",\"volumeType\":\"ESSD2\",\"throughput\":100}]}]}", "projects[0].volumes[0].throughput: only GPSSD2")]
    [InlineData("{\"name\":\"v\",\"scsi\":true,\"metadata\":{\"hw:passthrough\":\"true\"}}]}]}", "give scsi or metadata hw:passthrough, not both")]
    [InlineData("{\"name\":\"v\",\"snapshot\":\"nope\"}]}]}", "projects[0].volumes[0].snapshot: no snapshot named 'nope'")]
    public async Task BadFeatureFields_AreRefusedWithTheirPath(string rest, string message)
    {
        await using var emu = await Emu.StartAsync();
        var r = await emu.AdminAsync(HttpMethod.Post, "seed", Head + rest);
        Assert.Equal(400, r.Code);
        Assert.Contains(message, r.Json["error"]!.GetValue<string>());
    }

    [Fact]
    public async Task SeedFields_DescribeADisk_AndDefaultsForProvisionedTypes()
    {
        await using var emu = await Emu.StartAsync();
        var seed = Head + """
            {"name":"d","volumeType":"GPSSD2","scsi":true,"serialNumber":"SN-0001","wwn":"688860300000000000000000000000ab",
             "attachments":[{"server":"s","attachmentId":"11111111-2222-4333-8444-555555555555"}],"status":"in-use"}],
             "servers":[{"name":"s"}]}],
             "accessKeys":[{"access":"AK1","secret":"sk1","domain":"a"}]}
            """;
        var posted = await emu.AdminAsync(HttpMethod.Post, "seed", seed);
        Assert.True(posted.Code == 200, posted.Body);
        var info = (await emu.AdminAsync(HttpMethod.Get, "info")).Json;
        var pid = info["projectId"]!.GetValue<string>();
        var id = info["volumeIds"]!["d"]!.GetValue<string>();
        var v = (await emu.GetAsync($"/v2/{pid}/cloudvolumes/{id}", Emu.Signed("AK1", "sk1", pid))).Json["volume"]!;
        Assert.Equal("SN-0001", v["serial_number"]!.GetValue<string>());
        Assert.Equal("688860300000000000000000000000ab", v["wwn"]!.GetValue<string>());
        Assert.Equal("11111111-2222-4333-8444-555555555555", v["attachments"]![0]!["attachment_id"]!.GetValue<string>());
        // GPSSD2 without iops/throughput: the documented defaults (3000 IOPS, 125 MiB/s).
        Assert.Equal(3000, v["iops"]!["total_val"]!.GetValue<int>());
        Assert.Equal(125, v["throughput"]!["total_val"]!.GetValue<int>());
    }
}
