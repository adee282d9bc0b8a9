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

        /// <summary>Registers a value that must never be shown (tokens obtained later are added as they arrive).</summary>
        public void Add(string? secret)
        {
            // Very short values would mask ordinary words; real secrets are long.
            if (string.IsNullOrEmpty(secret) || secret!.Length < 6) return;
            lock (_lock)
            {
                var list = new List<string>(_secrets) { secret };
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
                if (result.IndexOf(secret, StringComparison.Ordinal) >= 0) result = result.Replace(secret, Mask);
            }
            return result;
        }
    }
}
