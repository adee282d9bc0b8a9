namespace EvsSnapshot
{
    /// <summary>Disk status values (../shared/evs-api.md §4.2).</summary>
    public static class VolumeStatus
    {
        public const string Creating = "creating";
        public const string Available = "available";
        public const string InUse = "in-use";
        public const string Error = "error";
        public const string Rollbacking = "rollbacking";
        public const string ErrorRollbacking = "error_rollbacking";
        public const string Deleting = "deleting";
        public const string ErrorDeleting = "error_deleting";

        public static readonly string[] All =
        {
            Creating, Available, InUse, Error, "attaching", "detaching", "restoring-backup", "backing-up",
            "error_restoring", "uploading", "downloading", "extending", "error_extending", Deleting, ErrorDeleting,
            Rollbacking, ErrorRollbacking, "awaiting-transfer",
        };
    }
}
