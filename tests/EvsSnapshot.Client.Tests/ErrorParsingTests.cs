using EvsSnapshot.Client.Http;
using System.Net.Http;
using System.Net;
using System.Text;
using EvsSnapshot.Client.Errors;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>Both error body shapes (evs-api.md §5.1) and the mapping to EvsErrorKind / ErrorId.</summary>
public class ErrorParsingTests
{
    private static ApiErrorParser.ParsedError Parse(string body) => ApiErrorParser.Parse(Encoding.UTF8.GetBytes(body));

    [Fact]
    public void GatewayFlatBody()
    {
        var p = Parse("{\"error_msg\":\"The throttling threshold has been reached\",\"error_code\":\"APIGW.0308\",\"request_id\":\"rid-1\"}");
        Assert.Equal("APIGW.0308", p.Code);
        Assert.Equal("The throttling threshold has been reached", p.Message);
        Assert.Equal("rid-1", p.RequestId);
    }

    [Fact]
    public void EvsNestedErrorBody()
    {
        var p = Parse("{\"error\":{\"message\":\"snapshot status must be available or error when delete snapshot!\",\"code\":\"EVS.1047\"}}");
        Assert.Equal("EVS.1047", p.Code);
        Assert.Equal("snapshot status must be available or error when delete snapshot!", p.Message);
        Assert.Null(p.RequestId);
    }

    [Theory]
    [InlineData("badRequest", "EVS.5400", "Malformed request body.")]
    [InlineData("itemNotFound", "EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found.")]
    [InlineData("overLimit", "EVS.5413", "Insufficient volume quota.")]
    public void ClassKeyedWrappers(string wrapper, string code, string message)
    {
        var p = Parse("{\"" + wrapper + "\":{\"message\":" + Respond.Quote(message) + ",\"code\":" + Respond.Quote(code) + "}}");
        Assert.Equal(code, p.Code);
        Assert.Equal(message, p.Message);
    }

    [Fact]
    public void TopLevelCodeAndMessage()
    {
        var p = Parse("{\"code\":\"EVS.2068\",\"message\":\"operation failed because of volume be locked\"}");
        Assert.Equal("EVS.2068", p.Code);
        Assert.Equal("operation failed because of volume be locked", p.Message);
    }

    [Theory]
    [InlineData("{\"error_code\":\"EVS.5404\",\"error_msg\":\"a\",\"error_code\":\"EVS.1047\"}", "error_code")]
    [InlineData("{\"error\":{\"code\":\"EVS.5404\",\"message\":\"a\"},\"error\":{\"code\":\"EVS.1047\",\"message\":\"b\"}}", "error")]
    public void DuplicateKeys_NoCodeIsRead_TheMessageSaysWhy(string body, string key)
    {
        var p = Parse(body);
        Assert.Null(p.Code);
        Assert.Null(p.RequestId);
        Assert.Equal($"the error answer is malformed: the key '{key}' appears twice in one object.", p.Message);
    }

    [Fact]
    public void NumericCode_KeptAsText()
    {
        var p = Parse("{\"error\":{\"code\":401,\"message\":\"The username or password is wrong.\",\"title\":\"Unauthorized\"}}");
        Assert.Equal("401", p.Code);
        Assert.Equal("The username or password is wrong.", p.Message);
    }

    [Fact]
    public void NestedGatewayShape_WithRequestId()
    {
        var p = Parse("{\"error\":{\"error_code\":\"APIGW.0301\",\"error_msg\":\"x\",\"request_id\":\"r9\"}}");
        Assert.Equal("APIGW.0301", p.Code);
        Assert.Equal("r9", p.RequestId);
    }

    [Fact]
    public void NonJsonBody_BecomesTheMessage_ScrubbedThenShortened()
    {
        // The secret straddles the old 200-character cut: scrubbing before shortening must still mask all of it.
        string secret = "Leaky-Secret-Value-000000000000000000001";
        string html = "<html><body>502 Bad Gateway</body></html>" + new string('x', 180) + secret + new string('y', 500);
        var p = Parse(html);
        Assert.Null(p.Code);
        Assert.StartsWith("<html><body>502 Bad Gateway", p.Message);

        var redactor = new SecretRedactor();
        redactor.Add(secret);
        var request = new ApiRequest(HttpMethod.Get, ApiService.Evs, "v2", Ids.Project, "cloudsnapshots") { Operation = "list snapshots" };
        var response = new ApiResponse(502, "Bad Gateway", Encoding.UTF8.GetBytes(html), new HttpResponseMessage().Headers, null);
        var ex = ApiErrorParser.ToException(request, response, redactor, null);
        Assert.True(ex.ApiMessage!.Length <= 303);
        Assert.DoesNotContain("Leaky-Secret", ex.Message);
        Assert.Contains(SecretRedactor.Mask, ex.ApiMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"unrelated\":1}")]
    [InlineData("\"just a string\"")]
    public void UnrecognisedBodies_GiveNoCode(string body)
    {
        var p = Parse(body);
        Assert.Null(p.Code);
        Assert.Null(p.Message);
    }

    [Theory]
    [InlineData(400, "EVS.1047", EvsErrorKind.InvalidState, "SnapshotNotDeletable")]
    [InlineData(500, "EVS.2019", EvsErrorKind.InvalidState, "SnapshotErrorDeleting")]
    [InlineData(400, "EVS.2068", EvsErrorKind.InvalidState, "VolumeLocked")]
    [InlineData(413, "EVS.5413", EvsErrorKind.QuotaExceeded, "QuotaExceeded")]
    [InlineData(413, null, EvsErrorKind.QuotaExceeded, "QuotaExceeded")]
    [InlineData(404, "EVS.5404", EvsErrorKind.NotFound, "ResourceNotFound")]
    [InlineData(400, "EVS.5404", EvsErrorKind.NotFound, "ResourceNotFound")]
    [InlineData(404, null, EvsErrorKind.NotFound, "ResourceNotFound")]
    [InlineData(404, "APIGW.0101", EvsErrorKind.NotFound, "ApiNotFound")]
    [InlineData(404, "APIG.0101", EvsErrorKind.NotFound, "ApiNotFound")]
    [InlineData(429, null, EvsErrorKind.Throttled, "Throttled")]
    [InlineData(429, "APIGW.0308", EvsErrorKind.Throttled, "Throttled")]
    [InlineData(400, "APIG.0308", EvsErrorKind.Throttled, "Throttled")]
    [InlineData(401, "APIGW.0301", EvsErrorKind.Authentication, "AuthenticationFailed")]
    [InlineData(401, null, EvsErrorKind.Authentication, "AuthenticationFailed")]
    [InlineData(403, "EVS.5403", EvsErrorKind.PermissionDenied, "PermissionDenied")]
    [InlineData(502, null, EvsErrorKind.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(503, "EVS.5503", EvsErrorKind.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(504, null, EvsErrorKind.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData(500, "EVS.5500", EvsErrorKind.ServerError, "ServerError")]
    [InlineData(400, "EVS.5400", EvsErrorKind.BadRequest, "BadRequest")]
    public void Classify(int status, string? code, EvsErrorKind kind, string errorId)
    {
        var (k, id) = ApiErrorParser.Classify(status, code);
        Assert.Equal(kind, k);
        Assert.Equal(errorId, id);
    }

    [Fact]
    public async Task ApiError_MessageCarriesCodeMessageStatusAndHeaderRequestId()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.NotFound,
            Respond.Error("EVS.5404", "Resource(Volume, Snapshot, Backup .etc) cound not be found."), ("X-Request-Id", "req-header-42"));
        using var ctx = await Contexts.AkSkAsync(handler);

        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));

        Assert.Equal(EvsErrorKind.NotFound, ex.Kind);
        Assert.Equal("ResourceNotFound", ex.ErrorId);
        Assert.Equal(404, ex.StatusCode);
        Assert.Equal("EVS.5404", ex.ErrorCode);
        Assert.Equal("req-header-42", ex.RequestId);
        Assert.Equal("GET", ex.Method);
        Assert.Contains(Ids.Snapshot, ex.Path);
        Assert.Contains("EVS.5404", ex.Message);
        Assert.Contains("cound not be found", ex.Message);
        Assert.Contains("HTTP 404", ex.Message);
        Assert.Contains("req-header-42", ex.Message);
        Assert.Contains("get snapshot " + Ids.Snapshot, ex.Message);
    }

    [Fact]
    public async Task ApiError_HeaderRequestIdWinsOverBodyRequestId()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Forbidden,
            Respond.GatewayError("APIGW.0302", "not authorized", "body-rid"), ("X-Request-Id", "header-rid"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("header-rid", ex.RequestId);
        Assert.Equal(EvsErrorKind.PermissionDenied, ex.Kind);
        Assert.NotNull(ex.RecommendedAction());
    }

    [Fact]
    public async Task ApiError_BodyRequestIdUsedWithoutHeader()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.Forbidden, Respond.GatewayError("APIGW.0302", "not authorized", "body-rid-7"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("body-rid-7", ex.RequestId);
        Assert.Contains("request id body-rid-7", ex.Message);
    }

    [Fact]
    public async Task ApiError_OpenstackRequestIdHeaderIsAFallback()
    {
        var handler = new FakeHandler().Then(HttpStatusCode.BadRequest, Respond.Error("EVS.5400", "Malformed request url."),
            ("X-Openstack-Request-Id", "req-os-1"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("req-os-1", ex.RequestId);
        Assert.Equal(EvsErrorKind.BadRequest, ex.Kind);
    }

    [Fact]
    public async Task ApiError_NonJsonBody_UsesExcerptAsMessage()
    {
        var handler = new FakeHandler().Then(_ => Respond.Text(HttpStatusCode.Forbidden, "<html>Forbidden by proxy</html>"));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Null(ex.ErrorCode);
        Assert.Contains("<html>Forbidden by proxy</html>", ex.Message);
        Assert.Contains("HTTP 403", ex.Message);
    }

    [Fact]
    public async Task ApiError_EmptyBody_UsesReasonPhrase()
    {
        var handler = new FakeHandler().Then(_ =>
        {
            var r = Respond.Json(HttpStatusCode.Forbidden, null);
            r.ReasonPhrase = "Go Away";
            return r;
        });
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Api.GetSnapshotAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Contains("Go Away (HTTP 403)", ex.Message);
        Assert.Null(ex.RequestId);
        Assert.DoesNotContain("request id", ex.Message);
    }

    [Fact]
    public async Task NotDeletable_RecommendsWaiting()
    {
        var handler = new FakeHandler()
            .Then(HttpStatusCode.BadRequest, Respond.Error("EVS.1047", "snapshot status must be available or error when delete snapshot!"))
            .Then(_ => Wire.Ok(Wire.Envelope(Wire.Snapshot(Ids.Snapshot, "creating"))));
        using var ctx = await Contexts.AkSkAsync(handler);
        var ex = await Assert.ThrowsAsync<EvsApiException>(() => ctx.Snapshots.DeleteOnceAsync(Ids.Snapshot, Contexts.Call()));
        Assert.Equal("SnapshotNotDeletable", ex.ErrorId);
        Assert.Contains("Wait-EvsSnapshot", ex.RecommendedAction());
    }
}
