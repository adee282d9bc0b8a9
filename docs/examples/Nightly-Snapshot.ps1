#Requires -Modules EvsSnapshot
<#
.SYNOPSIS
A user's nightly runbook: snapshot every in-use disk, then prune this runbook's own snapshots older than -KeepDays.

.DESCRIPTION
Runs as it is against Huawei Cloud and against the local emulator of EvsSnapshot.Testing: only the connection
parameters differ (Nightly-Snapshot.Tests.ps1 passes the emulator's). Snapshots made by hand, by other runbooks or by
backups are never pruned: only available snapshots named <Prefix>-yyyyMMdd and tagged runbook=<Prefix>.
Writes one summary object; a disk that could not be snapshotted is reported in it (and as an error) and the other
disks go on.

.EXAMPLE
./Nightly-Snapshot.ps1 -Region cn-north-4 -Credential (Get-Credential) -KeepDays 14
#>
[CmdletBinding()]
param(
    [string] $Region = 'cn-north-4',
    # AK as user name, SK as password; without it the SDK credential chain (CLOUD_SDK_AK / CLOUD_SDK_SK, ...).
    [pscredential] $Credential,
    # A private or test endpoint for EVS and IAM; without it, the region's public endpoints.
    [uri] $Endpoint,
    [string] $ProjectId,
    [ValidateRange(1, 365)] [int] $KeepDays = 7,
    [ValidatePattern('^[a-z][a-z0-9-]{0,30}$')] [string] $Prefix = 'nightly'
)
$ErrorActionPreference = 'Stop'

$connect = @{ Region = $Region }
if ($Credential) { $connect.Credential = $Credential }
if ($Endpoint) { $connect.Endpoint = $Endpoint; $connect.IamEndpoint = $Endpoint }
if ($ProjectId) { $connect.ProjectId = $ProjectId }
Connect-EvsProject @connect
try {
    # 1. One snapshot per in-use disk, all at once, and wait until they are available. A failing disk is a
    #    non-terminating error: collect it and go on with the others.
    $name = "$Prefix-$((Get-Date).ToUniversalTime().ToString('yyyyMMdd'))"
    $failures = @()
    $created = @(Get-EvsVolume -Status in-use |
            New-EvsSnapshot -Name $name -Metadata @{ runbook = $Prefix } -Wait -ErrorAction Continue -ErrorVariable +failures)

    # 2. Prune: only this runbook's available snapshots, older than the cutoff, never a backup's.
    $cutoff = (Get-Date).AddDays(-$KeepDays)
    $old = @(Get-EvsSnapshot -Name "$Prefix-*" -Status available -OlderThan $cutoff -Metadata @{ runbook = $Prefix } |
            Where-Object { -not $_.IsBackupSnapshot })
    $old | Remove-EvsSnapshot -Confirm:$false -Wait

    [pscustomobject]@{
        Created = $created.Count
        Pruned  = $old.Count
        Failed  = $failures.Count
        Name    = $name
    }
}
finally {
    Disconnect-EvsProject
}
