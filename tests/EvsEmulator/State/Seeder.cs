using System.Security.Cryptography;
using System.Text;

namespace EvsEmulator.State;

/// <summary>Builds a <see cref="World"/> from a seed document. Ids that the document does not fix are derived from the
/// seed: 32-hex ids (domains, users, projects, agencies, federated users and groups) from a hash of the seed and the
/// item's names; UUIDs (disks, servers, attachments, snapshots) from each project's seeded generator in a fixed order
/// (README "Ids"), so the default seed yields the same ids as control plane 1.0.</summary>
public static class Seeder
{
    private static readonly int[] GeneratedSizes = [10, 20, 40, 100];
    private static readonly string[] GeneratedTypes = ["SSD", "GPSSD", "SAS"];

    public static World Build(SeedDocument doc, RuntimeConfig config, DateTime now, string source)
    {
        var seed = config.Seed;

        // Domains.
        var domains = new List<Domain>();
        foreach (var d in doc.Domains)
        {
            var domain = new Domain { Id = d.Id ?? Hex32(seed, "domain", d.Name), Name = d.Name };
            if (domains.Any(x => x.Name == domain.Name)) throw Fail(d.Path, $"domain name '{d.Name}' is used twice");
            if (domains.Any(x => x.Id == domain.Id)) throw Fail(d.Path, $"domain id '{domain.Id}' is used twice");
            domains.Add(domain);
        }
        Domain DomainNamed(string name, string path) =>
            domains.FirstOrDefault(x => x.Name == name) ?? throw Fail(path, $"no domain named '{name}' (domains: {string.Join(", ", domains.Select(x => x.Name))})");

        // Users.
        var users = new List<User>();
        foreach (var u in doc.Users)
        {
            var domain = DomainNamed(u.Domain, u.Path + ".domain");
            var user = new User { Id = u.Id ?? Hex32(seed, "user", domain.Name + "/" + u.Name), Name = u.Name, Password = u.Password, DomainId = domain.Id };
            if (users.Any(x => x.DomainId == user.DomainId && x.Name == user.Name))
                throw Fail(u.Path, $"user '{u.Name}' is defined twice in domain '{domain.Name}'");
            if (users.Any(x => x.Id == user.Id)) throw Fail(u.Path, $"user id '{user.Id}' is used twice");
            users.Add(user);
        }

        // Access keys.
        var credentials = new List<Credential>();
        foreach (var k in doc.AccessKeys)
        {
            var domain = DomainNamed(k.Domain, k.Path + ".domain");
            User? user = null;
            if (k.User is not null)
                user = users.FirstOrDefault(x => x.DomainId == domain.Id && x.Name == k.User)
                       ?? throw Fail(k.Path + ".user", $"no user '{k.User}' in domain '{domain.Name}'");
            if (credentials.Any(c => c.Access == k.Access)) throw Fail(k.Path + ".access", $"access key '{k.Access}' is used twice");
            credentials.Add(new Credential
            {
                Access = k.Access,
                Secret = k.Secret,
                SecurityToken = k.SecurityToken,
                DomainId = domain.Id,
                UserId = user?.Id,
                UserName = user?.Name,
                Source = k.SecurityToken is null ? CredentialSources.Permanent : CredentialSources.Temporary,
                ExpiresAt = k.ExpiresAt is null ? null : SeedTime.Parse(k.ExpiresAt, now, k.Path + ".expiresAt", mustBePast: false),
                Seeded = true,
            });
        }

        var zones = doc.AvailabilityZones ?? DeriveZones(doc);

        // Projects, each with its own generator: the first uses Random(seed) as in 1.0.
        var projects = new List<Project>();
        var allVolumeIds = new HashSet<string>(StringComparer.Ordinal);
        var allSnapshotIds = new HashSet<string>(StringComparer.Ordinal);
        var allServerIds = new HashSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < doc.Projects.Count; index++)
        {
            var p = doc.Projects[index];
            var domain = DomainNamed(p.Domain, p.Path + ".domain");
            var id = p.Id ?? Hex32(seed, "project", domain.Name + "/" + p.Name);
            if (projects.Any(x => x.Id == id)) throw Fail(p.Path + ".id", $"project id '{id}' is used twice");
            if (projects.Any(x => x.DomainId == domain.Id && x.Name == p.Name))
                throw Fail(p.Path + ".name", $"domain '{domain.Name}' has two projects named '{p.Name}'");
            var store = new Store(index == 0 ? seed : Mix(seed, index))
            {
                ProjectId = id,
                ProjectName = p.Name,
                DomainId = domain.Id,
                OwnerUserId = users.FirstOrDefault(u => u.DomainId == domain.Id)?.Id ?? Hex32(seed, "owner", domain.Name),
                AvailabilityZones = zones,
            };
            BuildProject(store, p, zones, now, allVolumeIds, allSnapshotIds, allServerIds);
            projects.Add(new Project { Id = id, Name = p.Name, DomainId = domain.Id, Store = store });
        }

        // Agencies.
        var agencies = new List<Agency>();
        foreach (var a in doc.Agencies)
        {
            var domain = DomainNamed(a.Domain, a.Path + ".domain");
            var trusted = a.TrustedDomain is null ? null : DomainNamed(a.TrustedDomain, a.Path + ".trustedDomain");
            if (agencies.Any(x => x.DomainId == domain.Id && x.Name == a.Name))
                throw Fail(a.Path + ".name", $"domain '{domain.Name}' has two agencies named '{a.Name}'");
            agencies.Add(new Agency
            {
                Id = a.Id ?? Hex32(seed, "agency", domain.Name + "/" + a.Name),
                Name = a.Name,
                DomainId = domain.Id,
                TrustedDomainId = trusted?.Id,
                TrustedService = a.TrustedService,
            });
        }

        // Identity providers.
        var idps = new List<IdentityProvider>();
        foreach (var i in doc.IdentityProviders)
        {
            var domain = DomainNamed(i.Domain, i.Path + ".domain");
            if (idps.Any(x => x.Id == i.Id)) throw Fail(i.Path + ".id", $"identity provider '{i.Id}' is defined twice");
            var tokens = new List<FederatedIdentity>();
            foreach (var t in i.IdTokens)
            {
                if (tokens.Any(x => x.IdToken == t.IdToken)) throw Fail(t.Path + ".idToken", "the same id token is listed twice");
                tokens.Add(new FederatedIdentity
                {
                    IdToken = t.IdToken,
                    UserName = t.User,
                    UserId = t.UserId ?? Hex32(seed, "federated-user", i.Id + "/" + t.User),
                    Groups = t.Groups.Select(g => new FederatedGroup(Hex32(seed, "group", i.Id + "/" + g), g)).ToArray(),
                });
            }
            idps.Add(new IdentityProvider { Id = i.Id, Protocol = i.Protocol, DomainId = domain.Id, IdTokens = tokens });
        }

        var world = new World
        {
            Region = doc.Region,
            AvailabilityZones = zones,
            Domains = domains,
            Users = users,
            Projects = projects,
            Agencies = agencies,
            IdentityProviders = idps,
            SeedCredentials = credentials,
            SeedSource = source,
        };
        world.Init();

        if (config.Volumes > 0)
            AddGeneratedVolumes(world.DefaultProject.Store, config.Volumes, VolumeStatus.Available, "vol-", null, null, now);
        return world;
    }

    /// <summary>Ids are drawn in this order, whether or not the item fixes its own id (so fixing one id changes no other):
    /// each disk (its id, then its WWN), each server, each attachment (disk by disk), each snapshot (the {uuid}s in its
    /// name, then its id).</summary>
    private static void BuildProject(Store store, SeedProjectSpec p, IReadOnlyList<string> zones, DateTime now,
        HashSet<string> allVolumeIds, HashSet<string> allSnapshotIds, HashSet<string> allServerIds)
    {
        var ids = store.Ids;
        var volumes = new List<(Volume Volume, SeedVolumeSpec Spec)>();
        foreach (var v in p.Volumes)
        {
            var drawn = ids.NextUuid();
            var wwn = "6888603000" + ids.NextHex(11);
            var id = v.Id ?? drawn;
            if (!allVolumeIds.Add(id)) throw Fail(v.Path + ".id", $"volume id '{id}' is used twice");
            if (volumes.Any(x => x.Volume.Name == v.Name))
                throw Fail(v.Path + ".name", $"project has two volumes named '{v.Name}' (snapshots and attachments refer to volumes by name)");
            if (v.AvailabilityZone is { } az && !zones.Contains(az))
                throw Fail(v.Path + ".availabilityZone", $"'{az}' is not one of the availability zones ({string.Join(", ", zones)})");
            if (v.Attachments.Count > 1 && !v.Multiattach)
                throw Fail(v.Path + ".attachments", "only a multiattach volume can have more than one attachment");
            if (v.Status == VolumeStatus.InUse && v.Attachments.Count == 0)
                throw Fail(v.Path + ".attachments", "an in-use volume needs at least one attachment (add a server and attach it)");
            var createdAt = SeedTime.Parse(v.CreatedAt, now, v.Path + ".createdAt", mustBePast: true);
            var volume = new Volume
            {
                Id = id,
                Name = v.Name,
                Description = v.Description,
                Status = v.Status,
                Size = v.Size,
                VolumeType = v.VolumeType,
                AvailabilityZone = v.AvailabilityZone ?? zones[0],
                Bootable = v.Bootable,
                Multiattach = v.Multiattach,
                CreatedAt = createdAt,
                UpdatedAt = Min(createdAt.AddMinutes(1), now),
                Metadata = FeatureMetadata(v),
                ImageMetadata = new Dictionary<string, string>(v.ImageMetadata, StringComparer.Ordinal),
                Wwn = v.Features.Wwn ?? wwn,
                Iops = v.Features.Iops,
                Throughput = v.Features.Throughput,
                EnterpriseProjectId = v.Features.EnterpriseProjectId ?? "0",
                Tags = new Dictionary<string, string>(v.Features.Tags, StringComparer.Ordinal),
                SerialNumberOverride = v.Features.SerialNumber,
            };
            volumes.Add((volume, v));
        }

        var servers = new List<Server>();
        foreach (var s in p.Servers)
        {
            var drawn = ids.NextUuid();
            var id = s.Id ?? drawn;
            if (!allServerIds.Add(id)) throw Fail(s.Path + ".id", $"server id '{id}' is used twice");
            if (servers.Any(x => x.Name == s.Name)) throw Fail(s.Path + ".name", $"project has two servers named '{s.Name}'");
            var az = s.AvailabilityZone
                     ?? volumes.FirstOrDefault(x => x.Spec.Attachments.Any(a => a.Server == s.Name)).Volume?.AvailabilityZone
                     ?? zones[0];
            servers.Add(new Server { Id = id, Name = s.Name, AvailabilityZone = az, ProjectId = store.ProjectId });
        }
        store.Servers.AddRange(servers);

        var devices = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var (volume, spec) in volumes)
        {
            foreach (var a in spec.Attachments)
            {
                var server = servers.FirstOrDefault(x => x.Name == a.Server)
                             ?? throw Fail(a.Path + ".server", $"no server named '{a.Server}' in this project");
                var used = devices.TryGetValue(server.Id, out var set) ? set : devices[server.Id] = [];
                var device = a.Device ?? NextDevice(used, volume.Bootable);
                if (!used.Add(device)) throw Fail(a.Path + ".device", $"server '{server.Name}' already has a disk on {device}");
                Attach(store, volume, server.Id, device, volume.CreatedAt, a.AttachmentId);
            }
            store.AddVolume(volume);
            store.SeedVolumeIds.Add(volume.Id);
        }

        var byName = volumes.ToDictionary(x => x.Volume.Name, x => x.Volume, StringComparer.Ordinal);
        foreach (var s in p.Snapshots)
        {
            var name = s.Name;
            while (name.Contains("{uuid}", StringComparison.Ordinal))
            {
                var at = name.IndexOf("{uuid}", StringComparison.Ordinal);
                name = name[..at] + ids.NextUuid() + name[(at + "{uuid}".Length)..];
            }
            var drawn = ids.NextUuid();
            var id = s.Id ?? drawn;
            if (!allSnapshotIds.Add(id)) throw Fail(s.Path + ".id", $"snapshot id '{id}' is used twice");
            var volume = byName.GetValueOrDefault(s.Volume) ?? throw Fail(s.Path + ".volume", $"no volume named '{s.Volume}' in this project");
            var createdAt = SeedTime.Parse(s.CreatedAt, now, s.Path + ".createdAt", mustBePast: true);
            store.AddSnapshot(new Snapshot
            {
                Id = id,
                Name = name,
                Description = s.Description,
                VolumeId = volume.Id,
                Size = volume.Size,
                CreatedAt = createdAt,
                UpdatedAt = Min(createdAt.AddMinutes(2), now),
                Metadata = new Dictionary<string, string>(s.Metadata, StringComparer.Ordinal),
                Status = s.Status,
            });
        }
        store.SeedSnapshotIds.AddRange(store.SortedSnapshots.Select(x => x.Id));

        // 1.1: a disk made from a seed snapshot (snapshot_id). Resolved last: snapshots are built after disks.
        foreach (var (volume, spec) in volumes)
        {
            if (spec.Features.Snapshot is not { } snapshotName) continue;
            var source = store.SortedSnapshots.FirstOrDefault(x => x.Name == snapshotName)
                         ?? throw Fail(spec.Path + ".snapshot", $"no snapshot named '{snapshotName}' in this project");
            if (source.VolumeId == volume.Id) throw Fail(spec.Path + ".snapshot", "a disk cannot be made from its own snapshot");
            volume.SnapshotId = source.Id;
        }
    }

    /// <summary>The disk's metadata with the 1.1 fields written into it: encrypted/kmsKeyId as __system__encrypted
    /// ("1"/"0") and __system__cmkid, scsi as hw:passthrough ("true"/"false").</summary>
    private static Dictionary<string, string> FeatureMetadata(SeedVolumeSpec v)
    {
        var m = new Dictionary<string, string>(v.Metadata, StringComparer.Ordinal);
        var f = v.Features;
        if (f.Encrypted is { } encrypted) m[Volume.EncryptedKey] = encrypted ? "1" : "0";
        if (f.KmsKeyId is { } kms) m[Volume.KmsKeyIdKey] = kms;
        if (f.Scsi is { } scsi) m[Volume.PassthroughKey] = scsi ? "true" : "false";
        return m;
    }

    private static string NextDevice(HashSet<string> used, bool bootable)
    {
        if (bootable && !used.Contains("/dev/sda")) return "/dev/sda";
        for (var c = 'b'; c <= 'z'; c++)
            if (!used.Contains("/dev/sd" + c)) return "/dev/sd" + c;
        return "/dev/sd" + (used.Count + 1);
    }

    /// <summary>The zones named by disks and servers in order of appearance, or "&lt;region&gt;a".</summary>
    private static IReadOnlyList<string> DeriveZones(SeedDocument doc)
    {
        var zones = doc.Projects.SelectMany(p => p.Volumes.Select(v => v.AvailabilityZone).Concat(p.Servers.Select(s => s.AvailabilityZone)))
            .OfType<string>().Distinct().ToList();
        return zones.Count > 0 ? zones : [doc.Region + "a"];
    }

    private static DateTime Min(DateTime a, DateTime b) => a < b ? a : b;

    private static ConfigException Fail(string path, string message) => new($"{path}: {message}");

    /// <summary>A stable 32-hex id: the first 16 bytes of SHA-256("seed|kind|key").</summary>
    public static string Hex32(int seed, string kind, string key) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|{kind}|{key}")))[..32];

    /// <summary>The generator seed of the project at <paramref name="index"/> (&gt; 0).</summary>
    private static int Mix(int seed, int index) =>
        BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes($"{seed}|project|{index}")), 0);

    /// <summary>Generated volumes (--volumes and POST /__emulator/volumes): numbered names, mixed sizes and types,
    /// alternating AZs unless given. An in-use one is attached to a new server named ecs-&lt;volume name&gt;.</summary>
    public static List<Volume> AddGeneratedVolumes(Store store, int count, string status, string namePrefix, int? sizeGb,
        string? availabilityZone, DateTime now)
    {
        var created = new List<Volume>(count);
        var zones = store.AvailabilityZones;
        for (var i = 0; i < count; i++)
        {
            var n = store.NextNameNumber(namePrefix);
            var v = NewVolume(store, $"{namePrefix}{n:D4}", status, sizeGb ?? GeneratedSizes[n % GeneratedSizes.Length],
                GeneratedTypes[n % GeneratedTypes.Length], availabilityZone ?? zones[n % zones.Count],
                now.AddSeconds(-count + i));
            if (status == VolumeStatus.InUse) AttachToNewServer(store, v, now);
            store.AddVolume(v);
            created.Add(v);
        }
        return created;
    }

    /// <summary>Attaches a disk to a new server (generated disks, or a disk forced to in-use).</summary>
    public static void AttachToNewServer(Store store, Volume v, DateTime now)
    {
        var serverId = store.Ids.NextUuid();
        store.Servers.Add(new Server { Id = serverId, Name = "ecs-" + v.Name, AvailabilityZone = v.AvailabilityZone, ProjectId = store.ProjectId });
        Attach(store, v, serverId, "/dev/sdb", now);
    }

    private static Volume NewVolume(Store store, string name, string status, int size, string type, string az, DateTime createdAt) =>
        new()
        {
            Id = store.Ids.NextUuid(),
            Name = name,
            Status = status,
            Size = size,
            VolumeType = type,
            AvailabilityZone = az,
            CreatedAt = createdAt,
            UpdatedAt = createdAt.AddMinutes(1),
            Wwn = "6888603000" + store.Ids.NextHex(11),
            Origin = VolumeOrigins.Generated,
        };

    /// <summary>Adds an attachment; draws its id from the generator even when <paramref name="fixedId"/> is given.</summary>
    public static void Attach(Store store, Volume v, string serverId, string device, DateTime at, string? fixedId = null)
    {
        var drawn = store.Ids.NextUuid();
        v.Attachments.Add(new Attachment
        {
            AttachmentId = fixedId ?? drawn,
            ServerId = serverId,
            Device = device,
            AttachedAt = at,
        });
    }
}
