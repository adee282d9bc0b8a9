using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;

namespace EvsSnapshot.Client.Tests.Infrastructure;

/// <summary>
/// A scripted stand-in for the services that issue temporary credentials (the ECS metadata service, OIDC
/// federation, securitytokens) and for EVS calls that check them, on a fake clock: it issues keys with a given
/// lifetime, rejects an expired key with the gateway's 401, and records which key signed each EVS request.
/// Written from evs-api.md §14 (paths, fields), like the emulator, not from the client.
/// </summary>
public sealed class CredentialServer
{
    public const string IdToken = "eyJhbGciOiJSUzI1NiJ9.test-id-token.sig";
    public const string ProjectOfTemporaryKeys = "fedcba9876543210fedcba9876543210";

    private readonly FakeTimeProvider _time;
    private readonly ConcurrentDictionary<string, (string Secret, string Token, DateTime ExpiresAt, string Source)> _issued = new();
    private readonly ConcurrentQueue<(string Ak, DateTime At, string Path)> _evsCalls = new();
    private readonly ConcurrentQueue<(string Ak, DateTime At, bool Accepted)> _attempts = new();
    private int _serial;
    private string? _metadataKey;
    private DateTime _metadataExpires;

    public CredentialServer(FakeTimeProvider time)
    {
        _time = time;
    }

    /// <summary>Lifetime of every issued key.</summary>
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The metadata service hands out its key again until this long before expiry (then rotates), as §14.4.6.</summary>
    public TimeSpan MetadataOverlap { get; set; } = TimeSpan.Zero;

    public bool TokenStep { get; set; } = true;
    public bool TokenRequired { get; set; }
    public bool AgencyAttached { get; set; } = true;

    /// <summary>The id token the federation endpoint accepts (the file's contents may change).</summary>
    public string AcceptedIdToken { get; set; } = IdToken;

    public int MetadataTokenRequests;
    public int SecurityKeyRequests;
    public int IdTokenRequests;
    public int SecurityTokenRequests;
    public readonly ConcurrentQueue<string> MetadataTokensSeen = new();
    public readonly ConcurrentQueue<string> IdTokensSeen = new();
    public readonly ConcurrentQueue<string> SecurityTokenBodies = new();
    public readonly ConcurrentQueue<string?> SecurityTokenSigners = new();
    private readonly ConcurrentDictionary<string, bool> _metadataTokens = new();

    private DateTime Now => _time.GetUtcNow().UtcDateTime;

    /// <summary>Every EVS call: the AK that signed it, when, and the path.</summary>
    public IReadOnlyList<(string Ak, DateTime At, string Path)> EvsCalls => _evsCalls.ToList();

    /// <summary>Every signed EVS or IAM request, accepted or not, with the fake time it arrived.</summary>
    public IReadOnlyList<(string Ak, DateTime At, bool Accepted)> Attempts => _attempts.ToList();

    public IReadOnlyCollection<string> IssuedKeys => _issued.Keys.ToList();

    public (string Secret, string Token, DateTime ExpiresAt, string Source) Issued(string ak) => _issued[ak];

    /// <summary>Ends every key's life now (the control plane's "expire").</summary>
    public void ExpireAll()
    {
        foreach (var ak in _issued.Keys.ToList())
        {
            var c = _issued[ak];
            _issued[ak] = (c.Secret, c.Token, Now, c.Source);
        }
        _metadataExpires = Now;
    }

    public Task<HttpResponseMessage> Handle(RecordedRequest r, CancellationToken ct)
    {
        string path = r.Uri.AbsolutePath;
        if (r.Method == HttpMethod.Put && path == "/meta-data/latest/api/token") return Task.FromResult(MetadataToken(r));
        if (r.Method == HttpMethod.Get && path == "/openstack/latest/securitykey") return Task.FromResult(SecurityKey(r));
        if (r.Method == HttpMethod.Post && path == "/v3.0/OS-AUTH/id-token/tokens") return Task.FromResult(Federate(r));
        if (r.Method == HttpMethod.Post && path == "/v3.0/OS-CREDENTIAL/securitytokens") return Task.FromResult(SecurityTokens(r));
        if (r.Method == HttpMethod.Get && path == "/v3/projects") return Task.FromResult(Checked(r, () =>
            Respond.Json(HttpStatusCode.OK, "{\"projects\":[{\"id\":\"" + ProjectOfTemporaryKeys + "\",\"name\":\"cn-north-4\"}]}")));
        if (path.StartsWith("/v2/", StringComparison.Ordinal)) return Task.FromResult(Checked(r, () => Evs(r)));
        return Task.FromResult(Respond.Json(HttpStatusCode.NotFound, Respond.GatewayError("APIGW.0101", "no such API")));
    }

    private HttpResponseMessage MetadataToken(RecordedRequest r)
    {
        Interlocked.Increment(ref MetadataTokenRequests);
        if (!TokenStep) return Respond.Text(HttpStatusCode.NotFound, "Not Found", "text/plain");
        if (r.Header("X-Metadata-Token-Ttl-Seconds") != "21600") return Respond.Text(HttpStatusCode.BadRequest, "bad ttl", "text/plain");
        string token = "mdtoken-" + Interlocked.Increment(ref _serial).ToString(CultureInfo.InvariantCulture) + "-abcdefghijkl";
        _metadataTokens[token] = true;
        return Respond.Text(HttpStatusCode.OK, token, "text/plain");
    }

    /// <summary>Forgets every session token (as a restarted metadata service would).</summary>
    public void ForgetMetadataTokens() => _metadataTokens.Clear();

    private HttpResponseMessage SecurityKey(RecordedRequest r)
    {
        Interlocked.Increment(ref SecurityKeyRequests);
        string? token = r.Header("X-Metadata-Token");
        if (token != null) MetadataTokensSeen.Enqueue(token);
        if (TokenStep && token != null && !_metadataTokens.ContainsKey(token))
            return Respond.Text(HttpStatusCode.Unauthorized, "Unauthorized: the metadata token is invalid or has expired.", "text/plain");
        if (TokenStep && token == null && TokenRequired)
            return Respond.Text(HttpStatusCode.Unauthorized, "Unauthorized: a metadata token is required.", "text/plain");
        if (!AgencyAttached) return Respond.Text(HttpStatusCode.Unauthorized, "Please configure Cloud Service Agency first", "text/plain");
        lock (_issued)
        {
            if (_metadataKey == null || Now >= _metadataExpires - MetadataOverlap)
            {
                _metadataKey = Issue("metadata");
                _metadataExpires = _issued[_metadataKey].ExpiresAt;
            }
        }
        return CredentialBody(HttpStatusCode.OK, _metadataKey);
    }

    private HttpResponseMessage Federate(RecordedRequest r)
    {
        Interlocked.Increment(ref IdTokenRequests);
        if (r.Header("X-Idp-Id") != "ci-idp") return Respond.Json(HttpStatusCode.NotFound, "{\"error_msg\":\"Could not find identity provider.\",\"error_code\":\"IAM.0004\"}");
        string id = JsonDocument.Parse(r.Body).RootElement.GetProperty("auth").GetProperty("id_token").GetProperty("id").GetString()!;
        IdTokensSeen.Enqueue(id);
        if (id != AcceptedIdToken)
            return Respond.Json(HttpStatusCode.Unauthorized, "{\"error_msg\":\"The request you have made requires authentication.\",\"error_code\":\"IAM.0001\"}");
        var expires = Now.AddHours(24).ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        return Respond.Json(HttpStatusCode.Created, "{\"token\":{\"expires_at\":\"" + expires + "\",\"methods\":[\"mapped\"]}}",
            ("X-Subject-Token", "MIIEfederated-unscoped-token-" + Interlocked.Increment(ref _serial)), ("X-Request-Id", "rid-fed"));
    }

    private HttpResponseMessage SecurityTokens(RecordedRequest r)
    {
        Interlocked.Increment(ref SecurityTokenRequests);
        SecurityTokenBodies.Enqueue(r.BodyText);
        var auth = r.Header("Authorization");
        SecurityTokenSigners.Enqueue(auth != null ? AccessKeyOf(auth) : r.Header("X-Auth-Token") != null ? "token:" + r.Header("X-Auth-Token") : null);
        var identity = JsonDocument.Parse(r.Body).RootElement.GetProperty("auth").GetProperty("identity");
        string method = identity.GetProperty("methods")[0].GetString()!;
        if (method == "assume_role")
        {
            if (auth == null && r.Header("X-Auth-Token") == null)
                return Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: x-auth-token not found"));
            if (auth != null && AccessKeyOf(auth) is string caller && _issued.TryGetValue(caller, out var c) && Now >= c.ExpiresAt)
                return Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", $"Incorrect IAM authentication information: security token expired,ak:{caller}"));
            if (identity.GetProperty("assume_role").GetProperty("agency_name").GetString() != "ops-agency")
                return Respond.Json(HttpStatusCode.Forbidden, "{\"error\":{\"code\":403,\"message\":\"You are not authorized to perform the requested action.\",\"title\":\"Forbidden\"}}");
        }
        return CredentialBody(HttpStatusCode.Created, Issue(method == "assume_role" ? "agency" : "federation"));
    }

    /// <summary>The gateway's check of a temporary key: known, signed with its token, not expired.</summary>
    private HttpResponseMessage Checked(RecordedRequest r, Func<HttpResponseMessage> then)
    {
        string? auth = r.Header("Authorization");
        if (auth == null) return then();
        string ak = AccessKeyOf(auth);
        if (_issued.TryGetValue(ak, out var c))
        {
            bool accepted = r.Header("X-Security-Token") == c.Token && Now < c.ExpiresAt;
            _attempts.Enqueue((ak, Now, accepted));
            if (r.Header("X-Security-Token") != c.Token)
                return Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301", "Incorrect IAM authentication information: verify aksk signature fail"));
            if (Now >= c.ExpiresAt)
                return Respond.Json(HttpStatusCode.Unauthorized, Respond.GatewayError("APIGW.0301",
                    $"Incorrect IAM authentication information: security token expired,ak:{ak},expires_at:{Format(c.ExpiresAt)}"));
        }
        if (r.Uri.AbsolutePath.StartsWith("/v2/", StringComparison.Ordinal)) _evsCalls.Enqueue((ak, Now, r.Uri.AbsolutePath));
        return then();
    }

    private static HttpResponseMessage Evs(RecordedRequest r) =>
        r.Method == HttpMethod.Post ? Wire.Created(Ids.NewUuid()) : Wire.SnapshotOk();

    private string Issue(string source)
    {
        int n = Interlocked.Increment(ref _serial);
        string ak = "TMPAK" + n.ToString("D15", CultureInfo.InvariantCulture);
        _issued[ak] = ("TmpSecret-" + n + "-" + new string('s', 30), "TmpSecurityToken-" + n + "-" + new string('t', 40), Now + Lifetime, source);
        return ak;
    }

    private HttpResponseMessage CredentialBody(HttpStatusCode status, string ak)
    {
        var c = _issued[ak];
        string json = "{\"credential\":{\"access\":\"" + ak + "\",\"secret\":\"" + c.Secret + "\",\"securitytoken\":\"" + c.Token
                      + "\",\"expires_at\":\"" + Format(c.ExpiresAt) + "\"}}";
        var response = Respond.Json(status, json);
        response.Headers.Date = new DateTimeOffset(Now);
        return response;
    }

    internal static string AccessKeyOf(string authorization)
    {
        int start = authorization.IndexOf("Access=", StringComparison.Ordinal) + "Access=".Length;
        return authorization[start..authorization.IndexOf(',', start)];
    }

    private static string Format(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}

/// <summary>Settings for the new credential sources against a <see cref="CredentialServer"/>.</summary>
public static class CredentialContexts
{
    public static readonly Uri Metadata = new("http://127.0.0.1:3");

    public static EvsClientSettings Options(FakeHandler handler, FakeTimeProvider time, IDictionary<string, string>? env = null) => new()
    {
        Region = "cn-north-4",
        Endpoint = Contexts.Endpoint,
        IamEndpoint = Contexts.IamEndpoint,
        Retry = Contexts.FastRetry(),
        Handler = handler,
        TimeProvider = time,
        Environment = name => env != null && env.TryGetValue(name, out var value) ? value : null,
    };

    /// <summary>No variable is set: the process's real environment never leaks into a test.</summary>
    public static Func<string, string?> NoEnvironment => _ => null;
}
