namespace EvsSnapshot
{
    /// <summary>Snapshot status values (evs-api.md §4.1; that file lives in ../shared beside the repository).</summary>
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
}
