using System.Security.Cryptography;
using EvsEmulator.Http;
using EvsEmulator.State;

namespace EvsEmulator.Auth;

/// <summary>Makes temporary AK/SK pairs with a security token (metadata, agency, federation, token sources) and
/// registers them, so every later EVS or IAM call signed with one is verified like the seeded temporary key.</summary>
public static class CredentialIssuer
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    private const string Mixed = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    public static Credential Issue(World world, RequestStats stats, string source, string domainId, string? userId, string? userName,
        DateTime issuedAt, double lifetimeSeconds, string? agencyName = null, string? sessionUser = null)
    {
        // Whole milliseconds, so expires_at reads like the service's "2020-01-08T03:50:07.574000Z".
        var at = new DateTime(issuedAt.Ticks - issuedAt.Ticks % TimeSpan.TicksPerMillisecond, DateTimeKind.Utc);
        var credential = new Credential
        {
            Access = RandomNumberGenerator.GetString(Upper, 20),
            Secret = RandomNumberGenerator.GetString(Mixed, 40),
            // Real security tokens are long base64 strings; '+', '/' and '=' in a signed header test client encoders.
            SecurityToken = "gQ" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(510)),
            DomainId = domainId,
            UserId = userId,
            UserName = userName,
            Source = source,
            IssuedAt = at,
            ExpiresAt = at.AddMilliseconds(Math.Round(lifetimeSeconds * 1000)),
            AgencyName = agencyName,
            SessionUser = sessionUser,
        };
        world.AddIssued(credential);
        stats.CredentialIssued(source);
        return credential;
    }

    /// <summary>{"credential":{"access","secret","securitytoken","expires_at"}} (§14.4, §14.5, §14.6).</summary>
    public static ApiResult Response(int status, Credential c) =>
        ApiResult.Json(status, w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("credential");
            w.WriteString("access", c.Access);
            w.WriteString("secret", c.Secret);
            w.WriteString("securitytoken", c.SecurityToken);
            w.WriteString("expires_at", Jsonw.IamTime(c.ExpiresAt!.Value));
            w.WriteEndObject();
            w.WriteEndObject();
        });
}
