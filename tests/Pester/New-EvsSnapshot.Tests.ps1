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
