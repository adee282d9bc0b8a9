<#
.SYNOPSIS
Fault-injection soak: many snapshot requests through an emulator that fails a share of all API calls in every
way it can, then an exact account against the emulator's own state.

.DESCRIPTION
Each request is one (round, volume) pair: round r pipes its volumes into New-EvsSnapshot -Name soak-r<r>, so
every snapshot in the emulator can be traced to the request that made it. Afterwards, with faults off, the
emulator's snapshot list is compared with what the cmdlet reported:
  duplicates  more than one snapshot for one request
  lost        reported created but absent, or neither reported created nor reported failed
  phantom     reported failed although its snapshot exists (a committed create reported as failed)
  unexpected  error records that are not the module's own (ErrorId UnexpectedError, non-EvsException), or a crash
The target is exactly one snapshot per successful request and zero of each of the four.

`dotnet pwsh ./build.ps1 soak` runs 1,000 requests over 200 volumes with 20% faults and writes docs/RELIABILITY.md;
tests/Pester/Soak.Tests.ps1 runs a 100-request version in the test suite.
#>
[CmdletBinding()]
param(
    [int] $Requests = 1000,
    [int] $Volumes = 200,
    [double] $FaultRate = 0.2,
    [int] $Seed = 7,
    [int] $ThrottleLimit = 16,
    [string] $ReportPath,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
Import-Module (Join-Path $PSScriptRoot 'SoakAccounting.psm1') -Force
Import-Module (Get-EvsModulePath) -Force

# How the fault rate is shared between kinds (normalised to -FaultRate). "slow" answers after 3 s while the
# client times out after 2 s, so it exercises timeouts; reset_after, 504_after and malformed are the
# ambiguous cases where the server has committed the snapshot but the client cannot know.
$weights = [ordered]@{ reset_before = 3; '503' = 3; '429' = 2; '429_retry_after' = 2; slow = 2; reset_after = 3; '504_after' = 3; malformed = 2 }
$faults = Get-SoakFaultRate -Weights $weights -FaultRate $FaultRate
$faults.slowMs = 3000

$emulator = Start-EvsTestEmulator -Arguments @('--volumes', "$Volumes", '--create-seconds', '1', '--seed', "$Seed")
$watch = [Diagnostics.Stopwatch]::StartNew()
try {
    $connection = Get-EvsEmulatorConnection $emulator
    $null = Connect-EvsProject @connection -MaximumRetryCount 8 -MaximumRetryWaitSec 120 -TimeoutSec 2
    $targets = @(Get-EvsVolume -Name 'vol-*' | Sort-Object Name)
    if ($targets.Count -ne $Volumes) { throw "Expected $Volumes generated volumes, found $($targets.Count)." }

    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats' -Method DELETE
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ faults = $faults; seed = $Seed }

    $reported = @{}     # "round|volume" -> snapshot id
    $failed = @{}       # "round|volume" -> ErrorId
    $unexpected = [System.Collections.Generic.List[string]]::new()
    $keys = [System.Collections.Generic.List[string]]::new()   # every request sent, "round|volume"
    $round = 0
    while ($keys.Count -lt $Requests) {
        $round++
        $batch = @($targets | Select-Object -First ([math]::Min($Volumes, $Requests - $keys.Count)))
        foreach ($v in $batch) { $keys.Add("$round|$($v.Id)") }
        $errors = $null
        try {
            $created = $batch | New-EvsSnapshot -Name "soak-r$round" -ThrottleLimit $ThrottleLimit -ErrorAction SilentlyContinue -ErrorVariable errors
        }
        catch {
            $unexpected.Add("round ${round}: terminating error $($_.FullyQualifiedErrorId): $($_.Exception.Message)")
            $created = @()
        }
        foreach ($s in $created) {
            $key = "$round|$($s.VolumeId)"
            if ($reported.ContainsKey($key)) { $unexpected.Add("round ${round}: two results for volume $($s.VolumeId)") }
            $reported[$key] = $s.Id
        }
        Register-SoakError -Errors $errors -KeyOf { param($e) "$round|$($e.TargetObject)" } -Failed $failed -Unexpected $unexpected -Label "round ${round}: "
        Write-Verbose "round ${round}: $(@($created).Count) created, $(@($errors).Count) failed"
    }

    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ faults = $null }
    $stats = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats'
    $stored = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'snapshots').snapshots | Where-Object { $_.name -like 'soak-r*' })
    $elapsed = $watch.Elapsed

    # Group the emulator's snapshots by the request that made them.
    $byRequest = @{}
    foreach ($s in $stored) {
        $key = "$($s.name.Substring(6))|$($s.volumeId)"
        if (-not $byRequest.ContainsKey($key)) { $byRequest[$key] = [System.Collections.Generic.List[string]]::new() }
        $byRequest[$key].Add($s.id)
    }
    $outcome = Measure-SoakOutcome -Keys @($keys) -Reported $reported -Failed $failed -Stored $byRequest

    $faultKinds = [ordered]@{}
    foreach ($k in $weights.Keys) { $faultKinds[$k] = [int]$stats.faults.$k }
    $result = [pscustomobject]@{
        Requests            = $Requests
        Volumes             = $Volumes
        FaultRate           = $FaultRate
        ApiRequests         = [int]$stats.requests
        FaultsInjected      = ($faultKinds.Values | Measure-Object -Sum).Sum
        FaultsByKind        = $faultKinds
        ReportedCreated     = $reported.Count
        ReportedFailed      = $failed.Count
        FailedByErrorId     = ($failed.Values | Group-Object | ForEach-Object { "$($_.Name) x$($_.Count)" }) -join ', '
        SnapshotsCreated    = $stored.Count
        ExactlyOne          = $outcome.ExactlyOne
        Duplicates          = $outcome.Duplicates
        Lost                = $outcome.Lost
        Phantom             = $outcome.Phantom
        Unexpected          = $unexpected.Count
        UnexpectedDetails   = @($unexpected)
        Seconds             = [math]::Round($elapsed.TotalSeconds, 1)
        Passed              = ($outcome.Duplicates -eq 0 -and $outcome.Lost -eq 0 -and $outcome.Phantom -eq 0 -and $unexpected.Count -eq 0 -and $outcome.ExactlyOne -eq $reported.Count)
    }
}
finally {
    Stop-EvsTestEmulator $emulator
    Disconnect-EvsProject
}

$lines = @(
    "Soak: $($result.Requests) snapshot requests over $($result.Volumes) volumes, $([int]($FaultRate * 100))% of API calls faulted (seed $Seed), -ThrottleLimit $ThrottleLimit, $($result.Seconds) s"
    "  API requests the emulator received: $($result.ApiRequests)"
    "  faults injected: $($result.FaultsInjected) ($(Format-SoakFaultCount $faultKinds))"
    "  reported created: $($result.ReportedCreated); reported failed: $($result.ReportedFailed)$(if ($result.FailedByErrorId) { " ($($result.FailedByErrorId))" })"
    "  snapshots in the emulator: $($result.SnapshotsCreated); requests with exactly one snapshot: $($result.ExactlyOne)"
    "  duplicates: $($result.Duplicates); lost: $($result.Lost); phantom (reported failed but created): $($result.Phantom); unexpected exceptions: $($result.Unexpected)"
    "  result: $(if ($result.Passed) { 'PASS' } else { 'FAIL' })"
)
$lines | ForEach-Object { Write-Host $_ }
foreach ($u in $result.UnexpectedDetails) { Write-Host "  unexpected: $u" }

if ($ReportPath) {
    $machine = "$(([regex]::Match((Get-Content /proc/cpuinfo -Raw -ErrorAction SilentlyContinue), 'model name\s*:\s*(.+)')).Groups[1].Value.Trim()), $([Environment]::ProcessorCount) cores; .NET $([Environment]::Version); PowerShell $($PSVersionTable.PSVersion); $([Runtime.InteropServices.RuntimeInformation]::OSDescription)"
    $report = @"
# Reliability under faults

Measured by ``dotnet pwsh ./build.ps1 soak`` ([tests/soak/Invoke-Soak.ps1](../tests/soak/Invoke-Soak.ps1)) on $(Get-Date -Format 'yyyy-MM-dd'), $machine.

## Method

$($result.Requests) snapshot requests: $([math]::Ceiling($Requests / $Volumes)) rounds, each piping $($result.Volumes) volumes into
``New-EvsSnapshot -Name soak-r<round> -ThrottleLimit $ThrottleLimit``, against the local emulator with $([int]($FaultRate * 100))% of all API calls
(creates, the lookups made after an ambiguous failure, lists) failed on purpose, deterministically (seed $Seed):

| Fault | Rate | What the client sees | Server state |
|---|---|---|---|
$(($weights.Keys | ForEach-Object {
    $what = @{ reset_before = 'connection reset'; '503' = '503 EVS.5503'; '429' = '429 APIGW.0308'; '429_retry_after' = '429 with Retry-After: 1'; slow = 'no answer for 3 s (client timeout 2 s)'; reset_after = 'connection reset'; '504_after' = '504 gateway timeout'; malformed = 'truncated JSON with 202' }[$_]
    $state = if ($_ -in 'reset_after', '504_after', 'malformed') { 'committed (ambiguous)' } elseif ($_ -eq 'slow') { 'not processed (client gone)' } else { 'not processed' }
    "| ``$_`` | $($faults[$_]) | $what | $state |"
}) -join "`n")

The module ran with ``-MaximumRetryCount 8 -MaximumRetryWaitSec 120 -TimeoutSec 2``. Afterwards, with faults off, every snapshot
in the emulator was traced back to its request by name and volume and compared with what the cmdlet reported.

## Result

| Measure | Count |
|---|---|
| Snapshot requests | $($result.Requests) |
| API requests received by the emulator | $($result.ApiRequests) |
| Faults injected | $($result.FaultsInjected) |
$(($weights.Keys | ForEach-Object { "| &nbsp;&nbsp;$_ | $($faultKinds[$_]) |" }) -join "`n")
| Reported created | $($result.ReportedCreated) |
| Reported failed | $($result.ReportedFailed)$(if ($result.FailedByErrorId) { " ($($result.FailedByErrorId))" }) |
| Snapshots in the emulator | $($result.SnapshotsCreated) |
| Requests with exactly one snapshot | $($result.ExactlyOne) |
| **Duplicates** | **$($result.Duplicates)** |
| **Lost** (reported created but absent, or neither created nor failed) | **$($result.Lost)** |
| **Phantom** (reported failed but created) | **$($result.Phantom)** |
| **Unexpected exceptions** | **$($result.Unexpected)** |
| Run time | $($result.Seconds) s |

Target: exactly one snapshot per successful request, 0 duplicates, 0 lost, 0 phantom, 0 unexpected exceptions: **$(if ($result.Passed) { 'met' } else { 'NOT met' })**.

## Why it holds

- Reads, deletes, rollbacks and metadata changes are retried on 429, 502/503/504, connection failures and timeouts,
  with exponential backoff and jitter, honouring Retry-After, within the attempt and time budgets set on Connect-EvsProject.
- ``POST cloudsnapshots`` has no idempotency key in the API, so every create carries a fresh client token in its metadata
  (``evssnapshot_client_token``). After an ambiguous failure (reset or timeout after sending, 502/503/504, a garbled
  answer) the module waits the backoff, lists the volume's snapshots and looks for the token: if the snapshot is there it
  is returned and the create is not sent again; only if it is absent is the same request (same token) sent again.
- Failures that are certain (connection refused, 429) are retried directly; 4xx answers are never retried.
"@
    # Sections written by hand after the soak's own (the hostile-server table) are kept.
    if (Test-Path $ReportPath) {
        $previous = Get-Content -Path $ReportPath -Raw
        $kept = $previous.IndexOf("`n## Hostile server")
        if ($kept -ge 0) { $report = $report.TrimEnd() + "`n" + $previous.Substring($kept).TrimEnd() }
    }
    Set-Content -Path $ReportPath -Value $report -Encoding utf8
    Write-Host "Wrote $ReportPath"
}

if ($PassThru) { $result }
elseif (-not $result.Passed) { exit 1 }
