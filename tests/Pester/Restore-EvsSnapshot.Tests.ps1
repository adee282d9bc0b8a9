BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject

    function New-SnapshotOf([string] $VolumeName) {
        New-EvsSnapshot -VolumeId (Get-TestVolumeId $VolumeName) -Name "rb-$VolumeName" -Wait -MaxPollInterval 0.3
    }
}

AfterAll { Stop-TestEmulator }

Describe 'Restore-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'is ConfirmImpact High' {
        $attribute = (Get-Command Restore-EvsSnapshot).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
    }

    It 'rolls an available disk back and, with -Wait -PassThru, returns it once snapshot and disk are available' {
        $snapshot = New-SnapshotOf app01
        $volume = $snapshot | Restore-EvsSnapshot -Force -Wait -MaxPollInterval 0.3 -PassThru
        $volume | Should -BeOfType ([EvsSnapshot.VolumeDetails])
        $volume.Id | Should -Be (Get-TestVolumeId app01)
        $volume.Status | Should -Be 'available'
        (Get-EvsSnapshot -Id $snapshot.Id).Status | Should -Be 'available'
        $rollback = Get-TestRequests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/rollback' }
        $rollback | Should -HaveCount 1
        $rollback.status | Should -Be 202
    }

    It 'shows both as rollbacking right after the call without -Wait, and renames the disk with -VolumeName' {
        Set-TestEmulatorConfig @{ rollbackSeconds = 30 }
        $snapshot = New-SnapshotOf scratch01
        $volume = Restore-EvsSnapshot -Id $snapshot.Id -VolumeName scratch01-restored -Force -PassThru
        $volume.Status | Should -Be 'rollbacking'
        $volume.Name | Should -Be 'scratch01-restored'
        (Get-EvsSnapshot -Id $snapshot.Id).Status | Should -Be 'rollbacking'
    }

    It 'refuses an attached disk before calling the API and says to detach it' {
        $snapshot = New-SnapshotOf db02
        Clear-TestRequestLog
        $snapshot | Restore-EvsSnapshot -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotAvailableForRollback,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'detach'
        $failures[0].Exception.Message | Should -Match 'in-use'
        Get-TestRequests | Where-Object path -Like '*/rollback' | Should -BeNullOrEmpty
    }

    It 'refuses a snapshot that is not available' {
        Set-TestEmulatorConfig @{ createSeconds = 60 }
        $creating = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name not-yet
        Restore-EvsSnapshot -Id $creating.Id -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotAvailable,*'
        Get-TestRequests | Where-Object path -Like '*/rollback' | Should -BeNullOrEmpty
    }

    It 'accepts a disk in error_rollbacking' {
        $snapshot = New-SnapshotOf app01
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$(Get-TestVolumeId app01)" -Method PATCH -Body @{ status = 'error_rollbacking' }
        $volume = Restore-EvsSnapshot -Id $snapshot.Id -Force -Wait -MaxPollInterval 0.3 -PassThru
        $volume.Status | Should -Be 'available'
    }

    It 'reports a rollback that fails (disk ends in error_rollbacking) with -Wait' {
        $snapshot = New-SnapshotOf app01
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$(Get-TestVolumeId app01)" -Method PATCH -Body @{ behavior = @{ rollback = 'error' } }
        Restore-EvsSnapshot -Id $snapshot.Id -Force -Wait -Timeout 60 -MaxPollInterval 0.3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeFailed,*'
        $failures[0].Exception.Message | Should -Match 'error_rollbacking'
    }

    It 'refuses a backup''s snapshot' {
        $backup = Get-EvsSnapshot -Name 'autobk_snapshot_*'
        Clear-TestRequestLog
        $backup | Restore-EvsSnapshot -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupSnapshotProtected,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'changes nothing with -WhatIf: it only reads the snapshot and disk to name them' {
        $snapshot = New-SnapshotOf app01
        Clear-TestRequestLog
        Restore-EvsSnapshot -Id $snapshot.Id -WhatIf
        @(Get-TestRequests | Where-Object method -NE 'GET') | Should -BeNullOrEmpty
        (Get-TestSnapshots | Where-Object id -EQ $snapshot.Id).status | Should -Be 'available'
    }

    It 'refuses an invalid -VolumeName before sending anything' {
        { Restore-EvsSnapshot -Id '44444444-5555-4666-8777-888888888888' -VolumeName ('v' * 65) -Force } | Should -Throw -ErrorId 'VolumeNameTooLong,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }
}

Describe 'Restore-EvsSnapshot in words and by name' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'names disk and snapshot as a person does: Roll back disk ''app01'' (cf758038) to snapshot ''...'' of its local creation time' {
        $snapshot = New-SnapshotOf app01
        $when = [regex]::Escape($snapshot.CreatedAt.ToString('yyyy-MM-dd HH:mm'))
        $app01 = Get-TestVolumeId app01
        Get-WhatIfText { Restore-EvsSnapshot -Name $snapshot.Name -WhatIf } |
            Should -Match "What if: Roll back disk 'app01' \($($app01.Substring(0, 8))\) to snapshot '$($snapshot.Name)' of $when\."
        @(Get-TestRequests | Where-Object method -EQ 'POST' | Where-Object path -Like '*rollback') | Should -BeNullOrEmpty
    }

    It 'refuses a -Name that matches several snapshots, wildcards too, because a rollback overwrites one disk' {
        $null = New-SnapshotOf app01
        $null = New-SnapshotOf app01
        $null = Restore-EvsSnapshot -Name '*' -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNameAmbiguous,*'
        @(Get-TestRequests | Where-Object path -Like '*rollback') | Should -BeNullOrEmpty
    }

    It 'refuses an attached disk before asking anything' {
        $weekly = Get-EvsSnapshot -Name db01-weekly
        $null = Restore-EvsSnapshot -Id $weekly.Id -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotAvailableForRollback,*'
    }
}
