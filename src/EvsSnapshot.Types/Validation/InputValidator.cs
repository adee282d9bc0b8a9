using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EvsSnapshot.Validation
{
    /// <summary>
    /// The one home of input rules shared by the client and the cmdlets: every check runs before anything is sent
    /// (evs-api.md §2.1, §4.4; the file lives in ../shared beside the repository). Each failure has its own stable
    /// error id. Lengths count UTF-16 code units, the stricter of the documented readings.
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

        /// <summary>
        /// Metadata key holding a hash of the user's -ClientToken and the disk id, so a later run with the same token
        /// finds the snapshot this run made (<c>Rules.RunTokenRule</c> in the client).
        /// </summary>
        public const string RunTokenMetadataKey = "evssnapshot_run_token";

        public const int MaxClientTokenLength = 64;

        public static readonly TimeSpan MaxTimeout = TimeSpan.FromDays(7);
        public static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(100);
        public static readonly TimeSpan MaxPollInterval = TimeSpan.FromHours(1);

        public static readonly TextRule SnapshotNameRule = new TextRule("snapshot name", "SnapshotName", MaxNameLength)
        {
            EmptyHint = "Omit the name to get a generated one, or pass 1 to 64 characters.",
            InvalidCharacterDetail = " (tab, line break or other non-printing character)",
        };

        public static readonly TextRule ClientTokenRule = new TextRule("client token", "ClientToken", MaxClientTokenLength)
        {
            InvalidCharacterDetail = " (only printable characters are allowed)",
        };

        public static readonly TextRule VolumeNameRule = new TextRule("volume name", "VolumeName", MaxNameLength);

        public static readonly TextRule DescriptionRule = new TextRule("description", "Description", MaxDescriptionLength)
        {
            AllowBlank = true,
            AllowLineBreaks = true,
            EchoInvalidValue = false,
            InvalidCharacterDetail = " other than a line break or tab",
        };

        public static readonly TextRule MetadataKeyRule = new TextRule("metadata key", "MetadataKey", MaxMetadataKeyLength);

        public static readonly TextRule MetadataValueRule = new TextRule("metadata value", "MetadataValue", MaxMetadataValueLength)
        {
            AllowBlank = true,
            EchoInvalidValue = false,
        };

        private static readonly Regex UuidPattern = new Regex(
            "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\z",
            RegexOptions.CultureInvariant);

        // Project ids are Keystone ids, 32 hex characters, in the public cloud and in Huawei Cloud Stack alike.
        private static readonly Regex ProjectIdPattern = new Regex("^[0-9a-fA-F]{32}\\z", RegexOptions.CultureInvariant);

        // What a garbled or cut id looks like (hex and dashes only), as opposed to a name typed where an id belongs.
        private static readonly Regex IdLikePattern = new Regex("^[0-9a-fA-F-]{8,}\\z", RegexOptions.CultureInvariant);

        private static readonly Regex RegionPattern = new Regex("^[a-z0-9]+(-[a-z0-9]+)*\\z", RegexOptions.CultureInvariant);

        public static bool IsUuid(string? value) => value != null && UuidPattern.IsMatch(value);

        public static bool IsBackupSnapshotName(string? name) =>
            name != null && name.StartsWith(BackupSnapshotPrefix, StringComparison.OrdinalIgnoreCase);

        // ---------------------------------------------------------------- ids

        public static string VolumeId(string? value, string parameterName = "VolumeId") =>
            Uuid(value, parameterName, "InvalidVolumeId", "volume");

        public static string ServerId(string? value, string parameterName = "ServerId") =>
            Uuid(value, parameterName, "InvalidServerId", "server");

        /// <summary>A job id from the API (a UUID in every documented answer, §11.6).</summary>
        public static string JobId(string? value, string parameterName = "JobId") =>
            Uuid(value, parameterName, "InvalidJobId", "job");

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
                var error = new EvsValidationException(errorId, parameterName,
                    $"'{Printable(value)}' is not a valid {what} id: EVS {what} ids are UUIDs such as 0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f.", value);
                if (LooksLikeName(value)) error.Advise(EvsAdvice.UseNameParameter, ("Name", value));
                throw error;
            }
            return value.ToLowerInvariant();
        }

        /// <summary>A value that reads as a name someone typed where an id belongs: printable, not too long, not hex-and-dashes.</summary>
        public static bool LooksLikeName(string? value) =>
            value != null && value.Trim().Length > 0 && value.Length <= MaxNameLength && !HasControlCharacter(value, false)
            && value.IndexOfAny(new[] { '/', '\\' }) < 0 && !IdLikePattern.IsMatch(value);

        public static string ProjectId(string? value, string parameterName = "ProjectId")
        {
            if (value == null || !ProjectIdPattern.IsMatch(value))
            {
                string what = LooksLikeName(value) && !IdLikePattern.IsMatch(value!)
                    ? $"-{parameterName} wants the project's id, not its name: '{Printable(value)}' is not 32 hexadecimal characters."
                    : $"'{Printable(value)}' is not a valid project id: project ids are 32 hexadecimal characters.";
                throw new EvsValidationException("InvalidProjectId", parameterName,
                    what + $" Copy the id from the console (My Credentials > Projects), or omit -{parameterName} to look the project up from the region.", value);
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

        // ---------------------------------------------------------------- names and text

        /// <summary>Snapshot name for create or update. Null means "not given".</summary>
        public static string? SnapshotName(string? name, string parameterName = "Name")
        {
            if (name == null) return null;
            SnapshotNameRule.Check(name, parameterName);
            if (IsBackupSnapshotName(name))
            {
                throw new EvsValidationException("SnapshotNameReservedPrefix", parameterName,
                    $"Snapshot names may not start with '{BackupSnapshotPrefix}': EVS reserves that prefix for snapshots made by disk backups, and such snapshots cannot be managed afterwards.", name);
            }
            return name;
        }

        /// <summary>A disk name (rollback's optional rename): the snapshot-name rules without the backup prefix rule.</summary>
        /// <summary>A -ClientToken: 1 to 64 printable characters (no control characters, not blank).</summary>
        public static string? ClientToken(string? token, string parameterName = "ClientToken") =>
            token == null ? null : ClientTokenRule.Check(token, parameterName);

        public static string VolumeName(string name, string parameterName = "VolumeName") => VolumeNameRule.Check(name, parameterName);

        /// <summary>The API's <c>name</c> filter takes at most 255 bytes (evs-api.md §2.1, v5 list: "name (max 255)").</summary>
        public const int MaxNameFilterBytes = 255;

        /// <summary>
        /// A name (or wildcard pattern) to list or look up by: at most 255 UTF-8 bytes, so a huge value cannot become
        /// a huge URL, and no control, bidirectional or zero-width character (no stored name can hold one).
        /// </summary>
        public static string NameFilter(string value, string parameterName = "Name")
        {
            int bytes = System.Text.Encoding.UTF8.GetByteCount(value);
            if (bytes > MaxNameFilterBytes)
            {
                throw new EvsValidationException("NameFilterTooLong", parameterName,
                    $"The -{parameterName} value '{Printable(value)}' is {bytes} bytes long (UTF-8); names to look for are at most {MaxNameFilterBytes} bytes.", value);
            }
            if (HasControlCharacter(value, false))
            {
                throw new EvsValidationException("NameFilterInvalidCharacter", parameterName,
                    $"The -{parameterName} value '{Printable(value)}' contains a control, bidirectional or zero-width character, which no name can hold.", value);
            }
            return value;
        }

        public static string? Description(string? description, string parameterName = "Description") =>
            description == null ? null : DescriptionRule.Check(description, parameterName);

        // ---------------------------------------------------------------- metadata

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
                if (!(entry.Value is string value))
                {
                    string type = entry.Value == null ? "null" : entry.Value.GetType().Name;
                    throw new EvsValidationException("MetadataValueNotString", parameterName,
                        $"The metadata value for key '{Printable(key)}' is {type}; metadata values must be strings (quote it, e.g. @{{ tier = '1' }}).", key);
                }
                MetadataValueRule.Check(value, parameterName, $"metadata value for key '{Printable(key)}'", key);
                if (result.ContainsKey(key))
                {
                    throw new EvsValidationException("MetadataKeyDuplicate", parameterName, $"The metadata key '{Printable(key)}' appears twice.", key);
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
            string subject = key.Length > MaxMetadataKeyLength ? $"metadata key '{Printable(key.Substring(0, 20))}...'" : "metadata key";
            MetadataKeyRule.Check(key, parameterName, subject);
            if (key.StartsWith(SystemMetadataPrefix, StringComparison.Ordinal))
            {
                throw new EvsValidationException("MetadataKeyReserved", parameterName,
                    $"The metadata key '{Printable(key)}' starts with '{SystemMetadataPrefix}', which EVS reserves for system metadata.", key);
            }
            if (string.Equals(key, ClientTokenMetadataKey, StringComparison.Ordinal) || string.Equals(key, RunTokenMetadataKey, StringComparison.Ordinal))
            {
                throw new EvsValidationException("MetadataKeyReserved", parameterName,
                    $"The metadata key '{key}' is reserved: EvsSnapshot uses it to make snapshot creation safe to retry and to re-run.", key);
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
                    $"The metadata key '{Printable(key)}' cannot be removed by key: it contains '/' or '\\' or consists of dots only. Replace all metadata instead.", key);
            }
            return key;
        }

        /// <summary>
        /// The parts of a snapshot change fit together: a full metadata replace cannot be combined with per-key
        /// changes, no key is both added and removed, and something changes at all.
        /// </summary>
        public static void SnapshotChange(bool renames, bool describes, bool replacesMetadata, ICollection<string>? addedKeys, ICollection<string> removedKeys,
            string nameParameter = "Name", string replaceParameter = "Metadata", string addParameter = "AddMetadata", string removeParameter = "RemoveMetadataKey")
        {
            if (replacesMetadata && (addedKeys != null || removedKeys.Count > 0))
            {
                throw new EvsValidationException("ConflictingParameters", replaceParameter,
                    $"-{replaceParameter} replaces all metadata, so it cannot be combined with -{addParameter} or -{removeParameter}.");
            }
            foreach (var key in removedKeys)
            {
                if (addedKeys != null && addedKeys.Contains(key))
                {
                    throw new EvsValidationException("ConflictingParameters", removeParameter,
                        $"The metadata key '{Printable(key)}' is both added (-{addParameter}) and removed (-{removeParameter}).", key);
                }
            }
            if (!renames && !describes && !replacesMetadata && addedKeys == null && removedKeys.Count == 0)
            {
                throw new EvsValidationException("NothingToChange", nameParameter,
                    $"Nothing to change: pass -{nameParameter}, -Description, -{replaceParameter}, -{addParameter} or -{removeParameter}.");
            }
        }

        // ---------------------------------------------------------------- statuses, paging, waiting

        /// <summary>A snapshot status in any letter case, returned as the API spells it.</summary>
        public static string SnapshotStatusValue(string? value, string parameterName = "Status") =>
            KnownValue(value, EvsSnapshot.SnapshotStatus.All, "snapshot status", parameterName);

        /// <summary>A disk status in any letter case, returned as the API spells it.</summary>
        public static string VolumeStatusValue(string? value, string parameterName = "Status") =>
            KnownValue(value, EvsSnapshot.VolumeStatus.All, "disk status", parameterName);

        private static string KnownValue(string? value, string[] known, string what, string parameterName)
        {
            string? match = value == null ? null : Array.Find(known, k => string.Equals(k, value.Trim(), StringComparison.OrdinalIgnoreCase));
            if (match != null) return match;
            throw new EvsValidationException("InvalidStatus", parameterName,
                $"'{Printable(value)}' is not a {what}; use one of {string.Join(", ", known)}.", value);
        }

        /// <summary>Each value a known snapshot status (any letter case), as the API spells it, without repeats.</summary>
        public static string[] SnapshotStatusValues(string[]? values, string parameterName = "Status") =>
            Distinct(values, v => SnapshotStatusValue(v, parameterName));

        /// <summary>Each value a known disk status (any letter case), as the API spells it, without repeats.</summary>
        public static string[] VolumeStatusValues(string[]? values, string parameterName = "Status") =>
            Distinct(values, v => VolumeStatusValue(v, parameterName));

        private static string[] Distinct(string[]? values, Func<string, string> check)
        {
            var result = new List<string>();
            foreach (var value in values ?? new string[0])
            {
                string checkedValue = check(value);
                if (!result.Contains(checkedValue)) result.Add(checkedValue);
            }
            return result.ToArray();
        }

        /// <summary>Volume ids (UUIDs), normalised, without repeats; the first bad one fails.</summary>
        public static string[] VolumeIds(string[]? values, string parameterName = "VolumeId") => Distinct(values, v => VolumeId(v, parameterName));

        /// <summary>
        /// Metadata to filter by: non-empty string keys, string values. Unlike metadata to write, system keys
        /// (<c>__system__*</c>) and the module's own client-token key may be searched for.
        /// </summary>
        public static Dictionary<string, string> MetadataFilter(IDictionary? metadata, string parameterName = "Metadata")
        {
            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            if (metadata == null) return result;
            foreach (DictionaryEntry entry in metadata)
            {
                if (!(entry.Key is string key) || key.Length == 0)
                {
                    throw new EvsValidationException("MetadataKeyNotString", parameterName,
                        $"A -{parameterName} key is {(entry.Key == null ? "null" : entry.Key is string ? "empty" : entry.Key.GetType().Name)}; keys must be non-empty strings.", entry.Key);
                }
                if (!(entry.Value is string value))
                {
                    string type = entry.Value == null ? "null" : entry.Value.GetType().Name;
                    throw new EvsValidationException("MetadataValueNotString", parameterName,
                        $"The -{parameterName} value for key '{Printable(key)}' is {type}; metadata values are strings (quote it, e.g. @{{ tier = '1' }}).", key);
                }
                result[key] = value;
            }
            return result;
        }

        /// <summary>
        /// The instant an -OlderThan / -NewerThan value names, in UTC: a TimeSpan is an age (now minus it), a
        /// DateTime or DateTimeOffset an instant. A DateTime of Kind Unspecified (what Get-Date and [datetime]'...'
        /// give) is local time, as PowerShell means it. Strings parse as a TimeSpan (d.hh:mm:ss) or else a date.
        /// </summary>
        public static DateTime CreatedCutoff(object? value, DateTime utcNow, string parameterName)
        {
            switch (value)
            {
                case TimeSpan age when age >= TimeSpan.Zero:
                    return utcNow - age;
                case TimeSpan _:
                    throw new EvsValidationException("InvalidAge", parameterName, $"-{parameterName} is a negative age ({value}); pass how old, e.g. (New-TimeSpan -Days 7).", value);
                case DateTimeOffset instant:
                    return instant.UtcDateTime;
                case DateTime instant:
                    return instant.Kind == DateTimeKind.Utc ? instant : DateTime.SpecifyKind(instant, DateTimeKind.Local).ToUniversalTime();
                case string text when TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var parsedAge) && text.IndexOf(':') >= 0:
                    return CreatedCutoff(parsedAge, utcNow, parameterName);
                case string text when DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeLocal, out var parsed):
                    return parsed.UtcDateTime;
                default:
                    throw new EvsValidationException("InvalidAge", parameterName,
                        $"-{parameterName} takes an age (a TimeSpan such as (New-TimeSpan -Days 7) or '7.00:00:00') or an instant (a DateTime such as (Get-Date).AddDays(-7)); got {(value == null ? "null" : "'" + Printable(value.ToString()) + "'")}.", value);
            }
        }

        /// <summary>-OlderThan and -NewerThan together must leave a time between them.</summary>
        public static void CreatedRange(DateTime? beforeUtc, DateTime? afterUtc, string olderParameter = "OlderThan", string newerParameter = "NewerThan")
        {
            if (beforeUtc is DateTime before && afterUtc is DateTime after && after >= before)
            {
                throw new EvsValidationException("ConflictingParameters", newerParameter,
                    $"-{newerParameter} ({after:yyyy-MM-dd HH:mm:ss} UTC) is not earlier than -{olderParameter} ({before:yyyy-MM-dd HH:mm:ss} UTC): nothing can be both.", after);
            }
        }

        public static void PageSize(int pageSize, string parameterName = "PageSize")
        {
            if (pageSize < 1 || pageSize > 1000)
            {
                throw new EvsValidationException("InvalidPageSize", parameterName,
                    $"-{parameterName} must be between 1 and 1000 (the API's limit); got {pageSize}.", pageSize);
            }
        }

        public const double MinRequestRate = 0.01;
        public const double MaxRequestRate = 10000;

        /// <summary>A rate cap in requests per second: 0.01 (one per 100 s) to 10,000.</summary>
        public static void RequestRate(double perSecond, string parameterName = "MaxRequestRate")
        {
            if (double.IsNaN(perSecond) || perSecond < MinRequestRate || perSecond > MaxRequestRate)
            {
                throw new EvsValidationException("InvalidRequestRate", parameterName,
                    $"-{parameterName} must be between 0.01 and 10000 requests per second; got {perSecond.ToString(System.Globalization.CultureInfo.InvariantCulture)}.", perSecond);
            }
        }

        /// <summary>How long a wait may take, and the longest pause between its polls.</summary>
        public static void WaitLimits(TimeSpan timeout, TimeSpan maxPollInterval, string timeoutParameter = "Timeout", string pollParameter = "MaxPollInterval")
        {
            if (timeout <= TimeSpan.Zero || timeout > MaxTimeout)
            {
                throw new EvsValidationException("InvalidTimeout", timeoutParameter,
                    $"-{timeoutParameter} must be more than 0 and at most 7 days; got {timeout}.", timeout);
            }
            if (maxPollInterval < MinPollInterval || maxPollInterval > MaxPollInterval)
            {
                throw new EvsValidationException("InvalidPollInterval", pollParameter,
                    $"-{pollParameter} must be between 0.1 seconds and 1 hour; got {maxPollInterval}.", maxPollInterval);
            }
        }

        // ---------------------------------------------------------------- characters

        /// <summary>
        /// Control characters, and the bidirectional and zero-width characters that change how text around them
        /// is shown (<see cref="DisplayText.IsUnsafe"/>): refused in every name-like input.
        /// </summary>
        public static bool HasControlCharacter(string value, bool allowLineBreaks)
        {
            foreach (char c in value)
            {
                if (allowLineBreaks && (c == '\n' || c == '\r' || c == '\t')) continue;
                if (DisplayText.IsUnsafe(c)) return true;
            }
            return false;
        }

        /// <summary>Makes a value safe to echo in a message (<see cref="DisplayText.Safe"/>), long values cut.</summary>
        public static string Printable(string? value)
        {
            if (value == null) return "(null)";
            string safe = DisplayText.Safe(value);
            return safe.Length > 80 ? safe.Substring(0, 80) + "..." : safe;
        }
    }
}
