namespace EvsSnapshot
{
    /// <summary>Snapshot status values (evs-api.md §4.1).</summary>
    public static class SnapshotStatus
    {
        public const string Creating = "creating";
        public const string Available = "available";
        public const string Error = "error";
        public const string Deleting = "deleting";
        public const string ErrorDeleting = "error_deleting";
        public const string Rollbacking = "rollbacking";
        public const string BackingUp = "backing-up";

        public static readonly string[] All = { Creating, Available, Error, Deleting, ErrorDeleting, Rollbacking, BackingUp };
    }

    /// <summary>Disk status values (evs-api.md §4.2).</summary>
    public static class VolumeStatus
    {
        public const string Available = "available";
        public const string InUse = "in-use";
        public const string Rollbacking = "rollbacking";
        public const string ErrorRollbacking = "error_rollbacking";

        public static readonly string[] All =
        {
            "creating", "available", "in-use", "error", "attaching", "detaching", "restoring-backup", "backing-up",
            "error_restoring", "uploading", "downloading", "extending", "error_extending", "deleting", "error_deleting",
            "rollbacking", "error_rollbacking", "awaiting-transfer",
        };
    }
}
