#requires -Version 7.2
<#
.SYNOPSIS
Builds, tests and demonstrates the EvsSnapshot module.

.DESCRIPTION
Tasks:
  build     Assemble the importable module in out/EvsSnapshot (manifest, assemblies, formats, en-US help).
  test      Build, then run every suite (xunit, Pester end-to-end, conformance against Huawei's Node SDK)
            and print a final line "N passed, N failed". Exit code 1 on any failure.
  demo      Build, start the emulator on a free port, run docs/examples/Demo-Runbook.ps1 in a clean pwsh.
  emulator  Run the emulator in the foreground on 127.0.0.1:<Port> until Ctrl+C.
  soak      Fault-injection soak (not part of test): writes docs/RELIABILITY.md.
  bench     Benchmarks (not part of test): writes docs/BENCHMARKS.md.
  package   Publish the built module to a local PSResourceGet repository (out/repository) as a .nupkg.
  clean     Remove build output.

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 demo
.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 test
.EXAMPLE
dotnet pwsh ./build.ps1 emulator -Port 5080
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [string] $Task = 'build',

    # emulator: the port to listen on.
    [int] $Port = 5080,

    # soak: volume requests to send.
    [int] $Requests = 1000,

    # test: run only these suites (xunit, pester, conformance).
    [string[]] $Suite = @('xunit', 'pester', 'conformance')
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Tasks = 'build', 'test', 'demo', 'emulator', 'soak', 'bench', 'package', 'clean'
$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'EvsSnapshot'
$Configuration = 'Release'
$PesterVersion = '5.7.1'

Import-Module (Join-Path $Root 'tests/tools/EvsTestHost.psm1') -Force

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    & $FilePath @Arguments | Out-Host   # to the console, never into a caller's return value
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-Build {
    Write-Step 'Building (dotnet build)'
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/EvsSnapshot/EvsSnapshot.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/EvsEmulator/EvsEmulator.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')

    Write-Step "Assembling the module in $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    $bin = Join-Path $Root "src/EvsSnapshot/bin/$Configuration/netstandard2.0"
    Copy-Item (Join-Path $Root 'EvsSnapshot.psd1') $ModuleOut
    Copy-Item (Join-Path $bin 'EvsSnapshot.Format.ps1xml') $ModuleOut
    # Cmdlets and public types sit next to the manifest; the engine and the netstandard2.0 packages Windows
    # PowerShell 5.1 lacks go to Dependencies/, which the module's loader resolves (its own load context on 7.x,
    # where PowerShell's copies of System.Text.Json and friends are used instead).
    foreach ($a in 'EvsSnapshot.dll', 'EvsSnapshot.Types.dll') { Copy-Item (Join-Path $bin $a) $ModuleOut }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies')
    $engine = 'EvsSnapshot.Client.dll', 'System.Text.Json.dll', 'System.Text.Encodings.Web.dll', 'Microsoft.Bcl.AsyncInterfaces.dll',
        'System.Buffers.dll', 'System.Memory.dll', 'System.Numerics.Vectors.dll', 'System.Runtime.CompilerServices.Unsafe.dll',
        'System.Threading.Tasks.Extensions.dll', 'Microsoft.Bcl.TimeProvider.dll'
    foreach ($a in $engine) { Copy-Item (Join-Path $bin $a) $dependencies }

    $helpBuilder = Join-Path $Root 'src/build/HelpBuilder.psm1'
    if (Test-Path $helpBuilder) {
        Import-Module $helpBuilder -Force
        Build-EvsHelp -DocsPath (Join-Path $Root 'docs/en-US') -OutputPath (Join-Path $ModuleOut 'en-US')
    }
    $manifest = Test-ModuleManifest (Join-Path $ModuleOut 'EvsSnapshot.psd1')
    Write-Host "Module $($manifest.Name) $($manifest.Version) assembled in $ModuleOut"
}

function Get-PesterModulePath {
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/tools/Tools.csproj'), '--nologo', '-v', 'quiet')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else {
        ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $path = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $PesterVersion was not restored to $path." }
    $path
}

function Invoke-XunitSuite([string] $Project, [string] $Name) {
    Write-Step "xunit: $Name"
    $results = Join-Path $Out 'test-results'
    $trx = Join-Path $results "$Name.trx"
    if (Test-Path $trx) { Remove-Item $trx }
    & dotnet test (Join-Path $Root $Project) -c $Configuration --nologo -v quiet --logger "trx;LogFileName=$Name.trx" --logger 'console;verbosity=minimal' --results-directory $results | Out-Host
    if (-not (Test-Path $trx)) { return [pscustomobject]@{ Suite = $Name; Passed = 0; Failed = 1; Note = 'no results (build or run failure)' } }
    $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Suite = $Name; Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted; Note = '' }
}

function Invoke-PesterSuite([string] $Path, [string] $Name, [string] $PesterPath) {
    Write-Step "Pester: $Name"
    $resultFile = Join-Path $Out "test-results/$Name.json"
    $null = New-Item -ItemType Directory -Force -Path (Split-Path $resultFile)
    if (Test-Path $resultFile) { Remove-Item $resultFile }
    $runner = Join-Path $Root 'tests/tools/Invoke-PesterSuite.ps1'
    $pwsh = Get-PwshCommand
    $env:EVS_MODULE_PATH = Join-Path $ModuleOut 'EvsSnapshot.psd1'
    $env:EVS_EMULATOR_DLL = Get-EvsEmulatorPath
    $env:EVS_CLIENT_DLL = Join-Path $Root "src/EvsSnapshot/bin/$Configuration/netstandard2.0/EvsSnapshot.Client.dll"
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $runner -Path (Join-Path $Root $Path) -PesterPath $PesterPath -ResultFile $resultFile | Out-Host
    if (-not (Test-Path $resultFile)) { return [pscustomobject]@{ Suite = $Name; Passed = 0; Failed = 1; Note = 'no results (runner failure)' } }
    $r = Get-Content $resultFile -Raw | ConvertFrom-Json
    [pscustomobject]@{ Suite = $Name; Passed = [int]$r.Passed; Failed = [int]$r.Failed; Note = ((@(if ($r.Skipped) { "$($r.Skipped) skipped" }) + @(if ($r.NotRun) { "$($r.NotRun) not run" })) -join ', ') }
}

function Invoke-Test {
    Invoke-Build
    $summary = [System.Collections.Generic.List[object]]::new()
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($Suite -contains 'xunit') {
        $summary.Add((Invoke-XunitSuite 'tests/EvsSnapshot.Client.Tests/EvsSnapshot.Client.Tests.csproj' 'client-unit'))
        $summary.Add((Invoke-XunitSuite 'tests/EvsEmulator.Tests/EvsEmulator.Tests.csproj' 'emulator'))
    }
    if ($Suite -contains 'pester' -or $Suite -contains 'conformance') {
        $pester = Get-PesterModulePath
        if ($Suite -contains 'pester') { $summary.Add((Invoke-PesterSuite 'tests/Pester' 'end-to-end' $pester)) }
        if ($Suite -contains 'conformance') { $summary.Add((Invoke-PesterSuite 'tests/conformance' 'conformance' $pester)) }
    }
    Write-Host ''
    Write-Host ('{0,-14} {1,7} {2,7}  {3}' -f 'Suite', 'Passed', 'Failed', '')
    foreach ($s in $summary) { Write-Host ('{0,-14} {1,7} {2,7}  {3}' -f $s.Suite, $s.Passed, $s.Failed, $s.Note) }
    $passed = ($summary | Measure-Object Passed -Sum).Sum
    $failed = ($summary | Measure-Object Failed -Sum).Sum
    Write-Host ("All suites took {0:n0} s." -f $watch.Elapsed.TotalSeconds)
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Invoke-Build
    Write-Step 'Starting the emulator'
    $emulator = Start-EvsEmulator -Arguments @('--create-seconds', '2', '--rollback-seconds', '2')
    try {
        Write-Host "Emulator at $($emulator.Url)"
        $pwsh = Get-PwshCommand
        $runbook = Join-Path $Root 'docs/examples/Demo-Runbook.ps1'
        Write-Step "Running $runbook in a clean 'pwsh -NoProfile'"
        & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $runbook `
            -ModulePath (Join-Path $ModuleOut 'EvsSnapshot.psd1') -Endpoint $emulator.Url `
            -ProjectId $emulator.Info.projectId -AccessKey $emulator.Info.accessKey -SecretKey $emulator.Info.secretKey
        if ($LASTEXITCODE -ne 0) { throw "The demo runbook failed (exit code $LASTEXITCODE)." }
    }
    finally {
        Stop-EvsEmulator $emulator
        Write-Step 'Emulator stopped'
    }
}

function Invoke-Emulator {
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/EvsEmulator/EvsEmulator.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    Write-Step "Emulator on http://127.0.0.1:$Port (Ctrl+C to stop)"
    & dotnet (Get-EvsEmulatorPath) --port $Port
}

function Invoke-Clean {
    foreach ($path in @($Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj -ErrorAction SilentlyContinue | Where-Object FullName -NotMatch 'node_modules').FullName) {
        if ($path -and (Test-Path $path)) { Remove-Item $path -Recurse -Force; Write-Host "removed $path" }
    }
}

function Invoke-ScriptTask([string] $Script, [hashtable] $Arguments = @{}) {
    Invoke-Build
    & (Join-Path $Root $Script) @Arguments
    if ($LASTEXITCODE) { exit $LASTEXITCODE }
}

switch ($Task) {
    'build' { Invoke-Build }
    'test' { Invoke-Test }
    'demo' { Invoke-Demo }
    'emulator' { Invoke-Emulator }
    'soak' { Invoke-ScriptTask 'tests/soak/Invoke-Soak.ps1' @{ Requests = $Requests; ReportPath = (Join-Path $Root 'docs/RELIABILITY.md') } }
    'bench' { Invoke-ScriptTask 'tests/bench/Invoke-Benchmark.ps1' }
    'package' { Invoke-Build; & (Join-Path $Root 'src/build/Publish-LocalPackage.ps1') -ModulePath $ModuleOut -OutputPath (Join-Path $Out 'repository') }
    'clean' { Invoke-Clean }
    default {
        Write-Error -Message "Unknown task '$Task'. Tasks: $($Tasks -join ', '). Example: dotnet pwsh ./build.ps1 test" `
            -Category InvalidArgument -ErrorId 'UnknownTask'
        exit 2
    }
}
