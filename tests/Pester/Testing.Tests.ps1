# EvsSnapshot.Testing, the public emulator module: installed from the local repository in a clean pwsh whose PATH
# has no dotnet, it runs the worked example's Pester file green; emulators are independent, free their port when
# stopped and never outlive the PowerShell that started them; the control-plane functions do what they say.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $script:TestingManifest = (Resolve-Path (Get-EvsTestingModulePath)).Path
    $script:TestingDir = Split-Path $TestingManifest
    Import-Module $TestingManifest -Force
    $script:Pester = (Get-Module Pester).Path
    $script:Dotnet = (Get-Command dotnet -CommandType Application | Select-Object -First 1).Source
    $script:Rid = "$(if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' })-$([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant())"

    function Start-CleanPwsh {
        <#
        The pwsh that runs us, started by the full path of its host, with exactly the given environment (nothing
        inherited): a temporary HOME and a PATH of one empty folder, so no dotnet can be found on it.
        #>
        param([string] $Script, [hashtable] $Environment, [switch] $Wait)
        $file = Join-Path $Environment.HOME "script-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -LiteralPath $file -Value $Script
        $pwshDll = Join-Path $PSHOME 'pwsh.dll'
        $psi = if (Test-Path $pwshDll) { [Diagnostics.ProcessStartInfo]::new([IO.Path]::GetFullPath((Resolve-Path $Dotnet).Path)) } else { [Diagnostics.ProcessStartInfo]::new((Join-Path $PSHOME 'pwsh')) }
        foreach ($a in @(if (Test-Path $pwshDll) { $pwshDll }) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $psi.ArgumentList.Add($a) }
        $psi.Environment.Clear()
        foreach ($k in $Environment.Keys) { $psi.Environment[$k] = $Environment[$k] }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.RedirectStandardInput = $true
        $process = [Diagnostics.Process]::Start($psi)
        $process.StandardInput.Close()
        $out = $process.StandardOutput.ReadToEndAsync()
        $err = $process.StandardError.ReadToEndAsync()
        if (-not $Wait) { return [pscustomobject]@{ Process = $process; Stdout = $out; Stderr = $err } }
        if (-not $process.WaitForExit(300000)) { $process.Kill($true); throw 'The clean pwsh did not finish within 5 minutes.' }
        [pscustomobject]@{ ExitCode = $process.ExitCode; Output = $out.GetAwaiter().GetResult() + $err.GetAwaiter().GetResult() }
    }

    function New-CleanHome {
        $path = Join-Path ([IO.Path]::GetTempPath()) "evs-testing-$([guid]::NewGuid().ToString('N'))"
        # .NET reports a special folder that does not exist as "" (PSResourceGet would then write to the current directory).
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $path '.local/share'), (Join-Path $path '.config'), (Join-Path $path 'empty-path')
        $path
    }

    function Get-CleanEnvironment([string] $HomePath) {
        @{
            HOME = $HomePath; XDG_DATA_HOME = (Join-Path $HomePath '.local/share'); XDG_CONFIG_HOME = (Join-Path $HomePath '.config')
            PATH = (Join-Path $HomePath 'empty-path'); TMPDIR = [IO.Path]::GetTempPath(); POWERSHELL_TELEMETRY_OPTOUT = '1'
        }
    }

    function Test-ProcessGone([int] $Id, [int] $TimeoutMs = 10000) {
        $watch = [Diagnostics.Stopwatch]::StartNew()
        while ($watch.ElapsedMilliseconds -lt $TimeoutMs) {
            if (-not (Get-Process -Id $Id -ErrorAction SilentlyContinue)) { return $true }
            Start-Sleep -Milliseconds 100
        }
        $false
    }

    function Test-PortFree([int] $Port) {
        $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, $Port)
        try { $listener.Start(); $true } catch { $false } finally { $listener.Stop() }
    }
}

AfterAll {
    Stop-EvsEmulator -All
    Remove-Module EvsSnapshot.Testing -ErrorAction SilentlyContinue
    Stop-TestEmulator
}

Describe 'EvsSnapshot.Testing installed with Install-PSResource' {
    BeforeAll {
        $script:Work = New-CleanHome
        $script:Repository = Join-Path $Work 'repository'
        & (Join-Path (Get-EvsRepoRoot) 'src/build/Publish-LocalPackage.ps1') -ModulePath (Split-Path (Get-EvsModulePath)), $TestingDir -OutputPath $Repository 6>$null
        $script:Packages = @(Get-ChildItem $Repository -Filter '*.nupkg')
        $script:TestingPackage = $Packages | Where-Object Name -Like 'EvsSnapshot.Testing.*'
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($TestingPackage.FullName)
        $script:Entries = @($zip.Entries.FullName)
        $zip.Dispose()

        # The worked example, as a user would have it: the runbook and its tests in a folder of their own.
        $script:Example = New-Item -ItemType Directory -Path (Join-Path $Work 'example')
        Copy-Item (Join-Path (Get-EvsRepoRoot) 'docs/examples/Nightly-Snapshot.ps1'), (Join-Path (Get-EvsRepoRoot) 'docs/examples/Nightly-Snapshot.Tests.ps1') $Example
        $script:Installed = Start-CleanPwsh -Wait -Environment (Get-CleanEnvironment $Work) -Script @"
`$ErrorActionPreference = 'Stop'
"dotnet on PATH: `$([bool](Get-Command dotnet -ErrorAction SilentlyContinue))"
Register-PSResourceRepository -Name EvsLocal -Uri '$Repository' -Trusted
Install-PSResource EvsSnapshot, EvsSnapshot.Testing -Repository EvsLocal -TrustRepository -Quiet
foreach (`$m in Get-Module -ListAvailable EvsSnapshot, EvsSnapshot.Testing) { "installed `$(`$m.Name) `$(`$m.Version) at `$(`$m.ModuleBase)" }
Import-Module '$Pester'
`$result = Invoke-Pester -Path '$(Join-Path $Example 'Nightly-Snapshot.Tests.ps1')' -Output Detailed -PassThru
"worked example: `$(`$result.PassedCount) passed, `$(`$result.FailedCount) failed"
exit `$result.FailedCount
"@
        # The example's Pester output, for the record (build output, ignored by git).
        $null = New-Item -ItemType Directory -Force -Path (Join-Path (Get-EvsRepoRoot) 'out/test-results')
        Set-Content -LiteralPath (Join-Path (Get-EvsRepoRoot) 'out/test-results/worked-example.txt') -Value $Installed.Output
    }
    AfterAll { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'publishes both packages; EvsSnapshot.Testing holds the emulator for this platform, its help and no debug files' {
        @($Packages.Name -replace '\.\d+\.\d+\.\d+.*$', '' | Sort-Object) | Should -Be @('EvsSnapshot', 'EvsSnapshot.Testing')
        $exe = if ($Rid -like 'win-*') { 'EvsEmulator.exe' } else { 'EvsEmulator' }
        foreach ($file in 'EvsSnapshot.Testing.psd1', 'EvsSnapshot.Testing.psm1', 'EvsSnapshot.Testing.Format.ps1xml', "bin/$Rid/$exe",
            'en-US/EvsSnapshot.Testing-help.xml', 'en-US/about_EvsSnapshot_Testing.help.txt') {
            $Entries | Should -Contain $file
        }
        $Entries | Where-Object { $_ -match '\.(pdb|dll)$' } | Should -BeNullOrEmpty -Because 'the emulator is one self-contained file'
        Write-Host ("    package sizes: " + (($Packages | Sort-Object Name | ForEach-Object { '{0} {1:n1} MB' -f $_.Name, ($_.Length / 1MB) }) -join ', '))
    }

    It 'installs both into a temporary HOME and runs the worked example''s Pester file green, with no dotnet on PATH' {
        $Installed.Output | Should -Match 'dotnet on PATH: False'
        $Installed.Output | Should -Match ([regex]::Escape("installed EvsSnapshot.Testing 0.1.0 at $Work"))
        $Installed.Output | Should -Match ([regex]::Escape("installed EvsSnapshot 0.1.0 at $Work"))
        $Installed.Output | Should -Match 'worked example: 3 passed, 0 failed'
        $Installed.ExitCode | Should -Be 0 -Because $Installed.Output
    }

    It 'starts the installed emulator executable directly with nothing but an empty PATH in its environment' {
        $exe = Get-ChildItem -Recurse -File (Join-Path $Work '.local/share') -Filter 'EvsEmulator*' | Where-Object Name -In 'EvsEmulator', 'EvsEmulator.exe' | Select-Object -First 1
        $exe | Should -Not -BeNullOrEmpty
        $psi = [Diagnostics.ProcessStartInfo]::new($exe.FullName)
        foreach ($a in '--port', '0', '--exit-on-stdin-close') { $psi.ArgumentList.Add($a) }
        $psi.Environment.Clear()
        $psi.Environment['PATH'] = Join-Path $Work 'empty-path'
        $psi.UseShellExecute = $false
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardInput = $true
        $process = [Diagnostics.Process]::Start($psi)
        try {
            $line = $process.StandardOutput.ReadLineAsync()
            $line.Wait(30000) | Should -BeTrue
            $line.Result | Should -Match '^EVS emulator listening on http://127\.0\.0\.1:\d+$'
            $null = $process.StandardOutput.ReadToEndAsync()
            $url = ($line.Result -split ' ')[-1]
            (Invoke-RestMethod "$url/__emulator/info" -NoProxy).controlPlaneVersion | Should -Be '1.2'
        }
        finally {
            $process.StandardInput.Close()
            $process.WaitForExit(10000) | Should -BeTrue -Because 'closing stdin stops it'
        }
    }
}

Describe 'Start-EvsEmulator and Stop-EvsEmulator' {
    It 'returns the connection details with secrets as SecureString, and ConnectParameters connect EvsSnapshot' {
        $emu = Start-EvsEmulator
        try {
            $info = Invoke-RestMethod "$($emu.Endpoint)__emulator/info" -NoProxy
            $emu.PSObject.TypeNames[0] | Should -Be 'EvsSnapshot.Testing.Emulator'
            $emu.Endpoint.Host | Should -Be '127.0.0.1'
            $emu.Region | Should -Be $info.region
            $emu.ProjectId | Should -Be $info.projectId
            $emu.AccessKey | Should -Be $info.accessKey
            foreach ($secret in 'SecretKey', 'TemporarySecretKey', 'SecurityToken', 'Password') { $emu.$secret | Should -BeOfType [securestring] }
            [pscredential]::new('x', $emu.SecretKey).GetNetworkCredential().Password | Should -Be $info.secretKey
            ($emu | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($info.secretKey))
            $connect = $emu.ConnectParameters
            Connect-EvsProject @connect
            (Get-EvsVolume -Name db01).Id | Should -Be $emu.VolumeIds.db01
        }
        finally { Disconnect-EvsProject; $emu | Stop-EvsEmulator }
    }

    It 'starts two emulators at the same time: different ports, independent state' {
        $ports = [Collections.Concurrent.ConcurrentDictionary[int, int]]::new()
        $results = 1, 2 | ForEach-Object -ThrottleLimit 2 -Parallel {
            $ErrorActionPreference = 'Stop'
            Import-Module $using:TestingManifest
            $emu = Start-EvsEmulator
            try {
                $ports = $using:ports
                $null = $ports.TryAdd($_, $emu.Port)
                # Both are running now (bounded wait for the other one).
                $watch = [Diagnostics.Stopwatch]::StartNew()
                while ($ports.Count -lt 2 -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 50 }
                # Each changes its own state: the first forces a snapshot into error, the second adds a fault.
                $snapshot = @(Get-EvsEmulatorSnapshot -Emulator $emu)[0]
                if ($_ -eq 1) { Set-EvsEmulatorSnapshotStatus $snapshot.id error -Emulator $emu } else { Set-EvsEmulatorFault 503 -Emulator $emu }
                Start-Sleep -Milliseconds 500
                [pscustomobject]@{
                    Which    = $_
                    Port     = $emu.Port
                    Both     = $ports.Count -eq 2
                    Errors   = @(Get-EvsEmulatorSnapshot -Emulator $emu -Status error).Count
                    Faults   = (Invoke-RestMethod "$($emu.Endpoint)__emulator/config" -NoProxy).faults.'503'
                }
            }
            finally { $emu | Stop-EvsEmulator }
        } | Sort-Object Which
        $results | Should -HaveCount 2
        $results.Both | Should -Be @($true, $true)
        $results[0].Port | Should -Not -Be $results[1].Port
        $results[0].Errors, $results[0].Faults | Should -Be @(1, 0)
        $results[1].Errors, $results[1].Faults | Should -Be @(0, 1)
    }

    It 'frees the port and ends the process when stopped' {
        $emu = Start-EvsEmulator
        Test-PortFree $emu.Port | Should -BeFalse -Because 'the emulator listens on it'
        $emu | Stop-EvsEmulator
        Test-ProcessGone $emu.ProcessId | Should -BeTrue
        Test-PortFree $emu.Port | Should -BeTrue
        { Get-EvsEmulatorStat } | Should -Throw -ErrorId 'EmulatorMissing,Get-EvsEmulatorStat'
    }

    It 'leaves no emulator behind when the PowerShell that started it is killed' {
        $work = New-CleanHome
        try {
            $pidFile = Join-Path $work 'emulator.pid'
            $child = Start-CleanPwsh -Environment (Get-CleanEnvironment $work) -Script @"
Import-Module '$TestingManifest'
`$emu = Start-EvsEmulator
Set-Content -LiteralPath '$pidFile' -Value `$emu.ProcessId
Start-Sleep -Seconds 300
"@
            $watch = [Diagnostics.Stopwatch]::StartNew()
            while (-not (Test-Path $pidFile) -and -not $child.Process.HasExited -and $watch.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 100 }
            Test-Path $pidFile | Should -BeTrue -Because "the child said: $(if ($child.Process.HasExited) { $child.Stdout.Result + $child.Stderr.Result })"
            $emulatorId = [int](Get-Content $pidFile -Raw)
            Get-Process -Id $emulatorId -ErrorAction SilentlyContinue | Should -Not -BeNullOrEmpty
            $child.Process.Kill()    # the pwsh alone, not its process tree
            $child.Process.WaitForExit(10000) | Should -BeTrue
            Test-ProcessGone $emulatorId -TimeoutMs 20000 | Should -BeTrue -Because 'the emulator watches its parent and its stdin'
        }
        finally { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'refuses a missing seed file, a bad rate limit and a setting the emulator does not know, with stable error ids' {
        { Start-EvsEmulator -Seed (Join-Path ([IO.Path]::GetTempPath()) 'no-such-seed.json') } | Should -Throw -ErrorId 'SeedFileNotFound,Start-EvsEmulator'
        { Start-EvsEmulator -RateLimit 'reads=10/1s' } | Should -Throw -ErrorId 'RateLimitInvalid,Start-EvsEmulator'
        { Start-EvsEmulator -Setting @{ createSecs = 1 } } | Should -Throw -ErrorId 'EmulatorStartFailed,Start-EvsEmulator' -ExpectedMessage "*unknown setting 'createSecs'*"
        { Start-EvsEmulator -Seed @{ domains = @(); projects = @() } } | Should -Throw -ErrorId 'EmulatorStartFailed,Start-EvsEmulator' -ExpectedMessage '*domains*'
    }

    It 'starts with a seed given as a hashtable, with latency, rate limits and faults that a reset keeps' {
        $seed = @{
            region = 'eu-west-0'; domains = @(@{ name = 'acme' })
            accessKeys = @(@{ access = 'ACMEAK00000000000001'; secret = 'acme-secret-0000000001'; domain = 'acme' })
            projects = @(@{ name = 'eu-west-0'; domain = 'acme'; volumes = @(@{ name = 'data' }); snapshots = @(@{ name = 'old'; volume = 'data'; createdAt = '-400d' }) })
        }
        $emu = Start-EvsEmulator -Seed $seed -Latency ([timespan]::FromSeconds(0.1)) -RateLimit 'write=3/1s', 'retry-after' -Faults @{ '429' = 0.25 }
        try {
            $emu.Region | Should -Be 'eu-west-0'
            $emu.AccessKey | Should -Be 'ACMEAK00000000000001'
            $snapshot = Get-EvsEmulatorSnapshot -Emulator $emu
            $snapshot.name | Should -Be 'old'
            ([datetime]::UtcNow - ([datetime]$snapshot.createdAt).ToUniversalTime()).TotalDays | Should -BeGreaterThan 399
            Set-EvsEmulatorConfig -Emulator $emu -Latency ([timespan]::Zero) -RateLimit off
            Reset-EvsEmulator -Emulator $emu
            $config = Invoke-RestMethod "$($emu.Endpoint)__emulator/config" -NoProxy
            $config.latencyMs | Should -Be 100
            $config.rateLimit.write.limit | Should -Be 3
            $config.rateLimit.retryAfter | Should -BeTrue
            $config.faults.'429' | Should -Be 0.25
        }
        finally { $emu | Stop-EvsEmulator }
    }
}

Describe 'Control-plane functions' {
    BeforeAll {
        $script:Emu = Start-EvsEmulator -Setting @{ createSeconds = 0.3 }
        $script:Connect = $Emu.ConnectParameters
    }
    AfterAll { $Emu | Stop-EvsEmulator; Disconnect-EvsProject }
    BeforeEach { Reset-EvsEmulator -Emulator $Emu; Connect-EvsProject @Connect }

    It 'Set-EvsEmulatorFault makes matching requests fail and -Clear ends it; the log and the counters show it' {
        Set-EvsEmulatorFault 503 -Emulator $Emu -PathPattern '/cloudvolumes/detail$'
        Connect-EvsProject @Connect -MaximumRetryCount 0
        { Get-EvsVolume -ErrorAction Stop } | Should -Throw
        $null = Get-EvsSnapshot    # not matched by the path pattern
        $log = @(Get-EvsEmulatorRequest -Emulator $Emu)
        @($log | Where-Object fault -EQ '503') | Should -HaveCount 1
        @($log | Where-Object { $_.path -like '*/cloudsnapshots/detail' -and $_.status -eq 200 }) | Should -Not -BeNullOrEmpty
        (Get-EvsEmulatorStat -Emulator $Emu).faults.'503' | Should -Be 1
        Set-EvsEmulatorFault -Clear -Emulator $Emu
        @(Get-EvsVolume).Count | Should -Be 9
        @(Get-EvsEmulatorRequest -Emulator $Emu -Last 1)[0].status | Should -Be 200
    }

    It 'Set-EvsEmulatorConfig delays answers and -WhatIf changes nothing' {
        Set-EvsEmulatorConfig -Emulator $Emu -Latency ([timespan]::FromSeconds(0.25)) -WhatIf
        (Invoke-RestMethod "$($Emu.Endpoint)__emulator/config" -NoProxy).latencyMs | Should -Be 0
        $Emu | Set-EvsEmulatorConfig -Latency ([timespan]::FromSeconds(0.25)) -Setting @{ pageCap = 2 }
        $config = Invoke-RestMethod "$($Emu.Endpoint)__emulator/config" -NoProxy
        $config.latencyMs | Should -Be 250
        $config.pageCap | Should -Be 2
        { Set-EvsEmulatorConfig -Emulator $Emu } | Should -Throw -ErrorId 'ConfigMissing,Set-EvsEmulatorConfig'
        { Set-EvsEmulatorConfig -Emulator $Emu -Setting @{ port = 1 } } | Should -Throw -ErrorId 'EmulatorControlPlaneFailed,Set-EvsEmulatorConfig'
    }

    It 'Set-EvsEmulatorSnapshotStatus forces a status that EvsSnapshot then sees; piped snapshots bind by Id' {
        Get-EvsSnapshot -Name db01-weekly | Set-EvsEmulatorSnapshotStatus -Status error_deleting -Emulator $Emu
        (Get-EvsSnapshot -Name db01-weekly).Status | Should -Be 'error_deleting'
        $forced = Set-EvsEmulatorSnapshotStatus (Get-EvsSnapshot -Name db01-weekly).Id available -Emulator $Emu -PassThru
        $forced.status | Should -Be 'available'
        $forced.PSObject.TypeNames[0] | Should -Be 'EvsSnapshot.Testing.Snapshot'
    }

    It 'Set-EvsEmulatorVolume makes the snapshots of a disk fail' {
        Get-EvsVolume -Name app01 | Set-EvsEmulatorVolume -SnapshotCreate error -Emulator $Emu
        $null = Get-EvsVolume -Name app01 | New-EvsSnapshot -Name will-fail -Wait -ErrorAction SilentlyContinue -ErrorVariable failed
        $failed | Should -Not -BeNullOrEmpty
        @(Get-EvsEmulatorSnapshot -Emulator $Emu -VolumeId $Emu.VolumeIds.app01 -Status error).name | Should -Be 'will-fail'
    }

    It 'Revoke-EvsEmulatorCredential expires temporary credentials; Update-EvsEmulatorMetadataCredential rotates the metadata key' {
        $expired = Revoke-EvsEmulatorCredential -Emulator $Emu -Temporary
        $expired.TemporaryCredentialsExpired | Should -BeGreaterOrEqual 1
        $expired.TokensExpired | Should -Be 0
        Connect-EvsProject -Region $Emu.Region -Endpoint $Emu.Endpoint -IamEndpoint $Emu.Endpoint -ProjectId $Emu.ProjectId -AccessKey $Emu.TemporaryAccessKey -SecretKey $Emu.TemporarySecretKey -SecurityToken $Emu.SecurityToken
        { Get-EvsVolume -ErrorAction Stop } | Should -Throw
        $credentials = (Invoke-RestMethod "$($Emu.Endpoint)__emulator/credentials" -NoProxy).credentials
        ($credentials | Where-Object access -EQ $Emu.TemporaryAccessKey).expired | Should -BeTrue
        ($credentials | Where-Object access -EQ $Emu.AccessKey).expired | Should -BeFalse
        $first = Update-EvsEmulatorMetadataCredential -Emulator $Emu
        $second = $Emu | Update-EvsEmulatorMetadataCredential
        $second.PreviousAccessKey | Should -Be $first.AccessKey
        $second.AccessKey | Should -Not -Be $first.AccessKey
    }

    It 'Reset-EvsEmulator -Seed replaces the state; a bad seed changes nothing' {
        $seed = @{ domains = @(@{ name = 'solo' }); projects = @(@{ name = 'cn-north-4'; domain = 'solo'; volumes = @(@{ name = 'one' }) }) }
        Reset-EvsEmulator -Emulator $Emu -Seed $seed
        @(Get-EvsEmulatorSnapshot -Emulator $Emu) | Should -HaveCount 0
        { Reset-EvsEmulator -Emulator $Emu -Seed @{ domains = @(@{ name = 'x' }); projects = @(@{ name = 'p'; domain = 'nobody' }) } } | Should -Throw -ErrorId 'EmulatorControlPlaneFailed,Reset-EvsEmulator'
        (Invoke-RestMethod "$($Emu.Endpoint)__emulator/info" -NoProxy).domainName | Should -Be 'solo'
    }
}
