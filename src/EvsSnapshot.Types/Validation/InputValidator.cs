using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EvsSnapshot.Validation
{
    /// <summary>
    /// Checks input against the documented constraints before anything is sent (evs-api.md §2.1, §4.4).
    /// Each failure has its own stable error id. Lengths count UTF-16 code units, the stricter of the readings.
    /// </summary>
    public static class InputValidator
    {
        public const int MaxNameLength = 64;          // HW evs_04_2016 "up to 64 characters" (SDK allows 255 bytes; we take the stricter)
        public const int MaxDescriptionLength = 85;   // HW evs_04_2016 "max 85 characters"
        public const int MaxMetadataKeyLength = 255;
        public const int MaxMetadataValueLength = 255;
        // Gap: no documented cap on the number of metadata pairs; 50 keeps requests small and leaves room for system keys.
        public const int MaxMetadataPairs = 50;
        public const string BackupSnapshotPrefix = "autobk_snapshot_";
        public const string SystemMetadataPrefix = "__system__";

        /// <summary>Metadata key the module writes into every snapshot it creates, so a retried create can find its first attempt.</summary>
        public const string ClientTokenMetadataKey = "evssnapshot_client_token";

        private static readonly Regex UuidPattern = new Regex(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z",
            RegexOptions.CultureInvariant);

        // Huawei project ids are 32 hex characters; private clouds may differ, so allow a conservative id alphabet.
        private static readonly Regex ProjectIdPattern = new Regex("^[A-Za-z0-9_-]{1,64}\\z", RegexOptions.CultureInvariant);

        private static readonly Regex RegionPattern = new Regex("^[a-z0-9]+(-[a-z0-9]+)*\\z", RegexOptions.CultureInvariant);

        public static bool IsUuid(string? value) => value != null && UuidPattern.IsMatch(value);

        public static bool IsBackupSnapshotName(string? name) =>
            name != null && name.StartsWith(BackupSnapshotPrefix, StringComparison.OrdinalIgnoreCase);

        public static string VolumeId(string? value, string parameterName = "VolumeId") =>
            Uuid(value, parameterName, "InvalidVolumeId", "volume");

        public static string SnapshotId(string? value, string parameterName = "Id") =>
            Uuid(value, parameterName, "InvalidSnapshotId", "snapshot");

        private static string Uuid(string? value, string parameterName, string errorId, string what)
        {
            if (value == null || value.Trim().Length == 0)
            {
                throw new EvsValidationException(errorId, parameterName,
                    $"The {what} id is empty. Pass the {what}'s UUID, for example 0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f.", value);
            }
            if (!IsUuid(value))
            {
                throw new EvsValidationException(errorId, parameterName,
                    $"'{Printable(value)}' is not a valid {what} id: EVS {what} ids are UUIDs such as 0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f.", value);
            }
            return value.ToLowerInvariant();
        }

        public static string ProjectId(string? value, string parameterName = "ProjectId")
        {
            if (value == null || !ProjectIdPattern.IsMatch(value))
            {
                throw new EvsValidationException("InvalidProjectId", parameterName,
                    $"'{Printable(value)}' is not a valid project id: use the 32-character id shown in the console under My Credentials > Projects.", value);
            }
            return value;
        }

        public static string Region(string? value, string parameterName = "Region")
        {
            if (value == null || value.Length > 64 || !RegionPattern.IsMatch(value))
            {
                throw new EvsValidationException("InvalidRegion", parameterName,
                    $"'{Printable(value)}' is not a valid region id: use a lowercase id such as cn-north-4 or ap-southeast-1.", value);
            }
            return value;
        }

        /// <summary>Snapshot name for create or update. Null means "not given".</summary>
        public static string? SnapshotName(string? name, string parameterName = "Name")
        {
            if (name == null) return null;
            if (name.Trim().Length == 0)
            {
                throw new EvsValidationException("SnapshotNameEmpty", parameterName,
                    "The snapshot name is empty or blank. Omit -Name to get a generated name, or pass 1 to 64 characters.", name);
            }
            if (name.Length > MaxNameLength)
            {
                throw new EvsValidationException("SnapshotNameTooLong", parameterName,
                    $"The snapshot name is {name.Length} characters long; EVS allows at most {MaxNameLength}.", name);
            }
            if (HasControlCharacter(name, allowLineBreaks: false))
            {
                throw new EvsValidationException("SnapshotNameInvalidCharacter", parameterName,
                    $"The snapshot name '{Printable(name)}' contains a control character (tab, line break or other non-printing character).", name);
            }
            if (IsBackupSnapshotName(name))
            {
                throw new EvsValidationException("SnapshotNameReservedPrefix", parameterName,
                    $"Snapshot names may not start with '{BackupSnapshotPrefix}': EVS reserves that prefix for snapshots made by disk backups, and such snapshots cannot be managed afterwards.", name);
            }
            return name;
        }

        /// <summary>A disk name (rollback's optional rename): same rules as a snapshot name, without the backup prefix rule.</summary>
        public static string VolumeName(string name, string parameterName = "VolumeName")
        {
            if (name.Trim().Length == 0)
            {
                throw new EvsValidationException("VolumeNameEmpty", parameterName, "The volume name is empty or blank.", name);
            }
            if (name.Length > MaxNameLength)
            {
                throw new EvsValidationException("VolumeNameTooLong", parameterName,
                    $"The volume name is {name.Length} characters long; EVS allows at most {MaxNameLength}.", name);
            }
            if (HasControlCharacter(name, allowLineBreaks: false))
            {
                throw new EvsValidationException("VolumeNameInvalidCharacter", parameterName,
                    $"The volume name '{Printable(name)}' contains a control character.", name);
            }
            return name;
        }

        public static string? Description(string? description, string parameterName = "Description")
        {
            if (description == null) return null;
            if (description.Length > MaxDescriptionLength)
            {
                throw new EvsValidationException("DescriptionTooLong", parameterName,
                    $"The description is {description.Length} characters long; EVS allows at most {MaxDescriptionLength}.", description);
            }
            if (HasControlCharacter(description, allowLineBreaks: true))
            {
                throw new EvsValidationException("DescriptionInvalidCharacter", parameterName,
                    "The description contains a control character other than a line break or tab.", description);
            }
            return description;
        }

        /// <summary>
        /// Metadata from a hashtable (already unwrapped from PSObject by the caller): keys non-empty strings,
        /// values strings. Returns an ordinal, case-sensitive copy.
        /// </summary>
        public static Dictionary<string, string> Metadata(IDictionary? metadata, string parameterName = "Metadata")
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (metadata == null) return result;
            if (metadata.Count > MaxMetadataPairs)
            {
                throw new EvsValidationException("MetadataTooLarge", parameterName,
                    $"-{parameterName} has {metadata.Count} entries; at most {MaxMetadataPairs} are allowed.", null);
            }
            foreach (DictionaryEntry entry in metadata)
            {
                string key = MetadataKey(entry.Key, parameterName);
                object? raw = entry.Value;
                if (!(raw is string value))
                {
                    string type = raw == null ? "null" : raw.GetType().Name;
                    throw new EvsValidationException("MetadataValueNotString", parameterName,
                        $"The metadata value for key '{Printable(key)}' is {type}; metadata values must be strings (quote it, e.g. @{{ tier = '1' }}).", key);
                }
                if (value.Length > MaxMetadataValueLength)
                {
                    throw new EvsValidationException("MetadataValueTooLong", parameterName,
                        $"The metadata value for key '{Printable(key)}' is {value.Length} characters long; at most {MaxMetadataValueLength} are allowed.", key);
                }
                if (HasControlCharacter(value, allowLineBreaks: false))
                {
                    throw new EvsValidationException("MetadataValueInvalidCharacter", parameterName,
                        $"The metadata value for key '{Printable(key)}' contains a control character.", key);
                }
                if (result.ContainsKey(key))
                {
                    throw new EvsValidationException("MetadataKeyDuplicate", parameterName,
                        $"The metadata key '{Printable(key)}' appears twice.", key);
                }
                result[key] = value;
            }
            return result;
        }

        public static string MetadataKey(object? rawKey, string parameterName = "Metadata")
        {
            if (!(rawKey is string key))
            {
                string type = rawKey == null ? "null" : rawKey.GetType().Name;
                throw new EvsValidationException("MetadataKeyNotString", parameterName,
                    $"A metadata key is {type}; metadata keys must be non-empty strings.", rawKey);
            }
            if (key.Trim().Length == 0)
            {
                throw new EvsValidationException("MetadataKeyEmpty", parameterName, "A metadata key is empty or blank.", key);
            }
            if (key.Length > MaxMetadataKeyLength)
            {
                throw new EvsValidationException("MetadataKeyTooLong", parameterName,
                    $"The metadata key '{Printable(key.Substring(0, 20))}...' is {key.Length} characters long; at most {MaxMetadataKeyLength} are allowed.", key);
            }
            if (HasControlCharacter(key, allowLineBreaks: false))
            {
                throw new EvsValidationException("MetadataKeyInvalidCharacter", parameterName,
                    $"The metadata key '{Printable(key)}' contains a control character.", key);
            }
            if (key.StartsWith(SystemMetadataPrefix, StringComparison.Ordinal))
            {
                throw new EvsValidationException("MetadataKeyReserved", parameterName,
                    $"The metadata key '{Printable(key)}' starts with '{SystemMetadataPrefix}', which EVS reserves for system metadata.", key);
            }
            if (string.Equals(key, ClientTokenMetadataKey, StringComparison.Ordinal))
            {
                throw new EvsValidationException("MetadataKeyReserved", parameterName,
                    $"The metadata key '{ClientTokenMetadataKey}' is reserved: EvsSnapshot uses it to make snapshot creation safe to retry.", key);
            }
            return key;
        }

        /// <summary>A metadata key that goes into a URL path segment (per-key delete): also no path characters.</summary>
        public static string PathMetadataKey(object? rawKey, string parameterName = "RemoveMetadataKey")
        {
            string key = MetadataKey(rawKey, parameterName);
            if (key.Trim('.').Length == 0 || key.IndexOfAny(new[] { '/', '\\' }) >= 0)
            {
                throw new EvsValidationException("MetadataKeyInvalidCharacter", parameterName,
                    $"The metadata key '{Printable(key)}' cannot be removed by key: it contains '/' or '\\' or consists of dots only. Use Set-EvsSnapshot -Metadata to replace all metadata instead.", key);
            }
            return key;
        }

        public static void PageSize(int pageSize, string parameterName = "PageSize")
        {
            if (pageSize < 1 || pageSize > 1000)
            {
                throw new EvsValidationException("InvalidPageSize", parameterName,
                    $"-{parameterName} must be between 1 and 1000 (the API's limit); got {pageSize}.", pageSize);
            }
        }

        public static bool HasControlCharacter(string value, bool allowLineBreaks)
        {
            foreach (char c in value)
            {
                if (allowLineBreaks && (c == '\n' || c == '\r' || c == '\t')) continue;
                var category = char.GetUnicodeCategory(c);
                if (category == UnicodeCategory.Control || category == UnicodeCategory.Format && (c == '\u200E' || c == '\u200F' || (c >= '\u202A' && c <= '\u202E')))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>Makes a value safe to echo in a message: control characters shown as \uXXXX, long values cut.</summary>
        public static string Printable(string? value)
        {
            if (value == null) return "(null)";
            var sb = new System.Text.StringBuilder();
            foreach (char c in value)
            {
                if (sb.Length >= 80) { sb.Append("..."); break; }
                if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                else sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
