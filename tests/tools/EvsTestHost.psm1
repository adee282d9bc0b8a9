# Shared by build.ps1, the Pester suites, the soak and the benchmark: start/stop the local EVS emulator on a
# free loopback port, talk to its control plane, and run child pwsh processes the same way everywhere.

Set-StrictMode -Version 3.0

$script:RepoRoot = Resolve-Path (Join-Path $PSScriptRoot '../..')

function Get-EvsRepoRoot { $script:RepoRoot.Path }

function Get-EvsEmulatorPath {
    if ($env:EVS_EMULATOR_DLL) { return $env:EVS_EMULATOR_DLL }
    Join-Path (Get-EvsRepoRoot) 'tests/EvsEmulator/bin/Release/net10.0/EvsEmulator.dll'
}

function Get-EvsModulePath {
    if ($env:EVS_MODULE_PATH) { return $env:EVS_MODULE_PATH }
    Join-Path (Get-EvsRepoRoot) 'out/EvsSnapshot/EvsSnapshot.psd1'
}

function Get-PwshCommand {
    # The PowerShell that runs us (the local dotnet tool); children start the same one, without a profile.
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $dll) { return @('dotnet', $dll) }
    $exe = Join-Path $PSHOME ($(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' }))
    @($exe)
}

function Start-EvsEmulator {
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

    $psi = [System.Diagnostics.ProcessStartInfo]::new('dotnet')
    foreach ($a in @($dll, '--port', "$Port", '--exit-on-stdin-close') + $Arguments) { $psi.ArgumentList.Add($a) }
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
    if ($line -notmatch 'listening on (http://\S+)') {
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

function Stop-EvsEmulator {
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

function Get-EvsEmulatorRequestCount {
    <# Number of API (not control-plane) requests the emulator has received since the last reset/clear. #>
    param([Parameter(Mandatory)] $Emulator)
    (Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'stats').requests
}

Export-ModuleMember -Function Get-EvsRepoRoot, Get-EvsEmulatorPath, Get-EvsModulePath, Get-PwshCommand, Start-EvsEmulator, Stop-EvsEmulator, Invoke-EvsEmulatorAdmin, Get-EvsEmulatorRequestCount
