namespace EvsEmulator.State;

/// <summary>An account (IAM domain).</summary>
public sealed class Domain
{
    public required string Id { get; init; }
    public required string Name { get; init; }
}

/// <summary>An IAM user who can get a password token.</summary>
public sealed class User
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string Password { get; init; }
    public required string DomainId { get; init; }
}

/// <summary>Where an AK/SK pair came from, as named in the request log and the stats.</summary>
public static class CredentialSources
{
    /// <summary>A permanent AK/SK from the seed.</summary>
    public const string Permanent = "permanent";
    /// <summary>A temporary AK/SK with security token written in the seed.</summary>
    public const string Temporary = "temporary";
    /// <summary>Handed out by the ECS metadata service (the server's agency).</summary>
    public const string Metadata = "metadata";
    /// <summary>POST /v3.0/OS-CREDENTIAL/securitytokens with method assume_role.</summary>
    public const string Agency = "agency";
    /// <summary>POST /v3.0/OS-CREDENTIAL/securitytokens with method token and a federated (OIDC) token.</summary>
    public const string Federation = "federation";
    /// <summary>POST /v3.0/OS-CREDENTIAL/securitytokens with method token and a password token.</summary>
    public const string Token = "token";

    /// <summary>The sources counted in stats.credentialsIssued.</summary>
    public static readonly string[] Issued = [Metadata, Agency, Federation, Token];
}

/// <summary>An AK/SK pair, permanent (no security token) or temporary (with one). It acts in <see cref="DomainId"/>:
/// EVS calls signed with it may use that domain's projects only.</summary>
public sealed class Credential
{
    public required string Access { get; init; }
    public required string Secret { get; init; }
    /// <summary>Null for a permanent AK; temporary AKs must send this as X-Security-Token.</summary>
    public string? SecurityToken { get; init; }
    public required string DomainId { get; init; }
    public string? UserId { get; init; }
    public string? UserName { get; init; }
    public required string Source { get; init; }
    public DateTime? IssuedAt { get; init; }
    // Ticks of the expiry (0 = never), read and written atomically: requests read it while the control plane may
    // expire the credential.
    private long _expiresTicks;

    /// <summary>Null: never expires. Settable: the control plane can expire credentials early.</summary>
    public DateTime? ExpiresAt
    {
        get
        {
            var t = Interlocked.Read(ref _expiresTicks);
            return t == 0 ? null : new DateTime(t, DateTimeKind.Utc);
        }
        set => Interlocked.Exchange(ref _expiresTicks, value?.Ticks ?? 0);
    }
    /// <summary>For agency credentials: the agency assumed and the session user, if any.</summary>
    public string? AgencyName { get; init; }
    public string? SessionUser { get; init; }
    public bool Seeded { get; init; }

    public bool IsTemporary => SecurityToken is not null;
}

/// <summary>A project (region project of a domain), with its own disks and snapshots.</summary>
public sealed class Project
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string DomainId { get; init; }
    public required Store Store { get; init; }
}

/// <summary>An ECS server that disks are attached to.</summary>
public sealed class Server
{
    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string AvailabilityZone { get; init; }
    public required string ProjectId { get; init; }
}

/// <summary>An IAM agency: <see cref="DomainId"/> (the delegating account) lets <see cref="TrustedDomainId"/> (another
/// account) or a cloud service (<see cref="TrustedService"/>, e.g. op_svc_ecs for the ECS metadata service) act in it.</summary>
public sealed class Agency
{
    public const string EcsService = "op_svc_ecs";

    public required string Id { get; init; }
    public required string Name { get; init; }
    public required string DomainId { get; init; }
    public string? TrustedDomainId { get; init; }
    public string? TrustedService { get; init; }
}

public sealed record FederatedGroup(string Id, string Name);

/// <summary>The federated user an accepted OIDC id token maps to.</summary>
public sealed class FederatedIdentity
{
    public required string IdToken { get; init; }
    public required string UserId { get; init; }
    public required string UserName { get; init; }
    public required IReadOnlyList<FederatedGroup> Groups { get; init; }
}

/// <summary>An OIDC identity provider of one domain and the id tokens it accepts (the emulator does not verify JWTs:
/// a token is accepted when it is in this list).</summary>
public sealed class IdentityProvider
{
    public required string Id { get; init; }
    public required string Protocol { get; init; }
    public required string DomainId { get; init; }
    public required IReadOnlyList<FederatedIdentity> IdTokens { get; init; }
}
