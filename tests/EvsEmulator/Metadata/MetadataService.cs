using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using EvsEmulator.Auth;
using EvsEmulator.Http;
using EvsEmulator.State;
using Microsoft.AspNetCore.Http;

namespace EvsEmulator.Metadata;

/// <summary>The ECS metadata service on the emulator's listener (§14.4): the token step
/// <c>PUT /meta-data/latest/api/token</c> and the agency credentials <c>GET /openstack/latest/securitykey</c>.
/// These are not EVS calls: no gateway auth, no global latency, rate limits or faults; only the metadata switches.
/// Each request is logged with its own route name.</summary>
public static class MetadataService
{
    public const string TokenPath = "/meta-data/latest/api/token";
    public const string SecurityKeyPath = "/openstack/latest/securitykey";
    public const string TokenRoute = "PUT " + TokenPath;
    public const string SecurityKeyRoute = "GET " + SecurityKeyPath;
    public const string NoAgencyMessage = "Please configure Cloud Service Agency first";
    public const int MaxTokenTtlSeconds = 21600;

    public static bool Handles(PathString path) =>
        path.StartsWithSegments("/meta-data", StringComparison.Ordinal) || path.StartsWithSegments("/openstack", StringComparison.Ordinal);

    public static async Task HandleAsync(HttpContext ctx, EmulatorServer server)
    {
        var started = Stopwatch.GetTimestamp();
        var config = server.Config.Metadata;
        var method = ctx.Request.Method;
        var path = ctx.Request.Path.Value ?? "";
        var requestId = Guid.NewGuid().ToString("N");
        var route = (method, path) switch
        {
            ("PUT", TokenPath) => TokenRoute,
            ("GET", SecurityKeyPath) => SecurityKeyRoute,
            _ => null,
        };
        var entry = new RequestLogEntry
        {
            Time = server.Now,
            RequestId = requestId,
            Method = method,
            Path = path,
            Query = ctx.Request.QueryString.HasValue ? ctx.Request.QueryString.Value![1..] : "",
            Route = route,
        };
        var recorded = false;
        void Record()
        {
            if (recorded) return;
            recorded = true;
            entry.DurationMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            server.Stats.Record(entry);
        }

        async Task Send(int status, string contentType, byte[] body)
        {
            entry.Status = status;
            ctx.Response.StatusCode = status;
            ApiPipeline.WriteCommonHeaders(ctx, requestId, server.Now);
            ctx.Response.ContentType = contentType;
            ctx.Response.ContentLength = body.Length;
            Record();
            if (body.Length > 0) await ctx.Response.Body.WriteAsync(body);
        }

        Task Text(int status, string text) => Send(status, "text/plain; charset=utf-8", System.Text.Encoding.UTF8.GetBytes(text));

        try
        {
            if (config.LatencyMs > 0) await Task.Delay(config.LatencyMs, ctx.RequestAborted);
            switch (config.Failure)
            {
                case MetadataConfig.FailReset:
                    entry.Fault = "metadata_reset";
                    Record();
                    ctx.Abort();
                    return;
                case MetadataConfig.Fail503:
                    entry.Fault = "metadata_503";
                    await Text(503, "Service Unavailable");
                    return;
            }

            var now = server.Now;
            var world = server.World;
            if (route == TokenRoute)
            {
                // Gap (§14.4): a metadata version without the token step answers 404, which the SDKs treat as IMDSv1.
                if (!config.TokenStep)
                {
                    await Text(404, "Not Found");
                    return;
                }
                var ttlRaw = ctx.Request.Headers["X-Metadata-Token-Ttl-Seconds"].ToString();
                if (!int.TryParse(ttlRaw, NumberStyles.None, CultureInfo.InvariantCulture, out var ttl) || ttl < 1 || ttl > MaxTokenTtlSeconds)
                {
                    await Text(400, $"X-Metadata-Token-Ttl-Seconds must be an integer between 1 and {MaxTokenTtlSeconds}");
                    return;
                }
                var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                world.AddMetadataToken(token, now.AddSeconds(ttl));
                await Text(200, token);
                return;
            }
            if (route == SecurityKeyRoute)
            {
                if (config.TokenStep)
                {
                    var token = ctx.Request.Headers["X-Metadata-Token"].ToString();
                    if (token.Length > 0)
                    {
                        if (!world.MetadataTokenValid(token, now))
                        {
                            entry.AuthError = "metadata token invalid or expired";
                            await Text(401, "Unauthorized: the metadata token is invalid or has expired.");
                            return;
                        }
                        entry.Auth = "metadata-token";
                    }
                    else if (config.TokenRequired)
                    {
                        entry.AuthError = "metadata token missing";
                        await Text(401, "Unauthorized: a metadata token (X-Metadata-Token) is required.");
                        return;
                    }
                }
                var agency = world.EcsAgency;
                if (!config.AgencyAttached || agency is null)
                {
                    // Gap (§14.4, §15): only the phrase is documented; the body is that phrase as plain text.
                    entry.AuthError = "no agency attached";
                    await Text(401, NoAgencyMessage);
                    return;
                }
                var credential = world.MetadataCredential(now, config.CredentialLifetimeSeconds, config.EffectiveOverlapSeconds, agency,
                    at => Issue(server, agency, at));
                entry.Credential = credential.Access;
                entry.CredentialSource = credential.Source;
                entry.Domain = world.DomainName(credential.DomainId);
                var result = CredentialIssuer.Response(200, credential);
                await Send(200, result.ContentType!, result.Body);
                return;
            }
            var known = path is TokenPath or SecurityKeyPath;
            await Text(known ? 405 : 404, known ? "Method Not Allowed" : "Not Found");
        }
        catch (OperationCanceledException) when (ctx.RequestAborted.IsCancellationRequested)
        {
            entry.ClientAborted = true;
            entry.Status = 0;
        }
        finally
        {
            Record();
        }
    }

    /// <summary>A new agency credential of the ECS server, issued at <paramref name="at"/>.</summary>
    public static Credential Issue(EmulatorServer server, Agency agency, DateTime at) =>
        CredentialIssuer.Issue(server.World, server.Stats, CredentialSources.Metadata, agency.DomainId, null, null, at,
            server.Config.Metadata.CredentialLifetimeSeconds, agency.Name);
}
