namespace EvsEmulator.State;

/// <summary>Everything a seed describes: accounts, users, credentials, projects (each with its own <see cref="Store"/>),
/// servers, agencies and identity providers, plus the tokens and temporary credentials issued at run time.
/// The directory parts that change at run time (tokens, credentials) are guarded by <see cref="Gate"/>; a project's
/// disks and snapshots by its own <see cref="Store.Gate"/>. Only disk creation takes <see cref="Gate"/> inside a
/// <see cref="Store.Gate"/> (to use up a failure rule); nothing takes them the other way round.</summary>
public sealed class World
{
    public object Gate { get; } = new();

    public required string Region { get; init; }
    public required IReadOnlyList<string> AvailabilityZones { get; init; }
    public required IReadOnlyList<Domain> Domains { get; init; }
    public required IReadOnlyList<User> Users { get; init; }
    public required IReadOnlyList<Project> Projects { get; init; }
    public required IReadOnlyList<Agency> Agencies { get; init; }
    public required IReadOnlyList<IdentityProvider> IdentityProviders { get; init; }
    /// <summary>The seeded AK/SK pairs in seed order.</summary>
    public required IReadOnlyList<Credential> SeedCredentials { get; init; }
    /// <summary>"default", "file" or "posted".</summary>
    public required string SeedSource { get; init; }

    /// <summary>X-Client-Token answers of disk creation (1.2), across projects: a token is one request everywhere.</summary>
    public Evs.ClientTokenRegistry ClientTokens { get; } = new();

    /// <summary>Control-plane rules that make disk-create jobs fail (1.2), in the order they were added.</summary>
    public List<FailureRule> JobFailures { get; } = [];
    /// <summary>Numbers failure rule ids (failure-1, failure-2, ...); not reset by clearing the rules.</summary>
    public int FailureRulesAdded { get; set; }

    /// <summary>The first rule matching a create request, used up by one; null when the job is to succeed.</summary>
    public FailureRule? TakeJobFailure(string projectId, string? snapshotId)
    {
        lock (Gate)
        {
            var rule = JobFailures.FirstOrDefault(r => r.Matches(projectId, snapshotId));
            if (rule is null) return null;
            if (rule.Remaining is { } n) rule.Remaining = n - 1;
            rule.Used++;
            return rule;
        }
    }

    /// <summary>The first project of the seed: the one the 1.0 fields of GET /__emulator/info describe.</summary>
    public Project DefaultProject => Projects[0];

    private readonly Dictionary<string, Credential> _credentials = new(StringComparer.Ordinal);
    private readonly List<Credential> _issued = [];
    private readonly Dictionary<string, TokenInfo> _tokens = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTime> _metadataTokens = new(StringComparer.Ordinal);
    private Credential? _metadataCurrent;

    /// <summary>The agency of the ECS server the metadata service runs on: the first agency trusting op_svc_ecs.</summary>
    public Agency? EcsAgency => Agencies.FirstOrDefault(a => a.TrustedService == Agency.EcsService);

    /// <summary>Registers the seed credentials; called once by the seeder.</summary>
    public void Init()
    {
        foreach (var c in SeedCredentials) _credentials.Add(c.Access, c);
    }

    public Domain? FindDomain(string id) => Domains.FirstOrDefault(d => d.Id == id);
    public Domain? FindDomainByName(string name) => Domains.FirstOrDefault(d => d.Name == name);
    public Project? FindProject(string id) => Projects.FirstOrDefault(p => p.Id == id);
    public IEnumerable<Project> ProjectsOf(string domainId) => Projects.Where(p => p.DomainId == domainId);
    public User? FirstUserOf(string domainId) => Users.FirstOrDefault(u => u.DomainId == domainId);
    public string DomainName(string domainId) => FindDomain(domainId)?.Name ?? domainId;

    public Credential? FindCredential(string access)
    {
        lock (Gate) return _credentials.GetValueOrDefault(access);
    }

    /// <summary>Adds a temporary credential issued at run time (metadata, agency, federation, token).</summary>
    public void AddIssued(Credential c)
    {
        lock (Gate)
        {
            _credentials.Add(c.Access, c);
            _issued.Add(c);
        }
    }

    /// <summary>Issued credentials in issue order (a copy).</summary>
    public List<Credential> IssuedCredentials()
    {
        lock (Gate) return [.. _issued];
    }

    /// <summary>The metadata service's current credential (null before its first use).</summary>
    public Credential? CurrentMetadataCredential
    {
        get
        {
            lock (Gate) return _metadataCurrent;
        }
    }

    /// <summary>The credential the metadata service hands out at <paramref name="now"/>. The service rotates
    /// <paramref name="overlapSeconds"/> before expiry: the next credential is issued at (expiry − overlap) and the old
    /// one stays valid until its own expiry (§14.4.6). A credential already expired is replaced by one issued now.</summary>
    public Credential MetadataCredential(DateTime now, double lifetimeSeconds, double overlapSeconds, Agency agency,
        Func<DateTime, Credential> issue)
    {
        lock (Gate)
        {
            var current = _metadataCurrent;
            if (current is null || current.DomainId != agency.DomainId || current.AgencyName != agency.Name)
                current = issue(now);
            else
            {
                var overlap = TimeSpan.FromSeconds(overlapSeconds);
                while (now >= current.ExpiresAt!.Value - overlap)
                {
                    var at = now >= current.ExpiresAt.Value ? now : current.ExpiresAt.Value - overlap;
                    current = issue(at);
                }
            }
            _metadataCurrent = current;
            return current;
        }
    }

    /// <summary>Rotates now (the control plane): a new current credential; the old one stays valid until it expires.</summary>
    public Credential RotateMetadataCredential(Func<Credential> issue)
    {
        lock (Gate) return _metadataCurrent = issue();
    }

    public void AddMetadataToken(string token, DateTime expiresAt)
    {
        lock (Gate) _metadataTokens[token] = expiresAt;
    }

    /// <summary>True when the metadata token was issued and has not expired.</summary>
    public bool MetadataTokenValid(string token, DateTime now)
    {
        lock (Gate) return _metadataTokens.TryGetValue(token, out var expires) && now < expires;
    }

    public TokenInfo? FindToken(string token)
    {
        lock (Gate) return _tokens.GetValueOrDefault(token);
    }

    public void AddToken(string token, TokenInfo info)
    {
        lock (Gate) _tokens[token] = info;
    }

    /// <summary>Sets every token's expiry to <paramref name="now"/> if later; returns how many changed.</summary>
    public int ExpireTokens(DateTime now)
    {
        lock (Gate)
        {
            var n = 0;
            foreach (var t in _tokens.Values)
                if (t.ExpiresAt > now)
                {
                    t.ExpiresAt = now;
                    n++;
                }
            return n;
        }
    }

    /// <summary>Expires temporary credentials (seeded and issued; only those of one source when given).</summary>
    public int ExpireTemporaryCredentials(DateTime now, string? source)
    {
        lock (Gate)
        {
            var n = 0;
            foreach (var c in _credentials.Values)
            {
                if (!c.IsTemporary || (source is not null && c.Source != source)) continue;
                if (c.ExpiresAt is { } e && e <= now) continue;
                c.ExpiresAt = now;
                n++;
            }
            return n;
        }
    }
}

/// <summary>The connection details of the default project that GET /__emulator/info (1.0 fields) and the banner show:
/// its domain, that domain's first user, first permanent AK and first temporary AK.</summary>
public sealed record DefaultDetails(string Region, string ProjectId, string ProjectName, string DomainId, string DomainName,
    User? User, Credential? AccessKey, Credential? TempKey)
{
    public static DefaultDetails Of(World world)
    {
        var p = world.DefaultProject;
        var domainId = p.DomainId;
        return new DefaultDetails(world.Region, p.Id, p.Name, domainId, world.DomainName(domainId), world.FirstUserOf(domainId),
            world.SeedCredentials.FirstOrDefault(c => c.DomainId == domainId && !c.IsTemporary),
            world.SeedCredentials.FirstOrDefault(c => c.DomainId == domainId && c.IsTemporary));
    }
}
