<#
.SYNOPSIS
A nightly snapshot runbook, end to end: snapshot every in-use disk and wait, list, rename one, roll a
detached disk back, and prune snapshots older than a cutoff.

.DESCRIPTION
`dotnet pwsh ./build.ps1 demo` runs this against the local emulator. Against Huawei Cloud, drop -Endpoint and
-ProjectId and pass real credentials (or set CLOUD_SDK_AK / CLOUD_SDK_SK).
#>
param(
    [string] $ModulePath = 'EvsSnapshot',
    [string] $Region = 'cn-north-4',
    [string] $Endpoint,
    [string] $ProjectId,
    [Parameter(Mandatory)] [string] $AccessKey,
    [Parameter(Mandatory)] [string] $SecretKey,
    [int] $KeepDays = 7
)

$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

function Show([string] $Title, $Objects) {
    Write-Host ''
    Write-Host "--- $Title" -ForegroundColor Green
    $Objects | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
}

$connect = @{ Region = $Region; Credential = [pscredential]::new($AccessKey, (ConvertTo-SecureString $SecretKey -AsPlainText -Force)) }
if ($Endpoint) { $connect.Endpoint = $Endpoint; $connect.IamEndpoint = $Endpoint }
if ($ProjectId) { $connect.ProjectId = $ProjectId }
$context = Connect-EvsProject @connect -PassThru
Show 'Connected' $context

Show 'Disks' (Get-EvsVolume)

# 1. Snapshot every in-use disk, all requests in parallel, and wait until every snapshot is available.
$stamp = Get-Date -Format yyyyMMdd
$nightly = Get-EvsVolume -Status in-use | New-EvsSnapshot -Name "nightly-$stamp" -Metadata @{ runbook = 'nightly' } -Wait
Show "Created $($nightly.Count) snapshots (Get-EvsVolume -Status in-use | New-EvsSnapshot -Wait)" $nightly

# 2. List what the project holds now.
Show 'All snapshots (Get-EvsSnapshot)' (Get-EvsSnapshot)

# 3. Rename one and tag it.
$keeper = $nightly | Select-Object -First 1
$renamed = $keeper | Set-EvsSnapshot -Name "keep-$stamp" -AddMetadata @{ retain = 'forever' } -PassThru
Show 'Renamed (Set-EvsSnapshot -Name -AddMetadata -PassThru)' $renamed

# 4. Roll a detached disk back to a snapshot taken a moment ago.
$app = Get-EvsVolume -Name app01
$before = $app | New-EvsSnapshot -Name "app01-before-change-$stamp" -Wait
$restored = $before | Restore-EvsSnapshot -Force -Wait -PassThru
Show 'Rolled back (Restore-EvsSnapshot -Wait -PassThru)' $restored

# 5. Prune: delete available snapshots older than the cutoff, never a backup's own snapshots.
$old = Get-EvsSnapshot -Status available -OlderThan (New-TimeSpan -Days $KeepDays) | Where-Object { -not $_.IsBackupSnapshot }
Show "Pruning $($old.Count) snapshots older than $KeepDays days" $old
$old | Remove-EvsSnapshot -Confirm:$false -Wait

Show 'Snapshots left' (Get-EvsSnapshot)
Disconnect-EvsProject
