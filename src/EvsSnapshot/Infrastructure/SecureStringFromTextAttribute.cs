using System.Management.Automation;
using System.Security;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Lets a SecureString parameter take the text of a secret too (-Token $env:EVS_TOKEN), as runbooks get secrets
    /// from an environment variable or a vault as text anyway: the text is copied into a read-only SecureString at
    /// binding, so nothing after the binder holds it as a string. Without it PowerShell refuses the string, and the
    /// usual cure, ConvertTo-SecureString -AsPlainText, costs a fresh process about 0.1 s to load its module.
    /// </summary>
    public sealed class SecureStringFromTextAttribute : ArgumentTransformationAttribute
    {
        public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
        {
            if (!((inputData is PSObject ps ? ps.BaseObject : inputData) is string text)) return inputData;
            var secure = new SecureString();
            foreach (char c in text) secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
    }
}
