#Requires -Modules EvsSnapshot, EvsSnapshot.Testing
# Pester 5 tests of Nightly-Snapshot.ps1, offline: the runbook runs unchanged against a local emulator that
# describes the project in a few lines (two servers, three disks, a few old snapshots).
#   Install-PSResource EvsSnapshot, EvsSnapshot.Testing; Invoke-Pester ./Nightly-Snapshot.Tests.ps1

BeforeAll {
    Import-Module EvsSnapshot, EvsSnapshot.Testing
    $script:Runbook = Join-Path $PSScriptRoot 'Nightly-Snapshot.ps1'
    $seed = @{
        region     = 'eu-west-0'
        domains    = @(@{ name = 'acme' })
        accessKeys = @(@{ access = 'ACMEAK00000000000001'; secret = 'acme-secret-0000000001'; domain = 'acme' })
        projects   = @(@{
                name      = 'eu-west-0'; domain = 'acme'
                servers   = @(@{ name = 'web-1' }, @{ name = 'db-1' })
                volumes   = @(
                    @{ name = 'web-root'; size = 40; status = 'in-use'; bootable = $true; attachments = @(@{ server = 'web-1' }) }
                    @{ name = 'db-data'; size = 200; volumeType = 'SSD'; status = 'in-use'; attachments = @(@{ server = 'db-1' }) }
                    @{ name = 'spare'; size = 10 })
                snapshots = @(
                    @{ name = 'nightly-20240101'; volume = 'db-data'; createdAt = '-10d'; metadata = @{ runbook = 'nightly' } }
                    @{ name = 'nightly-20240108'; volume = 'db-data'; createdAt = '-3d'; metadata = @{ runbook = 'nightly' } }
                    @{ name = 'nightly-by-hand'; volume = 'web-root'; createdAt = '-30d' }
                    @{ name = 'before-upgrade'; volume = 'db-data'; createdAt = '-60d' })
            })
    }
    # Snapshots become available after half a second instead of two.
    $script:Emulator = Start-EvsEmulator -Seed $seed -Setting @{ createSeconds = 0.5 }
    $script:Run = @{
        Region     = $Emulator.Region
        Endpoint   = $Emulator.Endpoint
        ProjectId  = $Emulator.ProjectId
        Credential = [pscredential]::new($Emulator.AccessKey, $Emulator.SecretKey)
    }
}

AfterAll {
    $Emulator | Stop-EvsEmulator
}

Describe 'Nightly-Snapshot.ps1' {
    BeforeEach {
        # Every test starts from the seed: same disks, same old snapshots, no faults, empty request log.
        Reset-EvsEmulator -Emulator $Emulator
    }

    It 'snapshots each in-use disk once and prunes only its own snapshots older than a week' {
        $summary = & $Runbook @Run

        $summary.Created | Should -Be 2
        $summary.Pruned | Should -Be 1
        $summary.Failed | Should -Be 0
        # What the emulator holds now, not what the runbook says it did.
        $names = @(Get-EvsEmulatorSnapshot -Emulator $Emulator).name
        @($names | Where-Object { $_ -eq $summary.Name }) | Should -HaveCount 2
        $names | Should -Not -Contain 'nightly-20240101'
        $names | Should -Contain 'nightly-20240108'
        $names | Should -Contain 'nightly-by-hand'
        $names | Should -Contain 'before-upgrade'
        @(Get-EvsEmulatorSnapshot -Emulator $Emulator -Status available) | Should -HaveCount 5
        (Get-EvsEmulatorStat -Emulator $Emulator).snapshotsCreated | Should -Be 2
    }

    It 'gets through throttling: half of the snapshot creations are refused with 429 at first' {
        Set-EvsEmulatorFault 429 -Rate 0.5 -Emulator $Emulator -PathPattern '/cloudsnapshots$' -Method POST

        $summary = & $Runbook @Run

        $summary.Created | Should -Be 2
        $creates = @(Get-EvsEmulatorRequest -Emulator $Emulator | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cloudsnapshots' })
        @($creates | Where-Object status -EQ 429) | Should -Not -BeNullOrEmpty -Because 'the fault must have hit at least once'
        @($creates | Where-Object status -EQ 202) | Should -HaveCount 2 -Because 'each disk is snapshotted exactly once'
        (Get-EvsEmulatorStat -Emulator $Emulator).faults.'429' | Should -Be @($creates | Where-Object status -EQ 429).Count
    }

    It 'reports a snapshot that fails and still prunes' {
        # The emulator makes every snapshot of db-data fail (status error at the end of creating).
        $dbData = $Emulator.VolumeIds.'db-data'
        Set-EvsEmulatorVolume $dbData -SnapshotCreate error -Emulator $Emulator

        $output = & $Runbook @Run 2>&1
        $errors = @($output | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $summary = $output | Where-Object { $_ -isnot [System.Management.Automation.ErrorRecord] }

        $errors | Should -HaveCount 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotFailed,*'
        $summary.Created | Should -Be 1
        $summary.Failed | Should -Be 1
        $summary.Pruned | Should -Be 1
        @(Get-EvsEmulatorSnapshot -Emulator $Emulator -Status error).volumeId | Should -Be $dbData
    }
}
