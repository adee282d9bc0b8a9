namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Words the client's advice for people: this is the only place that names cmdlets and parameters in error
    /// records, so renaming a parameter means changing one line here. Plain C# (no PowerShell types), so the
    /// xunit suite compiles this file in and checks the wording of every advice.
    /// </summary>
    internal static class ErrorAdvice
    {
        public static string? RecommendedAction(EvsException error)
        {
            string? snapshot = error.Fact("SnapshotId"), volume = error.Fact("VolumeId");
            switch (error.Advice)
            {
                case EvsAdvice.SynchronizeClock:
                    return "Synchronise this machine's clock (the signature is valid for 15 minutes around server time).";
                case EvsAdvice.RenewStaticToken:
                    return "Get a new token and run Connect-EvsProject again, or connect with -UserName/-Password so tokens are renewed automatically.";
                case EvsAdvice.CheckAccessKeys:
                    return "Check the access key and secret key passed to Connect-EvsProject: they belong together, and the key must be active.";
                case EvsAdvice.CheckToken:
                    return "Check the token passed to Connect-EvsProject: it must be an unexpired IAM token scoped to this project.";
                case EvsAdvice.CheckPassword:
                    return "Check the user name, password and account (-DomainName) passed to Connect-EvsProject.";
                case EvsAdvice.RequestPermission:
                    return "Ask the account administrator for the EVS permissions this action needs (evs:snapshots:*).";
                case EvsAdvice.SlowDown:
                    return "The gateway let no request through for the retry time budget: raise -MaximumRetryWaitSec on Connect-EvsProject, or run fewer jobs on this credential at once.";
                case EvsAdvice.RetryLater:
                    return "The service is temporarily unavailable; run the command again later.";
                case EvsAdvice.FreeQuota:
                    return "Delete snapshots you no longer need or ask for a higher quota.";
                case EvsAdvice.WaitForSnapshot:
                    return "Wait until the snapshot is available (Wait-EvsSnapshot), then run the command again.";
                case EvsAdvice.FindCreatedSnapshot:
                    return $"Run Get-EvsSnapshot -VolumeId {volume} and look for that metadata before creating again.";
                case EvsAdvice.CheckSnapshotState:
                    return $"Run Get-EvsSnapshot -Id {snapshot} to see whether it is being deleted.";
                case EvsAdvice.FindCreatedVolume:
                    return $"Look for the disk with Get-EvsVolume | Where-Object SnapshotId -eq {snapshot} before running New-EvsVolume again: a new run sends a new client token and would make a second disk.";
                case EvsAdvice.CheckVolumeState:
                    return $"Run Get-EvsVolume -Id {volume} to see whether it is rollbacking.";
                case EvsAdvice.RecreateSnapshot:
                    return "Remove the failed snapshot (Remove-EvsSnapshot) and create it again.";
                case EvsAdvice.ContactSupport:
                    return "Contact support with the snapshot id; a snapshot in error_deleting cannot be deleted again (EVS.2019).";
                case EvsAdvice.WaitLonger:
                    return "Run Wait-EvsSnapshot again with a longer -Timeout, or check the snapshots with Get-EvsSnapshot.";
                case EvsAdvice.RetryRollback:
                    return "Roll back again (Restore-EvsSnapshot accepts a disk in error_rollbacking), or contact support.";
                case EvsAdvice.UseBackupService:
                    return "Manage it through the backup service (CBR) instead.";
                case EvsAdvice.DetachVolume:
                    return "Stop the server and detach the disk first, then run Restore-EvsSnapshot again.";
                case EvsAdvice.WaitForVolume:
                    return "Wait until the disk is available, then run Restore-EvsSnapshot again.";
                case EvsAdvice.ChooseProject:
                    return error.ErrorId == "ProjectNotFound" ? "Pass -ProjectId, or check -Region." : "Pass -ProjectId to choose the project.";
                case EvsAdvice.UseNameParameter:
                    return $"Did you mean -{NameParameter(error)} {Quoted(error.Fact("Name"))}? -{IdParameter(error)} takes an id (a UUID); -{NameParameter(error)} finds by name.";
                case EvsAdvice.WaitForRollback:
                    return snapshot != null
                        ? $"A rollback is running: wait for it with Wait-EvsSnapshot -Id {snapshot}, then run the command again."
                        : $"A rollback is running: wait for it with Get-EvsSnapshot -VolumeId {volume} -Status rollbacking | Wait-EvsSnapshot, then run the command again.";
                case EvsAdvice.UseKnownRegion:
                    return (error.Fact("Suggestion") is string suggestion ? $"Did you mean -Region {suggestion}? " : string.Empty)
                        + "Pass a region id from the list (Tab completes them), or -Endpoint (and -IamEndpoint) for a cloud this module does not know.";
                case EvsAdvice.TrustCertificate:
                    return "For a private cloud with its own CA, trust that CA on this machine or connect with -SkipCertificateCheck.";
                case EvsAdvice.ProvideCredentials:
                    return "Pass a credential to Connect-EvsProject (-Credential, -AccessKey/-SecretKey, -Token, -UserName/-Password, -EcsAgency, -IdpId/-IdTokenFile or -CredentialsFile), or set HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (see Get-Help Connect-EvsProject for the order they are tried in).";
                case EvsAdvice.FixCredentialsFile:
                    string? line = error.Fact("Line");
                    return (line != null ? $"Correct line {line} of {error.Fact("CredentialsFile")}" : $"Check {error.Fact("CredentialsFile")}")
                           + ": section [basic] with 'ak = ...' and 'sk = ...' (or 'idp_id' and 'id_token_file'), one 'key = value' per line.";
                case EvsAdvice.AttachEcsAgency:
                    return "Attach an agency to this ECS in the console (ECS > the server > Management Information > Agency), or connect with another credential instead of -EcsAgency.";
                case EvsAdvice.CheckMetadataService:
                    return "-EcsAgency works only on an ECS (or where -MetadataEndpoint / EVSSNAPSHOT_METADATA_ENDPOINT names a reachable metadata service); elsewhere connect with another credential.";
                case EvsAdvice.CheckIdToken:
                    return $"Check that {error.Fact("IdTokenFile") ?? "the id token file"} holds a current id token that identity provider '{error.Fact("IdpId")}' accepts (-IdpId, -IdTokenFile).";
                case EvsAdvice.CheckAgency:
                    return $"Check -AgencyName '{error.Fact("AgencyName")}' and the delegating account '{error.Fact("AgencyDomain")}' (-AgencyDomainName or -AgencyDomainId), and that the agency trusts the account of the credential you connect with.";
                default:
                    return null;
            }
        }

        /// <summary>Advice that belongs in the message itself, where a person reads it first.</summary>
        public static bool ShownWithMessage(EvsException error) => error.Advice == EvsAdvice.UseNameParameter;

        /// <summary>The parameter an id was given to: the validator's parameter name.</summary>
        private static string IdParameter(EvsException error) => (error as EvsValidationException)?.ParameterName ?? "Id";

        /// <summary>-VolumeId's name counterpart is -VolumeName; -Id's is -Name.</summary>
        private static string NameParameter(EvsException error)
        {
            string id = IdParameter(error);
            return id.EndsWith("Id", System.StringComparison.Ordinal) ? id.Substring(0, id.Length - 2) + "Name" : "Name";
        }

        /// <summary>A value as it would be typed: quoted when it has spaces or quote marks.</summary>
        private static string Quoted(string? value)
        {
            value ??= string.Empty;
            return value.IndexOfAny(new[] { ' ', '\'', '"', '$', '`', ';', ',', '(', ')', '{', '}', '@', '#', '&', '|' }) >= 0 ? "'" + value.Replace("'", "''") + "'" : value;
        }
    }
}
