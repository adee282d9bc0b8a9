using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// Removes secrets from any text that may reach a user: server messages (the gateway may echo the canonical
    /// request, which contains signed header values), trace lines and exception messages.
    /// </summary>
    public sealed class SecretRedactor
    {
        public const string Mask = "[redacted]";

        private static readonly Regex CanonicalRequestEcho = new Regex(",?\\s*canonicalRequest:.*$", RegexOptions.Singleline | RegexOptions.CultureInvariant);
        private static readonly Regex SignatureValue = new Regex("Signature=[0-9a-fA-F]{16,}", RegexOptions.CultureInvariant);

        private readonly object _lock = new object();
        private string[] _secrets = Array.Empty<string>();

        /// <summary>Secrets at least this long are masked wherever they occur; shorter ones only as a whole word.</summary>
        internal const int AnywhereLength = 6;

        /// <summary>Registers a value that must never be shown (tokens obtained later are added as they arrive).</summary>
        public void Add(string? secret)
        {
            if (string.IsNullOrEmpty(secret)) return;
            lock (_lock)
            {
                if (Array.IndexOf(_secrets, secret) >= 0) return;
                var list = new List<string>(_secrets) { secret! };
                list.Sort((a, b) => b.Length.CompareTo(a.Length)); // longest first, so a secret containing another is fully masked
                _secrets = list.ToArray();
            }
        }

        public string Scrub(string? text)
        {
            if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
            string result = CanonicalRequestEcho.Replace(text!, string.Empty);
            result = SignatureValue.Replace(result, "Signature=" + Mask);
            foreach (var secret in _secrets)
            {
                if (result.IndexOf(secret, StringComparison.Ordinal) < 0) continue;
                result = secret.Length >= AnywhereLength ? result.Replace(secret, Mask) : ReplaceWholeWords(result, secret);
            }
            return result;
        }

        /// <summary>
        /// What a response says, ready for a message: secrets masked, then every character that could steer a
        /// terminal made visible (<see cref="DisplayText.Safe"/>). For every string that comes from a server
        /// (codes, messages, request ids, reason phrases, field values) before it is put into any message.
        /// </summary>
        public string ForMessage(string? text) => DisplayText.Safe(Scrub(text));

        /// <summary>
        /// Masks a short secret only where it stands alone (no letter or digit next to it), so a 5-character
        /// password is masked in "password abcde is wrong" but "abcdefgh" is left as it is.
        /// </summary>
        private static string ReplaceWholeWords(string text, string secret)
        {
            var sb = new System.Text.StringBuilder(text.Length);
            int from = 0;
            while (true)
            {
                int at = text.IndexOf(secret, from, StringComparison.Ordinal);
                if (at < 0) break;
                int after = at + secret.Length;
                bool alone = (at == 0 || !char.IsLetterOrDigit(text[at - 1])) && (after == text.Length || !char.IsLetterOrDigit(text[after]));
                sb.Append(text, from, at - from).Append(alone ? Mask : secret);
                from = after;
            }
            sb.Append(text, from, text.Length - from);
            return sb.ToString();
        }
    }
}
