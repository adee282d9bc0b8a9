using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text.Json;
using EvsSnapshot.Client.Http;

namespace EvsSnapshot.Client.Json
{
    /// <summary>
    /// Wire → public model. Required fields are checked here, so a truncated or foreign answer becomes a
    /// clear "malformed response" error instead of an object that looks complete but is not.
    /// </summary>
    internal static class WireMapper
    {
        private static readonly string[] TimeFormats =
        {
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'",
            "yyyy-MM-dd'T'HH:mm:ss",
            "yyyy-MM-dd'T'HH:mm:ss'Z'",
            "yyyy-MM-dd HH:mm:ss.FFFFFFF",
            "yyyy-MM-dd HH:mm:ss",
        };

        public static T Deserialize<T>(ApiResponse response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> typeInfo) where T : class
        {
            if (response.Body.Length == 0) throw new InvalidDataException("the body is empty.");
            StrictJson.Check(response.Body);
            return JsonSerializer.Deserialize(response.Body, typeInfo) ?? throw new InvalidDataException("the body is JSON null.");
        }

        public static SnapshotDetails ToSnapshot(SnapshotWire? wire)
        {
            if (wire == null) throw new InvalidDataException("the 'snapshot' object is missing.");
            if (string.IsNullOrEmpty(wire.Id)) throw new InvalidDataException("a snapshot has no 'id'.");
            if (string.IsNullOrEmpty(wire.Status)) throw new InvalidDataException($"snapshot {wire.Id} has no 'status'.");
            return new SnapshotDetails
            {
                Id = wire.Id!,
                Status = wire.Status!,
                Name = wire.Name,
                Description = wire.Description,
                CreatedAtUtc = ParseTime(wire.CreatedAt, "created_at"),
                UpdatedAtUtc = ParseTime(wire.UpdatedAt, "updated_at"),
                Metadata = ToStringMap(wire.Metadata),
                VolumeId = wire.VolumeId,
                Size = ParseInt(wire.Size, "size"),
                ProjectId = wire.ProjectId,
                Progress = ParsePercent(wire.Progress),
                ServiceType = wire.ServiceType,
                DedicatedStorageId = wire.DedicatedStorageId,
                DedicatedStorageName = wire.DedicatedStorageName,
            };
        }

        public static VolumeDetails ToVolume(VolumeWire? wire)
        {
            if (wire == null) throw new InvalidDataException("the 'volume' object is missing.");
            if (string.IsNullOrEmpty(wire.Id)) throw new InvalidDataException("a volume has no 'id'.");
            if (string.IsNullOrEmpty(wire.Status)) throw new InvalidDataException($"volume {wire.Id} has no 'status'.");
            var attachments = new List<VolumeAttachment>();
            if (wire.Attachments != null)
            {
                foreach (var a in wire.Attachments)
                {
                    if (a == null) continue;
                    attachments.Add(new VolumeAttachment
                    {
                        ServerId = a.ServerId,
                        Device = a.Device,
                        AttachmentId = a.AttachmentId, // never the volume id (`id`) as a stand-in: §12.2
                        HostName = a.HostName,
                        AttachedAtUtc = ParseTime(a.AttachedAt, "attached_at"),
                    });
                }
            }
            return new VolumeDetails
            {
                Id = wire.Id!,
                Name = wire.Name,
                Status = wire.Status!,
                Description = wire.Description,
                Size = ParseInt(wire.Size, "size"),
                VolumeType = wire.VolumeType,
                AvailabilityZone = wire.AvailabilityZone,
                Bootable = ParseBool(wire.Bootable, "bootable") ?? false,
                Multiattach = ParseBool(wire.Multiattach, "multiattach") ?? false,
                Attachments = attachments,
                Metadata = ToStringMap(wire.Metadata),
                CreatedAtUtc = ParseTime(wire.CreatedAt, "created_at"),
                UpdatedAtUtc = ParseTime(wire.UpdatedAt, "updated_at"),
                SourceSnapshotId = wire.SnapshotId,
                ServiceType = wire.ServiceType,
                Tags = ToStringMap(wire.Tags),
                Wwn = wire.Wwn,
                SerialNumber = wire.SerialNumber,
                EnterpriseProjectId = wire.EnterpriseProjectId,
                ImageMetadata = ToStringMap(wire.ImageMetadata),
                Iops = wire.Iops == null ? null : ParseInt(wire.Iops.TotalValue, "iops.total_val"),
                Throughput = wire.Throughput == null ? null : ParseInt(wire.Throughput.TotalValue, "throughput.total_val"),
            };
        }

        /// <summary>The API's "YYYY-MM-DDTHH:MM:SS.ffffff" is UTC without a zone; returned with Kind = Utc.</summary>
        public static DateTime? ParseTime(string? value, string field)
        {
            if (string.IsNullOrEmpty(value)) return null;
            if (DateTime.TryParseExact(value, TimeFormats, CultureInfo.InvariantCulture,
                    DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
            {
                return DateTime.SpecifyKind(parsed, DateTimeKind.Utc);
            }
            if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var withOffset))
            {
                return withOffset.UtcDateTime;
            }
            throw new FormatException($"'{field}' is not a timestamp: '{Validation.InputValidator.Printable(value)}'.");
        }

        private static int? ParseInt(JsonElement value, string field)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Undefined:
                case JsonValueKind.Null:
                    return null;
                case JsonValueKind.Number:
                    if (value.TryGetInt32(out int number)) return number;
                    break;
                case JsonValueKind.String:
                    if (int.TryParse(value.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int parsed)) return parsed;
                    break;
            }
            throw new FormatException($"'{field}' is not a whole number: {value.GetRawText()}.");
        }

        private static bool? ParseBool(JsonElement value, string field)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.Undefined:
                case JsonValueKind.Null:
                    return null;
                case JsonValueKind.True: return true;
                case JsonValueKind.False: return false;
                case JsonValueKind.String:
                    string? text = value.GetString();
                    if (string.Equals(text, "true", StringComparison.OrdinalIgnoreCase)) return true;
                    if (string.Equals(text, "false", StringComparison.OrdinalIgnoreCase)) return false;
                    break;
            }
            throw new FormatException($"'{field}' is not a boolean: {value.GetRawText()}.");
        }

        private static int? ParsePercent(JsonElement value)
        {
            // A reserved field (§2.1): tolerate anything, report only what parses.
            string? text = value.ValueKind == JsonValueKind.String ? value.GetString()
                : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null;
            if (text == null) return null;
            text = text.Trim().TrimEnd('%');
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var pct)
                ? (int)Math.Max(0, Math.Min(100, Math.Round(pct))) : (int?)null;
        }

        /// <summary>A string map as compact JSON object text (for query parameters that take JSON).</summary>
        public static string JsonObjectText(IDictionary<string, string> map)
        {
            using (var buffer = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(buffer))
                {
                    writer.WriteStartObject();
                    foreach (var pair in map) writer.WriteString(pair.Key, pair.Value);
                    writer.WriteEndObject();
                }
                return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
            }
        }

        public static Dictionary<string, string> ToStringMap(Dictionary<string, JsonElement>? map)
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (map == null) return result;
            foreach (var pair in map)
            {
                // Volume metadata can hold numbers (full_clone: 0); keep their text rather than failing.
                result[pair.Key] = pair.Value.ValueKind == JsonValueKind.String ? pair.Value.GetString()! : pair.Value.GetRawText();
            }
            return result;
        }
    }
}
