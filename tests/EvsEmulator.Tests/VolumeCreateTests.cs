using System.Text.Json.Nodes;
using EvsEmulator.Tests.Infrastructure;

namespace EvsEmulator.Tests;

/// <summary>POST /v2.1/{project_id}/cloudvolumes (§11.3, §11.4) and its jobs (§11.6), on a frozen emulator clock so every
/// lifecycle step is moved by the test, not waited for.</summary>
public class VolumeCreateTests
{
    /// <summary>An emulator whose features project is the target; jobs are INIT 1 s then RUNNING 4 s.</summary>
    private sealed class Ctx : IAsyncDisposable
    {
        public required Emu Emu { get; init; }
        public required string Pid { get; init; }
        public required Cred Cred { get; init; }
        public required JsonNode Project { get; init; }

        public static async Task<Ctx> StartAsync(params string[] args)
        {
            var emu = await Emu.StartAsync(["--job-init-seconds", "1", "--volume-create-seconds", "4", .. args]);
            await emu.AdminAsync(HttpMethod.Post, "clock", "{\"freeze\":true}");
            var (pid, cred, project) = emu.Features();
            return new Ctx { Emu = emu, Pid = pid, Cred = cred, Project = project };
        }

        public string Snapshot(string name) =>
            Project["snapshots"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();

        public string Server(string name) =>
            Project["servers"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();

        public Task<Resp> CreateAsync(string volume, string extra = "", string? token = null, bool fresh = false) =>
            Emu.SendAsync(HttpMethod.Post, $"/v2.1/{Pid}/cloudvolumes", $"{{\"volume\":{{{volume}}}{extra}}}", Cred, fresh: fresh,
                headers: token is null ? null : new Dictionary<string, string> { ["X-Client-Token"] = token });

        public async Task<JsonNode> JobAsync(string jobId)
        {
            var r = await Emu.GetAsync($"/v1/{Pid}/jobs/{jobId}", Cred);
            Assert.True(r.Code == 200, r.Body);
            return r.Json;
        }

        public async Task<Resp> VolumeAsync(string id) => await Emu.GetAsync($"/v2/{Pid}/cloudvolumes/{id}", Cred);

        public Task AdvanceAsync(double seconds) =>
            Emu.AdminAsync(HttpMethod.Post, "clock", $"{{\"advanceSeconds\":{seconds.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}");

        public async Task<int> VolumesCreatedAsync() =>
            (await Emu.AdminAsync(HttpMethod.Get, "stats")).Json["volumesCreated"]!.GetValue<int>();

        public ValueTask DisposeAsync() => Emu.DisposeAsync();
    }

    private const string FromEnc = "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":100";

    private static string Src(Ctx c, string snapshot) => $",\"snapshot_id\":\"{c.Snapshot(snapshot)}\"";

    [Fact]
    public async Task FromSnapshot_JobGoesInitRunningSuccess_DiskCreatingThenAvailable()
    {
        await using var c = await Ctx.StartAsync();
        var r = await c.CreateAsync(FromEnc + Src(c, "enc01-daily") + ",\"name\":\"restore-1\",\"metadata\":{\"create_for_volume_id\":\"true\",\"owner\":\"ops\"}");
        Assert.True(r.Code == 202, r.Body);
        var jobId = r.Json["job_id"]!.GetValue<string>();
        var volumeId = Assert.Single(r.Json["volume_ids"]!.AsArray())!.GetValue<string>();
        Assert.True(Guid.TryParse(jobId, out _));

        var init = await c.JobAsync(jobId);
        Assert.Equal("INIT", init["status"]!.GetValue<string>());
        Assert.Equal("createVolume", init["job_type"]!.GetValue<string>());
        Assert.Equal(jobId, init["job_id"]!.GetValue<string>());
        Assert.Equal("", init["end_time"]!.GetValue<string>());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", init["begin_time"]!.GetValue<string>());
        Assert.Null(init["entities"]!["volume_id"]);
        Assert.Equal("SSD", init["entities"]!["volume_type"]!.GetValue<string>());
        Assert.Equal(100, init["entities"]!["size"]!.GetValue<int>());
        Assert.Equal("restore-1", init["entities"]!["name"]!.GetValue<string>());
        Assert.Null(init["error_code"]);
        Assert.Null(init["fail_reason"]);
        var creating = (await c.VolumeAsync(volumeId)).Json["volume"]!;
        Assert.Equal("creating", creating["status"]!.GetValue<string>());

        await c.AdvanceAsync(1);
        var running = await c.JobAsync(jobId);
        Assert.Equal("RUNNING", running["status"]!.GetValue<string>());
        Assert.Equal(volumeId, running["entities"]!["volume_id"]!.GetValue<string>());
        Assert.Equal("", running["end_time"]!.GetValue<string>());
        Assert.Equal("creating", (await c.VolumeAsync(volumeId)).Json["volume"]!["status"]!.GetValue<string>());

        await c.AdvanceAsync(4);
        var done = await c.JobAsync(jobId);
        Assert.Equal("SUCCESS", done["status"]!.GetValue<string>());
        Assert.NotEqual("", done["end_time"]!.GetValue<string>());
        Assert.Null(done["error_code"]);
        var v = (await c.VolumeAsync(volumeId)).Json["volume"]!;
        Assert.Equal("available", v["status"]!.GetValue<string>());
        Assert.Equal(c.Snapshot("enc01-daily"), v["snapshot_id"]!.GetValue<string>());
        Assert.Equal("restore-1", v["name"]!.GetValue<string>());
        Assert.Equal(100, v["size"]!.GetValue<int>());
        Assert.Equal("ops", v["metadata"]!["owner"]!.GetValue<string>());
        // create_for_volume_id is a request flag, not stored on the disk.
        Assert.Null(v["metadata"]!["create_for_volume_id"]);
        Assert.Empty(v["attachments"]!.AsArray());
    }

    [Fact]
    public async Task WithoutCreateForVolumeId_OnlyTheJobId_TheJobNamesTheDisk()
    {
        await using var c = await Ctx.StartAsync();
        var r = await c.CreateAsync(FromEnc + Src(c, "enc01-daily"));
        Assert.Equal(202, r.Code);
        Assert.Null(r.Json["volume_ids"]);
        await c.AdvanceAsync(1);
        var id = (await c.JobAsync(r.Json["job_id"]!.GetValue<string>()))["entities"]!["volume_id"]!.GetValue<string>();
        Assert.Equal(200, (await c.VolumeAsync(id)).Code);
    }

    [Theory]
    [InlineData("enc01-daily", "\"cn-north-4a\"", "\"SSD\"", 100)]
    [InlineData("scsi01-daily", "\"cn-north-4a\"", "\"SAS\"", 50)]
    [InlineData("sys01-base", "\"cn-north-4a\"", "\"SSD\"", 40)]
    public async Task NewDisk_InheritsEncryptionPassthroughAndImageFromTheSource(string snapshot, string az, string type, int size)
    {
        await using var c = await Ctx.StartAsync();
        var r = await c.CreateAsync($"\"availability_zone\":{az},\"volume_type\":{type},\"size\":{size}" + Src(c, snapshot)
            + ",\"metadata\":{\"create_for_volume_id\":\"true\"}");
        Assert.True(r.Code == 202, r.Body);
        var v = (await c.VolumeAsync(r.Json["volume_ids"]![0]!.GetValue<string>())).Json["volume"]!;
        var md = v["metadata"]!;
        Assert.Equal("1", md["full_clone"]!.GetValue<string>());
        switch (snapshot)
        {
            case "enc01-daily":
                Assert.Equal("1", md["__system__encrypted"]!.GetValue<string>());
                Assert.Equal("0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11", md["__system__cmkid"]!.GetValue<string>());
                Assert.Null(v["serial_number"]);
                break;
            case "scsi01-daily":
                Assert.Equal("0", md["__system__encrypted"]!.GetValue<string>());
                Assert.Equal("true", md["hw:passthrough"]!.GetValue<string>());
                Assert.Matches("^[0-9A-F]{20}$", v["serial_number"]!.GetValue<string>());
                break;
            default:
                Assert.Equal("true", v["bootable"]!.GetValue<string>());
                Assert.Equal("CentOS 7.9 64bit", v["volume_image_metadata"]!["image_name"]!.GetValue<string>());
                Assert.Null(md["hw:passthrough"]);
                break;
        }
    }

    public static TheoryData<string, int, string, string?> Refusals => new()
    {
        { "size-below", 400, "EVS.1010", "invalid volume size!" },
        { "size-missing", 400, "EVS.1010", "invalid volume size!" },
        { "az", 400, "EVS.2054", "Cannot create volume from snapshot as the az is invalid!" },
        { "type", 400, "EVS.2096", "Target volumeType[SAS] is not matched with snapshot[SSD] !" },
        { "status", 400, "EVS.2043", "The status of snapshot is not available or backing-up." },
        { "encrypt-key", 400, "EVS.1043", "encrypt and cmk and passthrougth in metadata is not support when create volume from snapshot or image!" },
        { "passthrough-key", 400, "EVS.1043", null },
        { "bad-snapshot-id", 400, "EVS.2045", "invalid snapshot_id!" },
        { "unknown-snapshot", 404, "EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found." },
        { "two-sources", 400, "EVS.1016", "Invalid input received: May specify only one of imageRef, snapshot_id, backup_id!" },
        { "backup", 400, "EVS.5400", "Invalid input: the EVS emulator does not create disks from a backup (backup_id) or an image (imageRef); use snapshot_id or create a blank disk." },
        { "prepaid", 400, "EVS.5400", "Invalid input: the EVS emulator creates pay-per-use disks only (bssParam.chargingMode postPaid); prePaid is not emulated." },
        { "iops-missing", 400, "EVS.5400", "Invalid input: iops is required for GPSSD2 disks." },
        { "iops-not-allowed", 400, "EVS.5400", "Invalid input: iops is only allowed for GPSSD2 and ESSD2 disks." },
        { "throughput-missing", 400, "EVS.5400", "Invalid input: throughput is required for GPSSD2 disks." },
        { "throughput-essd2", 400, "EVS.5400", "Invalid input: throughput is only allowed for GPSSD2 disks." },
        { "name", 400, "EVS.5400", "Invalid input: name must be at most 64 characters." },
        { "description", 400, "EVS.5400", "Invalid input: description must be at most 85 characters." },
        { "count", 400, "EVS.1021", "the quantity of volume is invalid!" },
        { "volume-type", 400, "EVS.1020", "invalid volume type!" },
        { "blank-az", 400, "EVS.1036", "invalid availability zone!" },
        { "blank-size", 400, "EVS.1010", "invalid volume size!" },
        { "no-az", 400, "EVS.5400", "Malformed request body." },
        { "server-unknown", 400, "EVS.5400", "Invalid input: server_id 00000000-0000-4000-8000-000000000000 is not an ECS server of this project." },
        { "server-az", 400, "EVS.5400", null },
        { "encrypted-no-key", 400, "EVS.5400", "Invalid metadata: an encrypted disk (__system__encrypted \"1\") needs __system__cmkid, a 36-character KMS key id." },
        { "passthrough-value", 400, "EVS.1057", "invalid hw:passthrough in metadata!" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task EachRule_IsRefusedWithItsCode_AndCreatesNothing(string rule, int status, string code, string? message)
    {
        await using var c = await Ctx.StartAsync();
        var body = rule switch
        {
            "size-below" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":99" + Src(c, "enc01-daily"),
            "size-missing" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\"" + Src(c, "enc01-daily"),
            "az" => "\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"SSD\",\"size\":100" + Src(c, "enc01-daily"),
            "type" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SAS\",\"size\":100" + Src(c, "enc01-daily"),
            "status" => FromEnc + Src(c, "enc01-failed"),
            "encrypt-key" => FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"__system__encrypted\":\"1\"}",
            "passthrough-key" => FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"hw:passthrough\":\"false\"}",
            "bad-snapshot-id" => FromEnc + ",\"snapshot_id\":\"enc01-daily\"",
            "unknown-snapshot" => FromEnc + ",\"snapshot_id\":\"00000000-0000-4000-8000-000000000000\"",
            "two-sources" => FromEnc + Src(c, "enc01-daily") + ",\"imageRef\":\"a7c1f0d2-3b4e-4f56-8a9b-0c1d2e3f4a5b\"",
            "backup" => FromEnc + ",\"backup_id\":\"00000000-0000-4000-8000-000000000000\"",
            "prepaid" => FromEnc + Src(c, "enc01-daily") + "},\"bssParam\":{\"chargingMode\":\"prePaid\",\"periodType\":\"month\",\"periodNum\":1}",
            "iops-missing" => "\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"GPSSD2\",\"size\":200,\"throughput\":125",
            "iops-not-allowed" => "\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"SSD\",\"size\":20,\"iops\":3000",
            "throughput-missing" => "\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"GPSSD2\",\"size\":200,\"iops\":3000",
            "throughput-essd2" => "\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"ESSD2\",\"size\":200,\"iops\":3000,\"throughput\":125",
            "name" => FromEnc + Src(c, "enc01-daily") + $",\"name\":\"{new string('n', 65)}\"",
            "description" => FromEnc + Src(c, "enc01-daily") + $",\"description\":\"{new string('d', 86)}\"",
            "count" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10,\"count\":101",
            "volume-type" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"ULTRA\",\"size\":10",
            "blank-az" => "\"availability_zone\":\"eu-west-0a\",\"volume_type\":\"SSD\",\"size\":10",
            "blank-size" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":9",
            "no-az" => "\"volume_type\":\"SSD\",\"size\":10",
            "server-unknown" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10},\"server_id\":\"00000000-0000-4000-8000-000000000000\"",
            "server-az" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10},\"server_id\":\"" + c.Server("ecs-feat02") + "\"",
            "encrypted-no-key" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10,\"metadata\":{\"__system__encrypted\":\"1\"}",
            "passthrough-value" => "\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10,\"metadata\":{\"hw:passthrough\":\"yes\"}",
            _ => throw new ArgumentOutOfRangeException(nameof(rule)),
        };
        // Bodies that set top-level keys close "volume" themselves; strip the wrapper's own closing brace for them.
        var r = body.Contains("},\"")
            ? await c.Emu.SendAsync(HttpMethod.Post, $"/v2.1/{c.Pid}/cloudvolumes", $"{{\"volume\":{{{body}}}", c.Cred)
            : await c.CreateAsync(body);
        Assert.True(r.Code == status, r.Body);
        Assert.Equal(code, r.ErrorCode);
        if (message is not null) Assert.Equal(message, r.ErrorMessage);
        Assert.Equal(0, await c.VolumesCreatedAsync());
        Assert.Equal(6, (await c.Emu.AdminAsync(HttpMethod.Get, $"volumes?projectId={c.Pid}")).Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task FromABackingUpSnapshot_IsAllowed()
    {
        await using var c = await Ctx.StartAsync();
        var backup = c.Project["snapshots"]!.AsArray().First(s => s!["status"]!.GetValue<string>() == "backing-up")!["id"]!.GetValue<string>();
        var r = await c.CreateAsync($"\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SAS\",\"size\":60,\"snapshot_id\":\"{backup}\"");
        Assert.True(r.Code == 202, r.Body);
    }

    [Fact]
    public async Task BlankDisks_ProvisionedEncryptedAndBatch()
    {
        await using var c = await Ctx.StartAsync();
        var gp2 = await c.CreateAsync("\"availability_zone\":\"cn-north-4b\",\"volume_type\":\"GPSSD2\",\"size\":100.9,\"iops\":4000,\"throughput\":150,"
                                      + "\"tags\":{\"env\":\"test\"},\"multiattach\":true,\"metadata\":{\"create_for_volume_id\":\"true\"}");
        Assert.True(gp2.Code == 202, gp2.Body);
        var v = (await c.VolumeAsync(gp2.Json["volume_ids"]![0]!.GetValue<string>())).Json["volume"]!;
        Assert.Equal(100, v["size"]!.GetValue<int>());
        Assert.Equal(4000, v["iops"]!["total_val"]!.GetValue<int>());
        Assert.Equal(150, v["throughput"]!["total_val"]!.GetValue<int>());
        Assert.Equal("test", v["tags"]!["env"]!.GetValue<string>());
        Assert.True(v["multiattach"]!.GetValue<bool>());
        Assert.Equal("0", v["metadata"]!["__system__encrypted"]!.GetValue<string>());
        Assert.Null(v["snapshot_id"]);
        Assert.Null(v["metadata"]!["full_clone"]);

        var kms = "11111111-2222-4333-8444-555555555555";
        var enc = await c.CreateAsync("\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10,"
                                      + $"\"metadata\":{{\"__system__encrypted\":\"1\",\"__system__cmkid\":\"{kms}\",\"create_for_volume_id\":\"true\"}}");
        var ev = (await c.VolumeAsync(enc.Json["volume_ids"]![0]!.GetValue<string>())).Json["volume"]!;
        Assert.Equal(kms, ev["metadata"]!["__system__cmkid"]!.GetValue<string>());

        var batch = await c.CreateAsync("\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SAS\",\"size\":10,\"count\":3,\"name\":\"data\","
                                        + "\"metadata\":{\"create_for_volume_id\":\"true\"}");
        Assert.True(batch.Code == 202, batch.Body);
        var ids = batch.Json["volume_ids"]!.AsArray().Select(x => x!.GetValue<string>()).ToList();
        Assert.Equal(3, ids.Distinct().Count());
        await c.AdvanceAsync(1);
        var job = await c.JobAsync(batch.Json["job_id"]!.GetValue<string>());
        Assert.Equal("batchCreateVolume", job["job_type"]!.GetValue<string>());
        var subs = job["entities"]!["sub_jobs"]!.AsArray();
        Assert.Equal(ids, subs.Select(s => s!["entities"]!["volume_id"]!.GetValue<string>()));
        Assert.Equal(["data-0001", "data-0002", "data-0003"], subs.Select(s => s!["entities"]!["name"]!.GetValue<string>()));
        Assert.All(subs, s => Assert.Equal("createVolume", s!["job_type"]!.GetValue<string>()));
        Assert.All(subs, s => Assert.Equal("RUNNING", s!["status"]!.GetValue<string>()));
        Assert.Null(job["entities"]!["volume_id"]);
        Assert.Equal(5, await c.VolumesCreatedAsync());
    }

    [Fact]
    public async Task ServerId_AttachesOnTheNextFreeDevice_WhenTheJobEnds()
    {
        await using var c = await Ctx.StartAsync();
        var feat01 = c.Server("ecs-feat01");
        var body = $"\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SSD\",\"size\":10,\"metadata\":{{\"create_for_volume_id\":\"true\"}}}},\"server_id\":\"{feat01}\"";
        var first = await c.Emu.SendAsync(HttpMethod.Post, $"/v2.1/{c.Pid}/cloudvolumes", $"{{\"volume\":{{{body}}}", c.Cred);
        var second = await c.Emu.SendAsync(HttpMethod.Post, $"/v2.1/{c.Pid}/cloudvolumes", $"{{\"volume\":{{{body}}}", c.Cred);
        Assert.True(first.Code == 202, first.Body);
        var a = first.Json["volume_ids"]![0]!.GetValue<string>();
        var b = second.Json["volume_ids"]![0]!.GetValue<string>();
        var creating = (await c.VolumeAsync(a)).Json["volume"]!;
        Assert.Equal("creating", creating["status"]!.GetValue<string>());
        Assert.Empty(creating["attachments"]!.AsArray());

        await c.AdvanceAsync(5);
        var va = (await c.VolumeAsync(a)).Json["volume"]!;
        var vb = (await c.VolumeAsync(b)).Json["volume"]!;
        Assert.Equal("in-use", va["status"]!.GetValue<string>());
        var att = Assert.Single(va["attachments"]!.AsArray())!;
        // ecs-feat01 has sys01 on /dev/vda and scsi01 on /dev/vdb.
        Assert.Equal("/dev/vdc", att["device"]!.GetValue<string>());
        Assert.Equal("/dev/vdd", vb["attachments"]![0]!["device"]!.GetValue<string>());
        Assert.Equal(feat01, att["server_id"]!.GetValue<string>());
        Assert.True(Guid.TryParse(att["attachment_id"]!.GetValue<string>(), out _));
        Assert.NotEqual(a, att["attachment_id"]!.GetValue<string>());
        var list = await c.Emu.GetAsync($"/v2/{c.Pid}/cloudvolumes/detail?server_id={feat01}", c.Cred);
        Assert.Equal(4, list.Json["count"]!.GetValue<int>());
    }

    [Fact]
    public async Task ControlPlane_MakesTheNextCreateFail_DiskInError_ThenSucceeds()
    {
        await using var c = await Ctx.StartAsync();
        var rule = await c.Emu.AdminAsync(HttpMethod.Post, "jobs/failures", "{\"count\":1,\"errorCode\":\"EVS.2134\",\"failReason\":\"attach failed\"}");
        Assert.Equal(201, rule.Code);
        Assert.Equal(1, rule.Json["remaining"]!.GetValue<int>());
        var body = FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"create_for_volume_id\":\"true\"}";
        var failing = await c.CreateAsync(body);
        var ok = await c.CreateAsync(body);
        await c.AdvanceAsync(5);
        var job = await c.JobAsync(failing.Json["job_id"]!.GetValue<string>());
        Assert.Equal("FAIL", job["status"]!.GetValue<string>());
        Assert.Equal("EVS.2134", job["error_code"]!.GetValue<string>());
        Assert.Equal("attach failed", job["fail_reason"]!.GetValue<string>());
        Assert.NotEqual("", job["end_time"]!.GetValue<string>());
        Assert.Equal("error", (await c.VolumeAsync(failing.Json["volume_ids"]![0]!.GetValue<string>())).Json["volume"]!["status"]!.GetValue<string>());
        Assert.Equal("SUCCESS", (await c.JobAsync(ok.Json["job_id"]!.GetValue<string>()))["status"]!.GetValue<string>());
        var rules = (await c.Emu.AdminAsync(HttpMethod.Get, "jobs/failures")).Json["failures"]![0]!;
        Assert.Equal(0, rules["remaining"]!.GetValue<int>());
        Assert.Equal(1, rules["used"]!.GetValue<int>());
    }

    [Fact]
    public async Task FailureRule_ForOneSnapshot_CanDeleteTheDisk()
    {
        await using var c = await Ctx.StartAsync();
        await c.Emu.AdminAsync(HttpMethod.Post, "jobs/failures", $"{{\"snapshotId\":\"{c.Snapshot("enc01-daily")}\",\"disk\":\"deleted\"}}");
        var fromEnc = await c.CreateAsync(FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"create_for_volume_id\":\"true\"}");
        var fromEnc2 = await c.CreateAsync(FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"create_for_volume_id\":\"true\"}");
        var other = await c.CreateAsync("\"availability_zone\":\"cn-north-4a\",\"volume_type\":\"SAS\",\"size\":50" + Src(c, "scsi01-daily"));
        await c.AdvanceAsync(5);
        Assert.Equal("FAIL", (await c.JobAsync(fromEnc.Json["job_id"]!.GetValue<string>()))["status"]!.GetValue<string>());
        Assert.Equal("FAIL", (await c.JobAsync(fromEnc2.Json["job_id"]!.GetValue<string>()))["status"]!.GetValue<string>());
        Assert.Equal("SUCCESS", (await c.JobAsync(other.Json["job_id"]!.GetValue<string>()))["status"]!.GetValue<string>());
        Assert.Equal(404, (await c.VolumeAsync(fromEnc.Json["volume_ids"]![0]!.GetValue<string>())).Code);
        var jobs = (await c.Emu.AdminAsync(HttpMethod.Get, $"jobs?projectId={c.Pid}")).Json;
        Assert.Equal(3, jobs["count"]!.GetValue<int>());
        Assert.Equal("deleted", jobs["jobs"]![0]!["failedDisk"]!.GetValue<string>());
        Assert.Equal(1, (await c.Emu.AdminAsync(HttpMethod.Delete, "jobs/failures")).Json["cleared"]!.GetValue<int>());
    }

    [Fact]
    public async Task UnknownJob_IsCommon0011_AlsoAnotherProjectsJob()
    {
        await using var c = await Ctx.StartAsync();
        var r = await c.CreateAsync(FromEnc + Src(c, "enc01-daily"));
        var jobId = r.Json["job_id"]!.GetValue<string>();
        var missing = await c.Emu.GetAsync($"/v1/{c.Pid}/jobs/00000000-0000-4000-8000-000000000000", c.Cred);
        Assert.Equal(400, missing.Code);
        Assert.Equal("Common.0011", missing.ErrorCode);
        Assert.Equal("No jobs found.", missing.ErrorMessage);
        Assert.Equal("Common.0011", (await c.Emu.GetAsync($"/v1/{c.Emu.Pid}/jobs/{jobId}")).ErrorCode);
        Assert.Equal("Common.0011", (await c.Emu.GetAsync($"/v1/{c.Pid}/jobs/not-a-job", c.Cred)).ErrorCode);
    }

    [Fact]
    public async Task HiddenWhileCreating_IsSwitchable()
    {
        await using var c = await Ctx.StartAsync();
        await c.Emu.PatchConfigAsync("{\"hideCreatingVolumesSeconds\":2}");
        var r = await c.CreateAsync(FromEnc + Src(c, "enc01-daily") + ",\"metadata\":{\"create_for_volume_id\":\"true\"}");
        var id = r.Json["volume_ids"]![0]!.GetValue<string>();
        Assert.Equal(404, (await c.VolumeAsync(id)).Code);
        Assert.Equal(6, (await c.Emu.GetAsync($"/v2/{c.Pid}/cloudvolumes/detail", c.Cred)).Json["count"]!.GetValue<int>());
        await c.AdvanceAsync(2);
        Assert.Equal("creating", (await c.VolumeAsync(id)).Json["volume"]!["status"]!.GetValue<string>());
    }

    [Fact]
    public async Task Create_NeedsGatewayAuth_IsAWrite_AndIsFaultedByDefault()
    {
        await using var c = await Ctx.StartAsync();
        var anon = await c.Emu.SendAsync(HttpMethod.Post, $"/v2.1/{c.Pid}/cloudvolumes", "{\"volume\":{}}", Cred.None);
        Assert.Equal(401, anon.Code);
        Assert.Equal("APIGW.0301", anon.ErrorCode);

        await c.Emu.PatchConfigAsync("{\"rateLimit\":{\"write\":\"1/1m\"}}");
        Assert.Equal(202, (await c.CreateAsync(FromEnc + Src(c, "enc01-daily"))).Code);
        var throttled = await c.CreateAsync(FromEnc + Src(c, "enc01-daily"));
        Assert.Equal(429, throttled.Code);
        Assert.Equal("APIGW.0308", throttled.ErrorCode);
        // Reading the job is a read: the write budget does not stop it.
        var jobId = (await c.Emu.AdminAsync(HttpMethod.Get, "jobs")).Json["jobs"]![0]!["id"]!.GetValue<string>();
        Assert.Equal("INIT", (await c.JobAsync(jobId))["status"]!.GetValue<string>());

        await c.Emu.PatchConfigAsync("{\"rateLimit\":null,\"faults\":{\"503\":1}}");
        var faulted = await c.CreateAsync(FromEnc + Src(c, "enc01-daily"));
        Assert.Equal(503, faulted.Code);
        Assert.Equal(503, (await c.Emu.GetAsync($"/v1/{c.Pid}/jobs/x", c.Cred)).Code);
        Assert.Equal(1, await c.VolumesCreatedAsync());
    }
}
