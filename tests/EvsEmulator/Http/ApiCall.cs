using EvsEmulator.Auth;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;

namespace EvsEmulator.Http;

/// <summary>Everything a route handler needs about one authenticated API request.</summary>
public sealed class ApiCall
{
    public required string Method { get; init; }
    public required string RawPath { get; init; }
    public required QueryParams Query { get; init; }
    public required IReadOnlyDictionary<string, string> RouteValues { get; init; }
    public required byte[] Body { get; init; }
    public required string RequestId { get; init; }
    public required IHeaderDictionary Headers { get; init; }
    /// <summary>"http://host:port" as the client addressed us, for links.</summary>
    public required string BaseUrl { get; init; }
    public required RuntimeConfig Config { get; init; }
    /// <summary>The project's disks and snapshots (EVS calls), else the default project's.</summary>
    public required Store Store { get; init; }
    public required World World { get; init; }
    /// <summary>The outcome of authentication for authenticated routes (null for public ones).</summary>
    public AuthOutcome? Auth { get; init; }
    /// <summary>Authenticates the request on demand (public IAM routes whose auth depends on the body) and records the
    /// outcome in the request log.</summary>
    public required Func<AuthOutcome> Authenticate { get; init; }
    public required RequestStats Stats { get; init; }
    /// <summary>This request's log entry, for handlers that add detail (e.g. why an id token was refused).</summary>
    public required RequestLogEntry Log { get; init; }
    /// <summary>The emulator clock (machine UTC + clockSkewSeconds) at the time the request was processed.</summary>
    public required DateTime Now { get; init; }
    /// <summary>The X-Client-Token this request held from its arrival (disk creation only; 1.2).</summary>
    public Evs.ClientTokenClaim? ClientToken { get; init; }

    public string this[string routeValue] => RouteValues[routeValue];
}

/// <summary>One API route. <see cref="Template"/> doubles as the route name in stats and the request log.</summary>
public sealed class ApiRoute
{
    public ApiRoute(string method, string template, RouteKind kind, Func<ApiCall, ApiResult> handler)
    {
        Method = method;
        Template = template;
        Kind = kind;
        Handler = handler;
        Parts = template.Trim('/').Split('/');
    }

    public string Method { get; }
    public string Template { get; }
    public RouteKind Kind { get; }
    public Func<ApiCall, ApiResult> Handler { get; }
    public string[] Parts { get; }
    public string Name => $"{Method} {Template}";

    public bool TryMatch(string[] segments, Dictionary<string, string> values)
    {
        if (segments.Length != Parts.Length) return false;
        values.Clear();
        for (var i = 0; i < Parts.Length; i++)
        {
            var part = Parts[i];
            if (part.StartsWith('{'))
            {
                if (segments[i].Length == 0) return false;
                values[part[1..^1]] = segments[i];
            }
            else if (!string.Equals(part, segments[i], StringComparison.Ordinal)) return false;
        }
        return true;
    }
}

public enum RouteKind
{
    /// <summary>No authentication (IAM token issue).</summary>
    Public,
    /// <summary>Authenticated IAM call (no project in the path).</summary>
    Iam,
    /// <summary>Authenticated EVS call under /v2/{project_id}/.</summary>
    Evs,
}

/// <summary>Matches a request against the route table. Unknown paths and unknown methods both give no route
/// (404 APIGW.0101, as the gateway does).</summary>
public sealed class Router(IEnumerable<ApiRoute> routes)
{
    private readonly ApiRoute[] _routes = routes.ToArray();

    public IReadOnlyList<ApiRoute> Routes => _routes;

    public ApiRoute? Match(string method, string[] segments, out Dictionary<string, string> values)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var r in _routes)
        {
            if (!string.Equals(r.Method, method, StringComparison.Ordinal)) continue;
            if (r.TryMatch(segments, values)) return r;
        }
        values.Clear();
        return null;
    }
}
