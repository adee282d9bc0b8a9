using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// A -KeepWithin duration in restic's form: years, months, days and hours, e.g. <c>2d</c>, <c>1y6m</c>,
    /// <c>3d12h</c> (also a TimeSpan such as <c>2.00:00:00</c>). Years, months and days are calendar steps
    /// back from a moment in the policy's time zone; hours are exact.
    /// </summary>
    public sealed class RetentionDuration
    {
        private static readonly Regex Form = new Regex("^(?:(\\d+)y)?(?:(\\d+)m)?(?:(\\d+)d)?(?:(\\d+)h)?\\z", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase);

        private RetentionDuration(int years, int months, int days, TimeSpan exact, string text)
        {
            Years = years;
            Months = months;
            Days = days;
            Exact = exact;
            Text = text;
        }

        public int Years { get; }
        public int Months { get; }
        public int Days { get; }
        public TimeSpan Exact { get; }
        public string Text { get; }

        public static RetentionDuration Parse(string? text, string parameterName = "KeepWithin")
        {
            string value = (text ?? string.Empty).Trim();
            var match = Form.Match(value);
            if (value.Length > 0 && match.Success && int.TryParse("0" + match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int y)
                && int.TryParse("0" + match.Groups[2].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int m)
                && int.TryParse("0" + match.Groups[3].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int d)
                && int.TryParse("0" + match.Groups[4].Value, NumberStyles.None, CultureInfo.InvariantCulture, out int h)
                && y <= 1000 && m <= 12000 && d <= 400000 && h <= 10000000 && y + m + d + h > 0)
            {
                return new RetentionDuration(y, m, d, TimeSpan.FromHours(h), value);
            }
            if (value.IndexOf(':') >= 0 && TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
            {
                return new RetentionDuration(0, 0, 0, span, value);
            }
            throw new EvsValidationException("InvalidKeepWithin", parameterName,
                $"'{Validation.InputValidator.Printable(text)}' is not a duration: use years, months, days and hours as restic does (2d, 12h, 1y6m, 3d12h) or a TimeSpan such as 2.00:00:00.", text);
        }

        /// <summary>The moment this duration before <paramref name="utc"/>, calendar steps taken on the wall clock of <paramref name="zone"/>.</summary>
        public DateTime Before(DateTime utc, TimeZoneInfo zone)
        {
            var local = TimeZoneInfo.ConvertTimeFromUtc(DateTime.SpecifyKind(utc, DateTimeKind.Utc), zone);
            var steppedLocal = DateTime.SpecifyKind(local.AddYears(-Years).AddMonths(-Months).AddDays(-Days), DateTimeKind.Unspecified);
            // A wall-clock time skipped by a DST change does not exist: take the first one after it.
            while (zone.IsInvalidTime(steppedLocal)) steppedLocal = steppedLocal.AddMinutes(30);
            return TimeZoneInfo.ConvertTimeToUtc(steppedLocal, zone) - Exact;
        }
    }
}
