using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// Which snapshots a retention policy keeps, with restic's <c>forget</c> rules so what users know carries
    /// over: per group, newest first; -KeepLast n keeps the n newest; -KeepDaily n keeps the newest snapshot of
    /// each of the n most recent days that have one (weekly: ISO 8601 weeks; monthly; yearly), days counted in
    /// <see cref="TimeZone"/>; -KeepWithin keeps every snapshot newer than the duration before the group's newest
    /// snapshot; a snapshot kept by any rule is kept. Safety rules on top: only available snapshots are ever
    /// removed and counted (others, and backup snapshots, are kept and do not use up a period), and the newest
    /// available snapshot of each group is always kept. Pure: no clock, no requests.
    /// </summary>
    public sealed class RetentionPolicy
    {
        public int KeepLast { get; set; }
        public int KeepDaily { get; set; }
        public int KeepWeekly { get; set; }
        public int KeepMonthly { get; set; }
        public int KeepYearly { get; set; }
        public RetentionDuration? KeepWithin { get; set; }
        public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

        /// <summary>True: rules count per source disk; false: over all snapshots given.</summary>
        public bool GroupByVolume { get; set; } = true;

        public bool HasRule => KeepLast > 0 || KeepDaily > 0 || KeepWeekly > 0 || KeepMonthly > 0 || KeepYearly > 0 || KeepWithin != null;

        /// <summary>A policy with no rule would keep only the newest snapshot of each group: refused, never "delete the rest".</summary>
        public EvsValidationException? Refusal() => HasRule ? null : new EvsValidationException("RetentionRuleMissing", "KeepLast",
            "A retention policy needs at least one rule (KeepLast, KeepDaily, KeepWeekly, KeepMonthly, KeepYearly or KeepWithin); with none, nothing is removed.");

        /// <summary>One decision per distinct snapshot (by id), grouped, newest first in each group; groups in order of their key.</summary>
        public IReadOnlyList<SnapshotRetention> Apply(IEnumerable<SnapshotDetails> snapshots)
        {
            var refusal = Refusal();
            if (refusal != null) throw refusal;
            var distinct = snapshots.GroupBy(s => s.Id, StringComparer.OrdinalIgnoreCase).Select(g => g.First());
            var result = new List<SnapshotRetention>();
            foreach (var group in distinct.GroupBy(GroupKey, StringComparer.OrdinalIgnoreCase).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                result.AddRange(ApplyToGroup(group.Key, group));
            }
            return result;
        }

        private string GroupKey(SnapshotDetails s) => GroupByVolume ? (s.VolumeId ?? string.Empty).ToLowerInvariant() : string.Empty;

        private IEnumerable<SnapshotRetention> ApplyToGroup(string group, IEnumerable<SnapshotDetails> members)
        {
            var ordered = members.OrderByDescending(s => s.CreatedAtUtc ?? DateTime.MaxValue).ThenBy(s => s.Id, StringComparer.Ordinal).ToList();
            var reasons = ordered.ToDictionary(s => s, s => new List<string>());
            var candidates = ordered.Where(s => Untouchable(s) == null).ToList();
            foreach (var s in ordered)
            {
                var why = Untouchable(s);
                if (why != null) reasons[s].Add(why);
            }
            if (candidates.Count > 0) reasons[candidates[0]].Add("Newest");
            for (int i = 0; i < candidates.Count && i < KeepLast; i++) reasons[candidates[i]].Add("Last");
            KeepPeriods(candidates, reasons, KeepDaily, local => "Daily " + local.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            KeepPeriods(candidates, reasons, KeepWeekly, local => "Weekly " + IsoWeek(local));
            KeepPeriods(candidates, reasons, KeepMonthly, local => "Monthly " + local.ToString("yyyy-MM", CultureInfo.InvariantCulture));
            KeepPeriods(candidates, reasons, KeepYearly, local => "Yearly " + local.ToString("yyyy", CultureInfo.InvariantCulture));
            if (KeepWithin != null && candidates.Count > 0)
            {
                var cutoff = KeepWithin.Before(candidates[0].CreatedAtUtc!.Value, TimeZone);
                foreach (var s in candidates.Where(s => s.CreatedAtUtc!.Value > cutoff)) reasons[s].Add("Within");
            }
            return ordered.Select(s => new SnapshotRetention(s, reasons[s].Count > 0 ? RetentionAction.Keep : RetentionAction.Remove, reasons[s].ToArray(), group));
        }

        /// <summary>Why a snapshot is out of the policy's reach (kept, not counted), or null when the rules decide.</summary>
        private static string? Untouchable(SnapshotDetails s)
        {
            if (InputValidator.IsBackupSnapshotName(s.Name)) return "BackupSnapshot";
            if (!string.Equals(s.Status, SnapshotStatus.Available, StringComparison.OrdinalIgnoreCase)) return "NotAvailable";
            if (s.CreatedAtUtc == null) return "NoCreationTime";
            return null;
        }

        /// <summary>restic's bucket rule: walking newest first, the first snapshot of each new period is kept, until n periods are.</summary>
        private void KeepPeriods(List<SnapshotDetails> candidates, Dictionary<SnapshotDetails, List<string>> reasons, int count, Func<DateTime, string> period)
        {
            string? last = null;
            foreach (var s in candidates)
            {
                if (count <= 0) return;
                string value = period(LocalTime(s.CreatedAtUtc!.Value));
                if (value == last) continue;
                reasons[s].Add(value);
                last = value;
                count--;
            }
        }

        private DateTime LocalTime(DateTime utc) => TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), TimeZone);

        /// <summary>ISO 8601 week of a date: weeks start on Monday, and week 1 is the one with the year's first Thursday.</summary>
        public static string IsoWeek(DateTime date)
        {
            int isoDay = ((int)date.DayOfWeek + 6) % 7 + 1; // Monday 1 .. Sunday 7
            var thursday = date.Date.AddDays(4 - isoDay);
            int week = (thursday.DayOfYear - 1) / 7 + 1;
            return thursday.Year.ToString("0000", CultureInfo.InvariantCulture) + "-W" + week.ToString("00", CultureInfo.InvariantCulture);
        }

        /// <summary>
        /// -TimeZone: null is the machine's local zone; "UTC"; otherwise an IANA id (Asia/Shanghai) or a Windows id
        /// (China Standard Time), whichever this system knows, converting between the two where the runtime can.
        /// </summary>
        public static TimeZoneInfo FindTimeZone(string? id, string parameterName = "TimeZone")
        {
            if (id == null) return TimeZoneInfo.Local;
            string trimmed = id.Trim();
            if (string.Equals(trimmed, "UTC", StringComparison.OrdinalIgnoreCase) || trimmed == "Z" || string.Equals(trimmed, "Etc/UTC", StringComparison.OrdinalIgnoreCase)) return TimeZoneInfo.Utc;
            if (trimmed.Length > 0 && !InputValidator.HasControlCharacter(trimmed, false))
            {
                var zone = TryFind(trimmed) ?? TryFind(ConvertedId(trimmed, "TryConvertIanaIdToWindowsId")) ?? TryFind(ConvertedId(trimmed, "TryConvertWindowsIdToIanaId"));
                if (zone != null) return zone;
            }
            throw new EvsValidationException("UnknownTimeZone", parameterName,
                $"'{InputValidator.Printable(id)}' is not a time zone this system knows: use UTC, an IANA id such as Asia/Shanghai or Europe/Berlin, or a Windows id such as China Standard Time (Get-TimeZone -ListAvailable lists them).", id);
        }

        private static TimeZoneInfo? TryFind(string? id)
        {
            if (id == null) return null;
            try
            {
                return TimeZoneInfo.FindSystemTimeZoneById(id);
            }
            catch (Exception ex) when (ex is TimeZoneNotFoundException || ex is InvalidTimeZoneException || ex is ArgumentException)
            {
                return null;
            }
        }

        /// <summary>.NET 6+ converts between IANA and Windows ids; netstandard2.0 cannot name those methods, so they are found at run time.</summary>
        private static string? ConvertedId(string id, string method)
        {
            var convert = typeof(TimeZoneInfo).GetMethod(method, new[] { typeof(string), typeof(string).MakeByRefType() });
            if (convert == null) return null;
            var args = new object?[] { id, null };
            return convert.Invoke(null, args) is bool ok && ok ? args[1] as string : null;
        }
    }
}
