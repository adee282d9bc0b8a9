using System;

namespace EvsSnapshot.Validation
{
    /// <summary>
    /// The checks a free-text input gets (names, descriptions, metadata): blank, length, characters. One rule per
    /// kind of text; <see cref="Check"/> is the only place the checks are written. Error ids are the rule's prefix
    /// plus <c>Empty</c>, <c>TooLong</c> or <c>InvalidCharacter</c>.
    /// </summary>
    public sealed class TextRule
    {
        public TextRule(string subject, string errorIdPrefix, int maxLength)
        {
            Subject = subject;
            ErrorIdPrefix = errorIdPrefix;
            MaxLength = maxLength;
        }

        /// <summary>What the text is, for messages: "snapshot name".</summary>
        public string Subject { get; }

        public string ErrorIdPrefix { get; }

        /// <summary>In UTF-16 code units, the stricter of the documented readings.</summary>
        public int MaxLength { get; }

        /// <summary>An empty or blank value is allowed (descriptions, metadata values).</summary>
        public bool AllowBlank { get; set; }

        /// <summary>Line breaks and tabs are allowed (descriptions).</summary>
        public bool AllowLineBreaks { get; set; }

        /// <summary>A sentence added to the "empty" message.</summary>
        public string? EmptyHint { get; set; }

        /// <summary>Whether the value is echoed in the "invalid character" message.</summary>
        public bool EchoInvalidValue { get; set; } = true;

        /// <summary>Extra words after the "control character" phrase.</summary>
        public string InvalidCharacterDetail { get; set; } = string.Empty;

        /// <summary>Checks <paramref name="value"/> and returns it; <paramref name="subject"/> overrides the rule's subject.</summary>
        public string Check(string value, string parameterName, string? subject = null, object? target = null)
        {
            string what = subject ?? Subject;
            target ??= value;
            if (!AllowBlank && value.Trim().Length == 0)
            {
                throw new EvsValidationException(ErrorIdPrefix + "Empty", parameterName,
                    Capitalize($"the {what} is empty or blank." + (EmptyHint == null ? string.Empty : " " + EmptyHint)), target);
            }
            if (value.Length > MaxLength)
            {
                throw new EvsValidationException(ErrorIdPrefix + "TooLong", parameterName,
                    Capitalize($"the {what} is {value.Length} characters long; at most {MaxLength} are allowed."), target);
            }
            if (InputValidator.HasControlCharacter(value, AllowLineBreaks))
            {
                string shown = EchoInvalidValue ? $" '{InputValidator.Printable(value)}'" : string.Empty;
                throw new EvsValidationException(ErrorIdPrefix + "InvalidCharacter", parameterName,
                    Capitalize($"the {what}{shown} contains a control character{InvalidCharacterDetail}."), target);
            }
            return value;
        }

        private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text.Substring(1);
    }
}
