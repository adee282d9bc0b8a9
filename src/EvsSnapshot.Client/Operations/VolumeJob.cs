namespace EvsSnapshot.Client.Operations
{
    /// <summary>A disk-create job as <c>GET /v1/{project_id}/jobs/{job_id}</c> reports it (evs-api.md §11.6).</summary>
    public sealed class VolumeJob
    {
        public const string Success = "SUCCESS";
        public const string Running = "RUNNING";
        public const string Fail = "FAIL";
        public const string Init = "INIT";

        public string JobId { get; internal set; } = string.Empty;

        /// <summary>SUCCESS, RUNNING, FAIL, INIT (a newer page adds WAITING_EXECUTE: treated as running).</summary>
        public string Status { get; internal set; } = string.Empty;

        public string? JobType { get; internal set; }

        /// <summary>The new disk (<c>entities.volume_id</c>, or the first sub-job's); absent while INIT.</summary>
        public string? VolumeId { get; internal set; }

        public string? ErrorCode { get; internal set; }
        public string? FailReason { get; internal set; }

        public bool Succeeded => Status == Success;
        public bool Failed => Status == Fail;
    }
}
