using System.Net.Http;
using System.Net.Sockets;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Tests.Infrastructure;

namespace EvsSnapshot.Client.Tests;

/// <summary>The pure verdicts of one attempt, table by table (the rules: evs-api.md §5, §8 and the module's exactly-once promise).</summary>
public class ResponseClassifierTests
{
    [Theory]
    [InlineData(200, "Success")]
    [InlineData(201, "Success")]
    [InlineData(202, "Success")]
    [InlineData(204, "Success")]
    [InlineData(429, "RetrySafely")] // the gateway refused it before the service saw it
    [InlineData(502, "Ambiguous")]   // a proxy or the service may have acted first
    [InlineData(503, "Ambiguous")]
    [InlineData(504, "Ambiguous")]
    [InlineData(400, "Fail")]
    [InlineData(401, "Fail")]
    [InlineData(403, "Fail")]
    [InlineData(404, "Fail")]
    [InlineData(409, "Fail")]
    [InlineData(413, "Fail")]
    [InlineData(500, "Fail")]
    [InlineData(501, "Fail")]
    public void Status(int status, string expected)
    {
        var verdict = ResponseClassifier.ForStatus(status);
        Assert.Equal(expected, verdict.Kind.ToString());
        Assert.Equal(status == 429, verdict.Throttled);
    }

    public static TheoryData<string, Exception, string, string> Exceptions => new()
    {
        { "timeout", new RequestTimeoutException(), "Ambiguous", "timeout" },
        { "too large", new ResponseTooLargeException("big"), "Ambiguous", "answer-too-large" },
        { "refused", Respond.Refused(), "RetrySafely", "connection-failed" },
        { "host not found", new HttpRequestException("x", new SocketException((int)SocketError.HostNotFound)), "RetrySafely", "connection-failed" },
        { "network unreachable", new HttpRequestException("x", new SocketException((int)SocketError.NetworkUnreachable)), "RetrySafely", "connection-failed" },
        { "reset", Respond.Reset(), "Ambiguous", "connection-lost" },
        { "socket reset", new HttpRequestException("x", new SocketException((int)SocketError.ConnectionReset)), "Ambiguous", "connection-lost" },
        { "io", new IOException("broken pipe"), "Ambiguous", "connection-lost" },
        { "certificate", new HttpRequestException("ssl", new System.Security.Authentication.AuthenticationException("untrusted root")), "Fail", "certificate" },
    };

    [Theory]
    [MemberData(nameof(Exceptions))]
    public void Exception(string label, Exception exception, string expected, string reason)
    {
        var verdict = ResponseClassifier.ForException(exception);
        Assert.True(verdict.HasValue, label);
        Assert.Equal(expected, verdict!.Value.Kind.ToString());
        Assert.Equal(reason, verdict.Value.Reason);
    }

    [Fact]
    public void ExceptionsThatAreNotAboutTheExchange_AreNotClassified()
    {
        Assert.Null(ResponseClassifier.ForException(new InvalidOperationException("a bug")));
        Assert.Null(ResponseClassifier.ForException(new OperationCanceledException()));
    }

    [Fact]
    public void AnUnreadableSuccess_IsAmbiguous() => Assert.Equal(VerdictKind.Ambiguous, ResponseClassifier.ForUnreadableAnswer().Kind);

    [Theory]
    [InlineData("Ambiguous", true, "RetrySafely")]   // repeating a GET or PUT is harmless
    [InlineData("Ambiguous", false, "Ambiguous")]    // a create must be checked first
    [InlineData("RetrySafely", false, "RetrySafely")]
    [InlineData("Fail", true, "Fail")]
    [InlineData("Success", false, "Success")]
    public void Resolve_TurnsAmbiguousIntoRetry_OnlyForIdempotentRequests(string kind, bool idempotent, string expected) =>
        Assert.Equal(expected, ResponseClassifier.Resolve(new Verdict(Enum.Parse<VerdictKind>(kind), "r"), idempotent).ToString());
}
