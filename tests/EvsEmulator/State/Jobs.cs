namespace EvsEmulator.State;

/// <summary>Job statuses of GET /v1/{project_id}/jobs/{job_id} (§11.6).</summary>
public static class JobStatus
{
    public const string Init = "INIT";
    public const string Running = "RUNNING";
    public const string Success = "SUCCESS";
    public const string Fail = "FAIL";
}

/// <summary>One disk of a create job: a createVolume job has one, a batchCreateVolume job one per disk (its sub-job).</summary>
public sealed class JobItem
{
    public required string VolumeId { get; init; }
    public required string VolumeType { get; init; }
    public required int Size { get; init; }
    public required string Name { get; init; }
    /// <summary>The sub-job id (batch jobs only).</summary>
    public string? SubJobId { get; init; }
    /// <summary>server_id: the disk is attached to it when the job succeeds.</summary>
    public string? ServerId { get; init; }
    public string? Device { get; init; }
    public string? AttachmentId { get; init; }
}

/// <summary>A disk-create job. Its status follows from the times (INIT until <see cref="RunningAt"/>, RUNNING until
/// <see cref="EndTime"/>, then SUCCESS or FAIL), like the snapshot lifecycle; the disks change when the store advances.</summary>
public sealed class Job
{
    public const string CreateVolume = "createVolume";
    public const string BatchCreateVolume = "batchCreateVolume";

    public required string Id { get; init; }
    public required string Type { get; init; }
    public required DateTime BeginTime { get; init; }
    public required DateTime RunningAt { get; init; }
    public required DateTime EndTime { get; init; }
    public required IReadOnlyList<JobItem> Items { get; init; }
    /// <summary>Set when the job is to fail (control plane failure rules).</summary>
    public string? FailCode { get; init; }
    public string? FailReason { get; init; }
    /// <summary>What a failed job leaves: "error" (the disk stays, status error) or "deleted" (the disk disappears).</summary>
    public string FailedDisk { get; init; } = FailureRule.DiskError;
    public bool Completed { get; set; }

    public bool Fails => FailCode is not null;

    public string Status(DateTime now) =>
        now < RunningAt ? JobStatus.Init : now < EndTime ? JobStatus.Running : Fails ? JobStatus.Fail : JobStatus.Success;
}

/// <summary>POST /__emulator/jobs/failures: makes disk-create jobs fail. Matches the project and source snapshot when
/// given; <see cref="Remaining"/> create requests (null: every one) until it is used up.</summary>
public sealed class FailureRule
{
    public const string DiskError = "error";
    public const string DiskDeleted = "deleted";
    public const string DefaultErrorCode = "EVS.5500";
    public const string DefaultFailReason = "Failed to create the volume (a failure injected through the emulator's control plane).";

    public required string Id { get; init; }
    public string? ProjectId { get; init; }
    public string? SnapshotId { get; init; }
    public int? Remaining { get; set; }
    public int Used { get; set; }
    public string ErrorCode { get; init; } = DefaultErrorCode;
    public string FailReason { get; init; } = DefaultFailReason;
    public string Disk { get; init; } = DiskError;

    public bool Matches(string projectId, string? snapshotId) =>
        Remaining is null or > 0 && (ProjectId is null || ProjectId == projectId) && (SnapshotId is null || SnapshotId == snapshotId);
}
