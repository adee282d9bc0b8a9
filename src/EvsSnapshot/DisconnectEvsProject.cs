using System.Management.Automation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Clears the session's current context. Contexts kept in variables (Connect-EvsProject -PassThru) stay
    /// usable with -Context: other runspaces of the process may still be working with them.
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "EvsProject")]
    [OutputType(typeof(void))]
    public sealed class DisconnectEvsProjectCommand : PSCmdlet
    {
        protected override void ProcessRecord()
        {
            var current = CurrentContext.Take();
            if (current == null)
            {
                Streams.Verbose(this, "There is no current EVS context; nothing to disconnect.");
                return;
            }
            Streams.Verbose(this, $"Disconnected from project {current.ProjectId} in {current.Region}.");
        }
    }
}
