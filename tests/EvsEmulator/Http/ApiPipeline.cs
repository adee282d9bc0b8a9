using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using EvsEmulator.Auth;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace EvsEmulator.Http;

/// <summary>The path of every API (non-admin) request: latency → rate limit → fault draw → pre-processing faults →
/// body → route → auth → handler → post-processing faults → response. Every request is logged and counted.</summary>
public sealed class ApiPipeline(EmulatorServer server)
{
    private const int MaxBodyBytes = 1024 * 1024;
    public const string UnknownApiMessage = "The API does not exist or has not been published in the environment.";

    public async Task HandleAsync(HttpContext ctx)
    {
        var started = Stopwatch.GetTimestamp();
        var config = server.Config;
        var requestId = Guid.NewGuid().ToString("N");
        var (rawPath, rawQuery) = RawTarget.Split(RawTargetOf(ctx));
        var segments = RawTarget.Segments(rawPath);
        var method = ctx.Request.Method;
        var route = server.Router.Match(method, segments, out var routeValues);
        var iam = route?.Kind is RouteKind.Public or RouteKind.Iam || rawPath.StartsWith("/v3/", StringComparison.Ordinal)
                  || rawPath.StartsWith("/v3.0/", StringComparison.Ordinal);
        var entry = new RequestLogEntry
        {
            Time = server.Now,
            RequestId = requestId,
            Method = method,
            Path = rawPath,
            Query = rawQuery,
            Route = route?.Name,
        };

        // Recorded before the client can see the outcome (response written or connection aborted), so a test that
        // reads /__emulator/requests right after its call always finds the entry.
        var recorded = false;
        void Record()
        {
            if (recorded) return;
            recorded = true;
            entry.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            server.Stats.Record(entry);
        }

        async Task Send(ApiResult result)
        {
            entry.Status = result.Status;
            entry.ErrorCode ??= result.ErrorCode;
            var response = ctx.Response;
            response.StatusCode = result.Status;
            WriteCommonHeaders(ctx, requestId, server.Now);
            if (iam) response.Headers["X-IAM-Trace-Id"] = Guid.NewGuid().ToString("N");
            foreach (var (name, value) in result.Headers) response.Headers.Append(name, value);
            var body = result.Body;
            if (result.ContentType is not null) response.ContentType = result.ContentType;
            response.ContentLength = body.Length;
            Record();
            if (body.Length > 0) await response.Body.WriteAsync(body);
        }

        Evs.ClientTokenClaim? claim = null;
        try
        {
            // A scripted response answers before anything else (latency, limits, faults, auth, routing).
            if (server.Overrides.Take(method, rawPath, rawQuery) is { } scripted)
            {
                entry.Fault = "override";
                entry.OverrideId = scripted.Id;
                await SendOverride(ctx, scripted, requestId, iam, entry, Record);
                return;
            }

            // A disk create holds its X-Client-Token from arrival (before latency, limits and faults) until it ends.
            claim = Evs.VolumeCreateRoutes.ClaimOnArrival(server.World, route, ctx.Request.Headers, requestId);

            if (config.LatencyMs > 0) await Task.Delay(config.LatencyMs, ctx.RequestAborted);

            // Gap (§10): EVS publishes no rate limits or rate-limit headers: throttling is off by default and its
            // 429 carries no Retry-After (only the 429_retry_after fault adds one).
            if (!server.RateLimiter.TryAcquire(config.RateLimitPerSecond))
            {
                entry.RateLimited = true;
                entry.ThrottledBy = "global";
                var limit = config.RateLimitPerSecond.ToString(CultureInfo.InvariantCulture);
                await Send(ApiResult.GatewayError(429, "APIGW.0308",
                    $"The throttling threshold has been reached: policy user over ratelimit,limit:{limit},time:1 second", requestId));
                return;
            }

            // The gateway's per-credential limits (§5.3, §16): EVS calls only (not IAM, the metadata service or the
            // control plane), counted against the credential the request names, before the fault draw and before
            // the credential is verified. A request naming no known credential is not counted (it fails auth).
            if (config.RateLimit.Active && route?.Kind == RouteKind.Evs
                && Authenticator.Identify(ctx.Request, server.World) is { } named)
            {
                var (key, source) = named;
                entry.RateLimitKey = key;
                entry.Credential = key;
                entry.CredentialSource = source;
                var decision = server.CredentialRateLimiter.Check(config.RateLimit, key, method, server.Now);
                if (!decision.Allowed)
                {
                    entry.RateLimited = true;
                    entry.ThrottledBy = decision.Budget;
                    // Gap (§10/§16): EVS publishes no limits, window kind or rate-limit headers. The policy is "user"
                    // (per credential); Retry-After is sent only with rateLimit.retryAfter.
                    var throttled = ApiResult.GatewayError(429, "APIGW.0308", decision.Rule!.Message, requestId);
                    if (config.RateLimit.RetryAfter)
                        throttled = throttled.WithHeader("Retry-After", decision.RetryAfterHeader.ToString(CultureInfo.InvariantCulture));
                    await Send(throttled);
                    return;
                }
            }

            var fault = server.Faults.Draw(config.Faults, method, rawPath, rawQuery);
            entry.Fault = fault;
            switch (fault)
            {
                case "reset_before":
                    Record();
                    ctx.Abort();
                    return;
                case "503":
                    await Send(ApiResult.EvsError(503, "EVS.5503", "Service unavailable."));
                    return;
                case "429":
                    await Send(Throttled(requestId));
                    return;
                case "429_retry_after":
                    await Send(Throttled(requestId).WithHeader("Retry-After", "1"));
                    return;
                case "slow":
                    // Throws if the client goes away meanwhile: then nothing is processed.
                    await Task.Delay(config.Faults.SlowMs, ctx.RequestAborted);
                    break;
            }

            var body = await ReadBodyAsync(ctx.Request, ctx.RequestAborted);
            var result = body is null
                ? ApiResult.GatewayError(413, "APIGW.0201", "Request entity too large.", requestId)
                : Process(ctx, route, routeValues, rawPath, rawQuery, body, requestId, entry, claim);

            switch (fault)
            {
                case "reset_after":
                    // Processed and committed, but the client never learns the outcome.
                    entry.Status = result.Status;
                    entry.ProcessedStatus = result.Status;
                    entry.ErrorCode = result.ErrorCode;
                    Record();
                    ctx.Abort();
                    return;
                case "504_after":
                    // Gap (§10): statuses of APIGW codes other than 0101/0301/0308 are unconfirmed; the gateway's
                    // "Backend timeout." is sent as 504 APIGW.0201 (413 APIGW.0201 is used for an oversized body).
                    entry.ProcessedStatus = result.Status;
                    await Send(ApiResult.GatewayError(504, "APIGW.0201", "Backend timeout.", requestId));
                    return;
                case "malformed":
                    // The real status with the first half of the JSON: a complete HTTP response that will not parse.
                    entry.ProcessedStatus = result.Status;
                    var truncated = result.Body.Length > 1 ? result.Body[..(result.Body.Length / 2)] : "{"u8.ToArray();
                    var partial = new ApiResult(result.Status, truncated);
                    partial.Headers.AddRange(result.Headers);
                    await Send(partial);
                    return;
            }
            await Send(result);
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            entry.ClientAborted = true;
            entry.Status = 0;
        }
        catch (Exception e)
        {
            // Only the exception type and message: requests can carry credentials.
            await Console.Error.WriteLineAsync($"EVS emulator: {e.GetType().Name} while handling {method} {rawPath}: {e.Message}");
            entry.ErrorCode = "EVS.5500";
            if (!ctx.Response.HasStarted)
            {
                try { await Send(ApiResult.EvsError(500, "EVS.5500", "Internal server error.")); }
                catch (Exception) { /* connection gone */ }
            }
            else entry.Status = 500;
        }
        finally
        {
            claim?.Dispose();
            Record();
        }
    }

    private ApiResult Process(HttpContext ctx, ApiRoute? route, Dictionary<string, string> routeValues, string rawPath,
        string rawQuery, byte[] body, string requestId, RequestLogEntry entry, Evs.ClientTokenClaim? claim)
    {
        if (route is null) return ApiResult.GatewayError(404, "APIGW.0101", UnknownApiMessage, requestId);

        var now = server.Now;
        var world = server.World;
        var store = world.DefaultProject.Store;
        var config = server.Config;
        AuthOutcome? auth = null;

        AuthOutcome Authenticate()
        {
            var outcome = Authenticator.Authenticate(ctx.Request, rawPath, rawQuery, body, now, world, requestId);
            entry.Auth = outcome.Kind;
            entry.AuthError = outcome.AuthError;
            entry.CanonicalRequest = outcome.CanonicalRequest;
            if (outcome.CredentialKey is not null) entry.Credential = outcome.CredentialKey;
            if (outcome.Source is not null) entry.CredentialSource = outcome.Source;
            if (outcome.DomainId is not null) entry.Domain = world.DomainName(outcome.DomainId);
            return outcome;
        }

        if (route.Kind != RouteKind.Public)
        {
            auth = Authenticate();
            if (auth.Error is not null) return auth.Error;

            if (route.Kind == RouteKind.Evs)
            {
                var projectId = routeValues["project_id"];
                var project = world.FindProject(projectId);
                if (auth.Kind == "token")
                {
                    if (auth.TokenProjectId != projectId)
                        return ApiResult.EvsError(400, "Common.0018", "Invalid token in the header");
                }
                // Gap (§10): the error for an AK/SK call to another project (path or X-Project-Id) is undocumented;
                // the EVS code for a bad tenant id is used. A credential may use only its own domain's projects.
                else if (project is null || project.DomainId != auth.DomainId || (auth.HeaderProjectId is { } h && h != projectId))
                    return ApiResult.EvsError(400, "EVS.0001", "invalid tenant id!");
                // A token scoped to a project that was replaced by a new seed no longer matches anything.
                if (project is null) return ApiResult.EvsError(400, "EVS.0001", "invalid tenant id!");
                store = project.Store;
            }
        }
        else entry.Auth = "none";

        var call = new ApiCall
        {
            Method = ctx.Request.Method,
            RawPath = rawPath,
            Query = QueryParams.Parse(rawQuery),
            RouteValues = routeValues,
            Body = body,
            RequestId = requestId,
            Headers = ctx.Request.Headers,
            BaseUrl = "http://" + ctx.Request.Host.Value,
            Config = config,
            Store = store,
            World = world,
            Auth = auth,
            Authenticate = Authenticate,
            Stats = server.Stats,
            Log = entry,
            Now = now,
            ClientToken = claim,
        };
        try
        {
            return route.Handler(call);
        }
        catch (ApiException e)
        {
            return e.Result;
        }
    }

    /// <summary>Writes a scripted response: after its delay, its status, the common headers (its own replace them), its
    /// body streamed in its chunks. Logged before the body is sent, as any response.</summary>
    private async Task SendOverride(HttpContext ctx, ResponseOverride o, string requestId, bool iam, RequestLogEntry entry, Action record)
    {
        if (o.DelayMs > 0) await Task.Delay(o.DelayMs, ctx.RequestAborted);
        var response = ctx.Response;
        response.StatusCode = o.Status;
        WriteCommonHeaders(ctx, requestId, server.Now);
        if (iam) response.Headers["X-IAM-Trace-Id"] = Guid.NewGuid().ToString("N");
        foreach (var (name, values) in o.Headers) response.Headers[name] = values;
        var total = o.TotalBytes;
        if (!o.HasContentType && total > 0) response.ContentType = ApiResult.JsonContentType;
        response.ContentLength = total;
        entry.Status = o.Status;
        record();
        if (total > 0) await o.WriteBodyAsync(response.Body, ctx.RequestAborted);
    }

    private static ApiResult Throttled(string requestId) =>
        ApiResult.GatewayError(429, "APIGW.0308",
            "The throttling threshold has been reached: policy user over ratelimit,limit:200,time:1 second", requestId);

    // Gap (§10): whether EVS also sends X-Openstack-Request-Id is unconfirmed; only X-Request-Id is sent.
    /// <summary>X-Request-Id and a Date on the emulator's (possibly skewed) clock; set by the app, so they replace
    /// the Date header Kestrel pre-fills.</summary>
    public static void WriteCommonHeaders(HttpContext ctx, string requestId, DateTime now)
    {
        ctx.Response.Headers["X-Request-Id"] = requestId;
        ctx.Response.Headers.Date = now.ToString("R", CultureInfo.InvariantCulture);
    }

    /// <summary>The request target exactly as sent (origin-form), from which the signature is rebuilt.</summary>
    private static string RawTargetOf(HttpContext ctx)
    {
        var raw = ctx.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (string.IsNullOrEmpty(raw)) return ctx.Request.Path.Value + ctx.Request.QueryString.Value;
        if (raw.StartsWith('/')) return raw;
        // Absolute-form (proxy style) targets: keep the path and query as sent.
        return Uri.TryCreate(raw, UriKind.Absolute, out var uri) ? uri.GetComponents(UriComponents.PathAndQuery, UriFormat.UriEscaped) : raw;
    }

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength is > MaxBodyBytes) return null;
        var buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            using var ms = new MemoryStream();
            int n;
            while ((n = await request.Body.ReadAsync(buffer, ct)) > 0)
            {
                if (ms.Length + n > MaxBodyBytes) return null;
                ms.Write(buffer, 0, n);
            }
            return ms.ToArray();
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
