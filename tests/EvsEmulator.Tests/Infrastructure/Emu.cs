using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace EvsEmulator.Tests.Infrastructure;

/// <summary>How to authenticate one request.</summary>
public sealed record Cred
{
    public static readonly Cred None = new() { Mode = AuthMode.None };
    public static Cred WithToken(string token) => new() { Mode = AuthMode.Token, Token = token };

    public AuthMode Mode { get; init; } = AuthMode.AkSk;
    public string? Ak { get; init; }
    public string? Sk { get; init; }
    public string? Token { get; init; }
    /// <summary>X-Sdk-Date to sign with; default: the emulator's own clock.</summary>
    public DateTime? SignTime { get; init; }
    public bool SignHost { get; init; } = true;
    public bool HostWithoutPort { get; init; }
    public bool SignSdkDate { get; init; } = true;
    /// <summary>Sends X-Security-Token with this value (temporary AK).</summary>
    public string? SecurityToken { get; init; }
    public bool SignSecurityToken { get; init; } = true;
    public bool UnsignedPayload { get; init; }
    /// <summary>Flip one hex digit of the signature.</summary>
    public bool Tamper { get; init; }
    public string? ProjectIdHeader { get; init; }
}

public enum AuthMode { AkSk, Token, None }

public sealed record Resp(HttpStatusCode Status, string Body, HttpResponseMessage Raw)
{
    public int Code => (int)Status;
    public JsonNode Json => JsonNode.Parse(Body) ?? throw new InvalidOperationException("empty body");
    public string? Header(string name) =>
        Raw.Headers.TryGetValues(name, out var v) ? string.Join(",", v)
        : Raw.Content.Headers.TryGetValues(name, out var c) ? string.Join(",", c) : null;

    /// <summary>EVS error code ({"error":{"code"}}) or gateway code ({"error_code"}).</summary>
    public string? ErrorCode => Json["error"]?["code"]?.GetValue<string>() ?? Json["error_code"]?.GetValue<string>();
    public string? ErrorMessage => Json["error"]?["message"]?.GetValue<string>() ?? Json["error_msg"]?.GetValue<string>();
}

/// <summary>An emulator started in-process on port 0, plus a raw HttpClient and request helpers.</summary>
public sealed class Emu : IAsyncDisposable
{
    public EmulatorServer Server { get; }
    public HttpClient Http { get; }
    public JsonObject Info { get; private set; } = null!;
    public string BaseUrl => Server.BaseUrl;
    public string Pid => Info["projectId"]!.GetValue<string>();
    /// <summary>"/v2/{project_id}"</summary>
    public string Evs => "/v2/" + Pid;
    public string Ak => Info["accessKey"]!.GetValue<string>();
    public string Sk => Info["secretKey"]!.GetValue<string>();

    private Emu(EmulatorServer server)
    {
        Server = server;
        Http = NewClient(server.BaseUrl);
    }

    public static async Task<Emu> StartAsync(params string[] args)
    {
        var options = EmulatorOptions.Parse(["--port", "0", .. args]);
        var server = await EmulatorServer.StartAsync(options);
        var emu = new Emu(server);
        emu.Info = (JsonObject)(await emu.AdminAsync(HttpMethod.Get, "info")).Json;
        return emu;
    }

    /// <summary>Starts with short lifecycle timings (tests must finish quickly).</summary>
    public static Task<Emu> FastAsync(params string[] args) =>
        StartAsync(["--create-seconds", "0.2", "--delete-seconds", "0.2", "--rollback-seconds", "0.2", .. args]);

    public string VolumeId(string name) => Info["volumeIds"]![name]!.GetValue<string>();

    /// <summary>The info entry of the (first) project of the named domain.</summary>
    public JsonNode ProjectOf(string domainName) =>
        Info["projects"]!.AsArray().First(p => p!["domainName"]!.GetValue<string>() == domainName)!;

    /// <summary>The seeded access key with this AK.</summary>
    public JsonNode AccessKey(string access) =>
        Info["accessKeys"]!.AsArray().First(k => k!["access"]!.GetValue<string>() == access)!;

    /// <summary>AK/SK credentials of another project (X-Project-Id set to it).</summary>
    public static Cred Signed(string ak, string sk, string projectId, string? securityToken = null) =>
        new() { Ak = ak, Sk = sk, ProjectIdHeader = projectId, SecurityToken = securityToken };

    /// <summary>The partner account's project id, AK and SK from the default seed.</summary>
    public (string ProjectId, Cred Cred) Partner()
    {
        var pid = ProjectOf("evs-partner")["id"]!.GetValue<string>();
        var key = AccessKey("EMULATORPARTNERAK001");
        return (pid, Signed(key["access"]!.GetValue<string>(), key["secret"]!.GetValue<string>(), pid));
    }

    /// <summary>The default account's features project (1.2): its id, the default AK/SK aimed at it, and its info entry.</summary>
    public (string ProjectId, Cred Cred, JsonNode Info) Features()
    {
        var p = Info["projects"]!.AsArray().First(x => x!["name"]!.GetValue<string>() == "cn-north-4_features")!;
        var pid = p["id"]!.GetValue<string>();
        return (pid, Signed(Ak, Sk, pid), p);
    }

    public string SeedSnapshotId(string name) =>
        Info["snapshots"]!.AsArray().First(s => s!["name"]!.GetValue<string>() == name)!["id"]!.GetValue<string>();

    public string BackupSnapshotId =>
        Info["snapshots"]!.AsArray().First(s => s!["name"]!.GetValue<string>().StartsWith("autobk_snapshot_"))!["id"]!.GetValue<string>();

    public Task<Resp> GetAsync(string pathAndQuery, Cred? auth = null) => SendAsync(HttpMethod.Get, pathAndQuery, null, auth);

    /// <param name="fresh">Send on a new connection. SocketsHttpHandler silently re-sends a request whose pooled
    /// connection fails before any response byte, which would double a request that a reset fault aborted.</param>
    /// <param name="headers">Extra, unsigned request headers (e.g. X-Client-Token).</param>
    public async Task<Resp> SendAsync(HttpMethod method, string pathAndQuery, string? body = null, Cred? auth = null,
        CancellationToken ct = default, bool fresh = false, IReadOnlyDictionary<string, string>? headers = null)
    {
        using var request = BuildRequest(method, pathAndQuery, body, auth);
        foreach (var (name, value) in headers ?? new Dictionary<string, string>()) request.Headers.TryAddWithoutValidation(name, value);
        using var own = fresh ? NewClient(BaseUrl) : null;
        var response = await (own ?? Http).SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        return new Resp(response.StatusCode, text, response);
    }

    private static HttpClient NewClient(string baseUrl) =>
        new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false })
        {
            BaseAddress = new Uri(baseUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };

    public HttpRequestMessage BuildRequest(HttpMethod method, string pathAndQuery, string? body, Cred? auth)
    {
        auth ??= new Cred();
        var uri = new Uri(new Uri(BaseUrl), pathAndQuery);
        var request = new HttpRequestMessage(method, uri);
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        if (body is not null)
        {
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        switch (auth.Mode)
        {
            case AuthMode.Token:
                request.Headers.TryAddWithoutValidation("X-Auth-Token", auth.Token);
                break;
            case AuthMode.AkSk:
                var date = TestSigner.SdkDate(auth.SignTime ?? Server.Now);
                request.Headers.TryAddWithoutValidation("X-Sdk-Date", date);
                var signed = new Dictionary<string, string>();
                if (auth.SignSdkDate) signed["x-sdk-date"] = date;
                if (auth.SignHost) signed["host"] = auth.HostWithoutPort ? uri.Host : uri.Authority;
                var projectHeader = auth.ProjectIdHeader ?? Pid;
                request.Headers.TryAddWithoutValidation("X-Project-Id", projectHeader);
                signed["x-project-id"] = projectHeader;
                if (auth.SecurityToken is not null)
                {
                    request.Headers.TryAddWithoutValidation("X-Security-Token", auth.SecurityToken);
                    if (auth.SignSecurityToken) signed["x-security-token"] = auth.SecurityToken;
                }
                if (auth.UnsignedPayload) request.Headers.TryAddWithoutValidation("X-Sdk-Content-Sha256", "UNSIGNED-PAYLOAD");
                var canonical = TestSigner.CanonicalRequest(method.Method, uri.PathAndQuery, signed, bytes, auth.UnsignedPayload);
                var signature = TestSigner.Signature(canonical, date, auth.Sk ?? Sk);
                if (auth.Tamper) signature = (signature[0] == 'a' ? 'b' : 'a') + signature[1..];
                request.Headers.TryAddWithoutValidation("Authorization",
                    TestSigner.AuthorizationHeader(auth.Ak ?? Ak, signed, signature));
                break;
        }
        return request;
    }

    public async Task<Resp> AdminAsync(HttpMethod method, string path, string? body = null)
    {
        using var request = new HttpRequestMessage(method, "/__emulator/" + path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        var response = await Http.SendAsync(request);
        return new Resp(response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    public Task<Resp> PatchConfigAsync(string json) => AdminAsync(HttpMethod.Patch, "config", json);

    public async Task<string> IssueTokenAsync(string? projectName = "cn-north-4", string user = "ops-user",
        string password = "Emulator-Passw0rd!", string domain = "evs-demo")
    {
        var scope = projectName is null ? "" : $",\"scope\":{{\"project\":{{\"name\":\"{projectName}\"}}}}";
        var body = "{\"auth\":{\"identity\":{\"methods\":[\"password\"],\"password\":{\"user\":{\"name\":\"" + user + "\"," +
                   "\"password\":\"" + password + "\",\"domain\":{\"name\":\"" + domain + "\"}}}}" + scope + "}}";
        var r = await SendAsync(HttpMethod.Post, "/v3/auth/tokens", body, Cred.None);
        Assert.Equal(201, r.Code);
        return r.Header("X-Subject-Token")!;
    }

    /// <summary>Creates a snapshot of the named seed disk and returns its id.</summary>
    public async Task<string> CreateSnapshotAsync(string volumeName = "app01", string? name = "t", string extra = "")
    {
        var nameJson = name is null ? "" : $",\"name\":\"{name}\"";
        var r = await SendAsync(HttpMethod.Post, Evs + "/cloudsnapshots",
            $"{{\"snapshot\":{{\"volume_id\":\"{VolumeId(volumeName)}\"{nameJson}{extra}}}}}");
        Assert.True(r.Code == 202, r.Body);
        return r.Json["snapshot"]!["id"]!.GetValue<string>();
    }

    public async Task<JsonNode> ShowSnapshotAsync(string id)
    {
        var r = await GetAsync($"{Evs}/cloudsnapshots/{id}");
        Assert.True(r.Code == 200, r.Body);
        return r.Json["snapshot"]!;
    }

    public async Task<JsonNode> ShowVolumeAsync(string id)
    {
        var r = await GetAsync($"{Evs}/cloudvolumes/{id}");
        Assert.True(r.Code == 200, r.Body);
        return r.Json["volume"]!;
    }

    /// <summary>Polls until the predicate holds (lifecycle transitions are lazy, so every poll is a real read).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> predicate, int timeoutMs = 5000)
    {
        var deadline = DateTime.UtcNow.AddMilliseconds(timeoutMs);
        while (!await predicate())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("condition not reached");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Server.DisposeAsync();
    }
}
