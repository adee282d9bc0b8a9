namespace EvsEmulator.State;

/// <summary>Deterministic UUIDs: System.Random(seed) bytes shaped as version-4 UUIDs.</summary>
public sealed class IdGenerator(int seed)
{
    private readonly Random _random = new(seed);
    private readonly byte[] _buffer = new byte[16];

    public string NextUuid()
    {
        _random.NextBytes(_buffer);
        _buffer[6] = (byte)((_buffer[6] & 0x0F) | 0x40);
        _buffer[8] = (byte)((_buffer[8] & 0x3F) | 0x80);
        var hex = Convert.ToHexStringLower(_buffer);
        return string.Create(36, hex, static (span, h) =>
        {
            h.AsSpan(0, 8).CopyTo(span);
            span[8] = '-';
            h.AsSpan(8, 4).CopyTo(span[9..]);
            span[13] = '-';
            h.AsSpan(12, 4).CopyTo(span[14..]);
            span[18] = '-';
            h.AsSpan(16, 4).CopyTo(span[19..]);
            span[23] = '-';
            h.AsSpan(20, 12).CopyTo(span[24..]);
        });
    }

    public string NextHex(int bytes)
    {
        var b = new byte[bytes];
        _random.NextBytes(b);
        return Convert.ToHexStringLower(b);
    }
}

/// <summary>Order of the snapshot lists: created_at descending, then id ascending (stable paging).</summary>
public sealed class SnapshotOrder : IComparer<Snapshot>
{
    public static readonly SnapshotOrder Instance = new();

    public int Compare(Snapshot? x, Snapshot? y)
    {
        if (ReferenceEquals(x, y)) return 0;
        var c = y!.CreatedAt.CompareTo(x!.CreatedAt);
        return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
    }
}

/// <summary>The disks, snapshots and servers of one project. Not thread-safe by itself: every access happens inside
/// <c>lock (Gate)</c>, and callers run <see cref="Advance"/> first so lifecycle transitions are applied lazily from
/// timestamps.</summary>
public sealed class Store(int seed)
{
    public object Gate { get; } = new();
    public IdGenerator Ids { get; } = new(seed);

    public string ProjectId { get; init; } = Identity.ProjectId;
    public string ProjectName { get; init; } = Identity.ProjectName;
    public string DomainId { get; init; } = Identity.DomainId;
    /// <summary>user_id shown on the project's disks (the domain's first user).</summary>
    public string OwnerUserId { get; init; } = Identity.UserId;
    /// <summary>The zones generated disks alternate over.</summary>
    public IReadOnlyList<string> AvailabilityZones { get; init; } = Identity.AvailabilityZones;

    /// <summary>ECS servers of the project in seed order (attachments reference their ids).</summary>
    public List<Server> Servers { get; } = [];

    public Dictionary<string, Volume> Volumes { get; } = new(StringComparer.Ordinal);
    /// <summary>Volumes in insertion order (the seed order), for admin listings.</summary>
    public List<Volume> VolumeList { get; } = [];

    private readonly Dictionary<string, Snapshot> _snapshots = new(StringComparer.Ordinal);
    private readonly List<Snapshot> _sorted = [];
    private readonly HashSet<Snapshot> _timed = [];
    // Sort keys of deleted snapshots, so a "next" link whose marker was deleted meanwhile still works.
    private readonly Dictionary<string, DateTime> _tombstones = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _prefixCounters = new(StringComparer.Ordinal);

    /// <summary>Ids of the named seed volumes and snapshots (for GET /__emulator/info).</summary>
    public List<string> SeedVolumeIds { get; } = [];
    public List<string> SeedSnapshotIds { get; } = [];

    public int SnapshotCount => _snapshots.Count;
    /// <summary>Snapshots in list order (created_at desc, id asc).</summary>
    public IReadOnlyList<Snapshot> SortedSnapshots => _sorted;

    public Snapshot? FindSnapshot(string id) => _snapshots.GetValueOrDefault(id);
    public Volume? FindVolume(string id) => Volumes.GetValueOrDefault(id);

    public void AddVolume(Volume v)
    {
        Volumes.Add(v.Id, v);
        VolumeList.Add(v);
    }

    /// <summary>Next number for generated names with this prefix (vol-0001, vol-0002, ...).</summary>
    public int NextNameNumber(string prefix)
    {
        var n = _prefixCounters.GetValueOrDefault(prefix) + 1;
        _prefixCounters[prefix] = n;
        return n;
    }

    public void AddSnapshot(Snapshot s)
    {
        _snapshots.Add(s.Id, s);
        var i = _sorted.BinarySearch(s, SnapshotOrder.Instance);
        _sorted.Insert(i < 0 ? ~i : i, s);
        if (s.Phase != Phase.None) _timed.Add(s);
    }

    /// <summary>Adds many snapshots with a single sort (bulk seeding of 50,000 must stay fast).</summary>
    public void AddSnapshots(IReadOnlyCollection<Snapshot> items)
    {
        foreach (var s in items)
        {
            _snapshots.Add(s.Id, s);
            _sorted.Add(s);
            if (s.Phase != Phase.None) _timed.Add(s);
        }
        _sorted.Sort(SnapshotOrder.Instance);
    }

    public void RemoveSnapshot(Snapshot s)
    {
        var i = _sorted.BinarySearch(s, SnapshotOrder.Instance);
        if (i >= 0) _sorted.RemoveAt(i);
        _snapshots.Remove(s.Id);
        _timed.Remove(s);
        _tombstones[s.Id] = s.CreatedAt;
    }

    public void SetCreatedAt(Snapshot s, DateTime createdAt)
    {
        var i = _sorted.BinarySearch(s, SnapshotOrder.Instance);
        if (i >= 0) _sorted.RemoveAt(i);
        s.CreatedAt = createdAt;
        i = _sorted.BinarySearch(s, SnapshotOrder.Instance);
        _sorted.Insert(i < 0 ? ~i : i, s);
    }

    /// <summary>Starts (or replaces) a timed phase.</summary>
    public void StartPhase(Snapshot s, Phase phase, DateTime now, double seconds, bool fails)
    {
        s.Phase = phase;
        s.PhaseStart = now;
        s.PhaseEnd = now.AddSeconds(seconds);
        s.PhaseFails = fails;
        _timed.Add(s);
    }

    /// <summary>Cancels any timed phase (an admin forcing a status).</summary>
    public void StopPhase(Snapshot s)
    {
        s.Phase = Phase.None;
        _timed.Remove(s);
    }

    /// <summary>Index in <see cref="SortedSnapshots"/> of the first item after the marker, or -1 when the marker
    /// id never existed.</summary>
    public int PositionAfter(string markerId)
    {
        DateTime createdAt;
        if (_snapshots.TryGetValue(markerId, out var s)) createdAt = s.CreatedAt;
        else if (!_tombstones.TryGetValue(markerId, out createdAt)) return -1;
        var probe = new Snapshot { Id = markerId, CreatedAt = createdAt, VolumeId = "", Size = 0, Status = "" };
        var i = _sorted.BinarySearch(probe, SnapshotOrder.Instance);
        return i >= 0 ? i + 1 : ~i;
    }

    /// <summary>Disk-create jobs of this project by id (1.2).</summary>
    public Dictionary<string, Job> Jobs { get; } = new(StringComparer.Ordinal);
    private readonly List<Job> _runningJobs = [];

    public void AddJob(Job job)
    {
        Jobs.Add(job.Id, job);
        _runningJobs.Add(job);
    }

    public void RemoveVolume(Volume v)
    {
        Volumes.Remove(v.Id);
        VolumeList.Remove(v);
    }

    /// <summary>Applies every lifecycle transition that is due at <paramref name="now"/>.</summary>
    public void Advance(DateTime now)
    {
        if (_runningJobs.Count > 0) CompleteJobs(now);
        if (_timed.Count == 0) return;
        List<Snapshot>? due = null;
        foreach (var s in _timed)
            if (now >= s.PhaseEnd) (due ??= []).Add(s);
        if (due is null) return;
        foreach (var s in due)
        {
            _timed.Remove(s);
            var phase = s.Phase;
            s.Phase = Phase.None;
            switch (phase)
            {
                case Phase.Creating:
                    s.Status = s.PhaseFails ? SnapshotStatus.Error : SnapshotStatus.Available;
                    s.UpdatedAt = s.PhaseEnd;
                    break;
                case Phase.Deleting:
                    if (s.PhaseFails)
                    {
                        s.Status = SnapshotStatus.ErrorDeleting;
                        s.UpdatedAt = s.PhaseEnd;
                    }
                    else RemoveSnapshot(s);
                    break;
                case Phase.Rollback:
                    s.Status = SnapshotStatus.Available;
                    s.UpdatedAt = s.PhaseEnd;
                    if (s.RollbackVolumeId is not null && Volumes.TryGetValue(s.RollbackVolumeId, out var v)
                        && v.Status == VolumeStatus.Rollbacking)
                    {
                        v.Status = s.PhaseFails ? VolumeStatus.ErrorRollbacking : VolumeStatus.Available;
                        v.UpdatedAt = s.PhaseEnd;
                    }
                    s.RollbackVolumeId = null;
                    break;
            }
        }
    }

    /// <summary>Ends the jobs that are due: their disks become available (or in-use, attached to the job's server), or
    /// error / disappear when the job fails. A disk whose status was forced meanwhile (control plane) is left alone.</summary>
    private void CompleteJobs(DateTime now)
    {
        for (var i = _runningJobs.Count - 1; i >= 0; i--)
        {
            var job = _runningJobs[i];
            if (now < job.EndTime) continue;
            _runningJobs.RemoveAt(i);
            job.Completed = true;
            foreach (var item in job.Items)
            {
                if (FindVolume(item.VolumeId) is not { Status: VolumeStatus.Creating } v) continue;
                v.UpdatedAt = job.EndTime;
                if (job.Fails)
                {
                    if (job.FailedDisk == FailureRule.DiskDeleted) RemoveVolume(v);
                    else v.Status = VolumeStatus.Error;
                }
                else if (item.ServerId is not null)
                {
                    v.Attachments.Add(new Attachment
                    {
                        AttachmentId = item.AttachmentId!,
                        ServerId = item.ServerId,
                        Device = item.Device!,
                        AttachedAt = job.EndTime,
                    });
                    v.Status = VolumeStatus.InUse;
                }
                else v.Status = VolumeStatus.Available;
            }
        }
    }

    /// <summary>Devices of a server taken by attached disks or promised to running create jobs, by their letter
    /// (/dev/sdb, /dev/vdb and /dev/xvdb all take "b").</summary>
    public HashSet<char> DeviceLettersOf(string serverId)
    {
        var letters = new HashSet<char>();
        foreach (var v in VolumeList)
            foreach (var a in v.Attachments)
                if (a.ServerId == serverId && a.Device.Length > 0) letters.Add(a.Device[^1]);
        foreach (var job in _runningJobs)
            foreach (var item in job.Items)
                if (item.ServerId == serverId && item.Device is { Length: > 0 } d) letters.Add(d[^1]);
        return letters;
    }
}
