using System.Management.Automation;

namespace EvsSnapshot.Commands
{
    /// <summary>Shows the session's current context (never a secret). Writes nothing when not connected.</summary>
    [Cmdlet(VerbsCommon.Get, "EvsContext")]
    [OutputType(typeof(EvsContext))]
    public sealed class GetEvsContextCommand : PSCmdlet
    {
        protected override void ProcessRecord()
        {
            var current = CurrentContext.Value;
            if (current != null) WriteObject(current);
            else Streams.Verbose(this, "There is no current EVS context. Run Connect-EvsProject.");
        }
    }
}
