# Shared by build.ps1, the Pester suites, the soak and the benchmark: where the build output is, start/stop the
# local EVS emulator on a free loopback port, talk to its control plane and its IAM, and run child pwsh processes
# the same way everywhere.

Set-StrictMode -Version 3.0

$script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')

function Get-EvsRepoRoot { $script:RepoRoot.Path }

# build.ps1 sets EVS_MODULE_PATH, EVS_EMULATOR_DLL and EVS_CLIENT_DLL to the outputs of its -Configuration for the
# tasks that use this module; without them (a suite run by hand) these fall back to the given configuration's outputs.

function Get-EvsEmulatorPath {
    param([ValidateSet('Release', 'Debug')] [string] $Configuration = 'Release')
    if ($env:EVS_EMULATOR_DLL) { return $env:EVS_EMULATOR_DLL }
    Join-Path (Get-EvsRepoRoot) "tests/EvsEmulator/bin/$Configuration/net10.0/EvsEmulator.dll"
}

function Get-EvsClientPath {
    <# The engine assembly (EvsSnapshot.Client.dll) as built next to the cmdlets. #>
    param([ValidateSet('Release', 'Debug')] [string] $Configuration = 'Release')
    if ($env:EVS_CLIENT_DLL) { return $env:EVS_CLIENT_DLL }
    Join-Path (Get-EvsRepoRoot) "src/EvsSnapshot/bin/$Configuration/netstandard2.0/EvsSnapshot.Client.dll"
}

function Get-EvsModulePath {
    if ($env:EVS_MODULE_PATH) { return $env:EVS_MODULE_PATH }
    Join-Path (Get-EvsRepoRoot) 'out/EvsSnapshot/EvsSnapshot.psd1'
}

function Get-EvsTestingModulePath {
    <# The assembled EvsSnapshot.Testing module (build.ps1 test and package make it). #>
    if ($env:EVS_TESTING_MODULE_PATH) { return $env:EVS_TESTING_MODULE_PATH }
    Join-Path (Get-EvsRepoRoot) 'out/EvsSnapshot.Testing/EvsSnapshot.Testing.psd1'
}

function Get-PwshCommand {
    # The PowerShell that runs us (the local dotnet tool); children start the same one.
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $dll) { return @('dotnet', $dll) }
    $exe = Join-Path $PSHOME ($(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
    @($exe)
}

function Start-EvsPwsh {
    <#
    .SYNOPSIS
    Starts the PowerShell that runs us (Get-PwshCommand) with exactly the given arguments, its standard input closed.
    Returns the process and, unless -ToHost, the tasks reading its stdout and stderr to the end.
    .PARAMETER Environment
    Variables set for the child only (this process's environment is not touched).
    .PARAMETER ToHost
    The child writes to this process's console as it goes instead of being captured.
    .PARAMETER Pwsh
    Another PowerShell to start (the command and its arguments, as Get-PwshCommand returns them).
    #>
    param(
        [Parameter(Mandatory)] [string[]] $ArgumentList,
        [hashtable] $Environment = @{},
        [switch] $ToHost,
        [string[]] $Pwsh
    )
    $pwsh = if ($Pwsh) { $Pwsh } else { Get-PwshCommand }
    $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
    foreach ($a in @($pwsh | Select-Object -Skip 1) + $ArgumentList) { $psi.ArgumentList.Add($a) }
    # PowerShell's own start-up telemetry and update check would reach for the internet from a background thread (tests
    # talk to loopback only) and load HTTP assemblies at a random moment of what a child measures. A caller may override.
    $psi.Environment['POWERSHELL_TELEMETRY_OPTOUT'] = '1'
    $psi.Environment['POWERSHELL_UPDATECHECK'] = 'Off'
    foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = -not $ToHost
    $psi.RedirectStandardError = -not $ToHost
    $psi.RedirectStandardInput = $true
    $process = [System.Diagnostics.Process]::Start($psi)
    $process.StandardInput.Close()
    [pscustomobject]@{
        Process = $process
        Stdout  = if (-not $ToHost) { $process.StandardOutput.ReadToEndAsync() }
        Stderr  = if (-not $ToHost) { $process.StandardError.ReadToEndAsync() }
    }
}

function Invoke-EvsPwsh {
    <#
    .SYNOPSIS
    Runs `pwsh -NoProfile -NonInteractive` with the arguments (or with -File and a temporary copy of -Script) to the end.
    Returns ExitCode, Output (what it wrote to stdout, then to stderr) and Error (stderr alone); with -ToHost the
    output goes to the console as it comes and both are $null.
    .EXAMPLE
    (Invoke-EvsPwsh -Script "Import-Module '$manifest'; (Get-Module EvsSnapshot).Version").Output
    .EXAMPLE
    $run = Invoke-EvsPwsh -ToHost -ArgumentList '-File', $runbook, '-Endpoint', $url; if ($run.ExitCode) { throw '...' }
    #>
    [CmdletBinding(DefaultParameterSetName = 'Arguments')]
    param(
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Arguments')] [string[]] $ArgumentList,
        [Parameter(Mandatory, ParameterSetName = 'Script')] [string] $Script,
        [hashtable] $Environment = @{},
        [switch] $ToHost,
        # Kill the child and throw after this long (0: wait for ever).
        [int] $TimeoutSec = 0
    )
    $file = $null
    if ($PSCmdlet.ParameterSetName -eq 'Script') {
        $file = Join-Path ([IO.Path]::GetTempPath()) "evs-child-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -Path $file -Value $Script
        $ArgumentList = '-File', $file
    }
    try {
        $child = Start-EvsPwsh -ArgumentList (@('-NoProfile', '-NonInteractive') + $ArgumentList) -Environment $Environment -ToHost:$ToHost
        if ($TimeoutSec -gt 0 -and -not $child.Process.WaitForExit($TimeoutSec * 1000)) {
            $child.Process.Kill($true)
            throw "pwsh $($ArgumentList -join ' ') did not finish within $TimeoutSec s."
        }
        $child.Process.WaitForExit()
        $stdout = $stderr = $null
        if (-not $ToHost) {
            $stdout = $child.Stdout.GetAwaiter().GetResult()
            $stderr = $child.Stderr.GetAwaiter().GetResult()
        }
        [pscustomobject]@{
            ExitCode = $child.Process.ExitCode
            Output   = if (-not $ToHost) { $stdout + $stderr }
            Error    = $stderr
        }
        $child.Process.Dispose()
    }
    finally {
        if ($file) { Remove-Item $file -ErrorAction SilentlyContinue }
    }
}

# Named *-EvsTestEmulator so they never clash with the public EvsSnapshot.Testing module's Start-/Stop-EvsEmulator,
# which tests load into the same session. This is the suites' own copy: the public module is a product under test.
function Start-EvsTestEmulator {
    <#
    .SYNOPSIS
    Starts the emulator on a free 127.0.0.1 port and returns its URL, process and seed info.
    .PARAMETER Arguments
    Extra emulator options, e.g. '--page-cap', '100'.
    #>
    [CmdletBinding()]
    param(
        [string[]] $Arguments = @(),
        [int] $Port = 0,
        [int] $StartTimeoutSec = 60
    )
    $dll = Get-EvsEmulatorPath
    if (-not (Test-Path $dll)) { throw "The emulator is not built: $dll is missing. Run 'dotnet pwsh ./build.ps1 build' first." }

    # EVS_EMULATOR_DLL may also name a published executable (the trimmed self-contained build), run as it is.
    $isDll = $dll -like '*.dll'
    $psi = [System.Diagnostics.ProcessStartInfo]::new($(if ($isDll) { 'dotnet' } else { $dll }))
    foreach ($a in @(if ($isDll) { $dll }) + @('--port', "$Port", '--exit-on-stdin-close') + $Arguments) { $psi.ArgumentList.Add($a) }
    $psi.UseShellExecute = $false
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardInput = $true    # closing our end (or dying) stops the emulator
    $psi.RedirectStandardError = $false
    $process = [System.Diagnostics.Process]::Start($psi)

    $lineTask = $process.StandardOutput.ReadLineAsync()
    if (-not $lineTask.Wait([TimeSpan]::FromSeconds($StartTimeoutSec))) {
        $process.Kill($true)
        throw "The emulator did not report its address within $StartTimeoutSec s."
    }
    $line = $lineTask.Result
    if ($line -notmatch '^EVS emulator listening on (http://127\.0\.0\.1:\d+)$') {
        $process.Kill($true)
        throw "Unexpected first line from the emulator: '$line'"
    }
    $url = $Matches[1].TrimEnd('/')
    # Drain the rest of stdout in the background so the emulator can never block on a full pipe.
    $null = $process.StandardOutput.ReadToEndAsync()

    $info = Invoke-RestMethod -Uri "$url/__emulator/info" -TimeoutSec 30
    [pscustomobject]@{
        PSTypeName = 'EvsTest.Emulator'
        Url        = $url
        Process    = $process
        Info       = $info
    }
}

function Stop-EvsTestEmulator {
    [CmdletBinding()]
    param([Parameter(Mandatory, ValueFromPipeline)] $Emulator)
    process {
        $p = $Emulator.Process
        if ($null -ne $p -and -not $p.HasExited) {
            try { $p.StandardInput.Close() } catch { }
            if (-not $p.WaitForExit(5000)) { $p.Kill($true); $null = $p.WaitForExit(5000) }
        }
    }
}

function Invoke-EvsEmulatorAdmin {
    <# Calls the emulator's control plane (/__emulator/...). #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string] $Path,
        [string] $Method = 'GET',
        $Body
    )
    $params = @{ Uri = "$($Emulator.Url)/__emulator/$($Path.TrimStart('/'))"; Method = $Method; TimeoutSec = 120 }
    if ($PSBoundParameters.ContainsKey('Body')) {
        $params.Body = ($Body | ConvertTo-Json -Depth 10 -Compress)
        $params.ContentType = 'application/json'
    }
    Invoke-RestMethod @params
}

function Add-EvsEmulatorNightlyHistory {
    <#
    One available snapshot a night, for -Nights nights before today (02:00 UTC, named nightly-yyyyMMdd), of each disk
    in -VolumeName: the history a nightly runbook leaves behind, for a prune to work on. Returns the emulator's ids.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory)] $Emulator,
        [Parameter(Mandatory)] [string[]] $VolumeName,
        [int] $Nights = 30
    )
    $today = [datetime]::UtcNow.Date
    $items = foreach ($volume in $VolumeName) {
        foreach ($n in 1..$Nights) {
            $at = $today.AddDays(-$n).AddHours(2)
            @{ name = "nightly-$($at.ToString('yyyyMMdd'))"; volumeName = $volume; createdAt = $at.ToString('yyyy-MM-ddTHH:mm:ssZ') }
        }
    }
    @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ items = @($items) }).ids)
}

function Get-EvsIamToken {
    <# An IAM password token (X-Subject-Token) from the emulator, scoped to its project, for -Token and raw requests. #>
    [CmdletBinding()]
    param([Parameter(Mandatory, Position = 0)] $Emulator)
    $i = $Emulator.Info
    $body = @{ auth = @{
            identity = @{ methods = @('password'); password = @{ user = @{ name = $i.userName; password = $i.password; domain = @{ name = $i.domainName } } } }
            scope    = @{ project = @{ id = $i.projectId } }
        } } | ConvertTo-Json -Depth 10 -Compress
    $response = Invoke-WebRequest -Method Post -Uri "$($Emulator.Url)/v3/auth/tokens" -Body $body -ContentType 'application/json'
    $token = "$(@($response.Headers['X-Subject-Token'])[0])"
    if (-not $token) { throw 'The emulator IAM returned no X-Subject-Token.' }
    $token
}

function Get-EvsEmulatorConnection {
    <# Connect-EvsProject's parameters for the emulator with its AK/SK (splat them; add -PassThru, retry settings ...). #>
    param([Parameter(Mandatory, Position = 0)] $Emulator)
    $i = $Emulator.Info
    @{
        Region      = 'cn-north-4'
        Endpoint    = $Emulator.Url
        IamEndpoint = $Emulator.Url
        ProjectId   = $i.projectId
        Credential  = [pscredential]::new($i.accessKey, (ConvertTo-SecureString $i.secretKey -AsPlainText -Force))
    }
}

Export-ModuleMember -Function Add-EvsEmulatorNightlyHistory, Get-EvsRepoRoot, Get-EvsEmulatorPath, Get-EvsClientPath, Get-EvsModulePath, Get-EvsTestingModulePath, Get-PwshCommand, Start-EvsPwsh,
    Invoke-EvsPwsh, Start-EvsTestEmulator, Stop-EvsTestEmulator, Invoke-EvsEmulatorAdmin, Get-EvsIamToken, Get-EvsEmulatorConnection
