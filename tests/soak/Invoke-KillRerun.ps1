<#
.SYNOPSIS
Kill-and-re-run soak of New-EvsSnapshot -ClientToken: a scheduler that kills the nightly job at a random moment and
starts it again must end with exactly one snapshot per disk.

.DESCRIPTION
A child pwsh pipes -Disks disks into `New-EvsSnapshot -Name <name> -ClientToken <token>`. The parent kills it (the
whole process tree, as a scheduler's time limit does) at a random moment, waits until the emulator has finished
any request the dead process left in flight, and starts it again, -Kills times; then it lets one run complete.
Most kills fall while the creates are being sent (the parent waits until a random number of further creates
have happened, about twice the run's share of what is left at most, so the kills spread over the batch); one kill
in five falls at a random time 0.3 to 6 s after the start (start-up, import, connection, the token lookup, or the
first creates).

Afterwards the emulator's snapshots are checked: for every disk exactly one snapshot carries the token's
documented metadata value (none missing, none twice), none is in error, and the completing run reported every
disk and no error. The list and create requests of each run are counted from the emulator's request log.

`dotnet pwsh ./build.ps1 soak` runs 200 disks and 10 kills and writes the section "Kill and re-run" of
docs/RELIABILITY.md; tests/Pester/Soak.Tests.ps1 runs a short version.
#>
[CmdletBinding()]
param(
    [int] $Disks = 200,
    [int] $Kills = 10,
    [int] $Seed = 15,
    [int] $ThrottleLimit = 8,
    # Server time of every API request: long enough that a kill lands among requests in flight.
    [int] $LatencyMs = 300,
    [string] $ReportPath,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
$PSDefaultParameterValues['Invoke-RestMethod:Verbose'] = $false

$random = [Random]::new($Seed)
$token = "nightly-kill-soak-$Seed"
$name = "kill-soak-$Seed"
$emulator = Start-EvsTestEmulator -Arguments @('--volumes', "$Disks", '--create-seconds', '1', '--seed', "$Seed")
$watch = [Diagnostics.Stopwatch]::StartNew()

function Get-Created { [int](Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats').snapshotsCreated }

function Get-RunRequests {
    $log = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests').requests)
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests' -Method DELETE
    [pscustomobject]@{
        Lists   = @($log | Where-Object { $_.method -eq 'GET' -and $_.path -like '*/cloudsnapshots/detail' }).Count
        Creates = @($log | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cloudsnapshots' -and $_.status -ne 0 }).Count
    }
}

# The child: the runbook's line, nothing else. It prints how many snapshots it returned and how many errors it wrote.
$i = $emulator.Info
$child = @"
`$ErrorActionPreference = 'Continue'
Import-Module '$(Get-EvsModulePath)'
`$cred = [pscredential]::new('$($i.accessKey)', (ConvertTo-SecureString '$($i.secretKey)' -AsPlainText -Force))
`$null = Connect-EvsProject -Region cn-north-4 -Endpoint '$($emulator.Url)' -IamEndpoint '$($emulator.Url)' -ProjectId '$($i.projectId)' -Credential `$cred
`$out = @(Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -Name '$name' -ClientToken '$token' -ThrottleLimit $ThrottleLimit -ErrorVariable failed -ErrorAction SilentlyContinue)
"RESULT `$(`$out.Count) `$(@(`$failed).Count)"
foreach (`$f in @(`$failed)) { "ERROR `$(`$f.FullyQualifiedErrorId): `$f" }
"@
$childFile = Join-Path ([IO.Path]::GetTempPath()) "evs-kill-rerun-$([guid]::NewGuid().ToString('N')).ps1"
Set-Content -LiteralPath $childFile -Value $child

$runs = [Collections.Generic.List[object]]::new()
try {
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = $LatencyMs }
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests' -Method DELETE
    for ($k = 1; $k -le $Kills + 1; $k++) {
        $final = $k -gt $Kills
        $before = Get-Created
        $process = Start-EvsPwsh -ArgumentList @('-NoProfile', '-NonInteractive', '-File', $childFile)
        $kind = 'completed'
        if (-not $final) {
            $early = $random.NextDouble() -lt 0.2 -or $before -ge $Disks - 1
            if ($early) {
                $delayMs = $random.Next(300, 6000)
                $kind = "killed after $delayMs ms"
                $null = $process.Process.WaitForExit($delayMs)
            }
            else {
                # Spread the kills over the batch: each lets through a random share of about twice its part of what is left.
                $slice = [math]::Max(1, [math]::Floor(($Disks - $before) / ($Kills - $k + 2)))
                $target = [math]::Min($Disks - 1, $before + $random.Next(1, 2 * $slice + 1))
                $kind = "killed at create $target"
                while (-not $process.Process.HasExited -and (Get-Created) -lt $target) { Start-Sleep -Milliseconds 15 }
            }
            if (-not $process.Process.HasExited) { $process.Process.Kill($true) } else { $kind += ' (had already ended)' }
            $process.Process.WaitForExit()
            # What the dead process left in flight is answered (or dropped) within the server's time per request.
            Start-Sleep -Milliseconds (1000 + 2 * $LatencyMs)
        }
        else {
            if (-not $process.Process.WaitForExit(600000)) { $process.Process.Kill($true); throw 'The completing run did not finish within 10 minutes.' }
        }
        $stdout = $process.Stdout.GetAwaiter().GetResult()
        $requests = Get-RunRequests
        $result = [regex]::Match($stdout, 'RESULT (\d+) (\d+)')
        $runs.Add([pscustomobject]@{
                Run           = $k
                Outcome       = $kind
                CreatedBefore = $before
                CreatedAfter  = Get-Created
                ListRequests  = $requests.Lists
                CreateRequests = $requests.Creates
                Returned      = if ($result.Success) { [int]$result.Groups[1].Value } else { $null }
                Errors        = if ($result.Success) { [int]$result.Groups[2].Value } else { $null }
                ErrorLines    = @($stdout -split "`n" | Where-Object { $_ -like 'ERROR *' })
            })
        Write-Verbose ("run {0}: {1}; snapshots {2} -> {3}; {4} list, {5} create requests" -f $k, $kind, $before, (Get-Created), $requests.Lists, $requests.Creates)
    }

    # The account: per disk, the snapshots carrying this token's documented value.
    $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = 0 }
    $volumes = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'volumes').volumes | Where-Object name -Like 'vol-*')
    $stored = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'snapshots').snapshots)
    $sha = [Security.Cryptography.SHA256]::Create()
    $exactlyOne = 0; $missing = 0; $twice = 0; $failedSnapshots = 0
    foreach ($v in $volumes) {
        $value = 'v1:' + [Convert]::ToHexString($sha.ComputeHash([Text.Encoding]::UTF8.GetBytes("EvsSnapshot run token`0$token`0$($v.id.ToLowerInvariant())")), 0, 16).ToLowerInvariant()
        $mine = @($stored | Where-Object { $_.volumeId -eq $v.id -and $_.metadata.PSObject.Properties['evssnapshot_run_token'] -and $_.metadata.evssnapshot_run_token -eq $value })
        if ($mine.Count -eq 0) { $missing++ } elseif ($mine.Count -gt 1) { $twice++ } else { $exactlyOne++ }
        $failedSnapshots += @($mine | Where-Object status -In 'error', 'error_deleting').Count
    }
    $withoutToken = @($stored | Where-Object { $_.name -eq $name -and -not $_.metadata.PSObject.Properties['evssnapshot_run_token'] }).Count
    $last = $runs[$runs.Count - 1]
    $killedRuns = @($runs | Select-Object -First $Kills)
    $result = [pscustomobject]@{
        Disks              = $Disks
        Kills              = $Kills
        KilledMidBatch     = @($killedRuns | Where-Object { $_.CreatedAfter -gt $_.CreatedBefore -and $_.CreatedAfter -lt $Disks }).Count
        KilledBeforeCreate = @($killedRuns | Where-Object { $_.CreatedAfter -eq $_.CreatedBefore }).Count
        Runs               = $runs.ToArray()
        ExactlyOne         = $exactlyOne
        Missing            = $missing
        Duplicates         = $twice
        Failed             = $failedSnapshots
        WithoutToken       = $withoutToken
        SnapshotsCreated   = Get-Created
        FinalReturned      = $last.Returned
        FinalErrors        = $last.Errors
        FinalListRequests  = $last.ListRequests
        FinalCreateRequests = $last.CreateRequests
        Seconds            = [math]::Round($watch.Elapsed.TotalSeconds, 1)
    }
    $result | Add-Member -NotePropertyName Passed -NotePropertyValue ($exactlyOne -eq $Disks -and $missing -eq 0 -and $twice -eq 0 -and $failedSnapshots -eq 0 -and
        $withoutToken -eq 0 -and $last.Returned -eq $Disks -and $last.Errors -eq 0 -and $result.SnapshotsCreated -eq $Disks)
}
finally {
    Stop-EvsTestEmulator $emulator
    Remove-Item -LiteralPath $childFile -ErrorAction SilentlyContinue
}

$lines = @(
    "Kill and re-run: $Disks disks, New-EvsSnapshot -ClientToken, killed $Kills times (seed $Seed; $($result.KilledMidBatch) mid-batch, $($result.KilledBeforeCreate) before any create of that run), then run to completion; $($result.Seconds) s"
    foreach ($r in $result.Runs) { "  run $($r.Run): $($r.Outcome); snapshots $($r.CreatedBefore) -> $($r.CreatedAfter); $($r.ListRequests) list and $($r.CreateRequests) create requests$(if ($null -ne $r.Returned) { "; returned $($r.Returned), errors $($r.Errors)" })" }
    "  disks with exactly one snapshot carrying the token: $($result.ExactlyOne) of $Disks; missing $($result.Missing); more than one $($result.Duplicates); failed $($result.Failed); snapshots created in all $($result.SnapshotsCreated)"
    "  result: $(if ($result.Passed) { 'PASS' } else { 'FAIL' })"
)
$lines | ForEach-Object { Write-Host $_ }
foreach ($r in $result.Runs) { foreach ($e in $r.ErrorLines) { Write-Host "  run $($r.Run): $e" } }

if ($ReportPath) {
    $rows = ($result.Runs | ForEach-Object { "| $($_.Run) | $($_.Outcome) | $($_.CreatedBefore) | $($_.CreatedAfter) | $($_.ListRequests) | $($_.CreateRequests) |" }) -join "`n"
    $section = @"
<!-- kill-rerun: written by tests/soak/Invoke-KillRerun.ps1 -->
## Kill and re-run (New-EvsSnapshot -ClientToken)

Measured by ``dotnet pwsh ./build.ps1 soak`` ([tests/soak/Invoke-KillRerun.ps1](../tests/soak/Invoke-KillRerun.ps1)) on $(Get-Date -Format 'yyyy-MM-dd').
A child pwsh ran ``Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -Name $name -ClientToken $token -ThrottleLimit $ThrottleLimit`` over
$Disks disks, with $LatencyMs ms of server time per request; it was killed (whole process tree) at a random moment $Kills times
(seed $Seed), each time followed by a pause of $(1000 + 2 * $LatencyMs) ms and a new run, and then run to completion.

| Run | Outcome | Snapshots before | Snapshots after | List requests | Create requests |
|---|---|---|---|---|---|
$rows

| Measure | Count |
|---|---|
| Kills mid-batch / before any create of that run | $($result.KilledMidBatch) / $($result.KilledBeforeCreate) |
| Disks with exactly one snapshot carrying the token | $($result.ExactlyOne) of $Disks |
| **Missing** | **$($result.Missing)** |
| **More than one** | **$($result.Duplicates)** |
| **Failed** (error status) | **$($result.Failed)** |
| Snapshots created in all runs | $($result.SnapshotsCreated) |
| The completing run: returned / errors | $($result.FinalReturned) / $($result.FinalErrors) |
| Run time | $($result.Seconds) s |

Target: exactly one snapshot per disk with the token, none missing, none failed: **$(if ($result.Passed) { 'met' } else { 'NOT met' })**.
Every run that got as far as its token lookup sent $(($result.Runs | Where-Object ListRequests -GT 0 | ForEach-Object ListRequests | Sort-Object -Unique) -join ' or ') list request(s) for the $Disks disks
(the project holds under 1000 snapshots, so one page answers every disk); a re-run creates only what is missing.
<!-- /kill-rerun -->
"@
    $existing = if (Test-Path $ReportPath) { Get-Content -LiteralPath $ReportPath -Raw } else { "# Reliability under faults`n" }
    $pattern = '(?s)<!-- kill-rerun:.*?<!-- /kill-rerun -->'
    $text = if ($existing -match $pattern) { [regex]::Replace($existing, $pattern, { param($m) $section.TrimEnd() }) } else { $existing.TrimEnd() + "`n`n" + $section.TrimEnd() }
    Set-Content -LiteralPath $ReportPath -Value ($text.TrimEnd() + "`n") -NoNewline
    Write-Host "Wrote $ReportPath"
}

if ($PassThru) { $result }
if (-not $result.Passed) { $global:LASTEXITCODE = 1 }
