using System.Text.RegularExpressions;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>An IAM agency to act through (§14.6): the delegating account's agency, assumed with the base credential.</summary>
    public sealed class AgencySettings
    {
        public const int MinDurationSeconds = 900;
        public const int MaxDurationSeconds = 86400;

        /// <summary>The API's default is 900 s; an hour spares most runbooks a renewal and is what the module asks for.</summary>
        public const int DefaultDurationSeconds = 3600;

        private static readonly Regex SessionNamePattern = new Regex("^[A-Za-z][A-Za-z0-9_-]{4,63}\\z", RegexOptions.CultureInvariant);

        public string Name { get; set; } = string.Empty;

        /// <summary>The delegating account by name; <see cref="DomainId"/> may be given instead, or both.</summary>
        public string? DomainName { get; set; }

        public string? DomainId { get; set; }

        public int DurationSeconds { get; set; } = DefaultDurationSeconds;

        /// <summary>session_user.name: shows in the delegating account's audit trail.</summary>
        public string? SessionName { get; set; }

        /// <summary>The delegating account as users name it: its name, else its id.</summary>
        public string Account => DomainName ?? DomainId ?? string.Empty;

        /// <summary>"name@account", as the context shows it.</summary>
        public override string ToString() => Name + "@" + Account;

        /// <summary>The rules of §14.6, checked before anything is sent.</summary>
        internal void Validate()
        {
            if (string.IsNullOrWhiteSpace(Name))
                throw new EvsValidationException("AgencyNameMissing", "AgencyName", "The agency name is empty.");
            if (HasControlOrSpace(Name))
                throw new EvsValidationException("InvalidAgencyName", "AgencyName", $"The agency name '{Validation.InputValidator.Printable(Name.Trim())}' contains whitespace or a control, bidirectional or zero-width character.");
            if (DomainName != null && Validation.InputValidator.HasControlCharacter(DomainName, false))
                throw new EvsValidationException("InvalidAgencyDomainName", "AgencyDomainName",
                    $"The agency's account name '{Validation.InputValidator.Printable(DomainName)}' contains a control, bidirectional or zero-width character.");
            if (string.IsNullOrWhiteSpace(DomainName) && string.IsNullOrWhiteSpace(DomainId))
                throw new EvsValidationException("AgencyDomainMissing", "AgencyDomainName",
                    $"Agency '{Name}' needs the account that delegates it: its name or its id.");
            if (DurationSeconds < MinDurationSeconds || DurationSeconds > MaxDurationSeconds)
                throw new EvsValidationException("InvalidAgencyDuration", "AgencyDurationSeconds",
                    $"The agency duration must be {MinDurationSeconds} to {MaxDurationSeconds} seconds, not {DurationSeconds}.");
            if (SessionName != null && !SessionNamePattern.IsMatch(SessionName))
                throw new EvsValidationException("InvalidAgencySessionName", "AgencySessionName",
                    "The agency session name must be 5 to 64 letters, digits, '-' or '_', starting with a letter.");
        }

        private static bool HasControlOrSpace(string value)
        {
            foreach (char c in value) if (DisplayText.IsUnsafe(c) || char.IsWhiteSpace(c)) return true;
            return false;
        }
    }
}
