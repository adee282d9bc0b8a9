BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject

    function New-AvailableSnapshots([int] $Count = 1, [string] $Prefix = 'doomed-') {
        $ids = (Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = $Count; volumeId = (Get-TestVolumeId app01); namePrefix = $Prefix }).ids
        Get-EvsSnapshot -Id $ids
    }
}

AfterAll { Stop-TestEmulator }

Describe 'Remove-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'is ConfirmImpact High, so it asks by default' {
        $attribute = (Get-Command Remove-EvsSnapshot).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
        $attribute.SupportsShouldProcess | Should -BeTrue
    }

    It 'deletes piped snapshots with -Confirm:$false (Get-EvsSnapshot | Remove-EvsSnapshot)' {
        $doomed = New-AvailableSnapshots -Count 3
        Clear-TestRequestLog
        Get-EvsSnapshot -Name 'doomed-*' | Remove-EvsSnapshot -Confirm:$false
        (Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 3
        Start-Sleep -Milliseconds 600
        Get-TestSnapshots | Where-Object id -In $doomed.Id | Should -BeNullOrEmpty
    }

    It 'prunes by age the way runbooks do' {
        $old = New-AvailableSnapshots -Count 2 -Prefix 'old-'
        foreach ($s in $old) { $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($s.Id)" -Method PATCH -Body @{ createdAt = [datetime]::UtcNow.AddDays(-10).ToString('o') } }
        $fresh = New-AvailableSnapshots -Count 2 -Prefix 'fresh-'
        Get-EvsSnapshot -Status available | Where-Object CreatedAt -LT (Get-Date).AddDays(-7) | Where-Object { -not $_.IsBackupSnapshot } |
            Remove-EvsSnapshot -Confirm:$false -Wait -MaxPollInterval 0.3
        $left = (Get-TestSnapshots).id
        $old.Id | ForEach-Object { $_ | Should -Not -BeIn $left }
        $fresh.Id | ForEach-Object { $_ | Should -BeIn $left }
    }

    It 'deletes with -Force without asking, and -WhatIf still wins over -Force' {
        $doomed = New-AvailableSnapshots -Count 1
        Remove-EvsSnapshot -Id $doomed.Id -Force -WhatIf
        Get-TestRequests | Where-Object method -EQ DELETE | Should -BeNullOrEmpty
        Remove-EvsSnapshot -Id $doomed.Id -Force
        (Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 1
    }

    It 'returns only when the snapshots are gone with -Wait' {
        Set-TestEmulatorConfig @{ deleteSeconds = 1.5 }
        $doomed = New-AvailableSnapshots -Count 4
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $doomed | Remove-EvsSnapshot -Force -Wait -MaxPollInterval 0.3
        $watch.Elapsed.TotalSeconds | Should -BeGreaterThan 1.4
        foreach ($s in $doomed) {
            $null = Get-EvsSnapshot -Id $s.Id -ErrorVariable gone -ErrorAction SilentlyContinue
            $gone[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        }
    }

    It 'gives EVS.1047 as a clear non-terminating error for a snapshot that is not available, and deletes the rest' {
        Set-TestEmulatorConfig @{ createSeconds = 60 }
        $creating = New-EvsSnapshot -VolumeId (Get-TestVolumeId scratch01) -Name still-creating
        $ok = New-AvailableSnapshots -Count 2
        Clear-TestRequestLog
        @($ok[0], $creating, $ok[1]) | Remove-EvsSnapshot -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotDeletable,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failures[0].Exception.ErrorCode | Should -Be 'EVS.1047'
        $failures[0].TargetObject | Should -Be $creating.Id
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'Wait-EvsSnapshot'
        (Get-TestRequests | Where-Object { $_.method -eq 'DELETE' -and $_.status -eq 202 }) | Should -HaveCount 2
    }

    It 'reports error_deleting (EVS.2019) for that snapshot' {
        $stuck = New-AvailableSnapshots -Count 1
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($stuck.Id)" -Method PATCH -Body @{ status = 'error_deleting' }
        Remove-EvsSnapshot -Id $stuck.Id -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotErrorDeleting,*'
        $failures[0].Exception.ErrorCode | Should -Be 'EVS.2019'
    }

    It 'fails the wait at once when the deletion ends in error_deleting' {
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$(Get-TestVolumeId app01)" -Method PATCH -Body @{ behavior = @{ snapshotDelete = 'error' } }
        Set-TestEmulatorConfig @{ deleteSeconds = 0.5 }
        $doomed = New-AvailableSnapshots -Count 1
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $doomed | Remove-EvsSnapshot -Force -Wait -Timeout 60 -MaxPollInterval 0.3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 20
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotFailed,*'
        $failures[0].Exception.Message | Should -Match 'error_deleting'
    }

    It 'refuses a backup''s snapshot before deleting it' {
        $backup = Get-EvsSnapshot -Name 'autobk_snapshot_*'
        Clear-TestRequestLog
        $backup | Remove-EvsSnapshot -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupSnapshotProtected,*'
        Get-TestRequests | Should -BeNullOrEmpty
        Remove-EvsSnapshot -Id $backup.Id -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupSnapshotProtected,*'
        Get-TestRequests | Where-Object method -EQ DELETE | Should -BeNullOrEmpty
    }

    It 'reports an unknown id as SnapshotNotFound and a malformed one as InvalidSnapshotId' {
        Remove-EvsSnapshot -Id '33333333-4444-4555-8666-777777777777', 'x/../y' -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        @($failures.FullyQualifiedErrorId | ForEach-Object { $_.Split(',')[0] } | Sort-Object) | Should -Be @('InvalidSnapshotId', 'SnapshotNotFound')
        Get-TestRequests | Where-Object method -EQ DELETE | Should -BeNullOrEmpty
    }
}

Describe 'Remove-EvsSnapshot by name, in words, and without a prompt' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'deletes by -Name (Remove-EvsSnapshot -Name db01-weekly) with one lookup request' {
        Remove-EvsSnapshot -Name db01-weekly -Force
        (Get-TestSnapshots | Where-Object name -EQ 'db01-weekly').status | Should -BeIn @('deleting', $null)
        @(Get-TestRequests | Where-Object path -Like '*cloudsnapshots/detail') | Should -HaveCount 1
        (Get-TestRequests | Where-Object path -Like '*cloudsnapshots/detail').query | Should -Match 'name=db01-weekly'
    }

    It 'refuses an exact -Name that several snapshots have, listing them, and deletes nothing' {
        $twins = New-AvailableSnapshots -Count 2 -Prefix 'twin-'
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($twins[1].Id)" -Method PATCH -Body @{ name = $twins[0].Name }
        $null = Remove-EvsSnapshot -Name $twins[0].Name -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNameAmbiguous,*'
        foreach ($t in $twins) { "$($failures[0])" | Should -Match $t.Id }
        @(Get-TestRequests | Where-Object method -EQ 'DELETE') | Should -BeNullOrEmpty
        $null = Remove-EvsSnapshot -Name no-such-snapshot -Force -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNameNotFound,*'
    }

    It 'names the snapshot, its local creation time and its disk in the -WhatIf line, also for a bare id' {
        $weekly = Get-EvsSnapshot -Name db01-weekly
        $expected = "What if: Delete snapshot 'db01-weekly' \($($weekly.Id.Substring(0, 8))\) of $([regex]::Escape($weekly.CreatedAt.ToString('yyyy-MM-dd HH:mm'))) from disk $($weekly.VolumeId)\."
        Get-WhatIfText { Remove-EvsSnapshot -Id $weekly.Id -WhatIf } | Should -Match $expected
        Get-WhatIfText { $weekly | Remove-EvsSnapshot -WhatIf } | Should -Match $expected
        @(Get-TestRequests | Where-Object method -EQ 'DELETE') | Should -BeNullOrEmpty
    }

    It 'fails in a non-interactive session without -Confirm:$false with ConfirmationRequired, which says what to pass' {
        $snapshot = (New-AvailableSnapshots -Count 1)[0]
        $pwsh = Get-PwshCommand
        $script = @"
Import-Module '$(Get-EvsModulePath)'
`$cred = [pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force))
`$null = Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -IamEndpoint '$($Emulator.Url)' -ProjectId '$($Info.projectId)' -Credential `$cred
try { Remove-EvsSnapshot -Id '$($snapshot.Id)' -ErrorAction Stop } catch { "ID=`$(`$_.FullyQualifiedErrorId)"; "MSG=`$_" }
"@
        $file = Join-Path $TestDrive 'noninteractive.ps1'
        Set-Content -LiteralPath $file -Value $script
        $out = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -File $file 2>&1 | Out-String
        $out | Should -Match 'ID=ConfirmationRequired,'
        $out | Should -Match '-Confirm:\$false or -Force'
        (Get-TestSnapshots | Where-Object id -EQ $snapshot.Id).status | Should -Be 'available'
    }
}

Describe 'Remove-EvsSnapshot of a snapshot that is already gone' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'writes a non-terminating SnapshotNotFound for a gone <Given> and goes on with the rest' -TestCases @(@{ Given = 'piped object' }, @{ Given = 'id' }) {
        param($Given)
        $snapshots = New-AvailableSnapshots -Count 3 -Prefix 'rerun-'
        $gone = $snapshots[0]
        Remove-EvsSnapshot -Id $gone.Id -Confirm:$false -Wait -MaxPollInterval 0.3
        Clear-TestRequestLog
        $targets = if ($Given -eq 'id') { @($snapshots.Id) } else { $snapshots }
        $targets | Remove-EvsSnapshot -Confirm:$false -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        @(Get-TestRequests | Where-Object { $_.method -eq 'DELETE' -and $_.status -eq 202 }) | Should -HaveCount 2
    }

    It 'is silent with -IgnoreMissing, also with -Wait, which then returns without polling for it' {
        $snapshots = New-AvailableSnapshots -Count 2 -Prefix 'rerun-'
        Remove-EvsSnapshot -Id $snapshots[0].Id -Confirm:$false -Wait -MaxPollInterval 0.3
        Clear-TestRequestLog
        $out = Remove-EvsSnapshot -Id $snapshots[0].Id -Confirm:$false -IgnoreMissing -Wait -MaxPollInterval 5 -Verbose -ErrorVariable failures 4>&1
        $failures | Should -HaveCount 0
        @($out | Where-Object { $_.Message -like '*already gone*' }) | Should -HaveCount 1
        @(Get-TestRequests) | Should -HaveCount 1 -Because 'one GET finds it gone; nothing is deleted or polled'
        $snapshots[0] | Remove-EvsSnapshot -Confirm:$false -IgnoreMissing -Wait -MaxPollInterval 5 -ErrorVariable failures2
        $failures2 | Should -HaveCount 0
    }

    It 'returns at once with -Wait for a gone snapshot without -IgnoreMissing (the error is the answer)' {
        $snapshot = (New-AvailableSnapshots -Count 1 -Prefix 'rerun-')[0]
        Remove-EvsSnapshot -Id $snapshot.Id -Confirm:$false -Wait -MaxPollInterval 0.3
        Clear-TestRequestLog
        $snapshot | Remove-EvsSnapshot -Confirm:$false -Wait -MaxPollInterval 30 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        @(Get-TestRequests | Where-Object method -EQ GET) | Should -HaveCount 0 -Because 'nothing was waited for'
    }
}
