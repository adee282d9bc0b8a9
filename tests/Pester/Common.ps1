# Dot-sourced by every end-to-end test file in BeforeAll: starts a private emulator on a free port, imports
# the built module and offers small helpers. Each file stops its emulator in AfterAll.

Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
Import-Module (Get-EvsModulePath) -Force

function Start-TestEmulator {
    param([string[]] $Arguments = @('--create-seconds', '0.5', '--delete-seconds', '0.3', '--rollback-seconds', '0.5'))
    $script:Emulator = Start-EvsEmulator -Arguments $Arguments
    $script:Info = $script:Emulator.Info
    $script:Emulator
}

function New-TestCredential([string] $User, [string] $Secret) {
    [pscredential]::new($User, (ConvertTo-SecureString $Secret -AsPlainText -Force))
}

function Connect-TestProject {
    <# AK/SK connection to the test emulator; returns the context. #>
    [CmdletBinding()]
    param([hashtable] $Extra = @{})
    $params = Get-EvsEmulatorConnection $script:Emulator
    $params.PassThru = $true
    foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
    Connect-EvsProject @params
}

function Reset-TestEmulator { $null = Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path reset -Method POST }

function Set-TestEmulatorConfig([hashtable] $Config) { $null = Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path config -Method PATCH -Body $Config }

function Clear-TestRequestLog { $null = Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path requests -Method DELETE }

function Get-TestRequests { @((Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path 'requests').requests) }

function Get-TestVolumeId([string] $Name) { $script:Info.volumeIds.$Name }

function Get-TestSnapshots { @((Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path 'snapshots').snapshots) }

function Measure-TestStop {
    <#
    Runs a script (its variables given in -Parameters) in a background pipeline of this process (it shares the module's current context), presses
    Ctrl+C after the delay and returns whether it was still running, how long stopping took and the final state.
    One script, not a batch of statements: a stopped batch can outlive its runspace inside PowerShell.
    #>
    param([string] $Script, [hashtable] $Parameters = @{}, [double] $AfterSeconds = 1.5)
    $ps = [powershell]::Create()
    try {
        $names = @('Module') + @($Parameters.Keys) | ForEach-Object { "`$$_" }
        $null = $ps.AddScript("param($($names -join ', ')) Import-Module `$Module`n$Script").AddParameter('Module', (Get-EvsModulePath))
        foreach ($name in $Parameters.Keys) { $null = $ps.AddParameter($name, $Parameters[$name]) }
        $async = $ps.BeginInvoke()
        Start-Sleep -Seconds $AfterSeconds
        $wasRunning = -not $async.IsCompleted
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $ps.Stop()
        [pscustomobject]@{ WasRunning = $wasRunning; StopSeconds = $watch.Elapsed.TotalSeconds; State = "$($ps.InvocationStateInfo.State)" }
    }
    finally {
        $ps.Dispose()
    }
}

function Stop-TestEmulator {
    if ($script:Emulator) { Stop-EvsEmulator $script:Emulator }
    Disconnect-EvsProject
}

