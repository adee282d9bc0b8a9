BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject
    $script:AllVolumes = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path volumes).volumes)
}

AfterAll { Stop-TestEmulator }

Describe 'Get-EvsVolume' {
    BeforeEach { Clear-TestRequestLog }

    It 'lists every volume with typed properties' {
        $volumes = Get-EvsVolume
        $volumes | Should -HaveCount $AllVolumes.Count
        $db01 = $volumes | Where-Object Name -EQ 'db01'
        $db01 | Should -BeOfType ([EvsSnapshot.VolumeDetails])
        $db01.Id | Should -Be (Get-TestVolumeId db01)
        $db01.VolumeId | Should -Be $db01.Id
        $db01.Status | Should -Be 'in-use'
        $db01.Bootable | Should -BeOfType [bool]
        $db01.Size | Should -BeGreaterThan 0
        $db01.VolumeType | Should -Not -BeNullOrEmpty
        $db01.AvailabilityZone | Should -BeLike 'cn-north-4*'
        $db01.Attachments | Should -Not -BeNullOrEmpty
        $db01.Attachments[0].ServerId | Should -Not -BeNullOrEmpty
        $db01.Attachments[0].Device | Should -Match '^/dev/'
        $db01.CreatedAt.Kind | Should -Be 'Local'
        $db01.CreatedAtUtc.Kind | Should -Be 'Utc'
        $db01.Metadata | Should -Not -BeNull
        ($volumes | Where-Object Name -EQ 'shared01').Multiattach | Should -BeTrue
        ($volumes | Where-Object Bootable).Count | Should -BeGreaterThan 0
    }

    It 'sends an exact -Name to the server' {
        $volumes = Get-EvsVolume -Name web01
        $volumes.Name | Should -Be 'web01'
        (Get-TestRequests)[-1].query | Should -Match '(^|&)name=web01(&|$)'
    }

    It 'filters -Name with wildcards on the client' {
        $volumes = Get-EvsVolume -Name 'web*'
        @($volumes.Name | Sort-Object) | Should -Be @('web01', 'web02')
        (Get-TestRequests)[-1].query | Should -Not -Match '(^|&)name='
    }

    It 'filters by -Status and -AvailabilityZone on the server' {
        $inUse = Get-EvsVolume -Status in-use
        $inUse | Should -Not -BeNullOrEmpty
        $inUse.Status | Sort-Object -Unique | Should -Be 'in-use'
        (Get-TestRequests)[-1].query | Should -Match 'status=in-use'
        $zoneB = Get-EvsVolume -AvailabilityZone cn-north-4b
        $zoneB.AvailabilityZone | Sort-Object -Unique | Should -Be 'cn-north-4b'
        (Get-TestRequests)[-1].query | Should -Match 'availability_zone=cn-north-4b'
    }

    It 'follows every page with -PageSize and returns each volume once' {
        $volumes = Get-EvsVolume -PageSize 2
        $volumes | Should -HaveCount $AllVolumes.Count
        ($volumes.Id | Sort-Object -Unique) | Should -HaveCount $AllVolumes.Count
        (Get-TestRequests | Where-Object path -Like '*/cloudvolumes/detail').Count | Should -Be ([math]::Ceiling($AllVolumes.Count / 2))
    }

    It 'refuses -PageSize outside 1..1000 before sending anything' -TestCases @(@{ Size = 0 }, @{ Size = 1001 }) {
        { Get-EvsVolume -PageSize $Size } | Should -Throw -ErrorId 'InvalidPageSize,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'supports -First and -Skip on the server side' {
        $all = Get-EvsVolume
        $page = Get-EvsVolume -Skip 2 -First 3
        $page | Should -HaveCount 3
        $page.Id | Should -Be $all[2..4].Id
        (Get-TestRequests)[-1].query | Should -Match 'limit=3' 
        (Get-TestRequests)[-1].query | Should -Match 'offset=2'
    }

    It 'shows volumes by -Id and reports an unknown one without stopping' {
        $known = Get-TestVolumeId db01
        $unknown = '00000000-0000-4000-8000-000000000000'
        $volumes = Get-EvsVolume -Id $known, $unknown, (Get-TestVolumeId web01) -ErrorVariable failures -ErrorAction SilentlyContinue
        $volumes.Name | Should -Be @('db01', 'web01')
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'VolumeNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $failures[0].TargetObject | Should -Be $unknown
        $failures[0].Exception.ErrorCode | Should -Be 'EVS.5404'
        $failures[0].Exception.RequestId | Should -Match '^[0-9a-f]{32}$'
    }

    It 'refuses a malformed -Id before sending it' {
        $volumes = Get-EvsVolume -Id 'not-a-uuid', (Get-TestVolumeId db01) -ErrorVariable failures -ErrorAction SilentlyContinue
        $volumes.Name | Should -Be 'db01'
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        (Get-TestRequests).Count | Should -Be 1
    }

    It 'shows the source disks of piped snapshots (Get-EvsSnapshot | Get-EvsVolume)' {
        $snapshots = Get-EvsSnapshot -Name 'db01-*'
        $volumes = $snapshots | Get-EvsVolume
        $volumes | Should -HaveCount $snapshots.Count
        $volumes.Name | Sort-Object -Unique | Should -Be 'db01'
    }

    It 'refreshes volumes piped back into it' {
        $fresh = Get-EvsVolume -Name 'db0*' | Get-EvsVolume
        @($fresh.Name | Sort-Object) | Should -Be @('db01', 'db02')
    }
}

Describe 'Get-EvsVolume filters that never return nothing in silence' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'takes -Status in any letter case and sends it as the API spells it (In-Use finds the in-use disks)' {
        $inUse = @($AllVolumes | Where-Object status -EQ 'in-use')
        $found = Get-EvsVolume -Status In-Use
        $found | Should -HaveCount $inUse.Count
        (Get-TestRequests)[-1].query | Should -Match 'status=in-use(&|$)'
    }

    It 'refuses <Value> with the list of valid statuses, before sending anything' -TestCases @(@{ Value = 'inuse' }, @{ Value = 'availble' }) {
        { Get-EvsVolume -Status $Value } | Should -Throw -ErrorId 'InvalidStatus,*'
        try { Get-EvsVolume -Status $Value } catch { "$_" | Should -Match 'in-use, error, attaching' }
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'takes several -Name and -Status values (Get-EvsVolume -Name db01, db02), each disk once' {
        $found = Get-EvsVolume -Name 'db01', 'db02', 'db01'
        @($found.Name | Sort-Object) | Should -Be @('db01', 'db02')
        @(Get-TestRequests | Where-Object path -Like '*cloudvolumes/detail').query | Should -Match 'name=db0[12]'
        $byStatus = Get-EvsVolume -Status available, error
        @($byStatus.Name | Sort-Object) | Should -Be @($AllVolumes | Where-Object status -In 'available', 'error' | ForEach-Object name | Sort-Object)
        @(Get-EvsVolume -Name 'db*', 'web01' -Status in-use).Name | Sort-Object | Should -Be @('db01', 'db02', 'web01')
    }

    It 'writes AvailabilityZoneNotFound naming the project''s zones for a zone no disk is in' {
        $found = Get-EvsVolume -AvailabilityZone cn-north-4x -ErrorVariable failures -ErrorAction SilentlyContinue
        $found | Should -BeNullOrEmpty
        $failures | Should -HaveCount 1
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AvailabilityZoneNotFound,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        "$($failures[0])" | Should -Match 'cn-north-4a, cn-north-4b'
    }

    It 'stays silent (one request, no extra listing) when the zone exists and has matches' {
        $null = Get-EvsVolume -AvailabilityZone cn-north-4a -WarningVariable warnings -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
        $warnings | Should -BeNullOrEmpty
        @(Get-TestRequests) | Should -HaveCount 1
    }

    It 'warns when an exact -Name matches nothing, but not when a wildcard matches nothing' {
        $null = Get-EvsVolume -Name 'db99' -WarningVariable warnings 3>$null
        $warnings | Should -HaveCount 1
        "$($warnings[0])" | Should -Match "No disk named 'db99'"
        $null = Get-EvsVolume -Name 'zz*' -WarningVariable quiet 3>$null
        $quiet | Should -BeNullOrEmpty
    }

    It 'filters -Metadata on the server through the documented metadata JSON filter' {
        $found = Get-EvsVolume -Metadata @{ 'hw:passthrough' = 'true' }
        $found.Name | Should -Be 'shared01'
        $query = [uri]::UnescapeDataString((Get-TestRequests)[-1].query)
        $query | Should -Match 'metadata=\{"hw:passthrough":"true"\}'
    }

    It 'selects by creation time with -OlderThan and -NewerThan (TimeSpan or DateTime)' {
        $cut = [datetime]::UtcNow.AddDays(-60)
        $older = @($AllVolumes | ForEach-Object { Get-EvsVolume -Id $_.id } | Where-Object CreatedAtUtc -LT $cut)
        @((Get-EvsVolume -OlderThan (New-TimeSpan -Days 60)).Id | Sort-Object) | Should -Be @($older.Id | Sort-Object)
        @((Get-EvsVolume -NewerThan (Get-Date).AddDays(-60)).Id | Sort-Object) | Should -Be @($AllVolumes.id | Where-Object { $_ -notin $older.Id } | Sort-Object)
        { Get-EvsVolume -OlderThan (New-TimeSpan -Days 10) -NewerThan (New-TimeSpan -Days 5) } | Should -Throw -ErrorId 'ConflictingParameters,*'
    }

    It 'answers a name passed to -Id with "Did you mean -Name db01?"' {
        $null = Get-EvsVolume -Id db01 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        "$($failures[0])" | Should -Match 'Did you mean -Name db01\?'
        Get-TestRequests | Should -BeNullOrEmpty
    }
}

Describe 'Get-EvsVolume by server, by many ids, and the fields operators look for (evs-api.md §12)' {
    BeforeAll {
        $script:Features = $Info.projects | Where-Object name -EQ 'cn-north-4_features'
        $script:Servers = @($Info.servers)
    }
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject
        Clear-TestRequestLog
    }

    It 'lists the disks of -ServerId with the API''s server_id filter, one request per server' {
        $db = Get-EvsVolume -Name db01
        $web = Get-EvsVolume -Name web01
        Clear-TestRequestLog
        $volumes = Get-EvsVolume -ServerId $db.AttachedServerId, $web.AttachedServerId
        $expected = @(Get-EvsVolume | Where-Object { $_.Attachments.ServerId -contains $db.AttachedServerId -or $_.Attachments.ServerId -contains $web.AttachedServerId })
        @($volumes.Name | Sort-Object) | Should -Be @($expected.Name | Sort-Object)
        $lists = @(Get-TestRequests | Where-Object { $_.path -like '*/cloudvolumes/detail' -and $_.query -like '*server_id=*' })
        $lists | Should -HaveCount 2
    }

    It 'snapshots a server''s disks in one line: Get-EvsVolume -ServerId | New-EvsSnapshot' {
        $server = (Get-EvsVolume -Name web01).AttachedServerId
        $snapshots = Get-EvsVolume -ServerId $server | New-EvsSnapshot -Name 'prepatch-20261202'
        @($snapshots.VolumeId | Sort-Object) | Should -Be @((Get-EvsVolume -ServerId $server).Id | Sort-Object)
    }

    It 'refuses a -ServerId that is not a UUID before any request' {
        { Get-EvsVolume -ServerId ecs-db01 } | Should -Throw -ErrorId 'InvalidServerId,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'filters -MultiAttach on the server' {
        (Get-EvsVolume -MultiAttach).Name | Should -Be 'shared01'
        (Get-EvsVolume -MultiAttach:$false).Name | Should -Not -Contain 'shared01'
        @(Get-TestRequests | Where-Object query -Like '*multiattach=true*') | Should -HaveCount 1
        @(Get-TestRequests | Where-Object query -Like '*multiattach=false*') | Should -HaveCount 1
    }

    It 'shows 130 disks by -Id with 3 requests (the ids filter, at most 60 each), in the order given' {
        $made = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path volumes -Method POST -Body @{ count = 130; namePrefix = 'many-' }
        $ids = @($made.ids)
        Clear-TestRequestLog
        $volumes = Get-EvsVolume -Id $ids
        @($volumes.Id) | Should -Be $ids
        $requests = @(Get-TestRequests)
        $requests | Should -HaveCount 3
        @($requests | Where-Object { $_.path -like '*/cloudvolumes/detail' -and $_.query -like '*ids=*' }) | Should -HaveCount 3
        Write-Host "  -Id with $($ids.Count) ids: $($requests.Count) requests"
    }

    It 'sends piped ids in batches too' {
        $made = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path volumes -Method POST -Body @{ count = 61; namePrefix = 'piped-' }
        Clear-TestRequestLog
        $volumes = $made.ids | Get-EvsVolume
        $volumes | Should -HaveCount 61
        Get-TestRequests | Should -HaveCount 2
    }

    Context 'the features project: one disk of each kind' {
        BeforeAll {
            $params = Get-EvsEmulatorConnection $Emulator
            $params.ProjectId = $Features.id
            $script:Kinds = @{}
            $context = Connect-EvsProject @params -PassThru
            foreach ($v in Get-EvsVolume -Context $context) { $script:Kinds[$v.Name] = $v }
            $script:FeatureSnapshots = @(Get-EvsSnapshot -Context $context)
        }

        It 'a system disk: image name and OS type from volume_image_metadata, bootable, attached as /dev/vda' {
            $sys = $Kinds.sys01
            $sys.ImageName | Should -Be 'CentOS 7.9 64bit'
            $sys.OsType | Should -Be 'Linux'
            $sys.ImageMetadata.image_id | Should -Be 'a7c1f0d2-3b4e-4f56-8a9b-0c1d2e3f4a5b'
            $sys.Bootable | Should -BeTrue
            $sys.Device | Should -Be '/dev/vda'
            $sys.AttachedServerId | Should -Be ($Features.servers | Where-Object name -EQ 'ecs-feat01').id
            $sys.Encrypted | Should -BeFalse
        }

        It 'an encrypted disk: Encrypted and KmsKeyId from metadata, its enterprise project' {
            $enc = $Kinds.enc01
            $enc.Encrypted | Should -BeTrue
            $enc.KmsKeyId | Should -Be '0b6e3e5c-7b2f-4c1e-9a7d-2f0e4b8c6a11'
            $enc.EnterpriseProjectId | Should -Be '5c1f2a3b-4d5e-4f60-8a71-92b3c4d5e6f7'
            $enc.IsScsi | Should -BeFalse
        }

        It 'a SCSI disk: IsScsi and a serial number; VBD disks have none' {
            $Kinds.scsi01.IsScsi | Should -BeTrue
            $Kinds.scsi01.SerialNumber | Should -Match '^\S{20}$'
            $Kinds.enc01.SerialNumber | Should -BeNullOrEmpty
        }

        It 'GPSSD2 and ESSD2 disks: provisioned IOPS (and throughput for GPSSD2)' {
            $Kinds.gp2data01.Iops | Should -Be 5000
            $Kinds.gp2data01.Throughput | Should -Be 250
            $Kinds.essd2data01.Iops | Should -Be 10000
            $Kinds.essd2data01.Throughput | Should -BeNullOrEmpty
            $Kinds.enc01.Iops | Should -BeNullOrEmpty
        }

        It 'a restored disk: SnapshotId names its source snapshot, encrypted like its source' {
            $restored = $Kinds.restored01
            $restored.SnapshotId | Should -Be ($FeatureSnapshots | Where-Object Name -EQ 'enc01-daily').Id
            $restored.Encrypted | Should -BeTrue
        }

        It 'every disk: a WWN, and attachment ids that are the attachment''s own, never the disk id' {
            foreach ($v in $Kinds.Values) { $v.Wwn | Should -Not -BeNullOrEmpty -Because $v.Name }
            foreach ($a in $Kinds.scsi01.Attachments + $Kinds.sys01.Attachments) {
                $a.AttachmentId | Should -Match '^[0-9a-f-]{36}$'
                $a.AttachmentId | Should -Not -Be $Kinds.scsi01.Id
                $a.AttachmentId | Should -Not -Be $Kinds.sys01.Id
            }
        }

        It 'filters -Metadata on the server: the SCSI disks' {
            $params = Get-EvsEmulatorConnection $Emulator
            $params.ProjectId = $Features.id
            $context = Connect-EvsProject @params -PassThru
            (Get-EvsVolume -Context $context -Metadata @{ 'hw:passthrough' = 'true' }).Name | Should -Be 'scsi01'
        }
    }
}
