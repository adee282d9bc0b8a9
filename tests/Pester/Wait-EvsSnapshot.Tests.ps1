BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject
}

AfterAll { Stop-TestEmulator }

Describe 'Wait-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'waits for many snapshots together and returns each one available' {
        Set-TestEmulatorConfig @{ createSeconds = 2 }
        $created = Get-EvsVolume | Where-Object Status -In 'available', 'in-use' | New-EvsSnapshot -Name together
        Clear-TestRequestLog
        $done = $created | Wait-EvsSnapshot -MaxPollInterval 1
        $done | Should -HaveCount $created.Count
        $done.Status | Sort-Object -Unique | Should -Be 'available'
        $done.Progress | Sort-Object -Unique | Should -Be 100
        # One list request per poll round for the whole batch, not one per snapshot.
        $polls = Get-TestRequests | Where-Object path -Like '*/cloudsnapshots/detail'
        $polls.Count | Should -BeLessThan ($created.Count * 2)
        $polls[0].query | Should -Match '(^|&)id='
    }

    It 'writes one progress bar with the count done' {
        Set-TestEmulatorConfig @{ createSeconds = 1.5 }
        $created = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name progress
        $ps = [powershell]::Create()
        $null = $ps.AddScript('param($Module, $Id) Import-Module $Module; Wait-EvsSnapshot -Id $Id -MaxPollInterval 0.3').AddParameter('Module', (Get-EvsModulePath)).AddParameter('Id', $created.Id)
        $result = $ps.Invoke()
        $result[0].Status | Should -Be 'available'
        $ps.Streams.Progress | Should -Not -BeNullOrEmpty
        $ps.Streams.Progress.ActivityId | Sort-Object -Unique | Should -HaveCount 1
        $ps.Streams.Progress[0].StatusDescription | Should -Match '0 of 1 done'
        ($ps.Streams.Progress | Where-Object RecordType -EQ Completed) | Should -Not -BeNullOrEmpty
        $ps.Dispose()
    }

    It 'waits for deletion with -Deleted' {
        Set-TestEmulatorConfig @{ deleteSeconds = 1 }
        $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name gone -Wait -MaxPollInterval 0.3
        Remove-EvsSnapshot -Id $snapshot.Id -Force
        $result = Wait-EvsSnapshot -Id $snapshot.Id -Deleted -MaxPollInterval 0.3
        $result | Should -BeNullOrEmpty
        Get-TestSnapshots | Where-Object id -EQ $snapshot.Id | Should -BeNullOrEmpty
    }

    It 'fails at once for a snapshot that lands in error' {
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$(Get-TestVolumeId app01)" -Method PATCH -Body @{ behavior = @{ snapshotCreate = 'error' } }
        Set-TestEmulatorConfig @{ createSeconds = 0.5 }
        $bad = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name will-fail
        $good = New-EvsSnapshot -VolumeId (Get-TestVolumeId scratch01) -Name will-work
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $done = $bad, $good | Wait-EvsSnapshot -Timeout 120 -MaxPollInterval 0.3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 30
        $done.Id | Should -Be $good.Id
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotFailed,*'
        $failures[0].Exception.Message | Should -Match "'error'"
        $failures[0].TargetObject.Id | Should -Be $bad.Id
    }

    It 'names every pending snapshot and its last status in one error on timeout (never a silent success)' {
        Set-TestEmulatorConfig @{ createSeconds = 120 }
        $slow = 1..3 | ForEach-Object { New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name "slow-$_" }
        $done = $slow | Wait-EvsSnapshot -Timeout 2 -MaxPollInterval 0.5 -ErrorVariable failures -ErrorAction SilentlyContinue
        $done | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        foreach ($s in $slow) { $failures[0].Exception.Message | Should -Match "'$($s.Name)' \($($s.Id), creating" }
        @($failures[0].TargetObject) | Should -HaveCount 3
    }

    It 'stops promptly on Ctrl+C' {
        Set-TestEmulatorConfig @{ createSeconds = 120 }
        $slow = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name never
        $stop = Measure-TestStop 'Wait-EvsSnapshot -Id $Id -Timeout 600' @{ Id = $slow.Id } -AfterSeconds 2
        $stop.WasRunning | Should -BeTrue
        $stop.StopSeconds | Should -BeLessThan 3
        $stop.State | Should -Be 'Stopped'
    }

    It 'refuses -Status with -Deleted, unknown statuses and bad intervals' {
        { Wait-EvsSnapshot -Id '55555555-6666-4777-8888-999999999999' -Status available -Deleted } | Should -Throw -ErrorId 'ConflictingParameters,*'
        { Wait-EvsSnapshot -Id '55555555-6666-4777-8888-999999999999' -Status finished } | Should -Throw -ErrorId 'InvalidStatus,*'
        { Wait-EvsSnapshot -Id '55555555-6666-4777-8888-999999999999' -Timeout 0 } | Should -Throw -ErrorId 'InvalidTimeout,*'
        { Wait-EvsSnapshot -Id '55555555-6666-4777-8888-999999999999' -MaxPollInterval 0.01 } | Should -Throw -ErrorId 'InvalidPollInterval,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'reports a snapshot deleted while waiting for it to become available' {
        Set-TestEmulatorConfig @{ createSeconds = 120 }
        $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name vanishing
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($snapshot.Id)" -Method PATCH -Body @{ status = 'available' }
        Remove-EvsSnapshot -Id $snapshot.Id -Force
        Start-Sleep -Milliseconds 500
        $null = Wait-EvsSnapshot -Id $snapshot.Id -Timeout 30 -MaxPollInterval 0.3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotVanished,*'
    }
}

Describe 'Wait-EvsSnapshot -Name and -Status' {
    BeforeEach { Reset-TestEmulator }

    It 'waits for the snapshots it names' {
        Set-TestEmulatorConfig @{ createSeconds = 1 }
        $created = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name wait-by-name
        $done = Wait-EvsSnapshot -Name 'wait-by-*' -MaxPollInterval 0.3
        $done.Id | Should -Be $created.Id
        $done.Status | Should -Be 'available'
    }

    It 'accepts -Status in any letter case and refuses an unknown one with the list, like Get-EvsSnapshot' {
        (Wait-EvsSnapshot -Name db01-weekly -Status Available -Timeout 5).Name | Should -Be 'db01-weekly'
        { Wait-EvsSnapshot -Name db01-weekly -Status availble } | Should -Throw -ErrorId 'InvalidStatus,*'
        { Get-EvsSnapshot -Status availble } | Should -Throw -ErrorId 'InvalidStatus,*'
    }
}
