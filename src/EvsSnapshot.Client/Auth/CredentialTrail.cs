using System.Collections.Generic;
using EvsSnapshot.Diagnostics;

namespace EvsSnapshot.Client.Auth
{
    /// <summary>
    /// What the credential chain looked at and why each place was used or skipped: written to -Debug (as AWS.Tools
    /// does) and listed in the error when nothing was found. Names of variables and files only, never values.
    /// </summary>
    internal sealed class CredentialTrail
    {
        private readonly List<string> _steps = new List<string>();
        private readonly List<string> _warnings = new List<string>();

        public IReadOnlyList<string> Steps => _steps;
        public IReadOnlyList<string> Warnings => _warnings;

        public void Step(string place, string outcome) => _steps.Add(place + ": " + outcome);

        /// <summary>A setting that looks like a mistake (half a pair): shown as a warning, not only under -Debug.</summary>
        public void Warn(string message) => _warnings.Add(message);

        public void WriteTo(IEvsTrace trace)
        {
            foreach (var warning in _warnings) trace.Warning(warning);
            for (int i = 0; i < _steps.Count; i++) trace.Debug("Credential chain " + (i + 1) + ". " + _steps[i]);
        }
    }
}
