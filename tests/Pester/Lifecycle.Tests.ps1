# The module's lifecycle and its manners in an interactive console: Remove-Module cleans up after the module
# (connections closed, resolvers unhooked) so Import-Module -Force starts clean, and argument completion never
# blocks the console, even when the API is slow or unreachable.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Pwsh = Get-PwshCommand

    function Measure-Completion([string] $Command, [string] $Parameter, [string] $Word = '') {
        # One call of the completer itself, as PowerShell makes it, timed.
        $completer = [EvsSnapshot.Commands.VolumeIdCompleter]::new()
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $results = @($completer.CompleteArgument($Command, $Parameter, $Word, $null, @{}))
        [pscustomobject]@{ Milliseconds = $watch.Elapsed.TotalMilliseconds; Results = $results }
    }
}

AfterAll { Stop-TestEmulator }

Describe 'Remove-Module and Import-Module -Force' {
    It 'closes the current context, unhooks the engine resolver, and imports again cleanly' {
        $script = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-EvsModulePath)'
`$connect = { Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -ProjectId '$($Info.projectId)' -Credential ([pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force))) -PassThru }
`$old = & `$connect
`$null = Get-EvsVolume -First 1
`$resolvedBefore = try { `$null -ne [System.Reflection.Assembly]::Load('EvsSnapshot.Client') } catch { `$false }
Remove-Module EvsSnapshot
`$resolvedAfter = try { `$null -ne [System.Reflection.Assembly]::Load('EvsSnapshot.Client') } catch { `$false }
Import-Module '$(Get-EvsModulePath)' -Force
`$currentAfter = `$null -ne (Get-EvsContext)
`$oldContext = try { `$null = Get-EvsVolume -Context `$old -First 1 -ErrorAction Stop; 'usable' } catch { `$_.FullyQualifiedErrorId }
`$null = & `$connect
`$fresh = (Get-EvsVolume -Name db01).Name
[pscustomobject]@{ ResolvedBefore = `$resolvedBefore; ResolvedAfter = `$resolvedAfter; CurrentAfter = `$currentAfter; OldContext = `$oldContext; Fresh = `$fresh } | ConvertTo-Json -Compress
"@
        $file = Join-Path ([IO.Path]::GetTempPath()) "evs-lifecycle-$([guid]::NewGuid().ToString('N')).ps1"
        Set-Content -Path $file -Value $script
        try {
            $output = & $Pwsh[0] @($Pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1 | Out-String
        }
        finally { Remove-Item $file -ErrorAction SilentlyContinue }
        $LASTEXITCODE | Should -Be 0 -Because $output
        $result = ($output -split "`n" | Where-Object { $_ -match '^\{' } | Select-Object -Last 1) | ConvertFrom-Json
        $result.ResolvedBefore | Should -BeTrue -Because 'while imported, the engine resolves through the module''s load context'
        $result.ResolvedAfter | Should -BeFalse -Because 'Remove-Module unhooks the resolver it registered'
        $result.CurrentAfter | Should -BeFalse -Because 'the current context was closed with the module'
        $result.OldContext | Should -BeLike 'ContextClosed,*' -Because 'a context kept in a variable says it was closed, instead of failing obscurely'
        $result.Fresh | Should -Be 'db01' -Because 'a new import connects and works'
    }
}

Describe 'Completion never blocks the console' {
    BeforeAll {
        # Compile the completion path once, so the timings below measure waiting, not the JIT.
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint 'http://127.0.0.1:9' -ProjectId $Info.projectId -Credential (New-TestCredential 'AK' 'SKSECRET00') -MaximumRetryCount 0
        $null = Measure-Completion 'New-EvsSnapshot' 'VolumeId'
    }
    AfterAll {
        Set-TestEmulatorConfig @{ latencyMs = 0 }
        $null = Connect-TestProject
    }

    It 'answers in under 100 ms while the API takes 2 s, and shows the disks once the background refresh lands' {
        Set-TestEmulatorConfig @{ latencyMs = 2000 }
        $null = Connect-TestProject   # a new context: its completion cache is cold
        $cold = Measure-Completion 'New-EvsSnapshot' 'VolumeId' 'db0'
        $cold.Milliseconds | Should -BeLessThan 100
        $cold.Results | Should -BeNullOrEmpty -Because 'nothing is known yet and the list takes 2 s'

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $slowest = 0
        do {
            Start-Sleep -Milliseconds 200
            $again = Measure-Completion 'New-EvsSnapshot' 'VolumeId' 'db0'
            $slowest = [Math]::Max($slowest, $again.Milliseconds)
        } until ($again.Results.Count -gt 0 -or $watch.Elapsed.TotalSeconds -gt 20)
        $slowest | Should -BeLessThan 100 -Because 'every call answers from memory while the refresh runs'
        @($again.Results.CompletionText | Sort-Object) | Should -Be @((Get-TestVolumeId db01), (Get-TestVolumeId db02) | Sort-Object)
    }

    It 'answers from what it knows, at once, after the API goes down' {
        Set-TestEmulatorConfig @{ latencyMs = 0 }
        $null = Connect-TestProject
        $watch = [Diagnostics.Stopwatch]::StartNew()
        do { $warm = Measure-Completion 'New-EvsSnapshot' 'VolumeId' 'web' } until ($warm.Results.Count -gt 0 -or $watch.Elapsed.TotalSeconds -gt 10)
        Set-TestEmulatorConfig @{ faults = @{ '503' = 1.0 } }
        try {
            $down = Measure-Completion 'New-EvsSnapshot' 'VolumeId' 'web'
            $down.Milliseconds | Should -BeLessThan 100
            @($down.Results.CompletionText | Sort-Object) | Should -Be @((Get-TestVolumeId web01), (Get-TestVolumeId web02) | Sort-Object)
        }
        finally { Set-TestEmulatorConfig @{ faults = $null } }
    }

    It 'answers in under 100 ms with nothing when the API cannot be reached at all' {
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint 'http://127.0.0.1:9' -ProjectId $Info.projectId -Credential (New-TestCredential 'AK' 'SKSECRET00') -MaximumRetryCount 0
        $unreachable = Measure-Completion 'New-EvsSnapshot' 'VolumeId'
        $unreachable.Milliseconds | Should -BeLessThan 100
        $unreachable.Results | Should -BeNullOrEmpty
    }
}
