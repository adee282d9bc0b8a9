using System;
using System.IO;
using System.Text;
using System.Text.Json;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Json;

namespace EvsSnapshot.Client.Errors
{
    /// <summary>
    /// Reads error answers in every shape the API uses (../shared/evs-api.md §5.1): the flat gateway body
    /// <c>{"error_code","error_msg","request_id"}</c>, EVS's <c>{"error":{"code","message"}}</c> and its variants
    /// keyed by class (<c>badRequest</c>, <c>itemNotFound</c>, ...), and top-level <c>code</c>/<c>message</c>.
    /// </summary>
    internal static class ApiErrorParser
    {
        internal sealed class ParsedError
        {
            public string? Code;
            public string? Message;
            public string? RequestId;
        }

        public static ParsedError Parse(byte[] body)
        {
            var result = new ParsedError();
            if (body == null || body.Length == 0) return result;
            try
            {
                StrictJson.Check(body);
            }
            catch (InvalidDataException malformed)
            {
                // A key given twice (two error_code values, say) could make the code say anything: none is believed,
                // the status alone classifies the error, and the message says why.
                result.Message = "the error answer is malformed: " + malformed.Message;
                return result;
            }
            catch (JsonException)
            {
                // Not JSON: handled below, where the text becomes the message.
            }
            try
            {
                using (var doc = JsonDocument.Parse(body))
                {
                    var root = doc.RootElement;
                    if (root.ValueKind != JsonValueKind.Object) return result;
                    if (TryRead(root, "error_code", "error_msg", result))
                    {
                        result.RequestId = ReadString(root, "request_id");
                        return result;
                    }
                    if (TryRead(root, "code", "message", result)) return result;
                    // One level down: {"error": {...}}, {"badRequest": {...}}, {"itemNotFound": {...}}
                    foreach (var property in root.EnumerateObject())
                    {
                        if (property.Value.ValueKind != JsonValueKind.Object) continue;
                        if (TryRead(property.Value, "code", "message", result) || TryRead(property.Value, "error_code", "error_msg", result))
                        {
                            result.RequestId ??= ReadString(property.Value, "request_id");
                            return result;
                        }
                    }
                }
            }
            catch (JsonException)
            {
                // Not JSON (a proxy's HTML page, say): the text becomes the message; ToException scrubs, then shortens it.
                string text = Encoding.UTF8.GetString(body).Trim();
                result.Message = text.Length == 0 ? null : text;
            }
            return result;
        }

        private static bool TryRead(JsonElement obj, string codeName, string messageName, ParsedError into)
        {
            string? code = ReadString(obj, codeName);
            string? message = ReadString(obj, messageName);
            if (code == null && message == null) return false;
            into.Code = code;
            into.Message = message;
            return true;
        }

        private static string? ReadString(JsonElement obj, string name)
        {
            if (!obj.TryGetProperty(name, out var value)) return null;
            switch (value.ValueKind)
            {
                case JsonValueKind.String: return value.GetString();
                case JsonValueKind.Number: return value.GetRawText(); // IAM uses numeric codes
                default: return null;
            }
        }

        /// <summary>
        /// Turns an error answer into the exception a cmdlet reports. Every string from the answer (code, message,
        /// request id, reason phrase) is scrubbed of the session's secrets; in the message it is also made safe for
        /// a terminal. The exception's properties keep the scrubbed values, control characters and all.
        /// </summary>
        public static EvsApiException ToException(ApiRequest request, ApiResponse response, SecretRedactor redactor, AuthProvider? auth)
        {
            var parsed = Parse(response.Body);
            string? rawCode = parsed.Code;
            string? code = rawCode == null ? null : redactor.Scrub(rawCode);
            string? apiMessage = parsed.Message == null ? null : Shorten(redactor.Scrub(parsed.Message), 300);
            string? requestId = response.RequestId ?? parsed.RequestId;
            if (requestId != null) requestId = redactor.Scrub(requestId);
            int status = response.StatusCode;
            var (kind, errorId) = Classify(status, rawCode);

            var sb = new StringBuilder();
            sb.Append("Could not ").Append(string.IsNullOrEmpty(request.Operation) ? "complete the request" : request.Operation).Append(": ");
            if (kind == EvsErrorKind.Authentication && auth != null)
            {
                sb.Append("authentication with ").Append(auth.CredentialDescription).Append(" was rejected. ");
            }
            if (code != null) sb.Append(DisplayText.Safe(code)).Append(' ');
            sb.Append(DisplayText.Safe(apiMessage ?? redactor.Scrub(response.ReasonPhrase)));
            sb.Append(" (HTTP ").Append(status);
            if (requestId != null) sb.Append(", request id ").Append(DisplayText.Safe(requestId));
            sb.Append(')');

            var ex = new EvsApiException(kind, errorId, sb.ToString(), status, code, apiMessage, requestId,
                request.Method.Method, request.PathText);
            ex.Advice = Advise(kind, rawCode, apiMessage, auth);
            return ex;
        }

        private static string Shorten(string text, int max) => text.Length <= max ? text : text.Substring(0, max) + "...";

        internal static (EvsErrorKind kind, string errorId) Classify(int status, string? code)
        {
            switch (code)
            {
                case "EVS.1047": return (EvsErrorKind.InvalidState, "SnapshotNotDeletable");
                case "EVS.2019": return (EvsErrorKind.InvalidState, "SnapshotErrorDeleting");
                case "EVS.2068": return (EvsErrorKind.InvalidState, "VolumeLocked");
                case "EVS.5413": return (EvsErrorKind.QuotaExceeded, "QuotaExceeded");
                case "EVS.5404": return (EvsErrorKind.NotFound, "ResourceNotFound");
                case "APIGW.0101": case "APIG.0101": return (EvsErrorKind.NotFound, "ApiNotFound");
                case "APIGW.0308": case "APIG.0308": return (EvsErrorKind.Throttled, "Throttled");
            }
            if (status == 401) return (EvsErrorKind.Authentication, "AuthenticationFailed");
            if (status == 403) return (EvsErrorKind.PermissionDenied, "PermissionDenied");
            if (status == 404) return (EvsErrorKind.NotFound, "ResourceNotFound");
            if (status == 413) return (EvsErrorKind.QuotaExceeded, "QuotaExceeded");
            if (status == 429) return (EvsErrorKind.Throttled, "Throttled");
            if (status == 502 || status == 503 || status == 504) return (EvsErrorKind.ServiceUnavailable, "ServiceUnavailable");
            if (status >= 500) return (EvsErrorKind.ServerError, "ServerError");
            return (EvsErrorKind.BadRequest, "BadRequest");
        }

        /// <summary>What the user can do about an error answer; the cmdlet layer words it.</summary>
        internal static EvsAdvice Advise(EvsErrorKind kind, string? code, string? message, AuthProvider? auth)
        {
            switch (kind)
            {
                case EvsErrorKind.Authentication:
                    if (Mentions(message, "signature expired")) return EvsAdvice.SynchronizeClock;
                    if (Mentions(message, "token expires")) return EvsAdvice.RenewStaticToken;
                    return auth?.RejectedAdvice ?? EvsAdvice.CheckAccessKeys;
                case EvsErrorKind.PermissionDenied: return EvsAdvice.RequestPermission;
                case EvsErrorKind.Throttled: return EvsAdvice.SlowDown;
                case EvsErrorKind.ServiceUnavailable: return EvsAdvice.RetryLater;
                case EvsErrorKind.QuotaExceeded: return EvsAdvice.FreeQuota;
            }
            return code == "EVS.1047" ? EvsAdvice.WaitForSnapshot : EvsAdvice.None;
        }

        private static bool Mentions(string? message, string text) => message != null && message.IndexOf(text, StringComparison.OrdinalIgnoreCase) >= 0;
    }
}
