# New-EvsVolume end to end, mostly in the emulator's features project (one disk of each kind, evs-api.md §11, §12).
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator -Arguments @('--create-seconds', '0.5', '--volume-create-seconds', '0.5')
    $script:Features = $Info.projects | Where-Object name -EQ 'cn-north-4_features'

    function Connect-Features {
        $params = Get-EvsEmulatorConnection $script:Emulator
        $params.ProjectId = $script:Features.id
        Connect-EvsProject @params
    }
    function Get-FeatureSnapshot([string] $Name) { Get-EvsSnapshot -Name $Name }
    function Get-CreateRequests { @(Get-TestRequests | Where-Object { $_.method -eq 'POST' -and $_.path -like '/v2.1/*/cloudvolumes' }) }
    function Get-ApiRequests { @(Get-TestRequests) }
    function Get-VolumesCreated { [int](Invoke-EvsEmulatorAdmin -Emulator $script:Emulator -Path stats).volumesCreated }
    Connect-Features
}

AfterAll { Stop-TestEmulator }

Describe 'New-EvsVolume' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'stats' -Method DELETE
    }

    Context 'restoring a piped snapshot with the defaults of its source' {
        It 'creates one pay-per-use disk in the zone, of the type and at the size of the source, and returns it' {
            $snapshot = Get-FeatureSnapshot enc01-daily
            $source = Get-EvsVolume -Id $snapshot.VolumeId
            Clear-TestRequestLog
            $disk = $snapshot | New-EvsVolume -Name restored-enc01
            $disk | Should -BeOfType ([EvsSnapshot.VolumeDetails])
            $disk.Name | Should -Be restored-enc01
            $disk.Status | Should -Be creating
            $disk.SnapshotId | Should -Be $snapshot.Id
            $disk.AvailabilityZone | Should -Be $source.AvailabilityZone
            $disk.VolumeType | Should -Be $source.VolumeType
            $disk.Size | Should -Be $snapshot.Size
            $post = Get-CreateRequests
            $post | Should -HaveCount 1
            $post[0].clientToken | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
            Get-VolumesCreated | Should -Be 1
        }

        It 'with -Wait returns the disk once available, encrypted with the source''s KMS key (inherited, not sent)' {
            $disk = Get-FeatureSnapshot enc01-daily | New-EvsVolume -Name restored-wait -Wait -MaxPollInterval 0.3
            $disk.Status | Should -Be available
            $disk.Encrypted | Should -BeTrue
            $disk.KmsKeyId | Should -Be (Get-EvsVolume -Name enc01).KmsKeyId
        }

        It 'takes the snapshot by -SnapshotId and by a piped id string' {
            $snapshot = Get-FeatureSnapshot sys01-base
            (New-EvsVolume -SnapshotId $snapshot.Id).SnapshotId | Should -Be $snapshot.Id
            ($snapshot.Id | New-EvsVolume).SnapshotId | Should -Be $snapshot.Id
            Get-VolumesCreated | Should -Be 2
        }

        It 'takes IOPS and throughput of a GPSSD2 source, and IOPS of an ESSD2 source' {
            $gp2 = Get-FeatureSnapshot gp2data01-daily | New-EvsVolume -Wait -MaxPollInterval 0.3
            $gp2.Iops | Should -Be (Get-EvsVolume -Name gp2data01).Iops
            $gp2.Throughput | Should -Be (Get-EvsVolume -Name gp2data01).Throughput
            $essd2 = Get-FeatureSnapshot essd2data01-daily | New-EvsVolume -Wait -MaxPollInterval 0.3
            $essd2.Iops | Should -Be (Get-EvsVolume -Name essd2data01).Iops
            $essd2.Throughput | Should -BeNullOrEmpty
        }

        It 'restores a backup''s backing-up snapshot (EVS allows it, §11.4)' {
            $backup = Get-EvsSnapshot | Where-Object { $_.IsBackupSnapshot -and $_.Status -eq 'backing-up' }
            $disk = $backup | New-EvsVolume -Name from-backup -Wait -MaxPollInterval 0.3
            $disk.Status | Should -Be available
        }
    }

    Context 'parameters at their boundaries' {
        It 'accepts -Size equal to the snapshot''s and refuses one below it before the create is sent' {
            $snapshot = Get-FeatureSnapshot sys01-base
            (New-EvsVolume -SnapshotId $snapshot.Id -Size $snapshot.Size).Size | Should -Be $snapshot.Size
            Clear-TestRequestLog
            New-EvsVolume -SnapshotId $snapshot.Id -Size ($snapshot.Size - 1) -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SizeBelowSnapshot,*'
            $err[0].CategoryInfo.Category | Should -Be InvalidArgument
            $err[0].Exception.Message | Should -Match "below the snapshot's size \($($snapshot.Size) GiB\)"
            Get-CreateRequests | Should -HaveCount 0
        }

        It 'accepts -Size 32768 and refuses 32769 and 0 before any request' {
            $snapshot = Get-FeatureSnapshot sys01-base
            (New-EvsVolume -SnapshotId $snapshot.Id -Size 32768).Size | Should -Be 32768
            Clear-TestRequestLog
            foreach ($size in 32769, 0) {
                { New-EvsVolume -SnapshotId $snapshot.Id -Size $size } | Should -Throw -ErrorId 'InvalidVolumeSize,*'
            }
            Get-ApiRequests | Should -HaveCount 0
        }

        It 'accepts a 64-character name and an 85-character description, refuses 65 and 86 before any request' {
            $snapshot = Get-FeatureSnapshot sys01-base
            $disk = New-EvsVolume -SnapshotId $snapshot.Id -Name ('n' * 64) -Description ('d' * 85)
            $disk.Name | Should -Be ('n' * 64)
            $disk.Description | Should -Be ('d' * 85)
            Clear-TestRequestLog
            { New-EvsVolume -SnapshotId $snapshot.Id -Name ('n' * 65) } | Should -Throw -ErrorId 'VolumeNameTooLong,*'
            { New-EvsVolume -SnapshotId $snapshot.Id -Description ('d' * 86) } | Should -Throw -ErrorId 'DescriptionTooLong,*'
            Get-ApiRequests | Should -HaveCount 0
        }

        It 'sends -Metadata onto the disk' {
            $disk = Get-FeatureSnapshot sys01-base | New-EvsVolume -Metadata @{ owner = 'ops' } -Wait -MaxPollInterval 0.3
            $disk.Metadata.owner | Should -Be ops
            $disk.Metadata.Keys | Should -Not -Contain 'create_for_volume_id' # a request flag, not stored
        }

        It 'refuses encryption and SCSI metadata keys (inherited from the source) before any request' {
            $snapshot = Get-FeatureSnapshot sys01-base
            Clear-TestRequestLog
            foreach ($key in '__system__encrypted', '__system__cmkid', 'hw:passthrough') {
                { New-EvsVolume -SnapshotId $snapshot.Id -Metadata @{ $key = '1' } } | Should -Throw -ErrorId 'InheritedMetadataKey,*'
            }
            { New-EvsVolume -SnapshotId $snapshot.Id -Metadata @{ $key = '1' } } | Should -Throw '*inherited from the snapshot''s source disk*'
            Get-ApiRequests | Should -HaveCount 0
        }

        It 'accepts the source''s zone and type given explicitly, and explains why another is refused (before the create)' {
            $snapshot = Get-FeatureSnapshot scsi01-daily
            $source = Get-EvsVolume -Name scsi01
            (New-EvsVolume -SnapshotId $snapshot.Id -AvailabilityZone $source.AvailabilityZone -VolumeType $source.VolumeType).VolumeType | Should -Be SAS
            Clear-TestRequestLog
            New-EvsVolume -SnapshotId $snapshot.Id -AvailabilityZone cn-north-4b -ErrorVariable zoneErr -ErrorAction SilentlyContinue
            $zoneErr[0].FullyQualifiedErrorId | Should -BeLike 'AvailabilityZoneMismatch,*'
            $zoneErr[0].Exception.Message | Should -Match 'a snapshot lives in the zone of its disk'
            New-EvsVolume -SnapshotId $snapshot.Id -VolumeType SSD -ErrorVariable typeErr -ErrorAction SilentlyContinue
            $typeErr[0].FullyQualifiedErrorId | Should -BeLike 'VolumeTypeMismatch,*'
            $typeErr[0].Exception.Message | Should -Match "keeps its source's type"
            Get-CreateRequests | Should -HaveCount 0
            Get-VolumesCreated | Should -Be 1
        }

        It 'refuses an unknown type before any request, naming the uppercase spelling' {
            { New-EvsVolume -SnapshotId (Get-FeatureSnapshot scsi01-daily).Id -VolumeType sas } | Should -Throw -ErrorId 'InvalidVolumeType,*'
            { New-EvsVolume -SnapshotId ([guid]::NewGuid()) -VolumeType sas } | Should -Throw '*uppercase: SAS*'
        }

        It 'refuses a snapshot that is not available (EVS.2043) before the create' {
            $failed = Get-FeatureSnapshot enc01-failed
            Clear-TestRequestLog
            $failed | New-EvsVolume -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotAvailable,*'
            $err[0].CategoryInfo.Category | Should -Be InvalidOperation
            Get-CreateRequests | Should -HaveCount 0
        }

        It 'refuses -Iops on a type that takes none, and out-of-range values before any request' {
            $snapshot = Get-FeatureSnapshot sys01-base
            New-EvsVolume -SnapshotId $snapshot.Id -Iops 3000 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'IopsNotAllowed,*'
            New-EvsVolume -SnapshotId $snapshot.Id -Throughput 100 -ErrorVariable err2 -ErrorAction SilentlyContinue
            $err2[0].FullyQualifiedErrorId | Should -BeLike 'ThroughputNotAllowed,*'
            Clear-TestRequestLog
            { New-EvsVolume -SnapshotId $snapshot.Id -Iops 0 } | Should -Throw -ErrorId 'InvalidIops,*'
            { New-EvsVolume -SnapshotId $snapshot.Id -Throughput 0 } | Should -Throw -ErrorId 'InvalidThroughput,*'
            Get-ApiRequests | Should -HaveCount 0
            Get-VolumesCreated | Should -Be 0
        }

        It 'takes -Iops and -Throughput for GPSSD2' {
            $disk = Get-FeatureSnapshot gp2data01-daily | New-EvsVolume -Iops 3000 -Throughput 125 -Wait -MaxPollInterval 0.3
            $disk.Iops | Should -Be 3000
            $disk.Throughput | Should -Be 125
        }

        It 'attaches to -ServerId and is ready when in-use; refuses a server id that is not a UUID before any request' {
            $server = $Features.servers | Where-Object name -EQ 'ecs-feat01'
            $disk = Get-FeatureSnapshot sys01-base | New-EvsVolume -Name attached -ServerId $server.id -Wait -MaxPollInterval 0.3
            $disk.Status | Should -Be in-use
            $disk.AttachedServerId | Should -Be $server.id
            $disk.Device | Should -Match '^/dev/vd[c-z]$'
            $id = (Get-FeatureSnapshot sys01-base).Id
            Clear-TestRequestLog
            { New-EvsVolume -SnapshotId $id -ServerId ecs-feat01 } | Should -Throw -ErrorId 'InvalidServerId,*'
            Get-ApiRequests | Should -HaveCount 0
        }

        It 'refuses -Timeout 0 before any request' {
            { New-EvsVolume -SnapshotId ([guid]::NewGuid()) -Wait -Timeout 0 } | Should -Throw
            Get-ApiRequests | Should -HaveCount 0
        }
    }

    Context 'pipeline binding' {
        It 'refuses a piped disk (even one made from a snapshot) with a reason, and goes on with the rest' {
            $restored = Get-EvsVolume -Name restored01
            $restored.SnapshotId | Should -Not -BeNullOrEmpty
            Clear-TestRequestLog
            $out = @($restored, (Get-FeatureSnapshot sys01-base)) | New-EvsVolume -ErrorVariable err -ErrorAction SilentlyContinue
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VolumePipedIn,*'
            $err[0].Exception.Message | Should -Match 'Pipe one of its snapshots'
            @($out) | Should -HaveCount 1
            Get-CreateRequests | Should -HaveCount 1
        }

        It 'writes one non-terminating error for an unknown snapshot and goes on' {
            $out = @([guid]::NewGuid().ToString(), (Get-FeatureSnapshot sys01-base).Id) | New-EvsVolume -ErrorVariable err -ErrorAction SilentlyContinue
            @($out) | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        }
    }

    Context 'waiting' {
        It 'turns a FAIL job into a per-item error with the job''s reason and code; the others succeed' {
            $snapshot = Get-FeatureSnapshot sys01-base
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'jobs/failures' -Method POST -Body @{ count = 1; errorCode = 'EVS.2001'; failReason = 'no capacity in the pool' }
            $out = @($snapshot, $snapshot) | New-EvsVolume -ThrottleLimit 1 -Wait -MaxPollInterval 0.3 -ErrorVariable err -ErrorAction SilentlyContinue
            @($out) | Should -HaveCount 1
            $err | Should -HaveCount 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VolumeCreateFailed,*'
            $err[0].Exception.Message | Should -Match 'no capacity in the pool \(EVS\.2001'
            $err[0].Exception.Facts['JobId'] | Should -Not -BeNullOrEmpty
        }

        It 'waits for 50 disks together: the polls list them by ids, not one GET each' {
            $snapshot = Get-FeatureSnapshot sys01-base
            $out = @(1..50 | ForEach-Object { $snapshot }) | New-EvsVolume -Name fifty -Wait -MaxPollInterval 0.5
            $out | Should -HaveCount 50
            @($out.Status | Sort-Object -Unique) | Should -Be @('available')
            @($out.Id | Sort-Object -Unique) | Should -HaveCount 50
            $polls = @(Get-TestRequests | Where-Object { $_.path -like '*/cloudvolumes/detail' -and $_.query -like '*ids=*' })
            $polls.Count | Should -BeGreaterThan 0
            $gets = @(Get-TestRequests | Where-Object { $_.method -eq 'GET' -and $_.path -like '*/cloudvolumes/*' -and $_.path -notlike '*/detail' })
            $gets.Count | Should -BeLessOrEqual 50 -Because 'each create reads the source disk once; polling adds no GET per disk'
        }

        It 'times out naming what is pending' {
            Set-TestEmulatorConfig @{ volumeCreateSeconds = 30 }
            Get-FeatureSnapshot sys01-base | New-EvsVolume -Name slow -Wait -Timeout 1 -MaxPollInterval 0.3 -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
            $err[0].Exception.Message | Should -Match "still pending: 'slow'"
        }
    }

    Context '-WhatIf' {
        It 'says what it would create and sends nothing' {
            $snapshot = Get-FeatureSnapshot sys01-base
            Clear-TestRequestLog
            $text = Get-WhatIfText { $snapshot | New-EvsVolume -Name dry -WhatIf }
            $text | Should -Match "What if: Create disk 'dry' from snapshot 'sys01-base'"
            Get-ApiRequests | Should -HaveCount 0
        }
    }

    Context 'exactly once' {
        It 're-sends with the same X-Client-Token after every reset after commit: one disk, and an error that says how to get it' {
            $snapshot = Get-FeatureSnapshot sys01-base
            # Only the creates fail, and every one of them after the commit, until the module's retries are spent.
            Set-TestEmulatorConfig @{ faults = @{ reset_after = 1.0; paths = '^/v2\.1/'; methods = @('POST') }; seed = 3 }
            $params = Get-EvsEmulatorConnection $Emulator
            $params.ProjectId = $Features.id
            $quick = Connect-EvsProject @params -MaximumRetryCount 2 -PassThru
            try {
                $snapshot | New-EvsVolume -Name once -Context $quick -ErrorAction SilentlyContinue -ErrorVariable err
            }
            finally { Set-TestEmulatorConfig @{ faults = $null }; Connect-Features }
            $err[0].FullyQualifiedErrorId | Should -BeLike 'VolumeCreateOutcomeUnknown,*'
            $err[0].Exception.Message | Should -Match 'returns that disk instead of making a second one'
            $posts = Get-CreateRequests
            $posts.Count | Should -BeGreaterThan 1
            @($posts.clientToken | Sort-Object -Unique) | Should -HaveCount 1
            Get-VolumesCreated | Should -Be 1
        }

        It 'makes 100 restores under the soak''s fault mix (reset after commit, 503, 429) with 0 duplicate disks' {
            try { $result = & (Join-Path $PSScriptRoot '../soak/Invoke-RestoreSoak.ps1') -Requests 100 -FaultRate 0.2 -Seed 13 -PassThru 6>$null }
            finally { Connect-Features } # the soak runs its own emulator and disconnects at the end
            $result.FaultsInjected | Should -BeGreaterThan 5
            $result.FaultsByKind.reset_after | Should -BeGreaterThan 0
            $result.Duplicates | Should -Be 0
            $result.Lost | Should -Be 0
            $result.Phantom | Should -Be 0
            $result.Unexpected | Should -Be 0 -Because ($result.UnexpectedDetails -join '; ')
            $result.ReportedCreated | Should -BeGreaterThan 90
            $result.DisksCreated | Should -Be $result.ReportedCreated
        }
    }

    Context '-ClientToken: re-runs make no second disk' {
        BeforeAll {
            # The rule, written out here (not the module's code): the first 16 bytes of SHA-256 over label NUL token NUL snapshot id.
            function Get-RunHash([string] $Label, [string] $Token, [string] $SnapshotId) {
                $sha = [Security.Cryptography.SHA256]::Create()
                try { $sha.ComputeHash([Text.Encoding]::UTF8.GetBytes("$Label`0$Token`0$($SnapshotId.ToLowerInvariant())"))[0..15] } finally { $sha.Dispose() }
            }
            function Get-ExpectedRunToken([string] $Token, [string] $SnapshotId) {
                'v1:' + -join (Get-RunHash 'EvsSnapshot disk run token' $Token $SnapshotId | ForEach-Object { $_.ToString('x2') })
            }
        }

        It 'returns the disk the first run made, with a verbose line, and sends no second create' {
            $snapshot = Get-FeatureSnapshot sys01-base
            $first = $snapshot | New-EvsVolume -Name rerun -ClientToken 'restore-20261202'
            $second = $snapshot | New-EvsVolume -Name rerun -ClientToken 'restore-20261202' -Verbose 4>&1
            $verbose = @($second | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })
            $disk = @($second | Where-Object { $_ -is [EvsSnapshot.VolumeDetails] })

            $disk | Should -HaveCount 1
            $disk[0].Id | Should -Be $first.Id
            ($verbose.Message -join "`n") | Should -Match "Disk $($first.Id) .* earlier run; returning it instead of creating one"
            Get-CreateRequests | Should -HaveCount 1
            Get-VolumesCreated | Should -Be 1
            (Get-EvsVolume -Id $first.Id).Metadata['evssnapshot_run_token'] | Should -Be (Get-ExpectedRunToken 'restore-20261202' $snapshot.Id)
        }

        It 'makes a new disk for another token, and for one whose disk is in error or deleted' {
            $snapshot = Get-FeatureSnapshot sys01-base
            $first = $snapshot | New-EvsVolume -ClientToken 'one' -Wait -MaxPollInterval 0.3
            ($snapshot | New-EvsVolume -ClientToken 'two').Id | Should -Not -Be $first.Id
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "volumes/$($first.Id)" -Method PATCH -Body @{ status = 'error' }
            $again = $snapshot | New-EvsVolume -ClientToken 'one'
            $again.Id | Should -Not -Be $first.Id
            ($snapshot | New-EvsVolume -ClientToken 'one').Id | Should -Be $again.Id
            Get-VolumesCreated | Should -Be 3
        }

        It 'with -Wait waits for a disk an earlier run left creating, and returns a ready one at once' {
            Set-TestEmulatorConfig @{ volumeCreateSeconds = 2 }
            $snapshot = Get-FeatureSnapshot sys01-base
            $first = $snapshot | New-EvsVolume -ClientToken 'wait-rerun'
            $first.Status | Should -Be creating
            $ready = $snapshot | New-EvsVolume -ClientToken 'wait-rerun' -Wait -MaxPollInterval 0.3
            $ready.Id | Should -Be $first.Id
            $ready.Status | Should -Be available
            Clear-TestRequestLog
            ($snapshot | New-EvsVolume -ClientToken 'wait-rerun' -Wait).Status | Should -Be available
            @(Get-TestRequests | Where-Object path -NotLike '*/cloudvolumes/detail') | Should -HaveCount 0 -Because 'a ready disk found by its token needs no poll, no plan and no create'
            Get-VolumesCreated | Should -Be 1
        }

        It 'gets the first create''s answer back when a re-run in another process comes while that disk is still hidden' {
            # EVS hides a disk while it is created (§11.5): the list cannot find it, so the X-Client-Token the token decides has to.
            Set-TestEmulatorConfig @{ volumeCreateSeconds = 60; hideCreatingVolumesSeconds = 60 }
            $snapshot = Get-FeatureSnapshot sys01-base
            $metadata = '@{ owner = ''ops''; ticket = ''CHG-1''; app = ''db''; tier = ''gold''; zone = ''a''; cost = ''42''; env = ''prod''; team = ''dba'' }'
            $run = "New-EvsVolume -SnapshotId '$($snapshot.Id)' -Name hidden-rerun -ClientToken 'hidden-rerun' -Metadata $metadata"
            $child = Invoke-EvsPwsh -TimeoutSec 120 -Script @"
`$ErrorActionPreference = 'Stop'
Import-Module '$(Get-EvsModulePath)'
Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -ProjectId '$($Features.id)' -Credential ([pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force)))
"id=`$(($run).Id)"
"@
            $child.ExitCode | Should -Be 0 -Because $child.Output
            $firstId = [regex]::Match($child.Output, 'id=([0-9a-f-]{36})').Groups[1].Value
            $firstId | Should -Not -BeNullOrEmpty -Because $child.Output
            Get-EvsVolume -Id $firstId -ErrorAction SilentlyContinue | Should -BeNullOrEmpty -Because 'the disk is still hidden'

            $again = Invoke-Expression $run

            $again.Id | Should -Be $firstId
            $posts = Get-CreateRequests
            $posts | Should -HaveCount 2
            $posts[0].clientToken | Should -Be $posts[1].clientToken
            $posts[1].replayed | Should -BeTrue -Because 'the same token and the same body (metadata in one order in both processes) get the first answer'
            Get-VolumesCreated | Should -Be 1
        }
    }
}
