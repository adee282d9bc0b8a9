#requires -Version 7.2
<#
.SYNOPSIS
Builds, tests and demonstrates the EvsSnapshot module.

.DESCRIPTION
Tasks:
  build     Assemble the importable module in out/EvsSnapshot (manifest, assemblies, formats, en-US help).
  test      Build, then run every suite (xunit with code coverage of the client, Pester end-to-end, conformance
            against Huawei's Node SDK) and print a final line "N passed, N failed". Exit code 1 on any failure.
  demo      Build, start the emulator on a free port, run docs/examples/Demo-Runbook.ps1 in a clean pwsh.
  emulator  Run the emulator in the foreground on 127.0.0.1:<Port> until Ctrl+C.
  soak      Fault-injection soaks (snapshots, restores) and the kill-and-re-run soak (not part of test): docs/RELIABILITY.md.
  bench     Benchmarks (not part of test): writes docs/BENCHMARKS.md; -Figure 7 (or 3) measures one figure alone.
  package   Publish the built modules to a local PSResourceGet repository (out/repository) as .nupkg files:
            EvsSnapshot, and EvsSnapshot.Testing with the self-contained emulator for each -Runtime.
  clean     Remove build output.

Only the tasks that run the emulator or tests load the test tooling (tests/tools/EvsTestHost.psm1). The
environment variables a task sets for them (EVS_MODULE_PATH, EVS_EMULATOR_DLL, EVS_CLIENT_DLL) are put back as
they were when it ends, also when it fails.

.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 demo
.EXAMPLE
dotnet tool restore && dotnet pwsh ./build.ps1 test
.EXAMPLE
dotnet pwsh ./build.ps1 test -Configuration Debug -Suite pester,conformance
.EXAMPLE
dotnet pwsh ./build.ps1 emulator -Port 5080 -NoBuild
#>
[CmdletBinding()]
param(
    [Parameter(Position = 0)]
    [ValidateSet('build', 'test', 'demo', 'emulator', 'soak', 'bench', 'package', 'clean')]
    [string] $Task = 'build',

    # The build to make and use.
    [ValidateSet('Release', 'Debug')]
    [string] $Configuration = 'Release',

    # test, demo, soak, bench, package, emulator: use the output of an earlier build of this -Configuration
    # instead of building; the task fails if it is not there.
    [switch] $NoBuild,

    # emulator: the port to listen on.
    [int] $Port = 5080,

    # soak: volume requests to send.
    [int] $Requests = 1000,

    # test: run only these suites (xunit, pester, conformance; "pester,conformance" works from any shell).
    [string[]] $Suite = @('xunit', 'pester', 'conformance'),

    # package, test: the platforms EvsSnapshot.Testing ships a self-contained emulator for (runtime identifiers:
    # linux-x64, linux-arm64, win-x64, osx-arm64 ...; each needs its runtime packs from the package source).
    # Default: this machine's.
    [string[]] $Runtime = @(),

    # bench: measure only these figures (3, 7; "3,7" works from any shell) into out/bench/, not docs/BENCHMARKS.md.
    [string[]] $Figure = @()
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$Root = $PSScriptRoot
$Out = Join-Path $Root 'out'
$ModuleOut = Join-Path $Out 'EvsSnapshot'
$ModuleManifest = Join-Path $ModuleOut 'EvsSnapshot.psd1'
$ModuleBin = Join-Path $Root "src/EvsSnapshot/bin/$Configuration/netstandard2.0"
$EmulatorDll = Join-Path $Root "tests/EvsEmulator/bin/$Configuration/net10.0/EvsEmulator.dll"
$TestResults = Join-Path $Out 'test-results'
$TestingOut = Join-Path $Out 'EvsSnapshot.Testing'
$TestingManifest = Join-Path $TestingOut 'EvsSnapshot.Testing.psd1'
$PesterVersion = '5.7.1'
$Suites = 'xunit', 'pester', 'conformance'
$XunitSuites = @(
    @{ Name = 'client-unit'; Project = 'tests/EvsSnapshot.Client.Tests/EvsSnapshot.Client.Tests.csproj'; Coverage = $true }
    @{ Name = 'emulator'; Project = 'tests/EvsEmulator.Tests/EvsEmulator.Tests.csproj'; Coverage = $false }
)

function Write-Step([string] $Text) { Write-Host "==> $Text" -ForegroundColor Cyan }

function Invoke-Native {
    param([string] $FilePath, [string[]] $Arguments)
    & $FilePath @Arguments | Out-Host   # to the console, never into a caller's return value
    if ($LASTEXITCODE -ne 0) { throw "'$FilePath $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

# ----------------------------------------------------------------------------------------------- environment

$SavedEnvironment = [ordered]@{}

function Set-TaskEnvironment([hashtable] $Variables) {
    foreach ($name in $Variables.Keys) {
        if (-not $SavedEnvironment.Contains($name)) { $SavedEnvironment[$name] = [Environment]::GetEnvironmentVariable($name) }
        [Environment]::SetEnvironmentVariable($name, $Variables[$name])
    }
}

function Restore-TaskEnvironment {
    # A variable that was not set before is removed again (SetEnvironmentVariable with $null).
    foreach ($name in $SavedEnvironment.Keys) { [Environment]::SetEnvironmentVariable($name, $SavedEnvironment[$name]) }
    $SavedEnvironment.Clear()
}

function Enter-TestTooling {
    <# For the tasks that run the emulator or tests: point the test tooling at this build, then load it. #>
    Set-TaskEnvironment @{
        EVS_MODULE_PATH  = $ModuleManifest
        EVS_EMULATOR_DLL = $EmulatorDll
        EVS_CLIENT_DLL   = Join-Path $ModuleBin 'EvsSnapshot.Client.dll'
        EVS_TESTING_MODULE_PATH = $TestingManifest
        # Every pwsh the tests, the demo, the soaks and the benchmark start talks to loopback only: no telemetry, no update check.
        POWERSHELL_TELEMETRY_OPTOUT = '1'
        POWERSHELL_UPDATECHECK = 'Off'
    }
    Import-Module (Join-Path $Root 'tests/tools/EvsTestHost.psm1') -Force
}

# ----------------------------------------------------------------------------------------------- build

function Invoke-Build {
    Write-Step "Building (dotnet build -c $Configuration)"
    Invoke-Native dotnet @('build', (Join-Path $Root 'src/EvsSnapshot/EvsSnapshot.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')
    Invoke-Native dotnet @('build', (Join-Path $Root 'tests/EvsEmulator/EvsEmulator.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet')

    Write-Step "Assembling the module in $ModuleOut"
    if (Test-Path $ModuleOut) { Remove-Item $ModuleOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $ModuleOut
    Copy-Item (Join-Path $Root 'EvsSnapshot.psd1') $ModuleOut
    Copy-Item (Join-Path $ModuleBin 'EvsSnapshot.Format.ps1xml') $ModuleOut
    # Cmdlets and public types sit next to the manifest; the engine and the netstandard2.0 packages Windows
    # PowerShell 5.1 lacks go to Dependencies/, which the module's loader resolves (its own load context on 7.x,
    # where PowerShell's copies of System.Text.Json and friends are used instead).
    foreach ($a in 'EvsSnapshot.dll', 'EvsSnapshot.Types.dll') { Copy-Item (Join-Path $ModuleBin $a) $ModuleOut }
    $dependencies = New-Item -ItemType Directory -Path (Join-Path $ModuleOut 'Dependencies')
    $engine = 'EvsSnapshot.Client.dll', 'System.Text.Json.dll', 'System.Text.Encodings.Web.dll', 'Microsoft.Bcl.AsyncInterfaces.dll',
        'System.Buffers.dll', 'System.Memory.dll', 'System.Numerics.Vectors.dll', 'System.Runtime.CompilerServices.Unsafe.dll',
        'System.Threading.Tasks.Extensions.dll', 'Microsoft.Bcl.TimeProvider.dll'
    foreach ($a in $engine) { Copy-Item (Join-Path $ModuleBin $a) $dependencies }
    Add-ReadyToRunEngine (Join-Path $dependencies 'ReadyToRun')

    $helpBuilder = Join-Path $Root 'src/build/HelpBuilder.psm1'
    if (Test-Path $helpBuilder) {
        Import-Module $helpBuilder -Force
        Build-EvsHelp -DocsPath (Join-Path $Root 'docs/en-US') -OutputPath (Join-Path $ModuleOut 'en-US') -Exclude 'about_EvsSnapshot_Testing.help.md'
    }
    $manifest = Test-ModuleManifest $ModuleManifest
    Write-Host "Module $($manifest.Name) $($manifest.Version) ($Configuration) assembled in $ModuleOut"
}

# ReadyToRun copies of the engine for PowerShell 7 (cold start, issue 10): the same netstandard2.0 IL plus native code,
# in Dependencies/ReadyToRun/<tfm>-<rid>/ for each .NET major of a supported PowerShell 7 and each runtime identifier
# (src/EvsSnapshot.ReadyToRun). The module's loader takes the one for its runtime, OS and architecture, else the IL
# copy; Windows PowerShell 5.1 always gets the IL copy (its resolver reads only the top of Dependencies/).
function Add-ReadyToRunEngine([string] $Destination) {
    $project = Join-Path $Root 'src/EvsSnapshot.ReadyToRun/EvsSnapshot.ReadyToRun.csproj'
    Invoke-Native dotnet @('msbuild', $project, '-restore', '-t:PublishEngineImages', "-p:Configuration=$Configuration", '-m', '-nologo', '-v:q')
    $images = @(Get-ChildItem (Join-Path $Root "src/EvsSnapshot.ReadyToRun/bin/$Configuration/images") -Directory)
    if (-not $images.Count) { throw 'The ReadyToRun build of the engine produced no images.' }
    foreach ($image in $images) {
        $dll = Join-Path $image.FullName 'EvsSnapshot.Client.dll'
        if (-not (Test-ReadyToRun $dll)) { throw "The ReadyToRun engine for $($image.Name) has no native code: $dll" }
        $target = New-Item -ItemType Directory -Force -Path (Join-Path $Destination $image.Name)
        Copy-Item $dll $target
    }
}

function Test-ReadyToRun([string] $Path) {
    <# True when the assembly carries ReadyToRun native code (a managed native header), false for IL only. #>
    $stream = [IO.File]::OpenRead($Path)
    try {
        $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
        try { $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $pe.Dispose() }
    }
    finally { $stream.Dispose() }
}

function Assert-BuildOutput {
    <# -NoBuild: the earlier build's output must be there, and out/EvsSnapshot must be this -Configuration's. #>
    param([switch] $Module, [switch] $Emulator, [string[]] $Also = @())
    $needed = @(if ($Module) { $ModuleManifest; Join-Path $ModuleBin 'EvsSnapshot.dll' }) + @(if ($Emulator) { $EmulatorDll }) + @($Also | Where-Object { $_ })
    $missing = @($needed | Where-Object { -not (Test-Path $_) })
    if ($missing.Count) {
        throw "-NoBuild: the $Configuration build output is missing ($(($missing | ForEach-Object { [IO.Path]::GetRelativePath($Root, $_) }) -join ', ')). Run 'dotnet pwsh ./build.ps1 $Task -Configuration $Configuration' once without -NoBuild."
    }
    if ($Module -and (Get-FileHash (Join-Path $ModuleOut 'EvsSnapshot.dll')).Hash -ne (Get-FileHash (Join-Path $ModuleBin 'EvsSnapshot.dll')).Hash) {
        throw "-NoBuild: $([IO.Path]::GetRelativePath($Root, $ModuleOut)) was not assembled from the $Configuration build. Run 'dotnet pwsh ./build.ps1 build -Configuration $Configuration' first."
    }
}

function Initialize-Build {
    <# Builds the module and the emulator, or with -NoBuild checks the earlier build (see Assert-BuildOutput). #>
    param([switch] $EmulatorOnly, [string[]] $Also = @())
    if ($NoBuild) { Assert-BuildOutput -Module:(-not $EmulatorOnly) -Emulator -Also $Also }
    elseif ($EmulatorOnly) { Invoke-Native dotnet @('build', (Join-Path $Root 'tests/EvsEmulator/EvsEmulator.csproj'), '-c', $Configuration, '--nologo', '-v', 'quiet') }
    else { Invoke-Build }
}

# ----------------------------------------------------------------------------------------------- EvsSnapshot.Testing

function Get-CurrentRuntime {
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    "$os-$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant())"
}

function Publish-Emulator([string] $Rid) {
    <#
    The emulator as one self-contained, trimmed executable for $Rid in out/emulator/<rid>. Published again only
    when its sources, the SDK or the publish settings changed (an input hash is kept next to it): a test run
    publishes at most once.
    #>
    $project = Join-Path $Root 'tests/EvsEmulator'
    $target = Join-Path $Out "emulator/$Rid"
    $arguments = @('publish', (Join-Path $project 'EvsEmulator.csproj'), '-c', 'Release', '-r', $Rid, '--self-contained',
        '-p:PublishTrimmed=true', '-p:PublishSingleFile=true', '-p:DebugType=none', '--artifacts-path', (Join-Path $Out "emulator-build/$Rid"), '-o', $target, '--nologo', '-v', 'quiet')
    # Every file but build output and documentation (the README is not compiled in).
    $sources = Get-ChildItem $project -Recurse -File | Where-Object { $_.FullName -notmatch '[\\/](bin|obj)[\\/]' -and $_.Extension -ne '.md' } | Sort-Object FullName
    $hash = [System.Security.Cryptography.IncrementalHash]::CreateHash([System.Security.Cryptography.HashAlgorithmName]::SHA256)
    $hash.AppendData([Text.Encoding]::UTF8.GetBytes("$(& dotnet --version)|$($arguments -join ' ')"))
    foreach ($file in $sources) { $hash.AppendData([Text.Encoding]::UTF8.GetBytes([IO.Path]::GetRelativePath($project, $file.FullName))); $hash.AppendData([IO.File]::ReadAllBytes($file.FullName)) }
    $key = [Convert]::ToHexString($hash.GetHashAndReset())
    $stamp = Join-Path $target '.inputs'
    if ((Test-Path $stamp) -and (Get-Content $stamp -Raw).Trim() -eq $key) { Write-Host "Emulator for $Rid unchanged since an earlier publish ($target)"; return $target }
    Write-Step "Publishing the self-contained emulator for $Rid (trimmed, single file)"
    if (Test-Path $target) { Remove-Item $target -Recurse -Force }
    Invoke-Native dotnet $arguments
    Set-Content -Path $stamp -Value $key
    $target
}

function Invoke-TestingBuild {
    <# Assembles out/EvsSnapshot.Testing: the script module, its help and bin/<rid>/ with the emulator of each -Runtime. #>
    $runtimes = @(if ($Runtime) { $Runtime -split ',' | ForEach-Object Trim | Where-Object { $_ } } else { Get-CurrentRuntime })
    if ($NoBuild) {
        $missing = @($runtimes | Where-Object { -not (Test-Path (Join-Path $TestingOut "bin/$_")) })
        if (-not (Test-Path $TestingManifest) -or $missing.Count) { throw "-NoBuild: $([IO.Path]::GetRelativePath($Root, $TestingOut)) (with $($runtimes -join ', ')) is missing. Run 'dotnet pwsh ./build.ps1 $Task' once without -NoBuild." }
        return
    }
    $published = @($runtimes | ForEach-Object { @{ Rid = $_; Path = Publish-Emulator $_ } })
    Write-Step "Assembling EvsSnapshot.Testing in $TestingOut"
    if (Test-Path $TestingOut) { Remove-Item $TestingOut -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $TestingOut
    Copy-Item (Join-Path $Root 'src/EvsSnapshot.Testing/*') $TestingOut
    foreach ($p in $published) {
        $bin = New-Item -ItemType Directory -Force -Path (Join-Path $TestingOut "bin/$($p.Rid)")
        # The single-file executable only: a win-x64 publish adds IIS files (web.config, aspnetcorev2_inprocess.dll).
        Get-ChildItem $p.Path -File | Where-Object Name -In 'EvsEmulator', 'EvsEmulator.exe' | Copy-Item -Destination $bin
    }
    # Its help: the function pages of docs/EvsSnapshot.Testing/en-US and the about topic from docs/en-US.
    $helpSource = Join-Path $Out 'help-source/EvsSnapshot.Testing'
    if (Test-Path $helpSource) { Remove-Item $helpSource -Recurse -Force }
    $null = New-Item -ItemType Directory -Path $helpSource
    Copy-Item (Join-Path $Root 'docs/EvsSnapshot.Testing/en-US/*.md'), (Join-Path $Root 'docs/en-US/about_EvsSnapshot_Testing.help.md') $helpSource
    Import-Module (Join-Path $Root 'src/build/HelpBuilder.psm1') -Force
    Build-EvsHelp -DocsPath $helpSource -OutputPath (Join-Path $TestingOut 'en-US')
    $manifest = Test-ModuleManifest $TestingManifest
    Write-Host "Module $($manifest.Name) $($manifest.Version) with the emulator for $($runtimes -join ', ') assembled in $TestingOut"
}

# ----------------------------------------------------------------------------------------------- test

function Get-PesterModulePath {
    Invoke-Native dotnet @('restore', (Join-Path $Root 'tests/tools/Tools.csproj'), '--nologo', '-v', 'quiet')
    $packages = if ($env:NUGET_PACKAGES) { $env:NUGET_PACKAGES } else {
        ((& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', '').Trim()
    }
    $path = Join-Path $packages "pester/$PesterVersion/tools/Pester.psd1"
    if (-not (Test-Path $path)) { throw "Pester $PesterVersion was not restored to $path." }
    $path
}

function Get-XunitAssemblyPath([hashtable] $Suite) {
    $project = Join-Path $Root $Suite.Project
    Join-Path (Split-Path $project) "bin/$Configuration/net10.0/$([IO.Path]::GetFileNameWithoutExtension($project)).dll"
}

function Invoke-XunitSuite([hashtable] $Suite) {
    $name = $Suite.Name
    Write-Step "xunit: $name$(if ($Suite.Coverage) { ' (with code coverage)' })"
    # Each xunit suite has its own results folder: its .trx and, with coverage, <run guid>/coverage.cobertura.xml.
    $results = Join-Path $TestResults $name
    if (Test-Path $results) { Remove-Item $results -Recurse -Force }
    $arguments = @('test', (Join-Path $Root $Suite.Project), '-c', $Configuration, '--nologo', '-v', 'quiet',
        '--logger', "trx;LogFileName=$name.trx", '--logger', 'console;verbosity=minimal', '--results-directory', $results)
    if ($NoBuild) { $arguments += '--no-build' }
    if ($Suite.Coverage) {
        # coverlet instruments the assemblies under test that have sources here; never count a test assembly.
        $arguments += '--collect', 'XPlat Code Coverage', '--', 'DataCollectionRunSettings.DataCollectors.DataCollector.Configuration.Exclude=[*.Tests]*'
    }
    & dotnet @arguments | Out-Host
    $trx = Join-Path $results "$name.trx"
    if (-not (Test-Path $trx)) { return [pscustomobject]@{ Suite = $name; Passed = 0; Failed = 1; Note = 'no results (build or run failure)' } }
    $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
    [pscustomobject]@{ Suite = $name; Passed = [int]$counters.passed; Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout + [int]$counters.aborted; Note = '' }
}

function Get-CoverageLine([string] $Name, [string] $Label) {
    <# One line from the suite's cobertura report: coverlet's line and branch totals over the product assemblies. #>
    $report = Get-ChildItem (Join-Path $TestResults $Name) -Recurse -Filter 'coverage.cobertura.xml' -ErrorAction SilentlyContinue | Select-Object -First 1
    if (-not $report) { return "Coverage ($Label): no report (the suite did not run to the end)" }
    $coverage = ([xml](Get-Content $report.FullName -Raw)).coverage
    $assemblies = @($coverage.SelectNodes('packages/package').ForEach({ $_.GetAttribute('name') }) | Sort-Object)
    $tests = @($assemblies -match '\.Tests?$')
    if ($tests.Count) { return "Coverage ($Label): the report includes test assemblies ($($tests -join ', ')); see the coverlet Exclude setting in build.ps1" }
    $percent = { param($part, $whole) if ([long]$whole) { [string]::Format([cultureinfo]::InvariantCulture, '{0:0.0}%', 100.0 * $part / $whole) } else { 'n/a' } }
    $where = ($assemblies | ForEach-Object { if (Test-Path (Join-Path $Root "src/$_")) { "src/$_" } else { $_ } }) -join ', '
    "Coverage ($Label): $(& $percent $coverage.'lines-covered' $coverage.'lines-valid') of lines, $(& $percent $coverage.'branches-covered' $coverage.'branches-valid') of branches ($where)"
}

function Invoke-PesterSuite([string] $Path, [string] $Name, [string] $PesterPath) {
    Write-Step "Pester: $Name"
    $resultFile = Join-Path $TestResults "$Name.json"
    $null = New-Item -ItemType Directory -Force -Path $TestResults
    if (Test-Path $resultFile) { Remove-Item $resultFile }
    $runner = Join-Path $Root 'tests/tools/Invoke-PesterSuite.ps1'
    $null = Invoke-EvsPwsh -ToHost -ArgumentList '-File', $runner, '-Path', (Join-Path $Root $Path), '-PesterPath', $PesterPath, '-ResultFile', $resultFile
    if (-not (Test-Path $resultFile)) { return [pscustomobject]@{ Suite = $Name; Passed = 0; Failed = 1; Note = 'no results (runner failure)' } }
    $r = Get-Content $resultFile -Raw | ConvertFrom-Json
    [pscustomobject]@{ Suite = $Name; Passed = [int]$r.Passed; Failed = [int]$r.Failed; Note = ((@(if ($r.Skipped) { "$($r.Skipped) skipped" }) + @(if ($r.NotRun) { "$($r.NotRun) not run" })) -join ', ') }
}

function Invoke-Test {
    # "-Suite pester,conformance" arrives as one string through pwsh -File.
    $selected = @($Suite -split ',' | ForEach-Object { $_.Trim() } | Where-Object { $_ })
    $unknown = @($selected | Where-Object { $_ -notin $Suites })
    if ($unknown.Count -or -not $selected.Count) { throw "Unknown -Suite '$($Suite -join ',')'. Suites: $($Suites -join ', ')." }
    $xunitAssemblies = @(if ($selected -contains 'xunit') { $XunitSuites | ForEach-Object { Get-XunitAssemblyPath $_ } })
    Initialize-Build -Also $xunitAssemblies
    if ($selected -contains 'pester') { Invoke-TestingBuild }
    Enter-TestTooling

    $summary = [System.Collections.Generic.List[object]]::new()
    $coverage = [System.Collections.Generic.List[string]]::new()
    $watch = [System.Diagnostics.Stopwatch]::StartNew()
    if ($selected -contains 'xunit') {
        foreach ($s in $XunitSuites) {
            $summary.Add((Invoke-XunitSuite $s))
            if ($s.Coverage) { $coverage.Add((Get-CoverageLine $s.Name 'client, xunit')) }
        }
    }
    if ($selected -contains 'pester' -or $selected -contains 'conformance') {
        $pester = Get-PesterModulePath
        if ($selected -contains 'pester') { $summary.Add((Invoke-PesterSuite 'tests/Pester' 'end-to-end' $pester)) }
        if ($selected -contains 'conformance') { $summary.Add((Invoke-PesterSuite 'tests/conformance' 'conformance' $pester)) }
    }
    Write-Host ''
    Write-Host ('{0,-14} {1,7} {2,7}  {3}' -f 'Suite', 'Passed', 'Failed', '')
    foreach ($s in $summary) { Write-Host ('{0,-14} {1,7} {2,7}  {3}' -f $s.Suite, $s.Passed, $s.Failed, $s.Note) }
    foreach ($line in $coverage) { Write-Host $line }
    $passed = ($summary | Measure-Object Passed -Sum).Sum
    $failed = ($summary | Measure-Object Failed -Sum).Sum
    Write-Host ("All suites took {0:n0} s." -f $watch.Elapsed.TotalSeconds)
    Write-Host "$passed passed, $failed failed"
    if ($failed -gt 0) { exit 1 }
}

# ----------------------------------------------------------------------------------------------- other tasks

function Invoke-Demo {
    Initialize-Build
    Enter-TestTooling
    Write-Step 'Starting the emulator'
    $emulator = Start-EvsTestEmulator -Arguments @('--create-seconds', '2', '--rollback-seconds', '2')
    try {
        Write-Host "Emulator at $($emulator.Url)"
        # The project as a month of nightly runs left it: 30 nights of web01, for the runbook's prune to work on.
        $history = Add-EvsEmulatorNightlyHistory -Emulator $emulator -VolumeName web01 -Nights 30
        Write-Host "Added $($history.Count) nightly snapshots of web01 (the last 30 nights) to the emulator's project"
        $runbook = Join-Path $Root 'docs/examples/Demo-Runbook.ps1'
        Write-Step "Running $runbook in a clean 'pwsh -NoProfile'"
        $run = Invoke-EvsPwsh -ToHost -ArgumentList '-File', $runbook, '-ModulePath', $ModuleManifest, '-Endpoint', $emulator.Url,
            '-ProjectId', $emulator.Info.projectId, '-AccessKey', $emulator.Info.accessKey, '-SecretKey', $emulator.Info.secretKey
        if ($run.ExitCode -ne 0) { throw "The demo runbook failed (exit code $($run.ExitCode))." }
    }
    finally {
        Stop-EvsTestEmulator $emulator
        Write-Step 'Emulator stopped'
    }
}

function Invoke-Emulator {
    Initialize-Build -EmulatorOnly
    Write-Step "Emulator on http://127.0.0.1:$Port (Ctrl+C to stop)"
    & dotnet $EmulatorDll --port $Port
}

function Invoke-ScriptTask([string] $Script, [hashtable] $Arguments = @{}) {
    Initialize-Build
    Enter-TestTooling
    $global:LASTEXITCODE = 0
    & (Join-Path $Root $Script) @Arguments
    if ($LASTEXITCODE) { exit $LASTEXITCODE }
}

function Invoke-Package {
    Initialize-Build
    Invoke-TestingBuild
    & (Join-Path $Root 'src/build/Publish-LocalPackage.ps1') -ModulePath $ModuleOut, $TestingOut -OutputPath (Join-Path $Out 'repository')
}

function Invoke-Clean {
    foreach ($path in @($Out) + (Get-ChildItem $Root -Recurse -Directory -Include bin, obj -ErrorAction SilentlyContinue | Where-Object FullName -NotMatch 'node_modules').FullName) {
        if ($path -and (Test-Path $path)) { Remove-Item $path -Recurse -Force; Write-Host "removed $path" }
    }
}

if ($NoBuild -and $Task -in 'build', 'clean') { throw "-NoBuild does not apply to the $Task task." }
try {
    switch ($Task) {
        'build' { Invoke-Build }
        'test' { Invoke-Test }
        'demo' { Invoke-Demo }
        'emulator' { Invoke-Emulator }
        'soak' {
            Invoke-ScriptTask 'tests/soak/Invoke-Soak.ps1' @{ Requests = $Requests; ReportPath = (Join-Path $Root 'docs/RELIABILITY.md') }
            # Restores to new disks (New-EvsVolume): adds its section to the same report.
            & (Join-Path $Root 'tests/soak/Invoke-RestoreSoak.ps1') -Requests ([math]::Max(100, [int]($Requests / 2))) -ReportPath (Join-Path $Root 'docs/RELIABILITY.md')
            if ($LASTEXITCODE) { exit $LASTEXITCODE }
            # -ClientToken killed and re-run: adds its section to the same report.
            & (Join-Path $Root 'tests/soak/Invoke-KillRerun.ps1') -ReportPath (Join-Path $Root 'docs/RELIABILITY.md')
            if ($LASTEXITCODE) { exit $LASTEXITCODE }
        }
        'bench' { Invoke-ScriptTask 'tests/bench/Invoke-Benchmark.ps1' $(if ($Figure) { @{ Figure = $Figure } } else { @{} }) }
        'package' { Invoke-Package }
        'clean' { Invoke-Clean }
    }
}
finally {
    Restore-TaskEnvironment
}
