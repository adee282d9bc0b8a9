using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Serialization;

// Wire shapes of the EVS v2 and IAM v3 APIs (../shared/evs-api.md §2, §3, §6). Field names are copied exactly;
// these classes never leave the client: EvsApi maps them to the public models and checks required fields.
namespace EvsSnapshot.Client.Json
{
    internal sealed class SnapshotWire
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("status")] public string? Status { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("created_at")] public string? CreatedAt { get; set; }
        [JsonPropertyName("updated_at")] public string? UpdatedAt { get; set; }
        [JsonPropertyName("metadata")] public Dictionary<string, JsonElement>? Metadata { get; set; }
        [JsonPropertyName("volume_id")] public string? VolumeId { get; set; }
        [JsonPropertyName("size")] public JsonElement Size { get; set; }
        [JsonPropertyName("os-extended-snapshot-attributes:project_id")] public string? ProjectId { get; set; }
        [JsonPropertyName("os-extended-snapshot-attributes:progress")] public JsonElement Progress { get; set; }
        [JsonPropertyName("service_type")] public string? ServiceType { get; set; }
        [JsonPropertyName("dedicated_storage_id")] public string? DedicatedStorageId { get; set; }
        [JsonPropertyName("dedicated_storage_name")] public string? DedicatedStorageName { get; set; }
    }

    internal sealed class LinkWire
    {
        [JsonPropertyName("href")] public string? Href { get; set; }
        [JsonPropertyName("rel")] public string? Rel { get; set; }
    }

    internal sealed class SnapshotEnvelope
    {
        [JsonPropertyName("snapshot")] public SnapshotWire? Snapshot { get; set; }
    }

    internal sealed class SnapshotListWire
    {
        [JsonPropertyName("count")] public int? Count { get; set; }
        [JsonPropertyName("snapshots")] public List<SnapshotWire>? Snapshots { get; set; }
        [JsonPropertyName("snapshots_links")] public List<LinkWire>? Links { get; set; }
    }

    internal sealed class AttachmentWire
    {
        [JsonPropertyName("attached_at")] public string? AttachedAt { get; set; }
        [JsonPropertyName("attachment_id")] public string? AttachmentId { get; set; }
        [JsonPropertyName("device")] public string? Device { get; set; }
        [JsonPropertyName("host_name")] public string? HostName { get; set; }
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("server_id")] public string? ServerId { get; set; }
        [JsonPropertyName("volume_id")] public string? VolumeId { get; set; }
    }

    internal sealed class VolumeWire
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("status")] public string? Status { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("size")] public JsonElement Size { get; set; }
        [JsonPropertyName("volume_type")] public string? VolumeType { get; set; }
        [JsonPropertyName("availability_zone")] public string? AvailabilityZone { get; set; }
        // A string "true"/"false" in the API (§3.3); JsonElement tolerates a real boolean too.
        [JsonPropertyName("bootable")] public JsonElement Bootable { get; set; }
        [JsonPropertyName("multiattach")] public JsonElement Multiattach { get; set; }
        [JsonPropertyName("attachments")] public List<AttachmentWire>? Attachments { get; set; }
        [JsonPropertyName("metadata")] public Dictionary<string, JsonElement>? Metadata { get; set; }
        [JsonPropertyName("created_at")] public string? CreatedAt { get; set; }
        [JsonPropertyName("updated_at")] public string? UpdatedAt { get; set; }
        [JsonPropertyName("snapshot_id")] public string? SnapshotId { get; set; }
        [JsonPropertyName("service_type")] public string? ServiceType { get; set; }
        [JsonPropertyName("tags")] public Dictionary<string, JsonElement>? Tags { get; set; }
        [JsonPropertyName("wwn")] public string? Wwn { get; set; }
        [JsonPropertyName("serial_number")] public string? SerialNumber { get; set; }
        [JsonPropertyName("enterprise_project_id")] public string? EnterpriseProjectId { get; set; }
        [JsonPropertyName("volume_image_metadata")] public Dictionary<string, JsonElement>? ImageMetadata { get; set; }
        [JsonPropertyName("iops")] public ProvisionedWire? Iops { get; set; }
        [JsonPropertyName("throughput")] public ProvisionedWire? Throughput { get; set; }
    }

    /// <summary><c>iops</c> / <c>throughput</c> of a disk: <c>{id, total_val, frozened}</c> (§12.2).</summary>
    internal sealed class ProvisionedWire
    {
        [JsonPropertyName("total_val")] public JsonElement TotalValue { get; set; }
    }

    internal sealed class VolumeEnvelope
    {
        [JsonPropertyName("volume")] public VolumeWire? Volume { get; set; }
    }

    internal sealed class VolumeListWire
    {
        [JsonPropertyName("count")] public int? Count { get; set; }
        [JsonPropertyName("volumes")] public List<VolumeWire>? Volumes { get; set; }
        [JsonPropertyName("volumes_links")] public List<LinkWire>? Links { get; set; }
    }

    // Requests

    internal sealed class CreateSnapshotOption
    {
        [JsonPropertyName("volume_id")] public string VolumeId { get; set; } = string.Empty;
        [JsonPropertyName("force")] public bool? Force { get; set; }
        [JsonPropertyName("metadata")] public Dictionary<string, string>? Metadata { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    internal sealed class CreateSnapshotRequest
    {
        [JsonPropertyName("snapshot")] public CreateSnapshotOption Snapshot { get; set; } = new CreateSnapshotOption();
    }

    internal sealed class UpdateSnapshotOption
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
    }

    internal sealed class UpdateSnapshotRequest
    {
        [JsonPropertyName("snapshot")] public UpdateSnapshotOption Snapshot { get; set; } = new UpdateSnapshotOption();
    }

    internal sealed class RollbackOption
    {
        [JsonPropertyName("volume_id")] public string VolumeId { get; set; } = string.Empty;
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    internal sealed class RollbackRequest
    {
        [JsonPropertyName("rollback")] public RollbackOption Rollback { get; set; } = new RollbackOption();
    }

    // v2.1 disk create (§11.3) and the job API (§11.6)

    internal sealed class CreateVolumeOption
    {
        [JsonPropertyName("availability_zone")] public string AvailabilityZone { get; set; } = string.Empty;
        [JsonPropertyName("volume_type")] public string VolumeType { get; set; } = string.Empty;
        [JsonPropertyName("size")] public int Size { get; set; }
        [JsonPropertyName("snapshot_id")] public string? SnapshotId { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("description")] public string? Description { get; set; }
        [JsonPropertyName("metadata")] public Dictionary<string, string>? Metadata { get; set; }
        [JsonPropertyName("iops")] public int? Iops { get; set; }
        [JsonPropertyName("throughput")] public int? Throughput { get; set; }
    }

    internal sealed class CreateVolumeBssParam
    {
        [JsonPropertyName("chargingMode")] public string ChargingMode { get; set; } = "postPaid";
    }

    internal sealed class CreateVolumeRequest
    {
        [JsonPropertyName("volume")] public CreateVolumeOption Volume { get; set; } = new CreateVolumeOption();
        [JsonPropertyName("bssParam")] public CreateVolumeBssParam BssParam { get; set; } = new CreateVolumeBssParam();
        [JsonPropertyName("server_id")] public string? ServerId { get; set; }
    }

    internal sealed class CreateVolumeResponse
    {
        [JsonPropertyName("job_id")] public string? JobId { get; set; }
        [JsonPropertyName("order_id")] public string? OrderId { get; set; }
        [JsonPropertyName("volume_ids")] public List<string>? VolumeIds { get; set; }
    }

    internal sealed class JobEntitiesWire
    {
        [JsonPropertyName("volume_id")] public string? VolumeId { get; set; }
        [JsonPropertyName("sub_jobs")] public List<JobWire>? SubJobs { get; set; }
    }

    internal sealed class JobWire
    {
        [JsonPropertyName("status")] public string? Status { get; set; }
        [JsonPropertyName("job_id")] public string? JobId { get; set; }
        [JsonPropertyName("job_type")] public string? JobType { get; set; }
        [JsonPropertyName("error_code")] public string? ErrorCode { get; set; }
        [JsonPropertyName("fail_reason")] public string? FailReason { get; set; }
        [JsonPropertyName("entities")] public JobEntitiesWire? Entities { get; set; }
    }

    internal sealed class RollbackResponse
    {
        [JsonPropertyName("rollback")] public RollbackOption? Rollback { get; set; }
    }

    internal sealed class MetadataBody
    {
        [JsonPropertyName("metadata")] public Dictionary<string, JsonElement>? Metadata { get; set; }
    }

    internal sealed class MetadataRequest
    {
        [JsonPropertyName("metadata")] public Dictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
    }

    // IAM

    internal sealed class IamDomain
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("id")] public string? Id { get; set; }
    }

    internal sealed class IamUser
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("password")] public string? Password { get; set; }
        [JsonPropertyName("domain")] public IamDomain? Domain { get; set; }
    }

    internal sealed class IamPassword
    {
        [JsonPropertyName("user")] public IamUser User { get; set; } = new IamUser();
    }

    internal sealed class IamIdentity
    {
        [JsonPropertyName("methods")] public string[] Methods { get; set; } = new[] { "password" };
        [JsonPropertyName("password")] public IamPassword Password { get; set; } = new IamPassword();
    }

    internal sealed class IamProjectScope
    {
        [JsonPropertyName("name")] public string? Name { get; set; }
        [JsonPropertyName("id")] public string? Id { get; set; }
    }

    internal sealed class IamScope
    {
        [JsonPropertyName("project")] public IamProjectScope Project { get; set; } = new IamProjectScope();
    }

    internal sealed class IamAuth
    {
        [JsonPropertyName("identity")] public IamIdentity Identity { get; set; } = new IamIdentity();
        [JsonPropertyName("scope")] public IamScope Scope { get; set; } = new IamScope();
    }

    internal sealed class IamTokenRequest
    {
        [JsonPropertyName("auth")] public IamAuth Auth { get; set; } = new IamAuth();
    }

    internal sealed class IamTokenProject
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    internal sealed class IamTokenBody
    {
        [JsonPropertyName("expires_at")] public string? ExpiresAt { get; set; }
        [JsonPropertyName("issued_at")] public string? IssuedAt { get; set; }
        [JsonPropertyName("project")] public IamTokenProject? Project { get; set; }
    }

    internal sealed class IamTokenResponse
    {
        [JsonPropertyName("token")] public IamTokenBody? Token { get; set; }
    }

    internal sealed class IamProject
    {
        [JsonPropertyName("id")] public string? Id { get; set; }
        [JsonPropertyName("name")] public string? Name { get; set; }
    }

    internal sealed class IamProjectList
    {
        [JsonPropertyName("projects")] public List<IamProject>? Projects { get; set; }
    }

    [JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
    [JsonSerializable(typeof(SnapshotEnvelope))]
    [JsonSerializable(typeof(SnapshotListWire))]
    [JsonSerializable(typeof(VolumeEnvelope))]
    [JsonSerializable(typeof(VolumeListWire))]
    [JsonSerializable(typeof(CreateSnapshotRequest))]
    [JsonSerializable(typeof(UpdateSnapshotRequest))]
    [JsonSerializable(typeof(RollbackRequest))]
    [JsonSerializable(typeof(RollbackResponse))]
    [JsonSerializable(typeof(CreateVolumeRequest))]
    [JsonSerializable(typeof(CreateVolumeResponse))]
    [JsonSerializable(typeof(JobWire))]
    [JsonSerializable(typeof(MetadataBody))]
    [JsonSerializable(typeof(MetadataRequest))]
    [JsonSerializable(typeof(IamTokenRequest))]
    [JsonSerializable(typeof(IamTokenResponse))]
    [JsonSerializable(typeof(IamProjectList))]
    internal sealed partial class WireJson : JsonSerializerContext
    {
    }
}
