<#
.SYNOPSIS
Fault-injection soak of New-EvsVolume: many restores through an emulator that fails a share of all API calls, then
an exact account of the disks in the emulator.

.DESCRIPTION
The emulator gets -Requests snapshots of one disk (db01); all of them are piped into one
New-EvsVolume -Name restore-soak -ThrottleLimit N, so each restore is traced by the snapshot_id of its disk. The faults
are the soak's own kinds that hit a create: reset_after (the connection drops after the disk was committed: ambiguous),
503 and 429. Afterwards, with faults off, the disks are counted per snapshot:
  duplicates  more than one disk for one restore (what X-Client-Token must prevent)
  lost        reported created but absent, or neither reported created nor reported failed
  phantom     reported failed although its disk exists
`dotnet pwsh ./build.ps1 soak` runs it after the snapshot soak (500 restores) and adds a section to docs/RELIABILITY.md;
tests/Pester/New-EvsVolume.Tests.ps1 runs a 100-restore version.
#>
[CmdletBinding()]
param(
    [int] $Requests = 100,
    [double] $FaultRate = 0.2,
    [int] $Seed = 5,
    [int] $ThrottleLimit = 16,
    [string] $ReportPath,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'SoakAccounting.psm1') -Force
Import-Module (Get-EvsModulePath) -Force

$weights = [ordered]@{ reset_after = 4; '503' = 3; '429' = 3 }
$faults = Get-SoakFaultRate -Weights $weights -FaultRate $FaultRate

$emulator = Start-EvsTestEmulator -Arguments @('--create-seconds', '0.5', '--seed', "$Seed")
$watch = [Diagnostics.Stopwatch]::StartNew()
try {
    $connection = Get-EvsEmulatorConnection $emulator
    $null = Connect-EvsProject @connection -MaximumRetryCount 8 -MaximumRetryWaitSec 120 -TimeoutSec 5
    $db01 = $emulator.Info.volumeIds.db01
    $made = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'snapshots' -Method POST -Body @{ count = $Requests; volumeId = $db01; namePrefix = 'restore-src-' }
    $snapshotIds = @($made.ids)

    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats' -Method DELETE
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ faults = $faults; seed = $Seed }
    $unexpected = [System.Collections.Generic.List[string]]::new()
    $errors = $null
    try {
        $created = @($snapshotIds | New-EvsVolume -Name restore-soak -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable errors)
    }
    catch {
        $unexpected.Add("terminating error $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
        $created = @()
    }
    $reported = @{}
    foreach ($v in $created) {
        if ($reported.ContainsKey($v.SnapshotId)) { $unexpected.Add("two results for snapshot $($v.SnapshotId)") }
        $reported[$v.SnapshotId] = $v.Id
    }
    $failed = @{}
    Register-SoakError -Errors $errors -KeyOf { param($e) $e.TargetObject } -Failed $failed -Unexpected $unexpected

    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ faults = $null }
    $stats = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats'
    $stored = @(Get-EvsVolume -Name restore-soak)
    $elapsed = $watch.Elapsed

    $bySnapshot = @{}
    foreach ($g in @($stored | Group-Object SnapshotId)) { $bySnapshot[$g.Name] = @($g.Group.Id) }
    $outcome = Measure-SoakOutcome -Keys $snapshotIds -Reported $reported -Failed $failed -Stored $bySnapshot
    $faultKinds = [ordered]@{}
    foreach ($k in $weights.Keys) { $faultKinds[$k] = [int]$stats.faults.$k }
    $result = [pscustomobject]@{
        Requests        = $Requests
        FaultRate       = $FaultRate
        ApiRequests     = [int]$stats.requests
        FaultsInjected  = ($faultKinds.Values | Measure-Object -Sum).Sum
        FaultsByKind    = $faultKinds
        TokenReplays    = [int]$stats.clientTokenReplays
        ReportedCreated = $reported.Count
        ReportedFailed  = $failed.Count
        FailedByErrorId = ($failed.Values | Group-Object | ForEach-Object { "$($_.Name) x$($_.Count)" }) -join ', '
        DisksCreated    = $stored.Count
        VolumesCreatedStat = [int]$stats.volumesCreated
        ExactlyOne      = $outcome.ExactlyOne
        Duplicates      = $outcome.Duplicates
        Lost            = $outcome.Lost
        Phantom         = $outcome.Phantom
        Unexpected      = $unexpected.Count
        UnexpectedDetails = @($unexpected)
        Seconds         = [math]::Round($elapsed.TotalSeconds, 1)
        Passed          = ($outcome.Duplicates -eq 0 -and $outcome.Lost -eq 0 -and $outcome.Phantom -eq 0 -and $unexpected.Count -eq 0 -and $outcome.ExactlyOne -eq $reported.Count)
    }
}
finally {
    Stop-EvsTestEmulator $emulator
    Disconnect-EvsProject
}

$lines = @(
    "Restore soak: $($result.Requests) restores, $([int]($FaultRate * 100))% of API calls faulted (seed $Seed), -ThrottleLimit $ThrottleLimit, $($result.Seconds) s"
    "  API requests: $($result.ApiRequests); faults: $($result.FaultsInjected) ($(Format-SoakFaultCount $faultKinds)); token replays: $($result.TokenReplays)"
    "  reported created: $($result.ReportedCreated); reported failed: $($result.ReportedFailed)$(if ($result.FailedByErrorId) { " ($($result.FailedByErrorId))" })"
    "  disks in the emulator: $($result.DisksCreated) (volumesCreated $($result.VolumesCreatedStat)); restores with exactly one disk: $($result.ExactlyOne)"
    "  duplicates: $($result.Duplicates); lost: $($result.Lost); phantom: $($result.Phantom); unexpected: $($result.Unexpected)"
    "  result: $(if ($result.Passed) { 'PASS' } else { 'FAIL' })"
)
$lines | ForEach-Object { Write-Host $_ }
foreach ($u in $result.UnexpectedDetails) { Write-Host "  unexpected: $u" }

if ($ReportPath) {
    $section = @"
## Restores to new disks (New-EvsVolume)

Measured by [tests/soak/Invoke-RestoreSoak.ps1](../tests/soak/Invoke-RestoreSoak.ps1) on $(Get-Date -Format 'yyyy-MM-dd'): $($result.Requests) snapshots of one disk piped into
``New-EvsVolume -Name restore-soak -ThrottleLimit $ThrottleLimit``, $([int]($FaultRate * 100))% of all API calls faulted (seed $Seed): $(($faultKinds.Keys | ForEach-Object { "``$_`` $($faults[$_])" }) -join ', ').
``reset_after`` drops the connection after the disk was committed: only the ``X-Client-Token`` sent again with the re-sent request keeps it one disk.

| Measure | Count |
|---|---|
| Restores | $($result.Requests) |
| API requests received | $($result.ApiRequests) |
| Faults injected | $($result.FaultsInjected) ($(Format-SoakFaultCount $faultKinds)) |
| Re-sent creates answered from the token (replays) | $($result.TokenReplays) |
| Reported created / failed | $($result.ReportedCreated) / $($result.ReportedFailed)$(if ($result.FailedByErrorId) { " ($($result.FailedByErrorId))" }) |
| Disks in the emulator | $($result.DisksCreated) |
| **Duplicate disks** | **$($result.Duplicates)** |
| **Lost** | **$($result.Lost)** |
| **Phantom** | **$($result.Phantom)** |
| **Unexpected exceptions** | **$($result.Unexpected)** |
| Run time | $($result.Seconds) s |
"@
    $existing = if (Test-Path $ReportPath) { Get-Content -Raw $ReportPath } else { "# Reliability under faults`n" }
    $cut = $existing.IndexOf('## Restores to new disks')
    if ($cut -ge 0) { $existing = $existing.Substring(0, $cut) }
    Set-Content -LiteralPath $ReportPath -Value ($existing.TrimEnd() + "`n`n" + $section) -Encoding utf8
}
if ($PassThru) { $result }
elseif (-not $result.Passed) { exit 1 }
