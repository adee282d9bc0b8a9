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
