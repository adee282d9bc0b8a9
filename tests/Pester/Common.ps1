# Dot-sourced by every end-to-end test file in BeforeAll: starts a private emulator on a free port, imports
# the built module and offers small helpers. Each file stops its emulator in AfterAll.

Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
Import-Module (Get-EvsModulePath) -Force

# The credential chain reads HUAWEICLOUD_SDK_* / CLOUD_SDK_* variables and ~/.huaweicloud/credentials. A test must
# never see the machine's own (nor touch the real file): they are put aside here, the chain's file points at a
# path that does not exist, and Stop-TestEmulator puts everything back.
$script:SavedCredentialEnvironment = @{}
foreach ($item in @(Get-ChildItem Env: | Where-Object { $_.Name -like 'HUAWEICLOUD_SDK_*' -or $_.Name -like 'CLOUD_SDK_*' -or $_.Name -eq 'EVSSNAPSHOT_METADATA_ENDPOINT' })) {
    $script:SavedCredentialEnvironment[$item.Name] = $item.Value
    Remove-Item "Env:$($item.Name)"
}
$env:HUAWEICLOUD_SDK_CREDENTIALS_FILE = Join-Path ([IO.Path]::GetTempPath()) "evs-test-no-credentials-$([guid]::NewGuid().ToString('N'))/credentials"

function Restore-TestCredentialEnvironment {
    foreach ($item in @(Get-ChildItem Env: | Where-Object { $_.Name -like 'HUAWEICLOUD_SDK_*' -or $_.Name -like 'CLOUD_SDK_*' -or $_.Name -eq 'EVSSNAPSHOT_METADATA_ENDPOINT' })) {
        Remove-Item "Env:$($item.Name)"
    }
    foreach ($name in $script:SavedCredentialEnvironment.Keys) { Set-Item "Env:$name" $script:SavedCredentialEnvironment[$name] }
}

function Invoke-WithEnvironment {
    <# Runs a script block with some environment variables set (a $null value removes one), then restores them all. #>
    param([Parameter(Mandatory)] [hashtable] $Variables, [Parameter(Mandatory)] [scriptblock] $ScriptBlock)
    $saved = @{}
    foreach ($name in $Variables.Keys) {
        $saved[$name] = [Environment]::GetEnvironmentVariable($name)
        [Environment]::SetEnvironmentVariable($name, $Variables[$name])
    }
    try { & $ScriptBlock }
    finally { foreach ($name in $saved.Keys) { [Environment]::SetEnvironmentVariable($name, $saved[$name]) } }
}

function Start-TestEmulator {
    param([string[]] $Arguments = @('--create-seconds', '0.5', '--delete-seconds', '0.3', '--rollback-seconds', '0.5'))
    $script:Emulator = Start-EvsTestEmulator -Arguments $Arguments
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

# The emulator notices a client's disconnect asynchronously (when its delayed
# answer is cancelled), so a counter of aborts may lag the cmdlet by a moment:
# read it until it reaches the expected value or a bounded wait ends.
function Wait-TestStat([string] $Name, [int] $AtLeast, [int] $TimeoutMs = 5000) {
    $deadline = [DateTime]::UtcNow.AddMilliseconds($TimeoutMs)
    do {
        $value = Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path stats
        foreach ($part in $Name.Split('.')) { $value = $value.$part } # 'faults.slow': a nested counter
        if ($value -ge $AtLeast) { return $value }
        Start-Sleep -Milliseconds 50
    } while ([DateTime]::UtcNow -lt $deadline)
    $value
}

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
    if ($script:Emulator) { Stop-EvsTestEmulator $script:Emulator }
    Disconnect-EvsProject
    Restore-TestCredentialEnvironment
}


function Complete-TestLine {
    <#
    Completes a line with TabExpansion2. Completers answer from a per-context cache that fills in the background
    (they never block), so a cold cache may first answer with nothing: ask again until something comes, briefly.
    #>
    param([string] $Line, [double] $TimeoutSec = 5)
    $watch = [Diagnostics.Stopwatch]::StartNew()
    do {
        $matches = @((TabExpansion2 $Line $Line.Length).CompletionMatches)
        if ($matches.Count -gt 0) { return $matches }
        Start-Sleep -Milliseconds 50
    } while ($watch.Elapsed.TotalSeconds -lt $TimeoutSec)
    @()
}

function Get-WhatIfText([scriptblock] $Script) {
    <# What a command writes to the host (-WhatIf lines, host warnings), read back from a transcript. #>
    $file = Join-Path ([IO.Path]::GetTempPath()) "evs-host-$([guid]::NewGuid().ToString('N')).txt"
    $null = Start-Transcript -LiteralPath $file
    try { $null = & $Script } finally { $null = Stop-Transcript }
    try { Get-Content -LiteralPath $file -Raw } finally { Remove-Item -LiteralPath $file -ErrorAction SilentlyContinue }
}
