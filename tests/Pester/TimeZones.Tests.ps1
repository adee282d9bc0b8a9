# The prune line of the README and of the help is one line, and it deletes exactly the snapshots older than seven
# days in every time zone: run in child pwsh processes with TZ set, against snapshots 6 d 21 h and 7 d 3 h old.

BeforeDiscovery {
    $script:Zones = @(@{ Zone = 'Asia/Shanghai' }, @{ Zone = 'America/Los_Angeles' }, @{ Zone = 'UTC' })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Root = Get-EvsRepoRoot

    function Get-PruneLine([string] $Path, [string] $Pattern) {
        $line = @(Get-Content (Join-Path $Root $Path) | Where-Object { $_ -match $Pattern } | ForEach-Object Trim | Select-Object -Unique)
        $line | Should -HaveCount 1 -Because "$Path has one prune line (it may show it more than once)"
        $line[0]
    }

    function Set-SnapshotAge([string] $Name, [timespan] $Age) {
        $id = (Get-TestSnapshots | Where-Object name -EQ $Name).id
        $createdAt = ([datetime]::UtcNow - $Age).ToString('yyyy-MM-ddTHH:mm:ss.ffffff')
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$id" -Method PATCH -Body @{ createdAt = $createdAt }
    }

    function Invoke-InZone([string] $Zone, [string] $Script) {
        # A child pwsh with TZ set: the module, a context on the emulator, then the script; its output as lines.
        $pwsh = Get-PwshCommand
        $psi = [System.Diagnostics.ProcessStartInfo]::new($pwsh[0])
        $file = Join-Path $TestDrive "in-zone-$([guid]::NewGuid().ToString('N')).ps1"
        foreach ($a in @($pwsh | Select-Object -Skip 1) + @('-NoProfile', '-NonInteractive', '-File', $file)) { $psi.ArgumentList.Add($a) }
        $psi.Environment['TZ'] = $Zone
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        $psi.UseShellExecute = $false
        $prelude = @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-EvsModulePath)'
`$cred = [pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force))
`$null = Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -IamEndpoint '$($Emulator.Url)' -ProjectId '$($Info.projectId)' -Credential `$cred
"zone: `$([TimeZoneInfo]::Local.BaseUtcOffset)"
"@
        Set-Content -LiteralPath $file -Value "$prelude`n$Script"
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync()
        $out = $process.StandardOutput.ReadToEnd()
        $process.WaitForExit()
        [pscustomobject]@{ Lines = @($out -split '\r?\n' | Where-Object { $_ }); Errors = $stderr.Result; ExitCode = $process.ExitCode }
    }
}

AfterAll { Stop-TestEmulator }

Describe 'Prune lines in every time zone' {
    BeforeAll {
        $script:ReadmeLine = Get-PruneLine 'README.md' '^Get-EvsSnapshot .*Remove-EvsSnapshot'
        $script:HelpLine = Get-PruneLine 'docs/en-US/Remove-EvsSnapshot.md' '^Get-EvsSnapshot .*Where-Object .*Remove-EvsSnapshot'
    }

    It 'is one line in the README, the help and about_EvsSnapshot, and it filters out backup snapshots' {
        $HelpLine | Should -BeExactly $ReadmeLine
        Get-PruneLine 'docs/en-US/about_EvsSnapshot.help.md' '^Get-EvsSnapshot .*Where-Object .*Remove-EvsSnapshot' | Should -BeExactly $ReadmeLine
        $ReadmeLine | Should -Match '-not \$_\.IsBackupSnapshot'
        $ReadmeLine | Should -Match 'CreatedAt -lt \(Get-Date\)\.AddDays\(-7\)'
    }

    Context 'TZ=<Zone>' -ForEach $Zones {
        BeforeEach {
            Reset-TestEmulator
            Set-SnapshotAge 'db01-hourly' (New-TimeSpan -Days 6 -Hours 21)    # younger than 7 days: kept
            Set-SnapshotAge 'db01-weekly' (New-TimeSpan -Days 7 -Hours 3)     # older: deleted
            $backup = (Get-TestSnapshots | Where-Object name -Like 'autobk_snapshot_*').name
            Set-SnapshotAge $backup (New-TimeSpan -Days 20)                   # old, but a backup's: kept
        }

        It 'the README''s prune line deletes exactly the snapshots older than seven days, never a backup''s' {
            $result = Invoke-InZone $Zone "$ReadmeLine`n'done'"
            $result.Errors | Should -BeNullOrEmpty
            $result.Lines[-1] | Should -Be 'done' -Because ($result.Lines -join "`n")
            $expectedOffset = [System.TimeZoneInfo]::FindSystemTimeZoneById($Zone).BaseUtcOffset
            $result.Lines[0] | Should -Be "zone: $expectedOffset" -Because 'the child runs in that zone'
            $left = @(Get-TestSnapshots | Where-Object status -NE 'deleting')
            @($left.name | Sort-Object) | Should -Be @(@('db01-hourly', (Get-TestSnapshots | Where-Object name -Like 'autobk_*').name) | Sort-Object)
        }

        It 'Get-EvsSnapshot -OlderThan (a TimeSpan or Get-Date) selects the same snapshots' {
            $result = Invoke-InZone $Zone @'
(Get-EvsSnapshot -OlderThan (New-TimeSpan -Days 7) | Sort-Object Name).Name -join ','
(Get-EvsSnapshot -OlderThan (Get-Date).AddDays(-7) | Sort-Object Name).Name -join ','
(Get-EvsSnapshot -NewerThan '7.00:00:00' | Sort-Object Name).Name -join ','
$s = Get-EvsSnapshot -Name db01-hourly
"$($s.CreatedAt.Kind) $($s.CreatedAtUtc.Kind) $($s.CreatedAt.ToUniversalTime() -eq $s.CreatedAtUtc)"
'@
            $result.Errors | Should -BeNullOrEmpty
            $backup = (Get-TestSnapshots | Where-Object name -Like 'autobk_*').name
            $result.Lines[1] | Should -Be ((@($backup, 'db01-monthly', 'db01-weekly') | Sort-Object) -join ',')
            $result.Lines[2] | Should -Be $result.Lines[1]
            $result.Lines[3] | Should -Be 'db01-hourly'
            $result.Lines[4] | Should -Be 'Local Utc True'
        }
    }
}
