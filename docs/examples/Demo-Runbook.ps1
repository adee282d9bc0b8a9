<#
.SYNOPSIS
A nightly snapshot runbook, end to end: snapshot every in-use disk and wait (safe to re-run: -ClientToken),
list, rename one, roll a detached disk back, and prune with a retention policy (Limit-EvsSnapshot).

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
    [int] $KeepDays = 7,
    [string] $TimeZone = 'UTC'
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

# 1. Snapshot every in-use disk, all requests in parallel, and wait until every snapshot is available. The client
#    token names tonight's run: a scheduler's re-run returns these snapshots instead of making new ones.
$stamp = Get-Date -Format yyyyMMdd
$nightly = Get-EvsVolume -Status in-use | New-EvsSnapshot -Name "nightly-$stamp" -ClientToken "nightly-$stamp" -Metadata @{ runbook = 'nightly' } -Wait
Show "Created $($nightly.Count) snapshots (Get-EvsVolume -Status in-use | New-EvsSnapshot -ClientToken -Wait)" $nightly
$again = @(Get-EvsVolume -Status in-use | New-EvsSnapshot -Name "nightly-$stamp" -ClientToken "nightly-$stamp")
$made = @($again | Where-Object Id -NotIn $nightly.Id).Count
Show "A re-run with the same -ClientToken: $($again.Count) snapshots returned, $made new" $again

# 2. List what the project holds now (newest first).
$all = @(Get-EvsSnapshot)
Show "All snapshots (Get-EvsSnapshot): $($all.Count), the 12 newest" ($all | Select-Object -First 12)

# 3. Rename one and tag it.
$keeper = $nightly | Select-Object -First 1
$renamed = $keeper | Set-EvsSnapshot -Name "keep-$stamp" -AddMetadata @{ retain = 'forever' } -PassThru
Show 'Renamed (Set-EvsSnapshot -Name -AddMetadata -PassThru)' $renamed

# 4. Roll a detached disk back to a snapshot taken a moment ago.
$app = Get-EvsVolume -Name app01
$before = $app | New-EvsSnapshot -Name "app01-before-change-$stamp" -Wait
$restored = $before | Restore-EvsSnapshot -Force -Wait -PassThru
Show 'Rolled back (Restore-EvsSnapshot -Wait -PassThru)' $restored

# 5. Prune with a retention policy: the last 3, one a day for $KeepDays days, one a week for 4 weeks, one a month for
#    a year. Only available snapshots are removed, never a backup's own, never a disk's newest; the whole listing is
#    read first, and a failed listing removes nothing.
$plan = Get-EvsSnapshot | Limit-EvsSnapshot -KeepLast 3 -KeepDaily $KeepDays -KeepWeekly 4 -KeepMonthly 12 -TimeZone $TimeZone -Force -Wait
Show "Retention plan (Limit-EvsSnapshot): $(@($plan | Where-Object Action -EQ Remove).Count) removed, $(@($plan | Where-Object Action -EQ Keep).Count) kept" $plan

Show 'Snapshots left' (Get-EvsSnapshot)
Disconnect-EvsProject
