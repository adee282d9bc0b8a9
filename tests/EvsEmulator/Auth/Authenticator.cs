using System.Globalization;
using EvsEmulator.Http;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;

namespace EvsEmulator.Auth;

/// <summary>Result of authenticating one request.</summary>
public sealed class AuthOutcome
{
    /// <summary>"aksk", "aksk-temp", "token" or "none".</summary>
    public required string Kind { get; init; }
    /// <summary>Null when authenticated; else the 401 gateway response to send.</summary>
    public ApiResult? Error { get; init; }
    public string? AuthError { get; init; }
    public string? CanonicalRequest { get; init; }
    /// <summary>For token auth: the project the token is scoped to (null for a domain-scoped or unscoped token).</summary>
    public string? TokenProjectId { get; init; }
    /// <summary>For AK/SK: the X-Project-Id header, if sent.</summary>
    public string? HeaderProjectId { get; init; }
    /// <summary>The domain (account) the credential acts in.</summary>
    public string? DomainId { get; init; }
    /// <summary>The AK, or the token's user id: the key of the per-credential rate limits.</summary>
    public string? CredentialKey { get; init; }
    /// <summary>See <see cref="CredentialSources"/> (AK/SK) and <see cref="TokenSources"/> (tokens).</summary>
    public string? Source { get; init; }
    public string? UserId { get; init; }
    public string? UserName { get; init; }
    public TokenInfo? Token { get; init; }
    public Credential? Credential { get; init; }

    public bool Ok => Error is null;
}

/// <summary>Verifies X-Auth-Token or an SDK-HMAC-SHA256 signature exactly as §6.2 / §5.3 describe.
/// Never puts a secret key, password or token value into a message.</summary>
public static class Authenticator
{
    public const string Prefix = "Incorrect IAM authentication information: ";
    public static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(15);

    public static AuthOutcome Authenticate(HttpRequest request, string rawPath, string rawQuery, byte[] body, DateTime now,
        World world, string requestId)
    {
        // Gap (§10): precedence between an SDK-HMAC-SHA256 Authorization header and X-Auth-Token is undocumented;
        // the signature wins when both are present.
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(AkSkSignature.Algorithm, StringComparison.Ordinal))
            return VerifyAkSk(request, authorization, rawPath, rawQuery, body, now, world, requestId);

        var token = request.Headers["X-Auth-Token"].ToString();
        if (token.Length > 0) return VerifyToken(token, now, world, requestId);

        return Fail("none", "x-auth-token not found", requestId);
    }

    /// <summary>The credential a request names, without verifying it (the per-credential rate limits run before
    /// authentication, as the fault draw does): the AK of an SDK-HMAC-SHA256 header if the AK exists, else the user of a
    /// known X-Auth-Token; null when the request names no known credential.</summary>
    public static (string Key, string Source)? Identify(HttpRequest request, World world)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.StartsWith(AkSkSignature.Algorithm, StringComparison.Ordinal))
            return AkSkSignature.TryParseAuthorization(authorization, out var auth) && world.FindCredential(auth!.Access) is { } c
                ? (c.Access, c.Source)
                : null;
        var token = request.Headers["X-Auth-Token"].ToString();
        return token.Length > 0 && world.FindToken(token) is { } t ? (t.UserId, t.Source) : null;
    }

    /// <summary>Checks a token value (from X-Auth-Token, or a request body for IAM calls that carry one).</summary>
    public static AuthOutcome VerifyToken(string token, DateTime now, World world, string requestId)
    {
        var info = world.FindToken(token);
        if (info is null) return Fail("token", "decrypt token fail", requestId);
        if (now >= info.ExpiresAt)
            return Fail("token", "token expires, expires_at: " + Jsonw.IamTime(info.ExpiresAt), requestId);
        return new AuthOutcome
        {
            Kind = "token",
            TokenProjectId = info.ProjectId,
            DomainId = info.DomainId,
            CredentialKey = info.UserId,
            Source = info.Source,
            UserId = info.UserId,
            UserName = info.UserName,
            Token = info,
        };
    }

    private static AuthOutcome VerifyAkSk(HttpRequest request, string authorization, string rawPath, string rawQuery,
        byte[] body, DateTime now, World world, string requestId)
    {
        if (!AkSkSignature.TryParseAuthorization(authorization, out var auth))
            return Fail("aksk", "verify aksk signature fail", requestId);

        var credential = world.FindCredential(auth!.Access);
        if (credential is null) return Fail("aksk", $"ak {auth.Access} not exist", requestId);
        var kind = credential.IsTemporary ? "aksk-temp" : "aksk";
        var secret = credential.Secret;

        var sdkDate = request.Headers["X-Sdk-Date"].ToString();
        if (!auth.SignedHeaders.Contains("x-sdk-date")
            || !DateTime.TryParseExact(sdkDate, "yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var signedAt))
            return Fail(kind, "verify aksk signature fail", requestId, credential);

        if ((signedAt - now).Duration() > MaxSkew)
            return Fail(kind, $"calc aksk signature fail:signature expired, signature time:{sdkDate},server time:{Jsonw.SdkDate(now)}",
                requestId, credential);

        if (kind == "aksk-temp")
        {
            var securityToken = request.Headers["X-Security-Token"].ToString();
            // Gap (§10): the docs give no message for a temporary AK used without its security token. The gateway
            // resolves temporary AKs through the token, so without one the AK is unknown: use the documented
            // "Get secretKey failed" form. A wrong or unsigned token is a plain signature failure.
            if (securityToken.Length == 0)
                return Fail(kind, $"Get secretKey failed,ak:{auth.Access},err:ak not exist", requestId, credential);
            if (!auth.SignedHeaders.Contains("x-security-token")
                || !AkSkSignature.FixedTimeEquals(credential.SecurityToken!, securityToken))
                return Fail(kind, "verify aksk signature fail", requestId, credential);
            // Gap (§14): the gateway's wording for an expired temporary credential is not documented; this message
            // follows its "token expires, expires_at:" and "Get secretKey failed,ak:" forms and says "expired".
            if (credential.ExpiresAt is { } expiresAt && now >= expiresAt)
                return Fail(kind, ExpiredMessage(credential.Access, expiresAt), requestId, credential);
        }

        var payloadHash = string.Equals(request.Headers["X-Sdk-Content-Sha256"].ToString(), AkSkSignature.UnsignedPayload,
            StringComparison.Ordinal)
            ? AkSkSignature.UnsignedPayload
            : AkSkSignature.HexSha256(body);

        // The host as sent first; then without its port (the .NET SDK signs the host without a port).
        var host = request.Headers.Host.ToString();
        var hosts = new List<string> { host };
        var withoutPort = StripPort(host);
        if (withoutPort != host) hosts.Add(withoutPort);

        string? firstCanonical = null;
        foreach (var candidate in hosts)
        {
            IReadOnlyList<string> ValuesOf(string name) =>
                name == "host" ? [candidate] : request.Headers[name].Where(v => v is not null).Select(v => v!).ToArray();

            // Gap (§10): the SDKs disagree on sorting query parameters (Go: UTF-8 bytes; Node/.NET: UTF-16 code units).
            // The orders differ only for rare characters; accept either, as a lenient gateway would.
            string? byteOrder = null;
            foreach (var utf16Order in new[] { false, true })
            {
                var canonical = AkSkSignature.CanonicalRequest(request.Method, rawPath, rawQuery, auth.SignedHeaders, ValuesOf,
                    payloadHash, utf16Order);
                firstCanonical ??= canonical;
                if (utf16Order && canonical == byteOrder) break; // same order: nothing new to try
                byteOrder ??= canonical;
                var expected = AkSkSignature.Sign(secret, AkSkSignature.StringToSign(sdkDate, canonical));
                if (AkSkSignature.FixedTimeEquals(expected, auth.Signature))
                    return new AuthOutcome
                    {
                        Kind = kind,
                        HeaderProjectId = NullIfEmpty(request.Headers["X-Project-Id"].ToString()),
                        DomainId = credential.DomainId,
                        CredentialKey = credential.Access,
                        Source = credential.Source,
                        UserId = credential.UserId,
                        UserName = credential.UserName,
                        Credential = credential,
                    };
            }
            if (!auth.SignedHeaders.Contains("host")) break;
        }

        var failed = Fail(kind, "verify aksk signature fail", requestId);
        return new AuthOutcome
        {
            Kind = failed.Kind,
            CredentialKey = credential.Access,
            Source = credential.Source,
            Error = failed.Error,
            AuthError = failed.AuthError,
            CanonicalRequest = Redact(firstCanonical!),
        };
    }

    /// <summary>The sub-message for a temporary AK used after its expires_at.</summary>
    public static string ExpiredMessage(string access, DateTime expiresAt) =>
        $"security token expired,ak:{access},expires_at:{Jsonw.IamTime(expiresAt)}";

    private static string StripPort(string host)
    {
        if (host.StartsWith('['))
        {
            var close = host.IndexOf(']');
            return close > 0 ? host[..(close + 1)] : host;
        }
        var colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(':') == colon ? host[..colon] : host;
    }

    private static string? NullIfEmpty(string s) => s.Length == 0 ? null : s;

    /// <summary>Canonical request for the request log: newlines as '|', credential header values hidden.</summary>
    private static string Redact(string canonical) =>
        string.Join('|', canonical.Split('\n').Select(line =>
            line.StartsWith("x-security-token:", StringComparison.Ordinal) ? "x-security-token:***"
            : line.StartsWith("x-auth-token:", StringComparison.Ordinal) ? "x-auth-token:***"
            : line));

    private static AuthOutcome Fail(string kind, string message, string requestId, Credential? credential = null) => new()
    {
        Kind = kind,
        AuthError = message,
        Error = ApiResult.GatewayError(401, "APIGW.0301", Prefix + message, requestId),
        CredentialKey = credential?.Access,
        Source = credential?.Source,
        DomainId = credential?.DomainId,
    };
}
