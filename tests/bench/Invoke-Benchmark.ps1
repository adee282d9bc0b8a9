#requires -Version 7.2
<#
.SYNOPSIS
Benchmarks the built EvsSnapshot module against the local EVS emulator and writes docs/BENCHMARKS.md.

.DESCRIPTION
Measures, in one run, the five figures of the performance issue:

  1. Import overhead      pwsh -NoProfile -Command 'Import-Module <module>' vs pwsh -NoProfile -Command 'exit'.
  2. Per-call overhead    500 sequential New-EvsSnapshot calls vs 500 Invoke-RestMethod calls sending the same create.
  3. Bulk                 Get-EvsVolume | New-EvsSnapshot -ThrottleLimit 16 over 1,000 disks with 50 ms latency.
  4. Listing              Get-EvsSnapshot | Measure-Object over 10,000 and 50,000 snapshots: time, peak memory,
                          time to the first object.
  5. Wait                 New-EvsSnapshot -Wait on 200 snapshots that take 5 s to create: time and polling requests.
  6. Rate limits          Get-EvsVolume | New-EvsSnapshot -ThrottleLimit 32 against the gateway's per-credential limit
                          (10, 30, 100/s token bucket over 600 disks; 50 per 10-s window over 400), 50 ms latency:
                          useful throughput / R, share throttled, failed items, duplicates.
  6b. Two processes       two runbooks at once on one credential at 30/s: both complete, combined throughput.
  7. Cold runbook         a fresh pwsh that imports, connects with a token and creates one snapshot, vs a bare start
                          and vs the same create through Invoke-RestMethod; where its time goes.

Every figure runs in child pwsh processes (`dotnet <PSHOME>/pwsh.dll -NoProfile`, as Get-PwshCommand starts them)
against emulators started here and stopped in finally blocks. The module and the emulator are copied to a temporary
folder first, so a rebuild while the benchmark runs cannot change what is measured. A figure that cannot be measured
(an error, a wrong count) stops the run with an error; a missed target is a result, reported in the table.

Run it through the build script, which builds first:
    dotnet pwsh ./build.ps1 bench

.PARAMETER ModulePath
The module manifest to measure; default out/EvsSnapshot/EvsSnapshot.psd1 (or $env:EVS_MODULE_PATH).

.PARAMETER OutFile
The report; default docs/BENCHMARKS.md.

.PARAMETER Quick
Fewer repetitions and smaller sizes, to check the script itself (the report says so).

.PARAMETER Figure
Measure only these figures (3: bulk, 7: cold runbook) and write them to a report of their own (default
out/bench/BENCHMARKS-figure-<n>.md); docs/BENCHMARKS.md is left as it is.
    dotnet pwsh ./build.ps1 bench -Figure 7
#>
[CmdletBinding()]
param(
    [string] $ModulePath,
    [string] $OutFile,
    [switch] $Quick,
    [string[]] $Figure
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'

Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
$RepoRoot = Get-EvsRepoRoot
if (-not $ModulePath) { $ModulePath = Get-EvsModulePath }
# "-Figure 3,7" arrives as one string through pwsh -File.
$Figure = @($Figure | ForEach-Object { $_ -split ',' } | ForEach-Object { $_.Trim() } | Where-Object { $_ } | Sort-Object -Unique)
if ($Figure | Where-Object { $_ -notin '3', '7' }) { throw "-Figure: only figures 3 and 7 run alone, not '$($Figure -join ',')'." }
if (-not $OutFile) { $OutFile = if ($Figure) { Join-Path $RepoRoot "out/bench/BENCHMARKS-figure-$($Figure -join '-').md" } else { Join-Path $RepoRoot 'docs/BENCHMARKS.md' } }
if (-not (Test-Path $ModulePath)) { throw "The module is not built: $ModulePath is missing. Run 'dotnet pwsh ./build.ps1 build' first." }

# ----------------------------------------------------------------------------------------------- settings

$S = [ordered]@{
    ImportRuns        = if ($Quick) { 4 } else { 15 }    # rounds of bare start + import (after one warm-up each)
    ImportDiagRuns    = if ($Quick) { 3 } else { 10 }    # rounds of the in-process import controls
    PerCallCount      = if ($Quick) { 100 } else { 500 }
    PerCallBlock      = if ($Quick) { 25 } else { 50 }
    BulkVolumes       = if ($Quick) { 200 } else { 1000 }
    BulkLatencyMs     = 50
    BulkThrottle      = 16
    BulkRuns          = if ($Quick) { 1 } else { 3 }       # -ThrottleLimit 16 runs (median); -ThrottleLimit 1 runs once
    ListSizes         = if ($Quick) { @(2000, 10000) } else { @(10000, 50000) }
    ListRuns          = if ($Quick) { 1 } else { 3 }       # listing and bare children per size (median)
    FirstLatencyMs    = 20
    FirstRuns         = if ($Quick) { 3 } else { 9 }
    WaitSnapshots     = 200
    WaitCreateSeconds = 5
    WaitRuns          = if ($Quick) { 1 } else { 3 }
    RateLatencyMs     = 50
    RateThrottle      = 32
    RateRuns          = if ($Quick) { 1 } else { 2 }       # runs per limit; every run must meet the targets
    RateCases         = @(
        @{ Name = '10/s'; Limit = 'write=10/1s'; R = 10; Disks = $(if ($Quick) { 100 } else { 600 }) }
        @{ Name = '30/s'; Limit = 'write=30/1s'; R = 30; Disks = $(if ($Quick) { 200 } else { 600 }) }
        @{ Name = '100/s'; Limit = 'write=100/1s'; R = 100; Disks = 600 }
        @{ Name = '50 per 10-s window'; Limit = 'write=50/10s:window'; R = 5; Disks = $(if ($Quick) { 100 } else { 400 }) }
    )
    TwoProcessLimit   = 30
    TwoProcessDisks   = if ($Quick) { 100 } else { 300 }   # each
    ColdRuns          = if ($Quick) { 3 } else { 11 }      # rounds of bare / runbook / Invoke-RestMethod / IL control, order rotating
    ColdStepRuns      = if ($Quick) { 2 } else { 5 }       # step-by-step runs of each runbook (ReadyToRun engine, IL engine)
}

# ----------------------------------------------------------------------------------------------- helpers

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Get-Median([double[]] $Values) {
    if (-not $Values -or $Values.Count -eq 0) { throw 'Median of nothing: a measurement produced no values.' }
    $sorted = [double[]]($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Format-Ms([double] $Ms) {
    if ($Ms -ge 10000) { '{0:n2} s' -f ($Ms / 1000) } elseif ($Ms -ge 1000) { '{0:n3} s' -f ($Ms / 1000) } else { '{0:n1} ms' -f $Ms }
}

function Format-MB([double] $Bytes) { '{0:n1} MB' -f ($Bytes / 1MB) }

$Pwsh = Get-PwshCommand   # for the report; Start-EvsPwsh and Invoke-EvsPwsh start children with it

function Measure-PwshStart {
    <# Wall time of one `pwsh -NoProfile -Command <command>` from process start to exit, in ms. Throws if it fails. #>
    param([string] $Command, [string[]] $Pwsh)
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    $p = Start-EvsPwsh -ArgumentList '-NoProfile', '-Command', $Command -Pwsh $Pwsh
    $p.Process.WaitForExit()
    $ms = $watch.Elapsed.TotalMilliseconds
    $stderr = $p.Stderr.GetAwaiter().GetResult()
    if ($p.Process.ExitCode -ne 0 -or $stderr.Trim()) {
        throw "pwsh -Command '$Command' failed (exit code $($p.Process.ExitCode)): $stderr $($p.Stdout.GetAwaiter().GetResult())"
    }
    $ms
}

# Shared by every child script: parameters (an IAM token in $P.Token where a figure needs one), result output, admin
# calls, connecting.
$ChildPrelude = @'
param([Parameter(Mandatory)][string] $ParamsFile)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
$ProgressPreference = 'SilentlyContinue'
$P = Get-Content -Raw $ParamsFile | ConvertFrom-Json

function Out-BenchResult($Value) { 'BENCH-RESULT ' + ($Value | ConvertTo-Json -Depth 8 -Compress) }

function Get-Median([double[]] $Values) {
    if (-not $Values -or $Values.Count -eq 0) { throw 'Median of nothing.' }
    $sorted = [double[]]($Values | Sort-Object)
    $n = $sorted.Count
    if ($n % 2) { $sorted[($n - 1) / 2] } else { ($sorted[$n / 2 - 1] + $sorted[$n / 2]) / 2 }
}

function Invoke-Admin([string] $Path, [string] $Method = 'GET', $Body) {
    $params = @{ Uri = "$($P.Url)/__emulator/$Path"; Method = $Method; TimeoutSec = 120 }
    if ($null -ne $Body) { $params.Body = $Body | ConvertTo-Json -Depth 6 -Compress; $params.ContentType = 'application/json' }
    (Invoke-WebRequest @params).Content | ConvertFrom-Json -DateKind String
}

function ConvertFrom-EmulatorTime([string] $Text) {
    [DateTime]::ParseExact($Text.TrimEnd('Z'), "yyyy-MM-dd'T'HH:mm:ss.ffffff", [Globalization.CultureInfo]::InvariantCulture,
        [Globalization.DateTimeStyles]::AssumeUniversal -bor [Globalization.DateTimeStyles]::AdjustToUniversal)
}

function Connect-Bench([ValidateSet('AkSk', 'Token')][string] $Auth = 'AkSk', [string] $Token, [switch] $PassThru) {
    $common = @{ Region = $P.Info.region; ProjectId = $P.Info.projectId; Endpoint = $P.Url; IamEndpoint = $P.Url; PassThru = $PassThru }
    if ($Auth -eq 'Token') {
        Connect-EvsProject @common -Token (ConvertTo-SecureString $Token -AsPlainText -Force)
    }
    else {
        Connect-EvsProject @common -AccessKey $P.Info.accessKey -SecretKey (ConvertTo-SecureString $P.Info.secretKey -AsPlainText -Force)
    }
}

function Get-MemoryReport {
    $process = [System.Diagnostics.Process]::GetCurrentProcess()
    $process.Refresh()
    @{ PeakWorkingSet = $process.PeakWorkingSet64; WorkingSet = $process.WorkingSet64; ManagedHeap = [GC]::GetTotalMemory($false) }
}

function Get-Concurrency($Requests) {
    # Most requests in progress at once at the emulator (start = logged time, end = start + duration). The log's
    # start is read from the clock a little after its stopwatch starts (more under CPU contention), so an end can look
    # later than it was: 2 ms of slack keeps back-to-back requests (one ends, the next takes the freed slot) from
    # counting as overlapping. A real excess request would overlap by about the 50 ms latency.
    $events = foreach ($r in $Requests) {
        $start = (ConvertFrom-EmulatorTime $r.time).Ticks
        [pscustomobject]@{ T = $start; D = 1 }
        [pscustomobject]@{ T = $start + [long]($r.durationMs * 10000) - 20000; D = -1 }
    }
    $current = 0; $max = 0
    foreach ($e in ($events | Sort-Object T, D)) { $current += $e.D; if ($current -gt $max) { $max = $current } }
    $max
}

function Test-Param([string] $Name) { $null -ne $P.PSObject.Properties[$Name] -and $null -ne $P.$Name }
if (-not (Test-Param 'SkipImport')) { Import-Module $P.ModulePath }
'@

$ChildScripts = @{}

# Figure 2: sequential calls, module vs Invoke-RestMethod, interleaved in blocks, one process.
$ChildScripts.PerCall = @'
$token = $P.Token
$akSkContext = Connect-Bench -Auth AkSk -PassThru
Connect-Bench -Auth Token -Token $token    # the current context: token auth, as Invoke-RestMethod
$vol = $P.VolumeId
$uri = "$($P.Url)/v2/$($P.Info.projectId)/cloudsnapshots"
$headers = @{ 'X-Auth-Token' = $token }
$script:serial = 0

$variants = [ordered]@{
    module     = { param([int] $n) for ($k = 0; $k -lt $n; $k++) { $null = New-EvsSnapshot -VolumeId $vol -Name "percall-$(($script:serial++))" } }
    restmethod = { param([int] $n) for ($k = 0; $k -lt $n; $k++) {
            $body = '{"snapshot":{"volume_id":"' + $vol + '","metadata":{"evssnapshot_client_token":"' + [guid]::NewGuid().ToString('N') + '"},"name":"percall-' + ($script:serial++) + '"}}'
            $null = Invoke-RestMethod -Method Post -Uri $uri -Headers $headers -Body $body -ContentType 'application/json' } }
    moduleAkSk = { param([int] $n) for ($k = 0; $k -lt $n; $k++) { $null = New-EvsSnapshot -VolumeId $vol -Name "percall-$(($script:serial++))" -Context $akSkContext } }
}
foreach ($v in $variants.Keys) { & $variants[$v] 20 }   # warm-up (JIT, connection), not counted

$totals = @{}; $blocks = @{}
foreach ($v in $variants.Keys) { $totals[$v] = 0.0; $blocks[$v] = [Collections.Generic.List[double]]::new() }
$names = @($variants.Keys)
$rounds = [int]($P.Count / $P.Block)
$watch = [Diagnostics.Stopwatch]::new()
for ($r = 0; $r -lt $rounds; $r++) {
    # Rotate the order every round, so no variant always runs first or after the same one.
    $order = for ($i = 0; $i -lt $names.Count; $i++) { $names[($i + $r) % $names.Count] }
    foreach ($v in $order) {
        $watch.Restart()
        & $variants[$v] $P.Block
        $ms = $watch.Elapsed.TotalMilliseconds
        $totals[$v] += $ms
        $blocks[$v].Add($ms / $P.Block)
    }
}
$stats = Invoke-Admin 'stats'
Out-BenchResult @{
    Calls = $rounds * $P.Block; Totals = $totals
    MedianPerCall = @{ module = (Get-Median $blocks.module); restmethod = (Get-Median $blocks.restmethod); moduleAkSk = (Get-Median $blocks.moduleAkSk) }
    SnapshotsCreated = $stats.snapshotsCreated; ExpectedCreated = 3 * 20 + 3 * $rounds * $P.Block
    Status = $stats.byStatus
}
'@

# Figure 3: the bulk pipeline, phases and concurrency from the emulator's request log.
$ChildScripts.Bulk = @'
Connect-Bench -Auth AkSk
# Warm-up (JIT, connections) on a few disks, not counted.
$null = Get-EvsVolume -Name 'vol-000*' | New-EvsSnapshot -ThrottleLimit $P.Throttle
$listMs = foreach ($i in 1..3) {
    $w = [Diagnostics.Stopwatch]::StartNew()
    $n = (Get-EvsVolume -Name 'vol-*' | Measure-Object).Count
    if ($n -ne $P.Volumes) { throw "Get-EvsVolume -Name 'vol-*' returned $n disks, expected $($P.Volumes)." }
    $w.Elapsed.TotalMilliseconds
}

function Measure-Bulk([int] $ThrottleLimit) {
    $null = Invoke-Admin 'requests' DELETE
    $startUtc = [DateTime]::UtcNow
    $w = [Diagnostics.Stopwatch]::StartNew()
    $n = (Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -ThrottleLimit $ThrottleLimit | Measure-Object).Count
    $ms = $w.Elapsed.TotalMilliseconds
    if ($n -ne $P.Volumes) { throw "The pipeline with -ThrottleLimit $ThrottleLimit returned $n snapshots, expected $($P.Volumes)." }
    $log = (Invoke-Admin 'requests').requests
    $posts = @($log | Where-Object { $_.method -eq 'POST' })
    $lists = @($log | Where-Object { $_.method -eq 'GET' })
    if ($posts.Count -ne $P.Volumes) { throw "The emulator saw $($posts.Count) creates, expected $($P.Volumes)." }
    $firstPost = $posts | ForEach-Object { ConvertFrom-EmulatorTime $_.time } | Sort-Object | Select-Object -First 1
    $lastPostEnd = $posts | ForEach-Object { (ConvertFrom-EmulatorTime $_.time).AddMilliseconds($_.durationMs) } | Sort-Object | Select-Object -Last 1
    @{
        ThrottleLimit = $ThrottleLimit; Ms = $ms; Count = $n
        Requests = $log.Count; ListRequests = $lists.Count
        MaxInFlight = (Get-Concurrency $posts)
        MedianServerMs = (Get-Median @($posts.durationMs))
        ToFirstCreateMs = ($firstPost - $startUtc).TotalMilliseconds
        CreateSpanMs = ($lastPostEnd - $firstPost).TotalMilliseconds
        AfterLastCreateMs = $ms - ($lastPostEnd - $startUtc).TotalMilliseconds
    }
}
$runs = foreach ($i in 1..$P.Runs) { Measure-Bulk $P.Throttle }
$serial = Measure-Bulk 1
Out-BenchResult @{ ListMs = @($listMs); Runs = @($runs); Serial = $serial }
'@

# Figure 4: one listing (or none, for the bare baseline) in a fresh process; peak working set at the end.
$ChildScripts.List = @'
Connect-Bench -Auth AkSk
$result = @{ Listed = $P.List }
if ($P.List) {
    $w = [Diagnostics.Stopwatch]::StartNew()
    $script:firstMs = $null
    $result.Count = (Get-EvsSnapshot | ForEach-Object { if ($null -eq $script:firstMs) { $script:firstMs = $w.Elapsed.TotalMilliseconds }; $_ } | Measure-Object).Count
    $result.Ms = $w.Elapsed.TotalMilliseconds
    $result.FirstMs = $script:firstMs
}
$result.Memory = Get-MemoryReport
Out-BenchResult $result
'@

# Figure 4: time to the first object with emulator latency, vs one raw page request.
$ChildScripts.First = @'
$token = $P.Token
Connect-Bench -Auth AkSk
$http = [System.Net.Http.HttpClient]::new()
$http.DefaultRequestHeaders.Add('X-Auth-Token', $token)
$pageUri = "$($P.Url)/v2/$($P.Info.projectId)/cloudsnapshots/detail?limit=1000&offset=0"

$w = [Diagnostics.Stopwatch]::StartNew()
$first = Get-EvsSnapshot | Select-Object -First 1
$coldMs = $w.Elapsed.TotalMilliseconds
if (-not $first) { throw 'Get-EvsSnapshot returned nothing.' }
$null = $http.GetByteArrayAsync($pageUri).GetAwaiter().GetResult()   # warm-up

# How many list requests one `Select-Object -First 1` costs (the first page only, if it streams).
$null = Invoke-Admin 'requests' DELETE
$null = Get-EvsSnapshot | Select-Object -First 1
Start-Sleep -Milliseconds 500   # anything still in flight would be logged by now
$selectRequests = @((Invoke-Admin 'requests').requests).Count

$raw = @(); $select = @(); $stream = @(); $bytes = 0
for ($i = 0; $i -lt $P.Runs; $i++) {
    $w.Restart()
    $bytes = $http.GetByteArrayAsync($pageUri).GetAwaiter().GetResult().Length
    $raw += $w.Elapsed.TotalMilliseconds

    $w.Restart()
    $null = Get-EvsSnapshot | Select-Object -First 1
    $select += $w.Elapsed.TotalMilliseconds

    $script:firstMs = $null
    $w.Restart()
    $null = Get-EvsSnapshot | ForEach-Object { if ($null -eq $script:firstMs) { $script:firstMs = $w.Elapsed.TotalMilliseconds } }
    $stream += $script:firstMs
}
Out-BenchResult @{ SelectRequests = $selectRequests; ColdSelectFirstMs = $coldMs; RawPageMs = (Get-Median $raw); SelectFirstMs = (Get-Median $select); StreamFirstMs = (Get-Median $stream); PageBytes = $bytes; RawAll = $raw; SelectAll = $select; StreamAll = $stream }
'@

# Figure 5: -Wait on 200 creates; polling requests and lag from the emulator's log and state.
$ChildScripts.Wait = @'
Connect-Bench -Auth AkSk
$vols = @(Get-EvsVolume -Name 'wait-*')
if ($vols.Count -ne $P.Snapshots) { throw "Found $($vols.Count) 'wait-*' disks, expected $($P.Snapshots)." }
$runs = foreach ($r in 1..$P.Runs) {
    $name = "bench-wait-$r"
    $null = Invoke-Admin 'requests' DELETE
    $null = Invoke-Admin 'stats' DELETE
    $w = [Diagnostics.Stopwatch]::StartNew()
    $result = @($vols | New-EvsSnapshot -Name $name -Wait)
    $ms = $w.Elapsed.TotalMilliseconds
    $doneUtc = [DateTime]::UtcNow
    $notAvailable = @($result | Where-Object Status -ne 'available')
    if ($result.Count -ne $P.Snapshots -or $notAvailable.Count) { throw "-Wait returned $($result.Count) snapshots, $($notAvailable.Count) not available; expected $($P.Snapshots) available." }

    $stats = Invoke-Admin 'stats'
    $log = @((Invoke-Admin 'requests').requests)
    $polls = @($log | Where-Object { $_.method -eq 'GET' -and $_.route -like '*cloudsnapshots*' })
    $creates = @($log | Where-Object { $_.method -eq 'POST' })
    $snaps = @((Invoke-Admin 'snapshots').snapshots | Where-Object { $_.name -eq $name })
    if ($snaps.Count -ne $P.Snapshots) { throw "The emulator holds $($snaps.Count) snapshots named $name, expected $($P.Snapshots)." }
    $lastAvailable = ($snaps | ForEach-Object { ConvertFrom-EmulatorTime $_.createdAt } | Sort-Object | Select-Object -Last 1).AddSeconds($P.CreateSeconds)

    # Poll rounds: list requests less than 300 ms after the previous one belong to the same round.
    $times = @($polls | ForEach-Object { ConvertFrom-EmulatorTime $_.time } | Sort-Object)
    $rounds = [Collections.Generic.List[datetime]]::new()
    for ($i = 0; $i -lt $times.Count; $i++) { if ($i -eq 0 -or ($times[$i] - $times[$i - 1]).TotalMilliseconds -gt 300) { $rounds.Add($times[$i]) } }
    $intervals = @(for ($i = 1; $i -lt $rounds.Count; $i++) { ($rounds[$i] - $rounds[$i - 1]).TotalSeconds })
    $createTimes = @($creates | ForEach-Object { ConvertFrom-EmulatorTime $_.time } | Sort-Object)
    $firstCreate = $createTimes[0]
    $lastCreate = $createTimes[-1]
    @{
        Ms = $ms; Snapshots = $result.Count
        PollRequests = $polls.Count
        ListPolls = @($polls | Where-Object { $_.route -like '*/detail' }).Count
        GetPolls = @($polls | Where-Object { $_.route -notlike '*/detail' }).Count
        AllRequests = $stats.requests
        PollRounds = $rounds.Count
        Rounds = @($rounds | ForEach-Object { ($_ - $firstCreate).TotalSeconds })
        LastInterval = $(if ($intervals.Count) { $intervals[-1] } else { 0 })
        CreatesSpanS = ($lastCreate - $firstCreate).TotalSeconds
        LastAvailableS = ($lastAvailable - $firstCreate).TotalSeconds
        DoneS = ($doneUtc - $firstCreate).TotalSeconds
        LagS = ($doneUtc - $lastAvailable).TotalSeconds
    }
}
Out-BenchResult @{ Runs = @($runs) }
'@

# Figure 6: one bulk pipeline at the gateway's limit; throttling, failures and duplicates from the emulator.
$ChildScripts.RateLimit = @'
Connect-Bench -Auth AkSk
$vols = @(Get-EvsVolume -Name "$($P.Prefix)*")
if ($vols.Count -ne $P.Disks) { throw "Found $($vols.Count) '$($P.Prefix)*' disks, expected $($P.Disks)." }
if (Test-Param 'StartAtUtc') { $wait = [DateTime]::Parse($P.StartAtUtc, $null, 'RoundtripKind') - [DateTime]::UtcNow; if ($wait -gt 0) { Start-Sleep -Milliseconds $wait.TotalMilliseconds } }
$startUtc = [DateTime]::UtcNow
$w = [Diagnostics.Stopwatch]::StartNew()
$made = @(Get-EvsVolume -Name "$($P.Prefix)*" | New-EvsSnapshot -Name $P.Name -ThrottleLimit $P.Throttle -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue 4>&1)
$ms = $w.Elapsed.TotalMilliseconds
$snapshots = @($made | Where-Object { $_ -is [EvsSnapshot.SnapshotDetails] })
$verbose = @($made | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message | Where-Object { $_ -like 'The gateway is throttling*' -or $_ -like 'Still throttled*' -or $_ -like 'No throttling lately*' })
$write = (Get-EvsContext).RequestRates | Where-Object Calls -EQ write
Out-BenchResult @{
    Ms = $ms; StartUtc = $startUtc.ToString('o'); EndUtc = [DateTime]::UtcNow.ToString('o')
    Created = $snapshots.Count; Failed = @($failures).Count
    FailedIds = @($failures | ForEach-Object { $_.FullyQualifiedErrorId } | Select-Object -Unique)
    PacerLines = $verbose.Count; FirstPacerLine = $(if ($verbose) { $verbose[0] } else { '' })
    LearnedRate = $write.RatePerSecond; Ceiling = $write.CeilingPerSecond; Policy = $write.Policy
}
'@


function Invoke-BenchChild {
    <# Runs one child script in a fresh pwsh; returns the object it reported. Throws with its output on any failure. #>
    param([string] $Name, [hashtable] $Parameters, [int] $TimeoutSec = 600)
    $script = Join-Path $Work "child-$Name.ps1"
    if (-not (Test-Path $script)) { Set-Content -Path $script -Value ($ChildPrelude + "`n" + $ChildScripts[$Name]) -Encoding utf8 }
    $paramsFile = Join-Path $Work "params-$Name-$([guid]::NewGuid().ToString('N').Substring(0, 8)).json"
    $Parameters | ConvertTo-Json -Depth 10 | Set-Content -Path $paramsFile -Encoding utf8
    $run = Invoke-EvsPwsh -ArgumentList '-File', $script, '-ParamsFile', $paramsFile -TimeoutSec $TimeoutSec
    $line = @($run.Output -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-RESULT ') })
    if ($run.ExitCode -ne 0 -or $line.Count -ne 1 -or $run.Error.Trim()) {
        throw "Benchmark child '$Name' failed (exit code $($run.ExitCode)).`nstdout and stderr:`n$($run.Output)"
    }
    $line[0].Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
}

function Use-Emulator {
    <# Starts an emulator, runs the script block with it, always stops it. #>
    param([string[]] $Arguments, [scriptblock] $Body)
    $emulator = Start-EvsTestEmulator -Arguments $Arguments
    try { & $Body $emulator }
    finally { Stop-EvsTestEmulator $emulator }
}

function New-ChildParameters($Emulator, [hashtable] $Extra = @{}) {
    $h = @{ ModulePath = $BenchModule; Url = $Emulator.Url; Info = $Emulator.Info }
    foreach ($k in $Extra.Keys) { $h[$k] = $Extra[$k] }
    $h
}

# ----------------------------------------------------------------------------------------------- machine

function Get-MachineInfo {
    $cpu = 'unknown'; $cores = [Environment]::ProcessorCount; $ram = 'unknown'; $os = [System.Runtime.InteropServices.RuntimeInformation]::OSDescription
    if (Test-Path /proc/cpuinfo) {
        $info = Get-Content /proc/cpuinfo
        $model = $info | Where-Object { $_ -match '^model name\s*:' } | Select-Object -First 1
        if ($model) { $cpu = ($model -split ':', 2)[1].Trim() }
        $cores = @($info | Where-Object { $_ -match '^processor\s*:' }).Count
    }
    if (Test-Path /proc/meminfo) {
        $mem = Get-Content /proc/meminfo | Where-Object { $_ -match '^MemTotal:\s*(\d+)' } | Select-Object -First 1
        if ($mem -match '(\d+)') { $ram = '{0:n1} GiB' -f ([double]$Matches[1] / 1MB) }
    }
    if (Test-Path /etc/os-release) {
        $pretty = Get-Content /etc/os-release | Where-Object { $_ -match '^PRETTY_NAME=' } | Select-Object -First 1
        if ($pretty) { $os = ($pretty -split '=', 2)[1].Trim('"') + ' (kernel ' + [Environment]::OSVersion.Version + ')' }
    }
    # Whether PowerShell's own assemblies are precompiled (ReadyToRun) matters for start-up figures: IL-only
    # assemblies are JIT-compiled on first use, in every new process.
    $sma = [System.Management.Automation.PSObject].Assembly.Location
    $r2r = 'unknown'
    try {
        $stream = [System.IO.File]::OpenRead($sma)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            $r2r = if ($pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0) { 'yes' } else { 'no (IL only, JIT-compiled in every process)' }
            $pe.Dispose()
        }
        finally { $stream.Dispose() }
    }
    catch { }
    $sdk = try { (& dotnet --version 2>$null) } catch { 'unknown' }
    $loadAvg = if (Test-Path /proc/loadavg) { ((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ' } else { 'n/a' }
    [ordered]@{
        CPU                 = "$cpu, $cores logical cores"
        RAM                 = $ram
        OS                  = $os
        '.NET'              = "$([System.Runtime.InteropServices.RuntimeInformation]::FrameworkDescription) (SDK $sdk)"
        PowerShell          = "$($PSVersionTable.PSVersion) ($($PSVersionTable.PSEdition)), started as ``$($Pwsh -join ' ')``"
        'PowerShell R2R'    = $r2r
        'Load at start'     = "$loadAvg (1/5/15-min load average)"
        Date                = (Get-Date).ToUniversalTime().ToString('yyyy-MM-dd HH:mm:ss') + ' UTC'
    }
}

# ----------------------------------------------------------------------------------------------- figures

function New-TrivialBinaryModule {
    <# A control: the smallest binary module (one cmdlet, a manifest), built here. Returns its manifest path, or $null. #>
    $src = Join-Path $Work 'trivial-src'
    $out = Join-Path $Work 'trivial/EvsBenchTrivial'
    $null = New-Item -ItemType Directory -Force $src, $out
    Set-Content (Join-Path $src 'EvsBenchTrivial.csproj') @'
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><TargetFramework>netstandard2.0</TargetFramework><AssemblyName>EvsBenchTrivial</AssemblyName></PropertyGroup>
  <ItemGroup><PackageReference Include="PowerShellStandard.Library" Version="5.1.1" PrivateAssets="all" ExcludeAssets="runtime" /></ItemGroup>
</Project>
'@
    Set-Content (Join-Path $src 'Cmdlet.cs') @'
using System.Management.Automation;
[Cmdlet(VerbsCommon.Get, "EvsBenchTrivial")]
public sealed class GetEvsBenchTrivialCommand : PSCmdlet { protected override void ProcessRecord() => WriteObject(1); }
'@
    $log = & dotnet build (Join-Path $src 'EvsBenchTrivial.csproj') -c Release -o (Join-Path $src 'bin') --nologo -v quiet 2>&1
    $dll = Join-Path $src 'bin/EvsBenchTrivial.dll'
    if ($LASTEXITCODE -ne 0 -or -not (Test-Path $dll)) { Write-Warning "The trivial binary module (a control of figure 1) did not build; skipping it. $log"; return $null }
    Copy-Item $dll $out
    $manifest = Join-Path $out 'EvsBenchTrivial.psd1'
    Set-Content $manifest "@{ RootModule = 'EvsBenchTrivial.dll'; ModuleVersion = '1.0.0'; GUID = '$([guid]::NewGuid())'; CmdletsToExport = @('Get-EvsBenchTrivial'); FunctionsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
    $manifest
}

function Measure-InProcessImport {
    <# Import-Module's own time inside a fresh `pwsh -NoProfile -Command`, in ms (less noisy than whole-process times). #>
    param([string] $Path)
    $p = Start-EvsPwsh -ArgumentList '-NoProfile', '-Command', ("`$w = [Diagnostics.Stopwatch]::StartNew(); Import-Module '$Path'; 'IMPORT-MS ' + `$w.Elapsed.TotalMilliseconds.ToString([cultureinfo]::InvariantCulture)")
    $p.Process.WaitForExit()
    $stdout = $p.Stdout.GetAwaiter().GetResult(); $stderr = $p.Stderr.GetAwaiter().GetResult()
    if ($p.Process.ExitCode -ne 0 -or $stderr.Trim() -or $stdout -notmatch 'IMPORT-MS (\S+)') { throw "Importing $Path in a child failed (exit code $($p.Process.ExitCode)): $stderr $stdout" }
    [double]::Parse($Matches[1], [cultureinfo]::InvariantCulture)
}

function Measure-ImportOverhead {
    Write-Step "1/7 Import overhead ($($S.ImportRuns) rounds of bare start vs import, then $($S.ImportDiagRuns) rounds of in-process import times)"
    # The figure: whole-process wall time, exactly the two commands of the issue, interleaved.
    $variants = [ordered]@{ bare = 'exit'; module = "Import-Module '$BenchModule'" }
    $times = @{}
    foreach ($k in $variants.Keys) { $times[$k] = [Collections.Generic.List[double]]::new(); $null = Measure-PwshStart $variants[$k] }  # warm-up
    $names = @($variants.Keys)
    for ($i = 0; $i -lt $S.ImportRuns; $i++) {
        $order = if ($i % 2) { $names[($names.Count - 1)..0] } else { $names }
        foreach ($k in $order) { $times[$k].Add((Measure-PwshStart $variants[$k])) }
    }
    $median = @{}; foreach ($k in $variants.Keys) { $median[$k] = Get-Median $times[$k] }
    $paired = @(for ($i = 0; $i -lt $S.ImportRuns; $i++) { $times.module[$i] / $times.bare[$i] })

    # Where the time goes: Import-Module timed inside the child, for the module and for controls.
    $controls = [ordered]@{}
    $emptyManifestDir = Join-Path $Work 'floor-manifest/EvsBenchEmptyManifest'
    $null = New-Item -ItemType Directory -Force $emptyManifestDir
    $emptyManifest = Join-Path $emptyManifestDir 'EvsBenchEmptyManifest.psd1'
    Set-Content $emptyManifest "@{ ModuleVersion = '1.0.0'; GUID = '$([guid]::NewGuid())'; FunctionsToExport = @(); CmdletsToExport = @(); VariablesToExport = @(); AliasesToExport = @() }"
    $controls.emptymanifest = $emptyManifest
    $trivial = New-TrivialBinaryModule
    if ($trivial) { $controls.trivialbinary = $trivial }
    $noFormatDir = Join-Path $Work 'noformat/EvsSnapshot'
    $null = New-Item -ItemType Directory -Force (Split-Path $noFormatDir)
    Copy-Item (Split-Path $BenchModule) $noFormatDir -Recurse
    $noFormatManifest = Join-Path $noFormatDir (Split-Path $BenchModule -Leaf)
    $text = Get-Content $noFormatManifest -Raw
    if ($text -match 'FormatsToProcess\s*=\s*@\([^)]*\)') {
        Set-Content $noFormatManifest ($text -replace 'FormatsToProcess\s*=\s*@\([^)]*\)', 'FormatsToProcess = @()')
        $controls.noformat = $noFormatManifest
    }
    $controls.module = $BenchModule
    $inProcess = @{}
    foreach ($k in $controls.Keys) { $inProcess[$k] = [Collections.Generic.List[double]]::new(); $null = Measure-InProcessImport $controls[$k] }
    $names = @($controls.Keys)
    for ($i = 0; $i -lt $S.ImportDiagRuns; $i++) {
        $order = if ($i % 2) { $names[($names.Count - 1)..0] } else { $names }
        foreach ($k in $order) { $inProcess[$k].Add((Measure-InProcessImport $controls[$k])) }
    }
    $inMedian = [ordered]@{}; foreach ($k in $controls.Keys) { $inMedian[$k] = Get-Median $inProcess[$k] }
    [pscustomobject]@{ Median = $median; Runs = $times; PairedRatio = (Get-Median $paired); Variants = $variants; Controls = $controls; InProcess = $inMedian; InProcessRuns = $inProcess }
}

function Measure-PerCall {
    Write-Step "2/7 Per-call overhead ($($S.PerCallCount) New-EvsSnapshot vs $($S.PerCallCount) Invoke-RestMethod, blocks of $($S.PerCallBlock))"
    Use-Emulator @() {
        param($emulator)
        $r = Invoke-BenchChild PerCall (New-ChildParameters $emulator @{ Token = (Get-EvsIamToken $emulator); VolumeId = $emulator.Info.volumeIds.app01; Count = $S.PerCallCount; Block = $S.PerCallBlock })
        if ($r.SnapshotsCreated -ne $r.ExpectedCreated) { throw "The emulator created $($r.SnapshotsCreated) snapshots, expected $($r.ExpectedCreated)." }
        $r
    }
}

function Measure-Bulk {
    Write-Step "3/7 Bulk: Get-EvsVolume | New-EvsSnapshot over $($S.BulkVolumes) disks, $($S.BulkLatencyMs) ms latency (-ThrottleLimit $($S.BulkThrottle) x$($S.BulkRuns), then 1)"
    Use-Emulator @('--volumes', "$($S.BulkVolumes)", '--latency-ms', "$($S.BulkLatencyMs)") {
        param($emulator)
        Invoke-BenchChild Bulk (New-ChildParameters $emulator @{ Volumes = $S.BulkVolumes; Throttle = $S.BulkThrottle; Runs = $S.BulkRuns }) -TimeoutSec 900
    }
}

function Measure-Listing {
    Write-Step "4/7 Listing: $($S.ListSizes -join ' and ') snapshots (time, peak working set, first object)"
    Use-Emulator @() {
        param($emulator)
        $seeded = @($emulator.Info.snapshots).Count
        $sizes = foreach ($size in $S.ListSizes) {
            $add = $size - $seeded
            $r = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'snapshots' -Method POST -Body @{ count = $add }
            if ($r.count -ne $add) { throw "Bulk seeding returned $($r.count), expected $add." }
            $seeded += $add
            $list = @(); $bare = @()
            for ($i = 0; $i -lt $S.ListRuns; $i++) {
                # Alternate which child goes first.
                $pair = if ($i % 2) { @($true, $false) } else { @($false, $true) }
                foreach ($doList in $pair) {
                    $c = Invoke-BenchChild List (New-ChildParameters $emulator @{ List = $doList })
                    if ($doList) {
                        if ($c.Count -ne $seeded) { throw "Get-EvsSnapshot returned $($c.Count) snapshots, expected $seeded." }
                        $list += $c
                    }
                    else { $bare += $c }
                }
            }
            $first = $null
            if ($size -eq $S.ListSizes[0]) {
                $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = $S.FirstLatencyMs }
                try { $first = Invoke-BenchChild First (New-ChildParameters $emulator @{ Token = (Get-EvsIamToken $emulator); Runs = $S.FirstRuns }) }
                finally { $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = 0 } }
            }
            [pscustomobject]@{
                Size = $seeded
                Ms = Get-Median @($list.Ms)
                ColdFirstMs = Get-Median @($list.FirstMs)
                ListPeak = Get-Median @($list.Memory.PeakWorkingSet)
                BarePeak = Get-Median @($bare.Memory.PeakWorkingSet)
                ListPeaks = @($list.Memory.PeakWorkingSet)
                BarePeaks = @($bare.Memory.PeakWorkingSet)
                ListHeap = Get-Median @($list.Memory.ManagedHeap)
                AllMs = @($list.Ms)
                First = $first
            }
        }
        @($sizes)
    }
}

function Measure-Wait {
    Write-Step "5/7 Wait: New-EvsSnapshot -Wait on $($S.WaitSnapshots) snapshots taking $($S.WaitCreateSeconds) s ($($S.WaitRuns) runs)"
    Use-Emulator @('--create-seconds', "$($S.WaitCreateSeconds)") {
        param($emulator)
        $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'volumes' -Method POST -Body @{ count = $S.WaitSnapshots; status = 'in-use'; namePrefix = 'wait-' }
        Invoke-BenchChild Wait (New-ChildParameters $emulator @{ Snapshots = $S.WaitSnapshots; CreateSeconds = $S.WaitCreateSeconds; Runs = $S.WaitRuns }) -TimeoutSec 600
    }
}

function Measure-RateLimits {
    Write-Step "6/7 Rate limits: $(($S.RateCases | ForEach-Object { "$($_.Name) ($($_.Disks) disks)" }) -join ', '); $($S.RateLatencyMs) ms latency, -ThrottleLimit $($S.RateThrottle), $($S.RateRuns) run(s) each"
    foreach ($case in $S.RateCases) {
        $runs = foreach ($run in 1..$S.RateRuns) {
            # A fresh emulator and a fresh process each run: the pacer starts unpaced, as a new runbook would.
            Use-Emulator @('--volumes', "$($case.Disks)", '--latency-ms', "$($S.RateLatencyMs)", '--rate-limit', $case.Limit) {
                param($emulator)
                $r = Invoke-BenchChild RateLimit (New-ChildParameters $emulator @{ Prefix = 'vol-'; Disks = $case.Disks; Name = 'rate'; Throttle = $S.RateThrottle }) -TimeoutSec 900
                Add-EmulatorCounts $r $emulator 'rate' $case.Disks
            }
        }
        [pscustomobject]@{ Case = $case; Runs = @($runs) }
    }
}

function Add-EmulatorCounts($Result, $Emulator, [string] $Name, [int] $Disks) {
    <# Throttled requests, duplicates and the created count, from the emulator's log and state. #>
    $log = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'requests').requests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cloudsnapshots' })
    $snaps = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'snapshots').snapshots | Where-Object { $_.name -like "$Name*" })
    $Result | Add-Member -NotePropertyName Posts -NotePropertyValue $log.Count
    $Result | Add-Member -NotePropertyName Throttled -NotePropertyValue @($log | Where-Object status -EQ 429).Count
    $Result | Add-Member -NotePropertyName Stored -NotePropertyValue $snaps.Count
    $Result | Add-Member -NotePropertyName Duplicates -NotePropertyValue ($snaps.Count - @($snaps.volumeId | Sort-Object -Unique).Count)
    $Result
}

function Measure-TwoProcesses {
    Write-Step "6b/7 Two processes on one credential at $($S.TwoProcessLimit)/s, $($S.TwoProcessDisks) disks each"
    Use-Emulator @('--latency-ms', "$($S.RateLatencyMs)", '--rate-limit', "write=$($S.TwoProcessLimit)/1s") {
        param($emulator)
        foreach ($prefix in 'a-', 'b-') { $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'volumes' -Method POST -Body @{ count = $S.TwoProcessDisks; namePrefix = $prefix } }
        $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests' -Method DELETE
        # Both start at the same moment, after their imports and connects (a few seconds from now).
        $startAt = [DateTime]::UtcNow.AddSeconds(8).ToString('o')
        $script = Join-Path $Work 'child-RateLimit.ps1'
        if (-not (Test-Path $script)) { Set-Content -Path $script -Value ($ChildPrelude + "`n" + $ChildScripts.RateLimit) -Encoding utf8 }
        $children = foreach ($prefix in 'a-', 'b-') {
            $paramsFile = Join-Path $Work "params-two-$prefix.json"
            New-ChildParameters $emulator @{ Prefix = $prefix; Disks = $S.TwoProcessDisks; Name = "two-$prefix"; Throttle = $S.RateThrottle; StartAtUtc = $startAt } |
                ConvertTo-Json -Depth 10 | Set-Content -Path $paramsFile -Encoding utf8
            Start-EvsPwsh -ArgumentList '-NoProfile', '-NonInteractive', '-File', $script, '-ParamsFile', $paramsFile
        }
        $results = foreach ($c in $children) {
            if (-not $c.Process.WaitForExit(900000)) { $c.Process.Kill($true); throw 'A two-process child did not finish within 900 s.' }
            $out = $c.Stdout.GetAwaiter().GetResult(); $err = $c.Stderr.GetAwaiter().GetResult()
            $line = @($out -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-RESULT ') })
            if ($c.Process.ExitCode -ne 0 -or $line.Count -ne 1 -or $err.Trim()) { throw "A two-process child failed (exit code $($c.Process.ExitCode)).`n$out`n$err" }
            $line[0].Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
        }
        $i = 0
        foreach ($r in $results) { $null = Add-EmulatorCounts $r $emulator "two-$(@('a-', 'b-')[$i])" $S.TwoProcessDisks; $i++ }
        $log = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests').requests | Where-Object { $_.method -eq 'POST' })
        $start = ($results | ForEach-Object { [DateTime]::Parse($_.StartUtc, $null, 'RoundtripKind') } | Sort-Object)[0]
        $end = ($results | ForEach-Object { [DateTime]::Parse($_.EndUtc, $null, 'RoundtripKind') } | Sort-Object)[-1]
        [pscustomobject]@{ Results = @($results); Seconds = ($end - $start).TotalSeconds; AllPosts = $log.Count; AllThrottled = @($log | Where-Object status -EQ 429).Count }
    }
}

function New-IlEngineCopy {
    <# A control of figure 7: the module as built less its ReadyToRun engine images, so the loader takes the IL engine
       (what every PowerShell got before the images, and what Windows PowerShell 5.1 always gets). Returns its manifest. #>
    $dir = Join-Path $Work 'il-engine/EvsSnapshot'
    if (-not (Test-Path $dir)) {
        $null = New-Item -ItemType Directory -Force (Split-Path $dir)
        Copy-Item (Split-Path $BenchModule) $dir -Recurse
        Remove-Item (Join-Path $dir 'Dependencies/ReadyToRun') -Recurse -Force -ErrorAction SilentlyContinue
    }
    Join-Path $dir (Split-Path $BenchModule -Leaf)
}

function Get-JitOrigin([string] $Log) {
    <# Counts the methods of a DOTNET_JitStdOutFile + DOTNET_JitDisasmSummary log by where they come from. #>
    $engine = 0; $module = 0; $other = 0
    foreach ($line in [IO.File]::ReadLines($Log)) {
        if ($line -notmatch 'JIT compiled (\S+)') { continue }
        $method = $Matches[1]
        if ($method -like 'EvsSnapshot.Client.*') { $engine++ }
        elseif ($method -like 'EvsSnapshot.*') { $module++ }
        elseif ($method -like '*EvsSnapshot.*') { if ($method -like '*EvsSnapshot.Client.*') { $engine++ } else { $module++ } }   # generic code over our types
        else { $other++ }
    }
    @{ Engine = $engine; Module = $module; Other = $other }
}

function New-ReadyToRunPwsh {
    <#
    A copy of the PowerShell that runs the benchmark with every managed assembly of its folder precompiled by crossgen2,
    as PowerShell's release packages are built (PublishReadyToRun; the hosts runbooks run on install those), whereas the
    tool package this machine has is IL only. Built once into out/bench and reused; $null (and the figure's R2R rows are
    left out) when the PowerShell is not a framework-dependent pwsh.dll or no crossgen2 of this runtime is restored.
    #>
    $pwsh = Get-PwshCommand
    $dll = $pwsh[-1]
    if ($dll -notlike '*.dll' -or -not [System.Runtime.InteropServices.RuntimeInformation]::IsOSPlatform([System.Runtime.InteropServices.OSPlatform]::Linux) -or
        [System.Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture -ne 'X64') { return $null }
    $framework = [System.Runtime.InteropServices.RuntimeEnvironment]::GetRuntimeDirectory().TrimEnd('/')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    $major = [Environment]::Version.Major
    $crossgen = Get-ChildItem (Join-Path $packages 'microsoft.netcore.app.crossgen2.linux-x64') -Directory -ErrorAction SilentlyContinue |
        Where-Object { $_.Name -like "$major.*" } | Sort-Object { [version]($_.Name -replace '-.*$', '') } | Select-Object -Last 1 |
        ForEach-Object { Join-Path $_.FullName 'tools/crossgen2' } | Where-Object { Test-Path $_ }
    if (-not $crossgen) { return $null }
    $source = Split-Path $dll
    $target = Join-Path $RepoRoot "out/bench/pwsh-r2r/$($PSVersionTable.PSVersion)-net$([Environment]::Version)"
    $done = Join-Path $target '.complete'
    if (-not (Test-Path $done)) {
        Write-Host "    precompiling $source with $crossgen (once; kept in $target)"
        if (Test-Path $target) { Remove-Item $target -Recurse -Force }
        $null = New-Item -ItemType Directory -Force (Split-Path $target)
        Copy-Item $source $target -Recurse
        foreach ($file in Get-ChildItem $source -Filter *.dll -File) {
            # An assembly crossgen2 cannot compile (a facade, a reference assembly) stays the IL copy already there.
            $out = Join-Path ([IO.Path]::GetTempPath()) "r2r-$([guid]::NewGuid().ToString('N')).dll"
            & $crossgen $file.FullName -o $out -r "$framework/*.dll" -r "$source/*.dll" --targetos linux --targetarch x64 -O *> $null
            if ($LASTEXITCODE -eq 0 -and (Test-Path $out)) { Move-Item $out (Join-Path $target $file.Name) -Force } else { Remove-Item $out -ErrorAction SilentlyContinue }
        }
        $null = New-Item -ItemType File $done
    }
    @($pwsh | Select-Object -SkipLast 1) + (Join-Path $target (Split-Path $dll -Leaf))
}

function Measure-ColdRunbook {
    Write-Step "7/7 Cold runbook: bare start vs import + connect -Token + one create vs Invoke-RestMethod ($($S.ColdRuns) rounds)"
    $ilModule = New-IlEngineCopy
    $script:ColdCrashes = [Collections.Generic.List[string]]::new()
    Use-Emulator @() {
        param($emulator)
        $token = Get-EvsIamToken $emulator
        $i = $emulator.Info
        $vol = $i.volumeIds.app01
        $uri = "$($emulator.Url)/v2/$($i.projectId)/cloudsnapshots"
        $connect = "Connect-EvsProject -Region $($i.region) -ProjectId $($i.projectId) -Endpoint $($emulator.Url) -IamEndpoint $($emulator.Url) -Token `$env:EVS_BENCH_TOKEN"
        # The token comes from the scheduler's environment, as a runbook would get it; -Token takes its text.
        $variants = [ordered]@{
            bare       = 'exit'
            runbook    = "Import-Module '$BenchModule'; $connect; `$null = New-EvsSnapshot -VolumeId $vol -Name cold"
            restmethod = "`$null = Invoke-RestMethod -Method Post -Uri '$uri' -Headers @{ 'X-Auth-Token' = `$env:EVS_BENCH_TOKEN } -ContentType application/json -Body ('{""snapshot"":{""volume_id"":""$vol"",""metadata"":{""evssnapshot_client_token"":""' + [guid]::NewGuid().ToString('N') + '""},""name"":""cold""}}')"
            # The control: the same runbook with the IL engine (no ReadyToRun images).
            runbookil  = "Import-Module '$ilModule'; $connect; `$null = New-EvsSnapshot -VolumeId $vol -Name cold"
        }
        $measureRounds = {
            <# One warm-up run of each, then $S.ColdRuns rounds, the order rotating every round; times by name. #>
            param([string[]] $Names, [string[]] $Pwsh)
            $measured = @{}
            foreach ($k in $Names) { $measured[$k] = [Collections.Generic.List[double]]::new(); $null = Measure-PwshStart $variants[$k] -Pwsh $Pwsh }
            for ($r = 0; $r -lt $S.ColdRuns; $r++) {
                $order = for ($j = 0; $j -lt $Names.Count; $j++) { $Names[($j + $r) % $Names.Count] }
                foreach ($k in $order) { $measured[$k].Add((Measure-PwshStart $variants[$k] -Pwsh $Pwsh)) }
            }
            $measured
        }
        $env:EVS_BENCH_TOKEN = $token
        try {
            $times = & $measureRounds @($variants.Keys)
            # The same rounds on a ReadyToRun PowerShell, as installed releases are (the IL-engine control left out).
            $r2rPwsh = New-ReadyToRunPwsh
            $r2rTimes = if ($r2rPwsh) { & $measureRounds 'bare', 'runbook', 'restmethod' $r2rPwsh }
        }
        finally { Remove-Item Env:EVS_BENCH_TOKEN -ErrorAction SilentlyContinue }
        $created = (Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats').snapshotsCreated
        # Both runbooks and Invoke-RestMethod, warm-ups included (the step runs come after); on the R2R host one runbook.
        $expected = 3 * ($S.ColdRuns + 1) + $(if ($r2rTimes) { 2 * ($S.ColdRuns + 1) } else { 0 })
        if ($created -ne $expected) { throw "The cold runs created $created snapshots, expected $expected." }

        # Where the time goes: the same runbook step by step in more fresh processes, alternating the module as built
        # and the IL-engine control. Nothing else runs in these processes first, so the JIT counts are the runbook's own.
        $stepScript = {
            param([string] $Manifest)
            "`$w = [Diagnostics.Stopwatch]::StartNew(); `$s = [ordered]@{}; function Note(`$n) { `$s[`$n] = @{ Ms = `$w.Elapsed.TotalMilliseconds; Jit = [System.Runtime.JitInfo]::GetCompiledMethodCount(`$false); JitMs = [System.Runtime.JitInfo]::GetCompilationTime(`$false).TotalMilliseconds; Cpu = [Diagnostics.Process]::GetCurrentProcess().TotalProcessorTime.TotalMilliseconds } }; Note start; " +
            "`$before = @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name }); " +
            "Import-Module '$Manifest'; Note import; " +
            "`$loaded = @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name } | Where-Object { `$_ -notin `$before }); " +
            "Connect-EvsProject -Region $($i.region) -ProjectId $($i.projectId) -Endpoint $($emulator.Url) -IamEndpoint $($emulator.Url) -Token `$env:EVS_BENCH_TOKEN; Note connect; " +
            "`$null = New-EvsSnapshot -VolumeId $vol -Name cold-steps; Note create; " +
            "`$engine = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'EvsSnapshot.Client' } | ForEach-Object Location; " +
            "'BENCH-RESULT ' + (@{ Steps = `$s; AfterImport = `$loaded; Engine = `$engine } | ConvertTo-Json -Depth 5 -Compress)"
        }
        $invokeSteps = {
            param([string] $Manifest, [hashtable] $Environment = @{})
            # A child that reported its result and then did not exit cleanly (seen rarely: exit code 139, SIGSEGV, with
            # either engine) is counted and run again, at most twice; anything else stops the benchmark.
            for ($try = 0; ; $try++) {
                # A run again starts a fresh JIT log: the runtime appends to the file, and one run's methods are counted.
                if ($Environment.ContainsKey('DOTNET_JitStdOutFile')) { Remove-Item -LiteralPath $Environment['DOTNET_JitStdOutFile'] -ErrorAction Ignore }
                $run = Invoke-EvsPwsh -ArgumentList '-Command', (& $stepScript $Manifest) -Environment (@{ EVS_BENCH_TOKEN = $token } + $Environment) -TimeoutSec 120
                $line = @($run.Output -split "`r?`n" | Where-Object { $_.StartsWith('BENCH-RESULT ') })
                if ($run.ExitCode -eq 0 -and $line.Count -eq 1) { break }
                if ($line.Count -eq 1 -and $try -lt 2) { $script:ColdCrashes.Add("exit code $($run.ExitCode)"); continue }
                throw "The cold step run failed (exit code $($run.ExitCode), $($line.Count) result lines): $($run.Output)"
            }
            $line[0].Substring('BENCH-RESULT '.Length) | ConvertFrom-Json
        }
        $steps = @{ runbook = [Collections.Generic.List[object]]::new(); runbookil = [Collections.Generic.List[object]]::new() }
        $manifests = @{ runbook = $BenchModule; runbookil = $ilModule }
        for ($n = 0; $n -lt $S.ColdStepRuns; $n++) {
            foreach ($k in $(if ($n % 2) { 'runbookil', 'runbook' } else { 'runbook', 'runbookil' })) { $steps[$k].Add((& $invokeSteps $manifests[$k])) }
        }
        # One more of each with the JIT's method log (DOTNET_JitStdOutFile), to tell the module's methods from PowerShell's.
        $origin = @{}
        foreach ($k in 'runbook', 'runbookil') {
            $log = Join-Path $Work "jit-$k.txt"
            $null = & $invokeSteps $manifests[$k] @{ DOTNET_JitStdOutFile = $log; DOTNET_JitDisasmSummary = '1' }
            $origin[$k] = if (Test-Path $log) { Get-JitOrigin $log } else { $null }
        }
        $median = @{}; foreach ($k in $variants.Keys) { $median[$k] = Get-Median $times[$k] }
        $r2rMedian = $null
        if ($r2rTimes) { $r2rMedian = @{}; foreach ($k in $r2rTimes.Keys) { $r2rMedian[$k] = Get-Median $r2rTimes[$k] } }
        [pscustomobject]@{ R2RPwsh = $r2rPwsh; R2RMedian = $r2rMedian; R2RRuns = $r2rTimes; Median = $median; Runs = $times; Steps = @($steps.runbook); StepsIl = @($steps.runbookil); Origin = $origin; Variants = $variants; Crashes = @($script:ColdCrashes) }
    }
}

# ----------------------------------------------------------------------------------------------- run

$Work = Join-Path ([System.IO.Path]::GetTempPath()) "evs-bench-$PID"
$savedEmulatorDll = $env:EVS_EMULATOR_DLL
$total = [System.Diagnostics.Stopwatch]::StartNew()
try {
    if (Test-Path $Work) { Remove-Item $Work -Recurse -Force }
    $null = New-Item -ItemType Directory $Work
    # Measure a private copy: a rebuild during the run must not change (or break) what is measured.
    Copy-Item (Split-Path (Resolve-Path $ModulePath)) (Join-Path $Work 'module') -Recurse
    $BenchModule = Join-Path $Work "module/$(Split-Path $ModulePath -Leaf)"
    $emulatorDll = Get-EvsEmulatorPath
    if (-not (Test-Path $emulatorDll)) { throw "The emulator is not built: $emulatorDll is missing." }
    Copy-Item (Split-Path $emulatorDll) (Join-Path $Work 'emulator') -Recurse
    $env:EVS_EMULATOR_DLL = Join-Path $Work "emulator/$(Split-Path $emulatorDll -Leaf)"
    $moduleVersion = (Import-PowerShellDataFile $BenchModule).ModuleVersion
    $moduleCommit = try { (& git -C $RepoRoot rev-parse --short HEAD 2>$null) + $(if (& git -C $RepoRoot status --porcelain -- src 2>$null) { ' + uncommitted changes in src/' } else { '' }) } catch { 'unknown' }

    $machine = Get-MachineInfo
    Write-Step "Benchmarking EvsSnapshot $moduleVersion ($moduleCommit) from $ModulePath"
    foreach ($k in $machine.Keys) { Write-Host ("    {0,-15} {1}" -f $k, $machine[$k]) }

    if ($Figure) {
        if ($Figure -contains '3') { $bulk = Measure-Bulk }
        if ($Figure -contains '7') { $cold = Measure-ColdRunbook }
    }
    else {
        $import = Measure-ImportOverhead
        $perCall = Measure-PerCall
        $bulk = Measure-Bulk
        $listing = Measure-Listing
        $wait = Measure-Wait
        $rates = @(Measure-RateLimits)
        $two = Measure-TwoProcesses
        $cold = Measure-ColdRunbook
    }
}
finally {
    $env:EVS_EMULATOR_DLL = $savedEmulatorDll
    if (Test-Path $Work) { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }
}
$elapsed = $total.Elapsed
if (Test-Path /proc/loadavg) { $machine['Load at end'] = (((Get-Content /proc/loadavg) -split ' ')[0..2] -join ' ') + ' (1/5/15-min load average)' }

# ----------------------------------------------------------------------------------------------- results

$rows = [System.Collections.Generic.List[object]]::new()
function Add-Row([string] $Figure, [string] $Measured, [string] $Baseline, [double] $Ratio, [string] $Target, [Nullable[bool]] $Pass, [string] $RatioText) {
    $rows.Add([pscustomobject]@{
            Figure   = $Figure
            Measured = $Measured
            Baseline = $Baseline
            Ratio    = if ($RatioText) { $RatioText } else { '{0:n2}' -f $Ratio }
            Target   = $Target
            Result   = if ($null -eq $Pass) { 'info' } elseif ($Pass) { 'PASS' } else { 'FAIL' }
        })
}

function ConvertTo-Cell([string] $Text) { $Text.Replace('|', '\|') }

function Get-ResultTable {
    $table = [System.Text.StringBuilder]::new()
    $null = $table.AppendLine('| Figure | Measured | Baseline / ideal | Ratio | Target | Result |')
    $null = $table.AppendLine('|---|---|---|---|---|---|')
    foreach ($r in $rows) { $null = $table.AppendLine("| $(ConvertTo-Cell $r.Figure) | $(ConvertTo-Cell $r.Measured) | $(ConvertTo-Cell $r.Baseline) | $($r.Ratio) | $($r.Target) | **$($r.Result)** |") }
    $table.ToString()
}

function Join-Values([double[]] $Values, [scriptblock] $Format) { ($Values | ForEach-Object { & $Format $_ }) -join ', ' }

# Figures 3 and 7 are functions: `-Figure 3,7` measures and reports them alone.
function Add-BulkRows($bulk) {
    $ideal = $S.BulkVolumes * $S.BulkLatencyMs / $S.BulkThrottle
    $bulkMs = Get-Median @($bulk.Runs.Ms)
    Add-Row "3. Bulk: $($S.BulkVolumes) disks, -ThrottleLimit $($S.BulkThrottle), $($S.BulkLatencyMs) ms latency (median of $($S.BulkRuns))" (Format-Ms $bulkMs) "ideal $(Format-Ms $ideal)" ($bulkMs / $ideal) '<= 1.25' (($bulkMs / $ideal) -le 1.25)
    Add-Row "3b. Same pipeline, -ThrottleLimit 1 (info)" (Format-Ms $bulk.Serial.Ms) "-ThrottleLimit $($S.BulkThrottle): $(Format-Ms $bulkMs)" ($bulk.Serial.Ms / $bulkMs) '-' $null ('{0:n1}x slower' -f ($bulk.Serial.Ms / $bulkMs))
}

function Add-BulkSection([System.Text.StringBuilder] $md, $bulk) {
    $ideal = $S.BulkVolumes * $S.BulkLatencyMs / $S.BulkThrottle
    $null = $md.AppendLine('### 3. Bulk')
    $null = $md.AppendLine()
    $null = $md.AppendLine("Emulator with ``--volumes $($S.BulkVolumes) --latency-ms $($S.BulkLatencyMs)`` (every API response delayed $($S.BulkLatencyMs) ms); one child connected with AK/SK.")
    $null = $md.AppendLine("Timed: ``(Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -ThrottleLimit $($S.BulkThrottle) | Measure-Object).Count`` (must be $($S.BulkVolumes)), after a warm-up")
    $null = $md.AppendLine("on 9 disks; $($S.BulkRuns) runs, median. The wildcard name is filtered in the client, so the timed pipeline also lists all $($S.BulkVolumes + 9) disks")
    $null = $md.AppendLine("(2 pages). Ideal: $($S.BulkVolumes) x $($S.BulkLatencyMs) ms / $($S.BulkThrottle) = $(Format-Ms $ideal). Target: at most 1.25 x ideal. Then the same pipeline once with ``-ThrottleLimit 1``.")
    $null = $md.AppendLine()
    $null = $md.AppendLine('| Run | Total | Listing before the first create | Creates (first start to last end) | After the last create | Most creates in flight (emulator log, 2 ms slack) | Median server time per create |')
    $null = $md.AppendLine('|---|---|---|---|---|---|---|')
    $i = 0
    foreach ($r in @($bulk.Runs) + @($bulk.Serial)) {
        $i++
        $null = $md.AppendLine("| $(if ($r.ThrottleLimit -eq 1) { '-ThrottleLimit 1' } else { "-ThrottleLimit $($r.ThrottleLimit) #$i" }) | $(Format-Ms $r.Ms) | $(Format-Ms $r.ToFirstCreateMs) | $(Format-Ms $r.CreateSpanMs) | $(Format-Ms $r.AfterLastCreateMs) | $($r.MaxInFlight) | $(Format-Ms $r.MedianServerMs) |")
    }
    $null = $md.AppendLine()
    $null = $md.AppendLine("``Get-EvsVolume -Name 'vol-*'`` alone: $(Join-Values $bulk.ListMs { Format-Ms $args[0] }).")
    $null = $md.AppendLine()
}

function Add-ColdRows($cold) {
    $coldVsBare = $cold.Median.runbook / $cold.Median.bare
    $coldVsIrm = $cold.Median.runbook / $cold.Median.restmethod
    Add-Row "7. Cold runbook (fresh pwsh: import, Connect-EvsProject -Token, one New-EvsSnapshot), median of $($S.ColdRuns)" (Format-Ms $cold.Median.runbook) "bare start: $(Format-Ms $cold.Median.bare)" $coldVsBare '<= 1.25' ($coldVsBare -le 1.25)
    Add-Row "7b. Same runbook vs the same create through Invoke-RestMethod (cold)" (Format-Ms $cold.Median.runbook) "Invoke-RestMethod: $(Format-Ms $cold.Median.restmethod)" $coldVsIrm '<= 1.0' ($coldVsIrm -le 1.0)
    Add-Row "7c. Cold Invoke-RestMethod vs bare start (info: PowerShell's own cost of one web call)" (Format-Ms $cold.Median.restmethod) "bare start: $(Format-Ms $cold.Median.bare)" ($cold.Median.restmethod / $cold.Median.bare) '-' $null
    Add-Row "7d. The runbook with the IL engine (control: no ReadyToRun images) vs bare start (info)" (Format-Ms $cold.Median.runbookil) "bare start: $(Format-Ms $cold.Median.bare)" ($cold.Median.runbookil / $cold.Median.bare) '-' $null
    if ($cold.R2RMedian) {
        $r = $cold.R2RMedian
        Add-Row "7e. On a ReadyToRun PowerShell (as release packages are built): the runbook vs bare start (info)" (Format-Ms $r.runbook) "bare start: $(Format-Ms $r.bare)" ($r.runbook / $r.bare) '-' $null
        Add-Row "7f. On a ReadyToRun PowerShell: the runbook vs Invoke-RestMethod (info)" (Format-Ms $r.runbook) "Invoke-RestMethod: $(Format-Ms $r.restmethod) ($('{0:n2}' -f ($r.restmethod / $r.bare))x bare)" ($r.runbook / $r.restmethod) '-' $null
    }
}

function Get-StepMedian($Runs, [string] $From, [string] $To, [string] $Measure) {
    <# Median over the step runs of what one measure (Ms, Jit, JitMs, Cpu) grew by between two of their notes. #>
    Get-Median @($Runs | ForEach-Object { $_.Steps.$To.$Measure - $_.Steps.$From.$Measure })
}

function Add-ColdSection([System.Text.StringBuilder] $md, $cold) {
    $null = $md.AppendLine('### 7. Cold runbook')
    $null = $md.AppendLine()
    $null = $md.AppendLine("Four fresh ``$($Pwsh -join ' ') -NoProfile -Command`` processes per round, from start to exit, the order rotating every round, $($S.ColdRuns) rounds after one warm-up each:")
    $null = $md.AppendLine()
    $temp = Split-Path (Split-Path $BenchModule)
    foreach ($k in $cold.Variants.Keys) { $null = $md.AppendLine("- ``$k``: ``$($cold.Variants[$k] -replace [regex]::Escape($BenchModule), '<module>.psd1' -replace [regex]::Escape($temp), '<temp>')``") }
    $null = $md.AppendLine()
    $null = $md.AppendLine('`runbookil` is the control: the same module with its `Dependencies/ReadyToRun` images removed, so the loader takes the IL engine, as before')
    $null = $md.AppendLine('the images (and as Windows PowerShell 5.1 always does). The token is an IAM token from the emulator, handed over in an environment variable')
    $null = $md.AppendLine('(EVS_BENCH_TOKEN), as a scheduler would.')
    $null = $md.AppendLine("Medians: bare $(Format-Ms $cold.Median.bare), runbook $(Format-Ms $cold.Median.runbook), Invoke-RestMethod $(Format-Ms $cold.Median.restmethod), runbook with the IL engine $(Format-Ms $cold.Median.runbookil).")
    $null = $md.AppendLine("All runs (ms): bare $(Join-Values $cold.Runs.bare { '{0:n0}' -f $args[0] }); runbook $(Join-Values $cold.Runs.runbook { '{0:n0}' -f $args[0] }); Invoke-RestMethod $(Join-Values $cold.Runs.restmethod { '{0:n0}' -f $args[0] }); IL engine $(Join-Values $cold.Runs.runbookil { '{0:n0}' -f $args[0] }).")
    $null = $md.AppendLine()
    $null = $md.AppendLine("Where the runbook's time goes: the same steps in $($S.ColdStepRuns) more fresh processes of each kind (alternating), each step timed (Stopwatch) and the")
    $null = $md.AppendLine('methods the JIT compiled counted (`[System.Runtime.JitInfo]::GetCompiledMethodCount()`; the count at the start is what pwsh itself compiled to get')
    $null = $md.AppendLine('there), with the time the JIT spent compiling them (`GetCompilationTime()`, all threads). Medians; "IL engine" is the control (before the ReadyToRun images), "as built" the module as shipped:')
    $null = $md.AppendLine()
    $null = $md.AppendLine('| Step | IL engine: time | IL engine: methods JIT-compiled | IL engine: JIT time | As built: time | As built: methods JIT-compiled | As built: JIT time |')
    $null = $md.AppendLine('|---|---|---|---|---|---|---|')
    $labels = [ordered]@{ import = 'Import-Module'; connect = 'Connect-EvsProject -Token $env:EVS_BENCH_TOKEN'; create = 'New-EvsSnapshot (first call)' }
    $prev = 'start'
    foreach ($step in @($labels.Keys) + 'all') {
        $from = if ($step -eq 'all') { 'start' } else { $prev }
        $to = if ($step -eq 'all') { 'create' } else { $step }
        $cells = foreach ($runs in $cold.StepsIl, $cold.Steps) {
            Format-Ms (Get-StepMedian $runs $from $to Ms)
            '{0:n0}' -f (Get-StepMedian $runs $from $to Jit)
            Format-Ms (Get-StepMedian $runs $from $to JitMs)
        }
        $null = $md.AppendLine("| $(if ($step -eq 'all') { '**All three steps**' } else { $labels[$step] }) | $($cells -join ' | ') |")
        $prev = $step
    }
    $startJit = foreach ($runs in $cold.StepsIl, $cold.Steps) { '-'; '{0:n0}' -f (Get-Median @($runs | ForEach-Object { $_.Steps.start.Jit })); Format-Ms (Get-Median @($runs | ForEach-Object { $_.Steps.start.JitMs })) }
    $null = $md.AppendLine("| (pwsh before the first step) | $($startJit -join ' | ') |")
    $null = $md.AppendLine()
    $o = $cold.Origin
    if ($o.runbook -and $o.runbookil) {
        $null = $md.AppendLine('Whose methods the JIT compiled, over the whole process (one more run of each with `DOTNET_JitStdOutFile` and `DOTNET_JitDisasmSummary=1`):')
        $null = $md.AppendLine()
        $null = $md.AppendLine('| Methods of | IL engine | As built |')
        $null = $md.AppendLine('|---|---|---|')
        $null = $md.AppendLine("| the engine (EvsSnapshot.Client, and generic code over its types) | $('{0:n0}' -f $o.runbookil.Engine) | $('{0:n0}' -f $o.runbook.Engine) |")
        $null = $md.AppendLine("| the cmdlets and public types (EvsSnapshot, EvsSnapshot.Types: IL on every PowerShell) | $('{0:n0}' -f $o.runbookil.Module) | $('{0:n0}' -f $o.runbook.Module) |")
        $null = $md.AppendLine("| PowerShell and .NET (System.Management.Automation is IL-only here) | $('{0:n0}' -f $o.runbookil.Other) | $('{0:n0}' -f $o.runbook.Other) |")
        $null = $md.AppendLine()
    }
    $cpu = foreach ($runs in $cold.StepsIl, $cold.Steps) { Format-Ms (Get-StepMedian $runs start create Cpu) }
    $null = $md.AppendLine("CPU time of the process over the three steps (all its threads; steadier than wall time on a busy machine), median: IL engine $($cpu[0]), as built $($cpu[1]).")
    $jitShare = Get-Median @($cold.Steps | ForEach-Object { ($_.Steps.create.JitMs - $_.Steps.start.JitMs) / ($_.Steps.create.Ms - $_.Steps.start.Ms) })
    $null = $md.AppendLine("Time the JIT spent compiling during the three steps, as built, against their wall time: $('{0:p0}' -f $jitShare) (median of the per-run ratios; it counts all threads, so")
    $null = $md.AppendLine('background re-compilation at a higher tier is in it too). By the table above, nearly all of those methods are PowerShell''s and .NET''s, compiled on first use in every process.')
    $null = $md.AppendLine()
    if ($cold.Crashes.Count) { $null = $md.AppendLine("Step runs that reported and then exited abnormally, run again: $($cold.Crashes.Count) ($($cold.Crashes -join ', ')).") ; $null = $md.AppendLine() }
    $engineFile = "$($cold.Steps[0].Engine)" -replace [regex]::Escape((Split-Path $BenchModule)), '<module>'
    $null = $md.AppendLine("Assemblies ``Import-Module`` adds to the process: $((@($cold.Steps[0].AfterImport) | ForEach-Object { '`' + $_ + '`' }) -join ', ') (the engine, System.Text.Json and HTTP come with the first call). The engine the runbook loaded: ``$engineFile``.")
    $null = $md.AppendLine()
    $null = $md.AppendLine("Reading it: the runbook costs $(Format-Ms ($cold.Median.runbook - $cold.Median.bare)) over a bare start; the same create through Invoke-RestMethod costs $(Format-Ms ($cold.Median.restmethod - $cold.Median.bare)).")
    $null = $md.AppendLine('This PowerShell is IL-only (see Machine): every method of System.Management.Automation a step touches for the first time (command discovery, module')
    $null = $md.AppendLine('loading, parameter binding, the web cmdlets) is JIT-compiled in every new process, and that is most of what both runbooks pay; a module cannot')
    $null = $md.AppendLine('precompile PowerShell. What it can precompile is its own engine: build.ps1 makes ReadyToRun images of EvsSnapshot.Client for net8.0, net9.0 and')
    $null = $md.AppendLine('net10.0 x linux-x64 and win-x64 (a runtime reads only images of its own major version) and the loader takes the one for its runtime; the cmdlets')
    $null = $md.AppendLine('and public types stay IL (PowerShell loads them itself, from one file for both editions). What it can avoid is work the runbook does not need:')
    $null = $md.AppendLine('`-Token` (like `-SecretKey`, `-SecurityToken` and `-Password`) takes the text of the secret, so the runbook no longer calls')
    $null = $md.AppendLine('`ConvertTo-SecureString`, whose auto-loaded module cost a fresh process about 0.1 s (106 ms and 463 JIT-compiled methods in the run of 2026-12-02 02:58).')
    $null = $md.AppendLine()
    if ($cold.R2RMedian) {
        $r = $cold.R2RMedian
        $null = $md.AppendLine("On a ReadyToRun PowerShell (rows 7e and 7f): the same PowerShell $($PSVersionTable.PSVersion) with every managed assembly of its folder precompiled by crossgen2, as")
        $null = $md.AppendLine('PowerShell''s release packages are built and as the hosts runbooks run on install them (the copy is made once, under `out/bench/pwsh-r2r`).')
        $null = $md.AppendLine("$($S.ColdRuns) rounds of bare, runbook and Invoke-RestMethod, rotating. Medians: bare $(Format-Ms $r.bare), runbook $(Format-Ms $r.runbook), Invoke-RestMethod $(Format-Ms $r.restmethod).")
        $null = $md.AppendLine("All runs (ms): bare $(Join-Values $cold.R2RRuns.bare { '{0:n0}' -f $args[0] }); runbook $(Join-Values $cold.R2RRuns.runbook { '{0:n0}' -f $args[0] }); Invoke-RestMethod $(Join-Values $cold.R2RRuns.restmethod { '{0:n0}' -f $args[0] }).")
        $null = $md.AppendLine()
        $null = $md.AppendLine("Why 1.25 x a bare start is out of reach for any runbook that imports a module and makes one call: PowerShell's own web cmdlet, with no module to import")
        $null = $md.AppendLine("at all beyond its auto-loaded Microsoft.PowerShell.Utility, costs $('{0:n2}' -f ($cold.Median.restmethod / $cold.Median.bare)) x a bare start on the IL PowerShell and $('{0:n2}' -f ($r.restmethod / $r.bare)) x on the ReadyToRun one")
        $null = $md.AppendLine('(the faster the bare start, the larger the share of the fixed cost of one import and one HTTP exchange). The runbook is at or below that on both.')
        $imported = Get-Variable -Name import -Scope Script -ValueOnly -ErrorAction Ignore
        if ($imported -and $imported.InProcess.Contains('trivialbinary')) {
            # The floor, from figure 1's controls: what importing any binary module costs before a single request.
            $floor = $imported.InProcess.trivialbinary / $imported.Median.bare
            $null = $md.AppendLine("The floor, from figure 1's controls in this run: importing a trivial binary module (one cmdlet, none of it run) costs $('{0:n0}' -f (100 * $floor))% of a bare start,")
            $null = $md.AppendLine("which leaves $('{0:n0}' -f (25 - 100 * $floor))% of the 25% budget for connecting and the one request; Invoke-RestMethod, with only PowerShell's own Utility module to load, needs $('{0:n0}' -f (100 * ($cold.Median.restmethod / $cold.Median.bare - 1)))% for its one request.")
        }
        $null = $md.AppendLine()
    }
}

if ($Figure) {
    # Only the figures asked for: their rows and sections, in a report of their own (docs/BENCHMARKS.md stays as it is).
    if ($Figure -contains '3') { Add-BulkRows $bulk }
    if ($Figure -contains '7') { Add-ColdRows $cold }
    $md = [System.Text.StringBuilder]::new()
    $null = $md.AppendLine("# Benchmarks: figure $($Figure -join ', ') alone")
    $null = $md.AppendLine()
    $null = $md.AppendLine("Generated by ``tests/bench/Invoke-Benchmark.ps1 -Figure $($Figure -join ',')`` (``dotnet pwsh ./build.ps1 bench -Figure $($Figure -join ',')``) in $([int][math]::Floor($elapsed.TotalMinutes)) min $($elapsed.Seconds) s$(if ($Quick) { ' with -Quick' }). Module: EvsSnapshot $moduleVersion, commit $moduleCommit.")
    $null = $md.AppendLine()
    $null = $md.AppendLine('| | |')
    $null = $md.AppendLine('|---|---|')
    foreach ($k in $machine.Keys) { $null = $md.AppendLine("| $k | $($machine[$k]) |") }
    $null = $md.AppendLine()
    $table = Get-ResultTable
    $null = $md.Append($table)
    $null = $md.AppendLine()
    if ($Figure -contains '3') { Add-BulkSection $md $bulk }
    if ($Figure -contains '7') { Add-ColdSection $md $cold }
    $null = New-Item -ItemType Directory -Force (Split-Path $OutFile)
    Set-Content -Path $OutFile -Value $md.ToString().TrimEnd() -Encoding utf8
    Write-Host ''
    Write-Host $table
    Write-Host ("Benchmark took {0:n0} s; report written to {1}" -f $elapsed.TotalSeconds, $OutFile)
    return
}

# 1
$importRatio = $import.Median.module / $import.Median.bare
# Information only since issue 10: any binary module costs PowerShell more than 1.15x on an IL-only pwsh (row 1b and the section say how much).
Add-Row '1. Import overhead (info; median wall time of `pwsh -NoProfile -Command`)' "Import-Module: $(Format-Ms $import.Median.module)" "exit: $(Format-Ms $import.Median.bare)" $importRatio '-' $null
if ($import.InProcess.Contains('trivialbinary')) {
    Add-Row '1b. Import-Module in-process: EvsSnapshot vs a trivial binary module (info)' (Format-Ms $import.InProcess.module) "trivial: $(Format-Ms $import.InProcess.trivialbinary)" ($import.InProcess.module / $import.InProcess.trivialbinary) '-' $null
}

# 2
$pcModule = $perCall.Totals.module; $pcIrm = $perCall.Totals.restmethod; $pcAkSk = $perCall.Totals.moduleAkSk
Add-Row "2. Per-call: $($perCall.Calls) sequential New-EvsSnapshot (token auth), total" (Format-Ms $pcModule) "$($perCall.Calls) Invoke-RestMethod: $(Format-Ms $pcIrm)" ($pcModule / $pcIrm) '<= 1.0' (($pcModule / $pcIrm) -le 1.0)
Add-Row "2b. Per-call, same with AK/SK signing (info)" (Format-Ms $pcAkSk) "Invoke-RestMethod: $(Format-Ms $pcIrm)" ($pcAkSk / $pcIrm) '-' $null

# 3
Add-BulkRows $bulk

# 4
$small = $listing[0]; $large = $listing[-1]
$perKSmall = $small.Ms / ($small.Size / 1000); $perKLarge = $large.Ms / ($large.Size / 1000)
Add-Row "4a. Listing time per 1,000 ($('{0:n0}' -f $small.Size) / $('{0:n0}' -f $large.Size) snapshots)" "$(Format-Ms $perKLarge) at $('{0:n0}' -f $large.Size)" "$(Format-Ms $perKSmall) at $('{0:n0}' -f $small.Size)" ($perKLarge / $perKSmall) '<= 1.25 (linear)' (($perKLarge / $perKSmall) -le 1.25)
foreach ($l in $listing) {
    $delta = $l.ListPeak - $l.BarePeak
    Add-Row "4b. Peak working set, listing $('{0:n0}' -f $l.Size)" "$(Format-MB $l.ListPeak) (+$(Format-MB $delta))" "bare session $(Format-MB $l.BarePeak)" ($l.ListPeak / $l.BarePeak) '<= bare + 50 MB' ($delta -le 50MB)
}
$first = $small.First
Add-Row "4c. First object, $($S.FirstLatencyMs) ms latency (Get-EvsSnapshot | Select-Object -First 1)" "$(Format-Ms $first.SelectFirstMs), $($first.SelectRequests) list request(s)" "one page request: $(Format-Ms $first.RawPageMs)" ($first.SelectFirstMs / $first.RawPageMs) '< 2 and 1 request' ((($first.SelectFirstMs / $first.RawPageMs) -lt 2) -and $first.SelectRequests -eq 1)

# 5
$w = $wait.Runs
$waitMs = Get-Median @($w.Ms)
$lag = Get-Median @($w.LagS)
$interval = Get-Median @($w.LastInterval)
$pollReq = Get-Median @($w.PollRequests)
$budget = $S.WaitSnapshots * ($waitMs / 1000)
Add-Row "5a. -Wait on $($S.WaitSnapshots) snapshots ($($S.WaitCreateSeconds) s each): done after last became available (total $(Format-Ms $waitMs))" ('{0:n2} s' -f $lag) ('poll interval then: {0:n2} s' -f $interval) ($lag / $interval) '<= 1 poll interval' ($lag -le $interval)
Add-Row "5b. -Wait polling requests (list + GET)" ('{0:n0}' -f $pollReq) ('{0} x {1:n1} s = {2:n0}' -f $S.WaitSnapshots, ($waitMs / 1000), $budget) ($pollReq / $budget) '< 1' (($pollReq / $budget) -lt 1)

# 6
$rateRows = foreach ($r in $rates) {
    $c = $r.Case
    foreach ($run in $r.Runs) {
        [pscustomobject]@{
            Case = $c.Name; R = $c.R; Disks = $c.Disks; Ms = $run.Ms; Created = $run.Created; Failed = $run.Failed; Duplicates = $run.Duplicates
            Stored = $run.Stored; Posts = $run.Posts; Throttled = $run.Throttled
            Useful = $run.Created / ($run.Ms / 1000) / $c.R; Share = $(if ($run.Posts) { $run.Throttled / $run.Posts } else { 0 })
            Learned = $run.LearnedRate; Policy = $run.Policy; PacerLines = $run.PacerLines; FirstPacerLine = $run.FirstPacerLine
        }
    }
}
foreach ($r in $rates) {
    $c = $r.Case
    $mine = @($rateRows | Where-Object Case -EQ $c.Name)
    $worstUseful = ($mine | Measure-Object Useful -Minimum).Minimum
    $worstShare = ($mine | Measure-Object Share -Maximum).Maximum
    $failedItems = ($mine | Measure-Object Failed -Sum).Sum
    $dups = ($mine | Measure-Object Duplicates -Sum).Sum
    $allCreated = -not @($mine | Where-Object { $_.Created -ne $c.Disks -or $_.Stored -ne $c.Disks })
    Add-Row "6. Rate limit $($c.Name), $($c.Disks) disks: useful throughput / R, worst of $($mine.Count) run(s)" ("{0:n2} R ({1}); throttled {2}; failed {3}; duplicates {4}" -f $worstUseful, (($mine | ForEach-Object { '{0:n1}/s' -f ($_.Created / ($_.Ms / 1000)) }) -join ', '), (($mine | ForEach-Object { '{0:p1}' -f $_.Share }) -join ', '), $failedItems, $dups) "R = $($c.R)/s" $worstUseful '>= 0.9 R, <= 10% throttled, 0 failed, 0 duplicates' (($worstUseful -ge 0.9) -and ($worstShare -le 0.10) -and $failedItems -eq 0 -and $dups -eq 0 -and $allCreated)
}

# 6b
$twoCreated = ($two.Results | Measure-Object Created -Sum).Sum
$twoFailed = ($two.Results | Measure-Object Failed -Sum).Sum
$twoDup = ($two.Results | Measure-Object Duplicates -Sum).Sum
$twoUseful = $twoCreated / $two.Seconds / $S.TwoProcessLimit
$twoComplete = -not @($two.Results | Where-Object { $_.Created -ne $S.TwoProcessDisks })
Add-Row "6b. Two processes on one credential at $($S.TwoProcessLimit)/s, $($S.TwoProcessDisks) disks each: combined useful throughput / R" ("{0:n2} R ({1} created in {2:n1} s); failed {3}; duplicates {4}; throttled {5:p1}" -f $twoUseful, $twoCreated, $two.Seconds, $twoFailed, $twoDup, ($two.AllThrottled / [Math]::Max(1, $two.AllPosts))) "R = $($S.TwoProcessLimit)/s" $twoUseful '>= 0.8 R, both complete, 0 failed' (($twoUseful -ge 0.8) -and $twoComplete -and $twoFailed -eq 0 -and $twoDup -eq 0)

# 7
Add-ColdRows $cold

$table = Get-ResultTable
$failed = @($rows | Where-Object Result -eq 'FAIL')

# ----------------------------------------------------------------------------------------------- report

$md = [System.Text.StringBuilder]::new()
$null = $md.AppendLine('# Benchmarks')
$null = $md.AppendLine()
$null = $md.AppendLine("Generated by ``tests/bench/Invoke-Benchmark.ps1`` (``dotnet pwsh ./build.ps1 bench``) in one run of $([int][math]::Floor($elapsed.TotalMinutes)) min $($elapsed.Seconds) s$(if ($Quick) { ' with -Quick (reduced sizes: not the issue''s figures)' }). Do not edit by hand; run it again.")
$null = $md.AppendLine("Module: EvsSnapshot $moduleVersion, commit $moduleCommit, built module copied from ``$(Resolve-Path -Relative -RelativeBasePath $RepoRoot $ModulePath)``.")
$null = $md.AppendLine()
$null = $md.AppendLine('## Machine')
$null = $md.AppendLine()
$null = $md.AppendLine('| | |')
$null = $md.AppendLine('|---|---|')
foreach ($k in $machine.Keys) { $null = $md.AppendLine("| $k | $($machine[$k]) |") }
$null = $md.AppendLine()
$null = $md.AppendLine('The machine is small and shared (other builds and tests may run at the same time), so every figure is a **median** of')
$null = $md.AppendLine('repeated, interleaved measurements; single runs vary by 20% or more.')
$null = $md.AppendLine()
$null = $md.AppendLine('## Results')
$null = $md.AppendLine()
$null = $md.Append($table.ToString())
$null = $md.AppendLine()
$null = $md.AppendLine($(if ($failed.Count) { "Targets missed: figure $(($failed | ForEach-Object { $_.Figure.Split(' ')[0].TrimEnd('.') }) -join ', '). The sections below give the measurements behind each figure." } else { 'Every target is met.' }))
$null = $md.AppendLine()
$null = $md.AppendLine('## Method')
$null = $md.AppendLine()
$null = $md.AppendLine('Everything runs on this machine: the benchmark, child `pwsh` processes (`' + ($Pwsh -join ' ') + ' -NoProfile`, the pinned local PowerShell) and the EVS')
$null = $md.AppendLine('emulator (`tests/EvsEmulator`, Kestrel on 127.0.0.1), each figure with a fresh emulator. The module and the emulator are copied')
$null = $md.AppendLine('to a temporary folder first. Times are wall-clock (`Stopwatch`); request counts, server-side durations and timestamps come from')
$null = $md.AppendLine('the emulator''s `/__emulator/requests` log and `/__emulator/stats`. Progress output is off (`$ProgressPreference = ''SilentlyContinue''`) in the children.')
$null = $md.AppendLine()

# 1
$null = $md.AppendLine('### 1. Import overhead')
$null = $md.AppendLine()
$null = $md.AppendLine("``$($Pwsh -join ' ') -NoProfile -Command 'Import-Module <copy of the built module>.psd1'`` against the same with ``-Command 'exit'``,")
$null = $md.AppendLine("from process start to exit (stdout and stderr captured). One warm-up run each, then $($S.ImportRuns) rounds that run both once, alternating the")
$null = $md.AppendLine('order. Figure: ratio of the medians, as information (its old target, 1.15, is below what importing any binary module costs on this IL-only PowerShell; see the controls below).')
$null = $md.AppendLine()
$null = $md.AppendLine("Medians: bare start $(Format-Ms $import.Median.bare), with the import $(Format-Ms $import.Median.module) (+$(Format-Ms ($import.Median.module - $import.Median.bare))); median of the per-round ratios $('{0:n2}' -f $import.PairedRatio).")
$null = $md.AppendLine("All runs (ms): bare $(Join-Values $import.Runs.bare { '{0:n0}' -f $args[0] }); import $(Join-Values $import.Runs.module { '{0:n0}' -f $args[0] }).")
$null = $md.AppendLine()
$null = $md.AppendLine("Where the time goes: ``Import-Module`` alone, timed inside fresh ``pwsh -NoProfile -Command`` children (``Stopwatch`` around the import; less")
$null = $md.AppendLine("noisy than whole processes), $($S.ImportDiagRuns) interleaved rounds after a warm-up, for the module and for controls:")
$null = $md.AppendLine()
$null = $md.AppendLine('| Imported | Import-Module (median) | Share of the bare start |')
$null = $md.AppendLine('|---|---|---|')
$labels = @{ emptymanifest = 'a manifest-only module (no code): what any manifest costs'; trivialbinary = 'a trivial binary module (manifest + a 1-cmdlet DLL, built by the benchmark): what any binary module costs'; noformat = 'EvsSnapshot without FormatsToProcess (copy of the manifest)'; module = 'EvsSnapshot as built' }
foreach ($k in $import.InProcess.Keys) {
    $null = $md.AppendLine("| $($labels[$k]) | $(Format-Ms $import.InProcess[$k]) | $('{0:n1}%' -f (100 * $import.InProcess[$k] / $import.Median.bare)) |")
}
$null = $md.AppendLine()
$cmdletCount = @((Import-PowerShellDataFile (Join-Path $RepoRoot 'EvsSnapshot.psd1')).CmdletsToExport).Count
if ($import.InProcess.Contains('trivialbinary')) {
    $generic = $import.InProcess.trivialbinary; $own = $import.InProcess.module - $generic
    $null = $md.AppendLine("PowerShell's own cost of importing any binary module through a manifest is $(Format-Ms $generic) here ($('{0:n0}' -f (100 * $generic / $import.Median.bare))% of a bare start); what EvsSnapshot adds on top")
    $null = $md.AppendLine("(its manifest, format file, $($cmdletCount) cmdlets and load-context set-up) is $(Format-Ms $own) ($('{0:n0}' -f (100 * $own / $import.Median.bare))% of a bare start).")
    $null = $md.AppendLine()
}

# 2
$null = $md.AppendLine('### 2. Per-call overhead')
$null = $md.AppendLine()
$null = $md.AppendLine("One child pwsh, one emulator with no latency. The module is connected with ``Connect-EvsProject -Token`` (a token from the emulator's")
$null = $md.AppendLine('IAM, `POST /v3/auth/tokens`, header `X-Subject-Token`), so both sides authenticate the same way with `X-Auth-Token`; the AK/SK row')
$null = $md.AppendLine('(a second context from `Connect-EvsProject -AccessKey/-SecretKey -PassThru`, passed with `-Context`) adds SDK-HMAC-SHA256 signing per call.')
$null = $md.AppendLine("Each call is a separate invocation in a ``for`` loop: ```$null = New-EvsSnapshot -VolumeId <app01> -Name percall-N`` against")
$null = $md.AppendLine("``Invoke-RestMethod -Method Post -Uri .../v2/{project}/cloudsnapshots -Headers @{'X-Auth-Token'=...} -ContentType application/json`` with")
$null = $md.AppendLine('the body the module sends (`{"snapshot":{"volume_id":...,"metadata":{"evssnapshot_client_token":<new guid>},"name":...}}`).')
$null = $md.AppendLine("After 20 warm-up calls of each, $($perCall.Calls / $S.PerCallBlock) rounds of $($S.PerCallBlock) calls per variant, the order rotating every round; totals are")
$null = $md.AppendLine('summed over the rounds. Target: module total / Invoke-RestMethod total at most 1.0.')
$null = $md.AppendLine()
$null = $md.AppendLine("Median per call (over blocks): New-EvsSnapshot (token) $(Format-Ms $perCall.MedianPerCall.module), New-EvsSnapshot (AK/SK) $(Format-Ms $perCall.MedianPerCall.moduleAkSk), Invoke-RestMethod $(Format-Ms $perCall.MedianPerCall.restmethod). The emulator created $($perCall.SnapshotsCreated) snapshots, as expected.")
$null = $md.AppendLine()

# 3
Add-BulkSection $md $bulk

# 4
$null = $md.AppendLine('### 4. Listing')
$null = $md.AppendLine()
$null = $md.AppendLine("One emulator (no latency), bulk-seeded through ``POST /__emulator/snapshots`` to $(($listing | ForEach-Object { '{0:n0}' -f $_.Size }) -join ' and then ') snapshots (the 4 seed")
$null = $md.AppendLine("snapshots included). At each size, $($S.ListRuns) pairs of fresh child processes, alternating which goes first: a *listing* child (import,")
$null = $md.AppendLine('`Connect-EvsProject` with AK/SK, then `(Get-EvsSnapshot | ForEach-Object { <note first arrival> ; $_ } | Measure-Object).Count`, timed) and a')
$null = $md.AppendLine('*bare* child (the same import and connect, no listing). Each prints `[Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64` at the end.')
$null = $md.AppendLine('Time per 1,000 = median listing time / (snapshots / 1,000); the listing children are fresh processes, so this includes first-call JIT.')
$null = $md.AppendLine('Targets: time per 1,000 at the large size at most 1.25 x the small size (linear); peak working set at most 50 MB above the bare child''s.')
$null = $md.AppendLine()
$null = $md.AppendLine('| Snapshots | Listing (median) | Per 1,000 | Runs | Peak WS listing | Peak WS bare | Difference | First object (cold process) |')
$null = $md.AppendLine('|---|---|---|---|---|---|---|---|')
foreach ($l in $listing) {
    $null = $md.AppendLine("| $('{0:n0}' -f $l.Size) | $(Format-Ms $l.Ms) | $(Format-Ms ($l.Ms / ($l.Size / 1000))) | $(Join-Values $l.AllMs { Format-Ms $args[0] }) | $(Format-MB $l.ListPeak) ($(Join-Values $l.ListPeaks { '{0:n0}' -f ($args[0] / 1MB) })) | $(Format-MB $l.BarePeak) ($(Join-Values $l.BarePeaks { '{0:n0}' -f ($args[0] / 1MB) })) | $(Format-MB ($l.ListPeak - $l.BarePeak)) | $(Format-Ms $l.ColdFirstMs) |")
}
$null = $md.AppendLine()
$null = $md.AppendLine("First object: the emulator's latency is set to $($S.FirstLatencyMs) ms (``PATCH /__emulator/config``) at $('{0:n0}' -f $small.Size) snapshots; one child connects,")
$null = $md.AppendLine("warms up once, then $($S.FirstRuns) times: one raw page request (``HttpClient`` GET ``cloudsnapshots/detail?limit=1000&offset=0`` with ``X-Auth-Token``, body read:")
$null = $md.AppendLine("$('{0:n0}' -f $first.PageBytes) bytes) - the baseline, *one page's latency* -, ``Get-EvsSnapshot | Select-Object -First 1``, and a full listing that notes the")
$null = $md.AppendLine('arrival of its first object. Medians. Target: the first object takes less than two page requests, and costs one list request (the cmdlet
waits for the first page only).')
$null = $md.AppendLine()
$null = $md.AppendLine("The emulator logged $($first.SelectRequests) list request(s) for one ``Get-EvsSnapshot | Select-Object -First 1``. Raw page $(Format-Ms $first.RawPageMs), ``Select-Object -First 1`` $(Format-Ms $first.SelectFirstMs), first object of a full listing $(Format-Ms $first.StreamFirstMs); first ``Select-Object -First 1`` in the fresh process (JIT included): $(Format-Ms $first.ColdSelectFirstMs).")
$null = $md.AppendLine()

# 5
$null = $md.AppendLine('### 5. Wait')
$null = $md.AppendLine()
$null = $md.AppendLine("Emulator with ``--create-seconds $($S.WaitCreateSeconds)`` and $($S.WaitSnapshots) extra in-use disks (``wait-0001``...); one child connected with AK/SK runs")
$null = $md.AppendLine("``@(`$disks | New-EvsSnapshot -Name bench-wait-N -Wait)`` (default ``-ThrottleLimit`` 8, ``-MaxPollInterval`` 10 s) $($S.WaitRuns) times and checks that all $($S.WaitSnapshots) come back available.")
$null = $md.AppendLine('From the emulator: polling requests = `GET .../cloudsnapshots/detail` (the batched id-filtered lists) + `GET .../cloudsnapshots/{id}`; the moment the')
$null = $md.AppendLine("last snapshot became available = its ``created_at`` + $($S.WaitCreateSeconds) s; poll rounds = list requests less than 300 ms apart. Lag = the cmdlet's return minus")
$null = $md.AppendLine('that moment. Targets: lag at most the poll interval in effect then (the gap between the last two poll rounds), and fewer polling')
$null = $md.AppendLine("requests than one per snapshot per second ($($S.WaitSnapshots) x total seconds). Median over the runs.")
$null = $md.AppendLine()
$null = $md.AppendLine('| Run | Total | Creates span | Last available at | Done at | Lag | Last poll interval | Poll rounds (s after first create) | List polls | GET polls |')
$null = $md.AppendLine('|---|---|---|---|---|---|---|---|---|---|')
$i = 0
foreach ($r in $w) {
    $i++
    $null = $md.AppendLine("| $i | $(Format-Ms $r.Ms) | $('{0:n2} s' -f $r.CreatesSpanS) | $('{0:n2} s' -f $r.LastAvailableS) | $('{0:n2} s' -f $r.DoneS) | $('{0:n2} s' -f $r.LagS) | $('{0:n2} s' -f $r.LastInterval) | $(($r.Rounds | ForEach-Object { '{0:n2}' -f $_ }) -join ', ') | $($r.ListPolls) | $($r.GetPolls) |")
}
$null = $md.AppendLine()

# 6
$null = $md.AppendLine('### 6. Rate limits')
$null = $md.AppendLine()
$null = $md.AppendLine("For each limit, $($S.RateRuns) run(s), each with a fresh emulator (``--volumes N --latency-ms $($S.RateLatencyMs) --rate-limit <limit>``: the gateway's per-credential")
$null = $md.AppendLine('limit on write calls, 429 APIGW.0308 naming the policy, no Retry-After) and a fresh child pwsh connected with AK/SK, so the pacer starts unpaced as in a new runbook.')
$null = $md.AppendLine("Timed: ``Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -ThrottleLimit $($S.RateThrottle)`` (listing included). Useful throughput = snapshots created / time; R = the")
$null = $md.AppendLine('sustained rate (limit / window). Throttled = share of the create requests the emulator answered 429. Failed = error records; duplicates = snapshots')
$null = $md.AppendLine('the emulator holds beyond one per disk. Targets (every run): >= 0.9 R, <= 10% throttled, 0 failed, 0 duplicates.')
$null = $md.AppendLine()
$null = $md.AppendLine('| Limit | Disks | Time | Created | Useful / R | Create requests | Throttled | Failed | Duplicates | Learned write rate | Pacer lines in -Verbose |')
$null = $md.AppendLine('|---|---|---|---|---|---|---|---|---|---|---|')
foreach ($r in $rateRows) {
    $null = $md.AppendLine("| $($r.Case) | $($r.Disks) | $(Format-Ms $r.Ms) | $($r.Created) | $('{0:n2}' -f $r.Useful) | $($r.Posts) | $($r.Throttled) ($('{0:p1}' -f $r.Share)) | $($r.Failed) | $($r.Duplicates) | $(if ($null -ne $r.Learned) { '{0:n2}/s' -f $r.Learned } else { 'unpaced' }) | $($r.PacerLines) |")
}
$null = $md.AppendLine()
$firstLine = @($rateRows | Where-Object FirstPacerLine | Select-Object -First 1)
if ($firstLine) { $null = $md.AppendLine("The first pacer line of the $($firstLine[0].Case) run, as -Verbose shows it: ``$($firstLine[0].FirstPacerLine)``"); $null = $md.AppendLine() }

# 6b
$null = $md.AppendLine('### 6b. Two processes, one limit')
$null = $md.AppendLine()
$null = $md.AppendLine("One emulator (``--rate-limit write=$($S.TwoProcessLimit)/1s --latency-ms $($S.RateLatencyMs)``), two child pwsh processes with the same AK/SK, $($S.TwoProcessDisks) disks each (``a-*``, ``b-*``),")
$null = $md.AppendLine("started together and released at the same moment after their imports and connects; each runs the figure-6 pipeline on its disks. Each process learns the")
$null = $md.AppendLine('limit on its own (the pacer is per process). Combined useful throughput = all snapshots / (last end - first start). Target: both complete, 0 failed, >= 0.8 R.')
$null = $md.AppendLine()
$null = $md.AppendLine('| Process | Time | Created | Failed | Duplicates | Learned write rate at the end |')
$null = $md.AppendLine('|---|---|---|---|---|---|')
$i = 0
foreach ($r in $two.Results) {
    $null = $md.AppendLine("| $(@('a', 'b')[$i]) | $(Format-Ms $r.Ms) | $($r.Created) | $($r.Failed) | $($r.Duplicates) | $(if ($null -ne $r.LearnedRate) { '{0:n2}/s' -f $r.LearnedRate } else { 'unpaced' }) |")
    $i++
}
$null = $md.AppendLine()
$null = $md.AppendLine("Combined: $twoCreated snapshots in $('{0:n1}' -f $two.Seconds) s = $('{0:n1}' -f ($twoCreated / $two.Seconds))/s ($('{0:n2}' -f $twoUseful) R); $($two.AllThrottled) of $($two.AllPosts) create requests throttled.")
$null = $md.AppendLine()

# 7
Add-ColdSection $md $cold

$reportText = $md.ToString()
$null = New-Item -ItemType Directory -Force (Split-Path $OutFile)
Set-Content -Path $OutFile -Value $reportText.TrimEnd() -Encoding utf8

Write-Host ''
Write-Host $table.ToString()
Write-Host ("Benchmark took {0:n0} s; report written to {1}" -f $elapsed.TotalSeconds, $OutFile)
if ($failed.Count) { Write-Host "Targets missed: $($failed.Count) (figure $(($failed | ForEach-Object { $_.Figure.Split(' ')[0].TrimEnd('.') }) -join ', '))" -ForegroundColor Yellow }
else { Write-Host 'Every target met.' -ForegroundColor Green }
