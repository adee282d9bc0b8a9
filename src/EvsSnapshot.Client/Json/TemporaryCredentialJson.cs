using System;
using System.Globalization;
using System.IO;
using System.Text.Json;
using EvsSnapshot.Client.Auth;

namespace EvsSnapshot.Client.Json
{
    /// <summary>
    /// Reads temporary AK/SK answers: <c>{"credential":{"access","secret","securitytoken","expires_at"}}</c> from the
    /// metadata service and IAM (§14.4.3, §14.5, §14.6), also the <c>credentials</c> wrapper and the names
    /// <c>accessKeyId</c>, <c>secretAccessKey</c>, <c>securityToken</c>, <c>expiration</c> the Python SDK accepts.
    /// </summary>
    internal static class TemporaryCredentialJson
    {
        /// <summary>Server clocks within this of ours are taken as equal: the Date header has one-second resolution.</summary>
        private static readonly TimeSpan SkewTolerance = TimeSpan.FromSeconds(5);

        /// <param name="receivedUtc">When the answer arrived, on this machine's clock.</param>
        /// <param name="serverDate">The answer's Date header: the expiry is moved onto our clock when the two clocks disagree.</param>
        public static AccessKeyCredential Read(byte[] body, DateTime receivedUtc, DateTimeOffset? serverDate)
        {
            if (body == null || body.Length == 0) throw new InvalidDataException("the body is empty.");
            StrictJson.Check(body);
            using (var doc = JsonDocument.Parse(body))
            {
                var root = doc.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException("the body is not a JSON object.");
                var credential = Child(root, "credential") ?? Child(root, "credentials")
                                 ?? throw new InvalidDataException("the 'credential' object is missing.");
                string access = Text(credential, "access", "accessKeyId");
                string secret = Text(credential, "secret", "secretAccessKey");
                string token = Text(credential, "securitytoken", "securityToken");
                var expires = ParseExpiry(Text(credential, "expires_at", "expiration"));

                var skew = serverDate.HasValue ? serverDate.Value.UtcDateTime - receivedUtc : TimeSpan.Zero;
                var expiresHere = Math.Abs(skew.Ticks) > SkewTolerance.Ticks ? expires - skew : expires;
                var remaining = expiresHere - receivedUtc;
                if (remaining <= TimeSpan.Zero)
                    throw new InvalidDataException(string.Format(CultureInfo.InvariantCulture, "the credential it issued expired already ({0:u}).", expires));
                return new AccessKeyCredential(access, secret, token, RefreshSchedule.RefreshAt(receivedUtc, remaining), expiresHere);
            }
        }

        /// <summary>UTC, with or without a fraction: <c>2020-01-08T03:50:07.574000Z</c>, <c>2020-01-08T03:50:07Z</c>.</summary>
        internal static DateTime ParseExpiry(string value)
        {
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
                return parsed.UtcDateTime;
            throw new InvalidDataException("'expires_at' is not a time.");
        }

        private static JsonElement? Child(JsonElement parent, string name) =>
            parent.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : (JsonElement?)null;

        private static string Text(JsonElement obj, string name, string alternative)
        {
            foreach (var candidate in new[] { name, alternative })
            {
                if (obj.TryGetProperty(candidate, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length > 0)
                    return value.GetString()!.Trim();
            }
            // Never the value: it may be a secret.
            throw new InvalidDataException($"'credential.{name}' is missing or empty.");
        }
    }
}
