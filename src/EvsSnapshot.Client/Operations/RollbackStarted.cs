namespace EvsSnapshot.Client.Operations
{
    /// <summary>A rollback the API accepted: the snapshot and its disk as they were just before.</summary>
    public sealed class RollbackStarted
    {
        internal RollbackStarted(SnapshotDetails snapshot, VolumeDetails volume)
        {
            Snapshot = snapshot;
            Volume = volume;
        }

        public SnapshotDetails Snapshot { get; }
        public VolumeDetails Volume { get; }
    }
}
