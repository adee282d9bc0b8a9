using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EvsEmulator.Http;

/// <summary>A fully computed response. Handlers build one; the pipeline decides how (or whether) it is sent,
/// which is what lets faults such as <c>malformed</c> or <c>reset_after</c> act after processing.</summary>
public sealed class ApiResult
{
    public const string JsonContentType = "application/json;charset=UTF-8";

    public int Status { get; }
    public byte[] Body { get; }
    public string? ContentType { get; }
    public List<KeyValuePair<string, string>> Headers { get; } = [];
    /// <summary>Machine-readable reason for the request log (error code, or null on success).</summary>
    public string? ErrorCode { get; init; }

    public ApiResult(int status, byte[]? body = null, string? contentType = null)
    {
        Status = status;
        Body = body ?? [];
        ContentType = Body.Length > 0 ? contentType ?? JsonContentType : contentType;
    }

    public ApiResult WithHeader(string name, string value)
    {
        Headers.Add(new(name, value));
        return this;
    }

    public static ApiResult Json(int status, Action<Utf8JsonWriter> write) => new(status, Jsonw.Bytes(write));

    public static ApiResult Empty(int status) => new(status);

    /// <summary>EVS service error: <c>{"error":{"message":..,"code":..}}</c> (§5.1).</summary>
    public static ApiResult EvsError(int status, string code, string message) =>
        new(status, Jsonw.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteStartObject("error");
            w.WriteString("message", message);
            w.WriteString("code", code);
            w.WriteEndObject();
            w.WriteEndObject();
        })) { ErrorCode = code };

    /// <summary>API-gateway error: flat <c>{"error_msg","error_code","request_id"}</c> (§5.1, §5.3).</summary>
    public static ApiResult GatewayError(int status, string code, string message, string requestId) =>
        new(status, Jsonw.Bytes(w =>
        {
            w.WriteStartObject();
            w.WriteString("error_msg", message);
            w.WriteString("error_code", code);
            w.WriteString("request_id", requestId);
            w.WriteEndObject();
        })) { ErrorCode = code };
}

/// <summary>Thrown inside handlers to return an error response without threading results through every
/// validation helper.</summary>
public sealed class ApiException(ApiResult result) : Exception(result.ErrorCode)
{
    public ApiResult Result { get; } = result;

    public static ApiException Evs(int status, string code, string message) => new(ApiResult.EvsError(status, code, message));
}

/// <summary>JSON and time-format helpers.</summary>
public static class Jsonw
{
    private static readonly JsonWriterOptions Options = new()
    {
        Indented = false,
        // Plain '&', '+' and non-ASCII in hrefs and names; still valid JSON.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static byte[] Bytes(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer, Options)) write(w);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>EVS timestamp: UTC, microseconds, no zone suffix (§1).</summary>
    public static string EvsTime(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);

    /// <summary>IAM timestamp: ISO-8601 UTC with Z (§6.1).</summary>
    public static string IamTime(DateTime utc) => utc.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>X-Sdk-Date format (§6.2).</summary>
    public static string SdkDate(DateTime utc) => utc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

    public static void StringOrNull(this Utf8JsonWriter w, string name, string? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, value);
    }

    public static void TimeOrNull(this Utf8JsonWriter w, string name, DateTime? value)
    {
        if (value is null) w.WriteNull(name);
        else w.WriteString(name, EvsTime(value.Value));
    }

    public static void StringMap(this Utf8JsonWriter w, string name, IEnumerable<KeyValuePair<string, string>> map)
    {
        w.WriteStartObject(name);
        foreach (var (k, v) in map) w.WriteString(k, v);
        w.WriteEndObject();
    }
}
