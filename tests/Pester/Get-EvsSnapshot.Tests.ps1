BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject
}

AfterAll { Stop-TestEmulator }

Describe 'Get-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    Context 'listing' {
        It 'lists every snapshot with list-only fields' {
            $expected = Get-TestSnapshots
            $snapshots = Get-EvsSnapshot
            $snapshots | Should -HaveCount $expected.Count
            @($snapshots.Id | Sort-Object) | Should -Be @($expected.id | Sort-Object)
            $snapshots | Should -BeOfType ([EvsSnapshot.SnapshotDetails])
            $snapshots[0].ServiceType | Should -Be 'EVS'
            $snapshots[0].CreatedAt.Kind | Should -Be 'Local'
            $snapshots[0].CreatedAtUtc.Kind | Should -Be 'Utc'
            $snapshots[0].CreatedAtUtc | Should -Be $snapshots[0].CreatedAt.ToUniversalTime()
            ($snapshots | Where-Object IsBackupSnapshot).Name | Should -BeLike 'autobk_snapshot_*'
        }

        It 'lists the snapshots of piped volumes (Get-EvsVolume -Name db01 | Get-EvsSnapshot)' {
            $db01 = Get-TestVolumeId db01
            $snapshots = Get-EvsVolume -Name db01 | Get-EvsSnapshot
            $snapshots | Should -HaveCount (Get-TestSnapshots | Where-Object volumeId -EQ $db01).Count
            $snapshots.VolumeId | Sort-Object -Unique | Should -Be $db01
            (Get-TestRequests | Where-Object path -Like '*/cloudsnapshots/detail')[-1].query | Should -Match "volume_id=$db01"
        }

        It 'filters by -Status and -AvailabilityZone on the server' {
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 3; status = 'error'; namePrefix = 'failed-' }
            $failed = Get-EvsSnapshot -Status error
            $failed | Should -HaveCount 3
            (Get-TestRequests)[-1].query | Should -Match 'status=error'
            $zoneB = Get-EvsSnapshot -AvailabilityZone cn-north-4b
            $zoneBVolumes = (Get-EvsVolume -AvailabilityZone cn-north-4b).Id
            $zoneB | Should -Not -BeNullOrEmpty
            $zoneB.VolumeId | ForEach-Object { $_ | Should -BeIn $zoneBVolumes }
            (Get-TestRequests | Where-Object path -Like '*/cloudsnapshots/detail')[-1].query | Should -Match 'availability_zone=cn-north-4b'
        }

        It 'sends an exact -Name to the server and filters wildcards locally' {
            (Get-EvsSnapshot -Name db01-weekly).Name | Should -Be 'db01-weekly'
            (Get-TestRequests)[-1].query | Should -Match 'name=db01-weekly'
            $matched = Get-EvsSnapshot -Name 'db01-*'
            @($matched.Name | Sort-Object) | Should -Be @('db01-hourly', 'db01-monthly', 'db01-weekly')
            (Get-TestRequests)[-1].query | Should -Not -Match '(^|&)name='
        }

        It 'pages through 2,500 snapshots with a server page cap below the requested page, each exactly once' {
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 2500; namePrefix = 'paged-' }
            Set-TestEmulatorConfig @{ pageCap = 100 }
            $expected = Get-TestSnapshots
            Clear-TestRequestLog
            $snapshots = Get-EvsSnapshot -PageSize 1000
            $snapshots | Should -HaveCount $expected.Count
            ($snapshots.Id | Sort-Object -Unique) | Should -HaveCount $expected.Count
            $lists = Get-TestRequests | Where-Object path -Like '*/cloudsnapshots/detail'
            $lists | Should -HaveCount ([math]::Ceiling($expected.Count / 100))
            $lists[0].query | Should -Match 'limit=1000'
        }

        It 'stops fetching when the pipeline stops: Select-Object -First 3 costs one request' {
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 300 }
            Clear-TestRequestLog
            $first = Get-EvsSnapshot -PageSize 100 | Select-Object -First 3
            $first | Should -HaveCount 3
            (Get-TestRequests | Where-Object path -Like '*/cloudsnapshots/detail') | Should -HaveCount 1
        }

        It 'supports -First, -Skip and -IncludeTotalCount on the server side' {
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 20 }
            $all = Get-EvsSnapshot
            Clear-TestRequestLog
            $page = Get-EvsSnapshot -Skip 5 -First 4
            $page.Id | Should -Be $all[5..8].Id
            (Get-TestRequests)[-1].query | Should -Match 'offset=5'
            (Get-TestRequests)[-1].query | Should -Match 'limit=4'
            $withTotal = Get-EvsSnapshot -First 1 -IncludeTotalCount
            $withTotal[0] | Should -BeOfType [psobject]
            "$($withTotal[0])" | Should -Match "$($all.Count)"
        }

        It 'refuses -PageSize outside 1..1000 and a malformed -VolumeId' {
            { Get-EvsSnapshot -PageSize 0 } | Should -Throw -ErrorId 'InvalidPageSize,*'
            $null = Get-EvsSnapshot -VolumeId 'db01' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
            Get-TestRequests | Should -BeNullOrEmpty
        }
    }

    Context 'by id' {
        It 'shows snapshots by -Id (also from the pipeline as SnapshotId) and reports unknown ids without stopping' {
            $known = (Get-TestSnapshots | Select-Object -First 2).id
            $unknown = '11111111-2222-4333-8444-555555555555'
            $shown = Get-EvsSnapshot -Id $known[0], $unknown, $known[1] -ErrorVariable failures -ErrorAction SilentlyContinue
            $shown.Id | Should -Be $known
            $failures | Should -HaveCount 1
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
            $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $failures[0].TargetObject | Should -Be $unknown
            $failures[0].Exception.Message | Should -Match $unknown
            ([pscustomobject]@{ SnapshotId = $known[0] } | Get-EvsSnapshot).Id | Should -Be $known[0]
        }

        It 'refreshes snapshot objects piped back into it' {
            Set-TestEmulatorConfig @{ createSeconds = 1 }
            $created = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name refresh
            $created.Status | Should -Be 'creating'
            Start-Sleep -Milliseconds 1500
            ($created | Get-EvsSnapshot).Status | Should -Be 'available'
        }

        It 'refuses a malformed id before sending it' {
            $null = Get-EvsSnapshot -Id '../../cloudvolumes' -ErrorVariable failures -ErrorAction SilentlyContinue
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshotId,*'
            Get-TestRequests | Should -BeNullOrEmpty
        }
    }
}

Describe 'Get-EvsSnapshot filters and names' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'takes -Status in any letter case, normalised before sending, and refuses an unknown one with the list' {
        @(Get-EvsSnapshot -Status Available).Count | Should -Be @(Get-TestSnapshots | Where-Object status -EQ 'available').Count
        (Get-TestRequests)[-1].query | Should -Match 'status=available(&|$)'
        Clear-TestRequestLog
        { Get-EvsSnapshot -Status availble } | Should -Throw -ErrorId 'InvalidStatus,*'
        try { Get-EvsSnapshot -Status availble } catch { "$_" | Should -Match 'creating, available, error, deleting' }
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'takes several -Name, -Status and -VolumeId values, each snapshot once' {
        $names = Get-EvsSnapshot -Name db01-hourly, db01-weekly
        @($names.Name | Sort-Object) | Should -Be @('db01-hourly', 'db01-weekly')
        $both = Get-EvsSnapshot -VolumeId (Get-TestVolumeId db01), (Get-TestVolumeId web01), (Get-TestVolumeId db01)
        $both | Should -HaveCount @(Get-TestSnapshots).Count
        ($both.Id | Sort-Object -Unique) | Should -HaveCount $both.Count
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ count = 2; status = 'error'; namePrefix = 'failed-' }
        @(Get-EvsSnapshot -Status error, available).Count | Should -Be @(Get-TestSnapshots).Count
    }

    It '-VolumeName finds the disks with one disk request and fills VolumeName' {
        $found = Get-EvsSnapshot -VolumeName 'db0*'
        $found | Should -HaveCount @(Get-TestSnapshots | Where-Object volumeId -EQ (Get-TestVolumeId db01)).Count
        $found.VolumeName | Sort-Object -Unique | Should -Be 'db01'
        @(Get-TestRequests | Where-Object path -Like '*cloudvolumes/detail') | Should -HaveCount 1
        ($found | Format-Table | Out-String -Width 120) | Should -Match 'db01-weekly\s+available\s+40\s+\S+ \S+\s+db01\s'
    }

    It 'answers a disk name passed to -VolumeId with "Did you mean -VolumeName db01?"' {
        $null = Get-EvsSnapshot -VolumeId db01 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        "$($failures[0])" | Should -Match 'Did you mean -VolumeName db01\?'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match '-VolumeName db01'
    }

    It 'filters -Metadata on this machine (all pairs must match)' {
        $weekly = (Get-TestSnapshots | Where-Object name -EQ 'db01-weekly').id
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$weekly" -Method PATCH -Body @{ metadata = @{ findme = 'yes'; tier = 'gold' } }
        (Get-EvsSnapshot -Metadata @{ findme = 'yes' }).Id | Should -Be $weekly
        Get-EvsSnapshot -Metadata @{ findme = 'yes'; tier = 'silver' } | Should -BeNullOrEmpty
        (Get-TestRequests)[-1].query | Should -Not -Match 'metadata'
    }

    It '-OlderThan and -NewerThan take an age or an instant' {
        $weekAgo = [datetime]::UtcNow.AddDays(-7)
        $expected = @(Get-EvsSnapshot | Where-Object CreatedAtUtc -LT $weekAgo | ForEach-Object Id | Sort-Object)
        @((Get-EvsSnapshot -OlderThan (New-TimeSpan -Days 7)).Id | Sort-Object) | Should -Be $expected
        @((Get-EvsSnapshot -OlderThan '7.00:00:00').Id | Sort-Object) | Should -Be $expected
        @((Get-EvsSnapshot -OlderThan ([datetime]::Now.AddDays(-7))).Id | Sort-Object) | Should -Be $expected
        @((Get-EvsSnapshot -NewerThan (New-TimeSpan -Days 7)).Id | Sort-Object) | Should -Be @(Get-EvsSnapshot | Where-Object Id -NotIn $expected | ForEach-Object Id | Sort-Object)
        { Get-EvsSnapshot -OlderThan 7 } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,*'
    }

    It 'warns when an exact -Name matches nothing, not for a wildcard, and errors for an unknown zone' {
        $null = Get-EvsSnapshot -Name db01-weeky -WarningVariable warnings 3>$null
        "$warnings" | Should -Match "No snapshot named 'db01-weeky'"
        $null = Get-EvsSnapshot -Name 'nothing-*' -WarningVariable quiet 3>$null
        $quiet | Should -BeNullOrEmpty
        $null = Get-EvsSnapshot -AvailabilityZone cn-north-4c -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AvailabilityZoneNotFound,*'
        "$($failures[0])" | Should -Match 'cn-north-4a, cn-north-4b'
    }
}
