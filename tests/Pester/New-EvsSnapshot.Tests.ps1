BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject
}

AfterAll { Stop-TestEmulator }

Describe 'New-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    Context 'pipeline from Get-EvsVolume' {
        It 'creates one snapshot per piped volume, bound by VolumeId, never taking the volume''s name' {
            $volumes = Get-EvsVolume -Status in-use
            $snapshots = $volumes | New-EvsSnapshot -Name 'nightly-20261127'
            $snapshots | Should -HaveCount $volumes.Count
            $snapshots | Should -BeOfType ([EvsSnapshot.SnapshotDetails])
            @($snapshots.VolumeId | Sort-Object) | Should -Be @($volumes.Id | Sort-Object)
            $snapshots.Name | Sort-Object -Unique | Should -Be 'nightly-20261127'
            $snapshots.Status | Sort-Object -Unique | Should -Be 'creating'
            (Get-TestRequests | Where-Object method -EQ POST).Count | Should -Be $volumes.Count
        }

        It 'does not bind the volume''s Description either' {
            $snapshot = Get-EvsVolume -Name db01 | New-EvsSnapshot -Name plain
            $snapshot.Description | Should -BeNullOrEmpty
        }

        It 'returns typed, complete objects (UTC times, nulls kept as null, project, progress, metadata)' {
            $before = [datetime]::UtcNow.AddMinutes(-1)
            $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name typed -Description 'for the fields test' -Metadata @{ owner = 'ops'; tier = 'gold' }
            $snapshot.Id | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            $snapshot.SnapshotId | Should -Be $snapshot.Id
            $snapshot.Description | Should -Be 'for the fields test'
            $snapshot.CreatedAt | Should -BeOfType [datetime]
            $snapshot.CreatedAt.Kind | Should -Be 'Local'
            $snapshot.CreatedAtUtc.Kind | Should -Be 'Utc'
            $snapshot.CreatedAt | Should -BeGreaterThan $before
            $snapshot.UpdatedAt | Should -BeNullOrEmpty
            $snapshot.Size | Should -Be ((Get-EvsVolume -Id (Get-TestVolumeId app01)).Size)
            $snapshot.ProjectId | Should -Be $Info.projectId
            $snapshot.Metadata['owner'] | Should -Be 'ops'
            $snapshot.Metadata['tier'] | Should -Be 'gold'
            $snapshot.Metadata['evssnapshot_client_token'] | Should -Match '^[0-9a-f]{32}$'
        }

        It 'gives a snapshot without -Name a sortable name traceable to its volume' {
            $volumeId = Get-TestVolumeId app01
            $snapshot = New-EvsSnapshot -VolumeId $volumeId
            $snapshot.Name | Should -Match "^snapshot-\d{8}-\d{6}-$($volumeId.Substring(0, 8))$"
        }

        It 'binds -VolumeId by position' {
            (New-EvsSnapshot (Get-TestVolumeId scratch01) -Name positional).VolumeId | Should -Be (Get-TestVolumeId scratch01)
        }
    }

    Context 'validation before any request' {
        It 'accepts a 64-character name and a 85-character description' {
            $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name ('n' * 64) -Description ('d' * 85)
            $snapshot.Name.Length | Should -Be 64
            $snapshot.Description.Length | Should -Be 85
        }

        It 'refuses a <Case> with <ErrorId> and sends nothing' -TestCases @(
            @{ Case = '65-character name'; Params = @{ Name = ('n' * 65) }; ErrorId = 'SnapshotNameTooLong' }
            @{ Case = '86-character description'; Params = @{ Description = ('d' * 86) }; ErrorId = 'DescriptionTooLong' }
            @{ Case = 'reserved autobk_snapshot_ prefix'; Params = @{ Name = 'autobk_snapshot_mine' }; ErrorId = 'SnapshotNameReservedPrefix' }
            @{ Case = 'reserved prefix in capitals'; Params = @{ Name = 'AUTOBK_SNAPSHOT_x' }; ErrorId = 'SnapshotNameReservedPrefix' }
            @{ Case = 'blank name'; Params = @{ Name = '   ' }; ErrorId = 'SnapshotNameEmpty' }
            @{ Case = 'name with a line break'; Params = @{ Name = "two`nlines" }; ErrorId = 'SnapshotNameInvalidCharacter' }
            @{ Case = 'non-string metadata value'; Params = @{ Metadata = @{ tier = 1 } }; ErrorId = 'MetadataValueNotString' }
            @{ Case = 'empty metadata key'; Params = @{ Metadata = @{ '' = 'x' } }; ErrorId = 'MetadataKeyEmpty' }
            @{ Case = 'system metadata key'; Params = @{ Metadata = @{ '__system__encrypted' = '1' } }; ErrorId = 'MetadataKeyReserved' }
        ) {
            $volumes = Get-EvsVolume -Status in-use
            Clear-TestRequestLog
            { $volumes | New-EvsSnapshot @Params } | Should -Throw -ErrorId "$ErrorId,*"
            $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
            Get-TestRequests | Should -BeNullOrEmpty
        }

        It 'reports a malformed volume id for that item only and creates the others' {
            $ids = (Get-TestVolumeId app01), '../etc/passwd', (Get-TestVolumeId scratch01)
            $snapshots = $ids | New-EvsSnapshot -Name batch -ErrorVariable failures -ErrorAction SilentlyContinue
            $snapshots | Should -HaveCount 2
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
            $failures[0].TargetObject | Should -Be '../etc/passwd'
            (Get-TestRequests | Where-Object method -EQ POST).Count | Should -Be 2
        }
    }

    Context 'API errors' {
        It 'reports the failing volume among several and goes on with the rest' {
            $volumes = @(Get-EvsVolume -Name db01) + @(Get-EvsVolume -Name broken01) + @(Get-EvsVolume -Name web01)
            $snapshots = $volumes | New-EvsSnapshot -Name mixed -ErrorVariable failures -ErrorAction SilentlyContinue
            @($snapshots.VolumeId | Sort-Object) | Should -Be @((Get-TestVolumeId db01), (Get-TestVolumeId web01) | Sort-Object)
            $failures | Should -HaveCount 1
            $failures[0].TargetObject | Should -Be (Get-TestVolumeId broken01)
            $failures[0].Exception | Should -BeOfType ([EvsSnapshot.EvsApiException])
            $failures[0].Exception.StatusCode | Should -Be 400
            $failures[0].Exception.ErrorCode | Should -Match '^EVS\.'
            $failures[0].Exception.RequestId | Should -Not -BeNullOrEmpty
            $failures[0].Exception.Message | Should -Match $failures[0].Exception.RequestId
        }

        It 'reports an unknown volume as VolumeNotFound' {
            $null = New-EvsSnapshot -VolumeId '00000000-0000-4000-8000-000000000000' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        }

        It 'needs -Force for a disk that is being attached' {
            $attaching = Get-TestVolumeId pending01
            $null = New-EvsSnapshot -VolumeId $attaching -Name without-force -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures | Should -HaveCount 1
            $snapshot = New-EvsSnapshot -VolumeId $attaching -Name with-force -Force
            $snapshot.VolumeId | Should -Be $attaching
            ((Get-TestRequests | Where-Object method -EQ POST)[-1]).status | Should -Be 202
        }
    }

    Context '-WhatIf, -Wait and -ThrottleLimit' {
        It 'sends nothing with -WhatIf' {
            $result = Get-EvsVolume -Status in-use | New-EvsSnapshot -Name whatif -WhatIf
            $result | Should -BeNullOrEmpty
            Get-TestRequests | Where-Object method -EQ POST | Should -BeNullOrEmpty
        }

        It 'returns available snapshots with -Wait' {
            $snapshots = Get-EvsVolume -Status in-use | New-EvsSnapshot -Name waited -Wait -MaxPollInterval 0.5
            $snapshots | Should -Not -BeNullOrEmpty
            $snapshots.Status | Sort-Object -Unique | Should -Be 'available'
            $snapshots.Progress | Sort-Object -Unique | Should -Be 100
        }

        It 'creates every snapshot exactly once with -ThrottleLimit 1 and 16' -TestCases @(@{ Limit = 1 }, @{ Limit = 16 }) {
            $volumes = Get-EvsVolume
            $ok = $volumes | Where-Object Status -In 'available', 'in-use'
            $snapshots = $ok | New-EvsSnapshot -Name "throttle-$Limit" -ThrottleLimit $Limit
            $snapshots | Should -HaveCount $ok.Count
            (Get-TestSnapshots | Where-Object name -EQ "throttle-$Limit").Count | Should -Be $ok.Count
        }
    }
}

Describe 'New-EvsSnapshot names, repeats and interruptions' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'makes one snapshot per disk when snapshots are piped in, with one warning saying how many repeats were dropped' {
        $piped = Get-EvsSnapshot -Name 'db01-*'
        $piped | Should -HaveCount 3
        $created = $piped | New-EvsSnapshot -Name once -WarningVariable warnings 3>$null
        $created | Should -HaveCount 1
        $created.VolumeId | Should -Be (Get-TestVolumeId db01)
        @(Get-TestSnapshots | Where-Object name -EQ 'once') | Should -HaveCount 1
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match '^2 repeated disk\(s\) dropped'
    }

    It '-VolumeName with a wildcard snapshots every matching disk, found with one disk request, and names the disk' {
        $created = New-EvsSnapshot -VolumeName 'web*' -Name by-name
        @($created.VolumeName | Sort-Object) | Should -Be @('web01', 'web02')
        @(Get-TestRequests | Where-Object path -Like '*cloudvolumes/detail') | Should -HaveCount 1
        @(Get-TestSnapshots | Where-Object name -EQ 'by-name') | Should -HaveCount 2
    }

    It 'an exact -VolumeName that matches several disks is an error listing them, and creates nothing' {
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$(Get-TestVolumeId web02)" -Method PATCH -Body @{ name = 'web01' }
        $null = New-EvsSnapshot -VolumeName web01 -Name twice -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNameAmbiguous,*'
        "$($failures[0])" | Should -Match (Get-TestVolumeId web01)
        "$($failures[0])" | Should -Match (Get-TestVolumeId web02)
        @(Get-TestRequests | Where-Object method -EQ 'POST') | Should -BeNullOrEmpty
        $null = New-EvsSnapshot -VolumeName db99 -ErrorVariable missing -ErrorAction SilentlyContinue
        $missing[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNameNotFound,*'
    }

    It 'answers -VolumeId db01 with "Did you mean -VolumeName db01?" and sends nothing' {
        $null = New-EvsSnapshot -VolumeId db01 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        "$($failures[0])" | Should -Match 'did you mean -VolumeName db01\?'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'names the disk in the -WhatIf line' {
        $lines = Get-WhatIfText { Get-EvsVolume -Name db01 | New-EvsSnapshot -Name whatif -WhatIf }
        $lines | Should -Match "What if: Create snapshot 'whatif' of disk 'db01' \(3e17ba96\)\."
    }

    It 'says a rollback is running, and how to wait for it, when the disk is being rolled back' {
        Set-TestEmulatorConfig @{ rollbackSeconds = 30 }
        $base = Get-EvsVolume -Name app01 | New-EvsSnapshot -Name app01-base -Wait -MaxPollInterval 0.3
        Restore-EvsSnapshot -InputObject $base -Force
        $null = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeRollingBack,*'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'rollback is running.*Get-EvsSnapshot -VolumeId \S+ -Status rollbacking \| Wait-EvsSnapshot'
        $null = Remove-EvsSnapshot -InputObject $base -Force -ErrorVariable deleteFailures -ErrorAction SilentlyContinue
        $deleteFailures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotRollingBack,*'
        $deleteFailures[0].ErrorDetails.RecommendedAction | Should -Match "rollback is running: wait for it with Wait-EvsSnapshot -Id $($base.Id)"
    }

    It 'an interrupted -Wait warns with the snapshots still pending (name, id, status, progress); the progress bar names them' {
        Set-TestEmulatorConfig @{ createSeconds = 60 }
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$(Get-EvsModulePath)'; New-EvsSnapshot -VolumeName app01, scratch01 -Name interrupted -Wait -MaxPollInterval 0.3")
            $async = $ps.BeginInvoke()
            $deadline = [datetime]::UtcNow.AddSeconds(20)
            while (@($ps.Streams.Progress | Where-Object StatusDescription -Match "'interrupted'").Count -eq 0 -and [datetime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $ps.Stop()
            $async.IsCompleted | Should -BeTrue
            $progress = @($ps.Streams.Progress | Where-Object StatusDescription -Match "'interrupted'")
            $progress | Should -Not -BeNullOrEmpty -Because 'the progress bar names the snapshots'
            $warning = "$(@($ps.Streams.Warning)[-1])"
            $warning | Should -Match 'stopped while waiting; 2 snapshot\(s\) still pending'
            foreach ($s in Get-TestSnapshots | Where-Object name -EQ 'interrupted') {
                $warning | Should -Match "'interrupted' \($($s.id), creating, \d+%\)"
            }
        }
        finally {
            $ps.Dispose()
        }
    }

    It 'names the snapshots still pending when -Wait times out' {
        Set-TestEmulatorConfig @{ createSeconds = 60 }
        $null = New-EvsSnapshot -VolumeName app01 -Name too-slow -Wait -Timeout 1 -MaxPollInterval 0.3 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $id = (Get-TestSnapshots | Where-Object name -EQ 'too-slow').id
        "$($failures[0])" | Should -Match "'too-slow' \($id, creating"
    }
}

Describe 'New-EvsSnapshot -ClientToken' {
    BeforeAll {
        $script:TokenDisks = @('db01', 'web01', 'web02', 'app01', 'scratch01')
        # The documented storage: evssnapshot_run_token = "v1:" + 32 hex digits of SHA-256("EvsSnapshot run token" NUL token NUL disk id).
        function Get-DocumentedTokenValue([string] $Token, [string] $VolumeId) {
            $bytes = [Text.Encoding]::UTF8.GetBytes("EvsSnapshot run token`0$Token`0$($VolumeId.ToLowerInvariant())")
            'v1:' + [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData($bytes), 0, 16).ToLowerInvariant()
        }
        function Get-SnapshotListRequests { @(Get-TestRequests | Where-Object { $_.method -eq 'GET' -and $_.path -like '*/cloudsnapshots/detail' }) }
    }

    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'returns the snapshots of the first run on a re-run, creating none; the token is stored as the documented hash' {
        $first = @(Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -Name 'nightly-1' -ClientToken 'nightly-20261202')
        $first | Should -HaveCount 5
        Clear-TestRequestLog
        $second = @(Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -Name 'nightly-1' -ClientToken 'nightly-20261202' -Verbose 4>&1)
        $records = @($second | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
        $snapshots = @($second | Where-Object { $_ -is [EvsSnapshot.SnapshotDetails] })
        @($snapshots.Id | Sort-Object) | Should -Be @($first.Id | Sort-Object)
        @(Get-TestRequests | Where-Object method -EQ POST) | Should -HaveCount 0
        @($records | Where-Object { $_.Message -like '*was made earlier with client token ''nightly-20261202''*' }) | Should -HaveCount 5
        foreach ($disk in $TokenDisks) {
            $id = Get-TestVolumeId $disk
            $stored = @(Get-TestSnapshots | Where-Object { $_.volumeId -eq $id -and $_.metadata.evssnapshot_run_token })
            $stored | Should -HaveCount 1
            $stored[0].metadata.evssnapshot_run_token | Should -Be (Get-DocumentedTokenValue 'nightly-20261202' $id)
        }
    }

    It 'costs one list request for a whole batch in a project of at most 1000 snapshots, first run and re-run' {
        $null = Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -ClientToken 'small-project'
        $firstRun = (Get-SnapshotListRequests).Count
        Clear-TestRequestLog
        $null = Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -ClientToken 'small-project'
        $reRun = (Get-SnapshotListRequests).Count
        $firstRun | Should -Be 1
        $reRun | Should -Be 1
        Write-Host "ClientToken list requests, 5 disks, project under 1000 snapshots: first run $firstRun, re-run $reRun"
    }

    It 'costs at most one list request per disk plus one in a larger project, and one on a re-run' {
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 1500; volumeId = (Get-TestVolumeId db02); namePrefix = 'history-' }
        Clear-TestRequestLog
        $null = Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -ClientToken 'large-project'
        $firstRun = (Get-SnapshotListRequests).Count
        Clear-TestRequestLog
        $again = @(Get-EvsVolume -Name $TokenDisks | New-EvsSnapshot -ClientToken 'large-project')
        $reRun = (Get-SnapshotListRequests).Count
        $firstRun | Should -Be (1 + $TokenDisks.Count)
        $reRun | Should -Be 1
        @(Get-TestRequests | Where-Object method -EQ POST) | Should -HaveCount 0
        $again | Should -HaveCount 5
        Write-Host "ClientToken list requests, 5 disks, project of 1504 snapshots: first run $firstRun, re-run $reRun"
    }

    It 'makes a new snapshot for a disk whose token snapshot is <Status>, and reuses one that is <Reused>' -TestCases @(
        @{ Status = 'error'; Reused = 'creating' }, @{ Status = 'deleting'; Reused = 'available' }) {
        param($Status, $Reused)
        $first = @(Get-EvsVolume -Name web01, web02 | New-EvsSnapshot -ClientToken 'status-test')
        $web01 = $first | Where-Object VolumeId -EQ (Get-TestVolumeId web01)
        $web02 = $first | Where-Object VolumeId -EQ (Get-TestVolumeId web02)
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($web01.Id)" -Method PATCH -Body @{ status = $Status }
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($web02.Id)" -Method PATCH -Body @{ status = $Reused }
        Clear-TestRequestLog
        $second = @(Get-EvsVolume -Name web01, web02 | New-EvsSnapshot -ClientToken 'status-test')
        ($second | Where-Object VolumeId -EQ $web01.VolumeId).Id | Should -Not -Be $web01.Id
        ($second | Where-Object VolumeId -EQ $web02.VolumeId).Id | Should -Be $web02.Id
        @(Get-TestRequests | Where-Object method -EQ POST) | Should -HaveCount 1
    }

    It 'makes a new snapshot when someone removed the token from the metadata, and another token makes its own' {
        $first = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'edited'
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$($first.Id)" -Method PATCH -Body @{ metadata = @{ note = 'edited by hand' } }
        (New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'edited').Id | Should -Not -Be $first.Id
        $other = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'another-token'
        $other.Id | Should -Not -Be $first.Id
        (New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'another-token').Id | Should -Be $other.Id
    }

    It 'waits for a reused snapshot that is still being created with -Wait' {
        $first = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'wait-test'
        $again = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -ClientToken 'wait-test' -Wait -MaxPollInterval 0.3
        $again.Id | Should -Be $first.Id
        $again.Status | Should -Be 'available'
    }
}
