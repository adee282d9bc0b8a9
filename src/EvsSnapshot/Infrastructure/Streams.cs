using System.Management.Automation;

namespace EvsSnapshot.Commands
{
    internal static class Streams
    {
        /// <summary>
        /// WriteVerbose, except under -Debug without -Verbose: PowerShell then sets the verbose preference to
        /// Inquire and would stop at every line with a "Continue with this operation?" prompt (and fail in
        /// non-interactive hosts). The message goes to the debug stream instead, which -Debug shows anyway.
        /// </summary>
        public static void Verbose(PSCmdlet cmdlet, string message)
        {
            message = DisplayText.SafeLines(message);
            var bound = cmdlet.MyInvocation.BoundParameters;
            if (bound.ContainsKey("Debug") && !bound.ContainsKey("Verbose")) cmdlet.WriteDebug(message);
            else cmdlet.WriteVerbose(message);
        }
    }
}
