# Limit-EvsSnapshot against a seeded history. The expected keep sets are computed here from the rules' definitions
# (set-based: "the n most recent periods that have a snapshot, and the newest snapshot of each"), with the
# framework's time zones and ISO calendar, never with the module's code.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject
    $script:Disks = @('web02', 'app01', 'scratch01')

    # Seeds snapshots with exact times; returns them as objects with their new ids (and utc, volumeId, status).
    function Add-TestSnapshots([object[]] $Items) {
        $sent = foreach ($i in $Items) { $copy = @{}; foreach ($k in $i.Keys) { if ($k -notin 'id', 'utc') { $copy[$k] = $i[$k] } }; $copy }
        $ids = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ items = @($sent) }).ids)
        for ($i = 0; $i -lt $Items.Count; $i++) {
            $item = [ordered]@{} + $Items[$i]
            $item.id = $ids[$i]
            if (-not $item.Contains('volumeId')) { $item.volumeId = Get-TestVolumeId $item.volumeName }
            if (-not $item.Contains('status')) { $item.status = 'available' }
            $item.utc = [datetime]::SpecifyKind([datetime]::Parse($item.createdAt, [Globalization.CultureInfo]::InvariantCulture), 'Utc')
            [pscustomobject]$item
        }
    }

    # 400 nightly snapshots per disk at 22:30 UTC (+7 min per disk): 23:30 in Berlin in winter but 00:30 the next
    # day in summer, so the daily periods move with each DST change; 06:30 the next day in Shanghai.
    function New-NightlyHistory([int] $Days = 400, [string] $Prefix = 'nightly') {
        $base = [datetime]::UtcNow.Date.AddDays(-1).AddHours(22).AddMinutes(30)
        $items = foreach ($k in 0..($Disks.Count - 1)) {
            foreach ($d in 0..($Days - 1)) {
                $utc = $base.AddDays(-$d).AddMinutes(7 * $k)
                [ordered]@{ name = "$Prefix-$($Disks[$k])-$($utc.ToString('yyyyMMdd'))"; volumeName = $Disks[$k]; createdAt = $utc.ToString('yyyy-MM-ddTHH:mm:ss') }
            }
        }
        Add-TestSnapshots @($items)
    }

    function Get-ExpectedKeep {
        param([object[]] $Snapshots, [int] $Last, [int] $Daily, [int] $Weekly, [int] $Monthly, [int] $Yearly, [TimeZoneInfo] $Zone, [switch] $OneGroup)
        $keep = [Collections.Generic.HashSet[string]]::new()
        $groups = if ($OneGroup) { , @($Snapshots) } else { @($Snapshots | Group-Object volumeId | ForEach-Object { , @($_.Group) }) }
        foreach ($group in $groups) {
            $candidates = @($group | Where-Object { $_.status -eq 'available' -and $_.name -notlike 'autobk_snapshot_*' } | Sort-Object @{ e = { $_.utc }; Descending = $true }, id)
            if ($candidates.Count -eq 0) { continue }
            $null = $keep.Add($candidates[0].id)                                  # the newest is always kept
            $candidates | Select-Object -First $Last | ForEach-Object { $null = $keep.Add($_.id) }
            $periodRules = @(
                @{ n = $Daily; key = { param($t) $t.ToString('yyyy-MM-dd') } }
                @{ n = $Weekly; key = { param($t) '{0}-W{1:00}' -f [Globalization.ISOWeek]::GetYear($t), [Globalization.ISOWeek]::GetWeekOfYear($t) } }
                @{ n = $Monthly; key = { param($t) $t.ToString('yyyy-MM') } }
                @{ n = $Yearly; key = { param($t) $t.ToString('yyyy') } })
            foreach ($rule in $periodRules) {
                if ($rule.n -le 0) { continue }
                $periods = $candidates | Group-Object { & $rule.key ([TimeZoneInfo]::ConvertTimeFromUtc($_.utc, $Zone)) } |
                    Sort-Object { ($_.Group | ForEach-Object utc | Measure-Object -Maximum).Maximum } -Descending | Select-Object -First $rule.n
                foreach ($p in $periods) { $null = $keep.Add(($p.Group | Sort-Object @{ e = { $_.utc }; Descending = $true }, id | Select-Object -First 1).id) }
            }
        }
        , $keep
    }

    function Get-StoredIds { @(Get-TestSnapshots | ForEach-Object id) }
}

AfterAll { Stop-TestEmulator }

Describe 'Limit-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'is ConfirmImpact High with ShouldProcess, and writes typed decisions with a default view' {
        $command = Get-Command Limit-EvsSnapshot
        $attribute = $command.ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $false)[0]
        $attribute.ConfirmImpact | Should -Be 'High'
        $attribute.SupportsShouldProcess | Should -BeTrue
        $command.OutputType.Type.FullName | Should -Contain 'EvsSnapshot.SnapshotRetention'
        (Get-FormatData -TypeName EvsSnapshot.SnapshotRetention) | Should -Not -BeNullOrEmpty
    }

    It 'plans a 400-day history over 3 disks exactly as the rules define, in <Zone>' -TestCases @(
        @{ Zone = 'UTC' }, @{ Zone = 'Asia/Shanghai' }, @{ Zone = 'Europe/Berlin' }) {
        param($Zone)
        $history = New-NightlyHistory
        $expected = Get-ExpectedKeep -Snapshots $history -Last 3 -Daily 7 -Weekly 4 -Monthly 12 -Yearly 2 -Zone ([TimeZoneInfo]::FindSystemTimeZoneById($Zone))
        Clear-TestRequestLog
        $plan = @(Get-EvsSnapshot -Name 'nightly-*' | Limit-EvsSnapshot -KeepLast 3 -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 12 -KeepYearly 2 -TimeZone $Zone -WhatIf)
        $plan | Should -HaveCount 1200
        @($plan | Where-Object Action -EQ Keep | ForEach-Object Id | Sort-Object) | Should -Be @($expected | Sort-Object)
        @(Get-TestRequests | Where-Object method -NE GET) | Should -HaveCount 0 -Because '-WhatIf removes nothing'
        (Get-StoredIds).Count | Should -BeGreaterOrEqual 1200
    }

    It 'removes exactly the planned snapshots of a 400-day history, each once, and keeps the rest' {
        $history = New-NightlyHistory
        $expected = Get-ExpectedKeep -Snapshots $history -Last 3 -Daily 7 -Weekly 4 -Monthly 12 -Yearly 2 -Zone ([TimeZoneInfo]::Utc)
        Clear-TestRequestLog
        $plan = @(Get-EvsSnapshot -Name 'nightly-*' | Limit-EvsSnapshot -KeepLast 3 -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 12 -KeepYearly 2 -TimeZone UTC -Confirm:$false -Wait -MaxPollInterval 0.3 -ThrottleLimit 16)
        $removed = @($history | Where-Object { -not $expected.Contains($_.id) } | ForEach-Object id)
        @($plan | Where-Object Action -EQ Remove | ForEach-Object Id | Sort-Object) | Should -Be @($removed | Sort-Object)
        $deletes = @(Get-TestRequests | Where-Object method -EQ DELETE)
        $deletes | Should -HaveCount $removed.Count
        @($deletes | ForEach-Object { ($_.path -split '/')[-1] } | Sort-Object -Unique) | Should -HaveCount $removed.Count
        $stored = Get-StoredIds
        foreach ($id in $expected) { $stored | Should -Contain $id }
        foreach ($id in $removed) { $stored | Should -Not -Contain $id }
    }

    It 'counts days from midnight in the time zone: 15:59:59 and 16:00 UTC are different days in Shanghai, one day in UTC' {
        $volumeId = Get-TestVolumeId app01
        $day = [datetime]::UtcNow.Date.AddDays(-3)
        $items = Add-TestSnapshots @(
            [ordered]@{ name = 'edge-a'; volumeId = $volumeId; createdAt = $day.AddHours(16).ToString('s') }            # 00:00 next day in Shanghai
            [ordered]@{ name = 'edge-b'; volumeId = $volumeId; createdAt = $day.AddHours(16).AddSeconds(-1).ToString('s') } # 23:59:59 in Shanghai
            [ordered]@{ name = 'edge-c'; volumeId = $volumeId; createdAt = $day.AddHours(-12).ToString('s') })          # the day before in both
        $utcPlan = @(Get-EvsSnapshot -Name 'edge-*' | Limit-EvsSnapshot -KeepDaily 2 -TimeZone UTC -WhatIf)
        @($utcPlan | Where-Object Action -EQ Keep | ForEach-Object Name | Sort-Object) | Should -Be @('edge-a', 'edge-c')
        $shanghaiPlan = @(Get-EvsSnapshot -Name 'edge-*' | Limit-EvsSnapshot -KeepDaily 2 -TimeZone 'Asia/Shanghai' -WhatIf)
        @($shanghaiPlan | Where-Object Action -EQ Keep | ForEach-Object Name | Sort-Object) | Should -Be @('edge-a', 'edge-b')
        ($shanghaiPlan | Where-Object Name -EQ 'edge-b').Reasons | Should -Contain ('Daily ' + $day.ToString('yyyy-MM-dd'))
    }

    It 'counts days across a DST change in Berlin (22:30 UTC is 23:30 on the same day in winter, 00:30 the next day in summer)' {
        $volumeId = Get-TestVolumeId app01
        # The last DST start in Europe before now (last Sunday of March, 01:00 UTC).
        $year = if ([datetime]::UtcNow.Month -gt 4) { [datetime]::UtcNow.Year } else { [datetime]::UtcNow.Year - 1 }
        $march31 = [datetime]::new($year, 3, 31)
        $dstSunday = $march31.AddDays(-[int]$march31.DayOfWeek)
        $items = Add-TestSnapshots @(
            [ordered]@{ name = 'dst-after'; volumeId = $volumeId; createdAt = $dstSunday.AddHours(22.5).ToString('s') }   # 00:30 CEST Monday
            [ordered]@{ name = 'dst-sunday'; volumeId = $volumeId; createdAt = $dstSunday.AddHours(21.5).ToString('s') }  # 23:30 CEST Sunday
            [ordered]@{ name = 'dst-before'; volumeId = $volumeId; createdAt = $dstSunday.AddHours(-1.5).ToString('s') }) # 23:30 CET Saturday
        $plan = @(Get-EvsSnapshot -Name 'dst-*' | Limit-EvsSnapshot -KeepDaily 2 -TimeZone 'Europe/Berlin' -WhatIf)
        @($plan | Where-Object Action -EQ Keep | ForEach-Object Name | Sort-Object) | Should -Be @('dst-after', 'dst-sunday')
        ($plan | Where-Object Name -EQ 'dst-after').Reasons | Should -Contain ('Daily ' + $dstSunday.AddDays(1).ToString('yyyy-MM-dd'))
        $windows = @(Get-EvsSnapshot -Name 'dst-*' | Limit-EvsSnapshot -KeepDaily 2 -TimeZone 'W. Europe Standard Time' -WhatIf)
        @($windows | Where-Object Action -EQ Keep | ForEach-Object Name | Sort-Object) | Should -Be @('dst-after', 'dst-sunday') -Because 'a Windows id names the same zone'
    }

    It 'removes nothing when a page of the piped listing fails' {
        $null = New-NightlyHistory -Days 150
        $context = Connect-TestProject -Extra @{ MaximumRetryCount = 1; MaximumRetryWaitSec = 2 }
        Set-TestEmulatorConfig @{ pageCap = 100; faults = @{ '503' = 1; paths = '/cloudsnapshots/detail$'; query = 'offset=[1-9]' } }
        Clear-TestRequestLog
        $thrown = $null
        try {
            Get-EvsSnapshot -Name 'nightly-*' -Context $context -ErrorAction SilentlyContinue |
                Limit-EvsSnapshot -KeepLast 1 -Context $context -Confirm:$false
        } catch { $thrown = $_ }
        $thrown.FullyQualifiedErrorId | Should -BeLike 'SnapshotListingIncomplete,*'
        @(Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 0
        @(Get-TestRequests | Where-Object { $_.fault -eq '503' }) | Should -Not -BeNullOrEmpty -Because 'a later page failed'
    }

    It 'removes nothing when a page of its own listing fails' {
        $null = New-NightlyHistory -Days 150
        $context = Connect-TestProject -Extra @{ MaximumRetryCount = 1; MaximumRetryWaitSec = 2 }
        Set-TestEmulatorConfig @{ pageCap = 100; faults = @{ '503' = 1; paths = '/cloudsnapshots/detail$'; query = 'offset=[1-9]' } }
        Clear-TestRequestLog
        { Limit-EvsSnapshot -Name 'nightly-*' -KeepLast 1 -Context $context -Confirm:$false } | Should -Throw -ErrorId 'SnapshotListingFailed,*'
        @(Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 0
    }

    It 'removes nothing when the piped listing was stopped early (Select-Object -First)' {
        $null = New-NightlyHistory -Days 10
        { Get-EvsSnapshot -Name 'nightly-*' -PageSize 5 | Select-Object -First 7 | Limit-EvsSnapshot -KeepLast 1 -Confirm:$false } |
            Should -Throw -ErrorId 'SnapshotListingIncomplete,*'
        @(Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 0
    }

    It 'lists by itself with -VolumeId and -Name' {
        $history = New-NightlyHistory -Days 20
        $volumeId = Get-TestVolumeId app01
        Clear-TestRequestLog
        $plan = @(Limit-EvsSnapshot -VolumeId $volumeId -Name 'nightly-*' -KeepLast 5 -Confirm:$false -Wait -MaxPollInterval 0.3)
        $plan | Should -HaveCount 20
        $own = @($history | Where-Object volumeName -EQ app01 | Sort-Object utc -Descending)
        @($plan | Where-Object Action -EQ Keep | ForEach-Object Id | Sort-Object) | Should -Be @($own[0..4].id | Sort-Object)
        $stored = Get-StoredIds
        @($history | Where-Object volumeName -NE app01 | Where-Object { $stored -notcontains $_.id }) | Should -HaveCount 0 -Because 'other disks are not in the listing'
        @($own[5..19] | Where-Object { $stored -contains $_.id }) | Should -HaveCount 0
    }

    It 'touches only the piped subset' {
        $history = New-NightlyHistory -Days 20
        $webId = Get-TestVolumeId web02
        Clear-TestRequestLog
        $cutoff = [datetime]::UtcNow.AddDays(-10)
        $null = Get-EvsSnapshot -Name 'nightly-*' | Where-Object { $_.VolumeId -eq $webId -and $_.CreatedAtUtc -lt $cutoff } |
            Limit-EvsSnapshot -KeepLast 2 -Confirm:$false
        $piped = @($history | Where-Object { $_.volumeId -eq $webId -and $_.utc -lt $cutoff } | Sort-Object utc -Descending)
        $deleted = @(Get-TestRequests | Where-Object method -EQ DELETE | ForEach-Object { ($_.path -split '/')[-1] } | Sort-Object)
        $deleted | Should -Be @($piped[2..($piped.Count - 1)].id | Sort-Object)
    }

    It 'never touches backup snapshots or snapshots that are not available, and keeps the newest available' {
        $volumeId = Get-TestVolumeId app01
        $now = [datetime]::UtcNow
        $items = Add-TestSnapshots @(
            [ordered]@{ name = 'keep-creating'; volumeId = $volumeId; createdAt = $now.AddMinutes(-1).ToString('s'); status = 'creating' }
            [ordered]@{ name = 'keep-error'; volumeId = $volumeId; createdAt = $now.AddDays(-1).ToString('s'); status = 'error' }
            [ordered]@{ name = 'autobk_snapshot_vbs_keep'; volumeId = $volumeId; createdAt = $now.AddDays(-2).ToString('s') }
            [ordered]@{ name = 'keep-newest'; volumeId = $volumeId; createdAt = $now.AddDays(-3).ToString('s') }
            [ordered]@{ name = 'keep-old-error'; volumeId = $volumeId; createdAt = $now.AddDays(-30).ToString('s'); status = 'error' }
            [ordered]@{ name = 'keep-old'; volumeId = $volumeId; createdAt = $now.AddDays(-40).ToString('s') })
        Clear-TestRequestLog
        $plan = @(Get-EvsSnapshot -VolumeId $volumeId | Where-Object Name -Like '*keep*' | Limit-EvsSnapshot -KeepWithin 1h -Confirm:$false)
        @($plan | Where-Object Action -EQ Remove | ForEach-Object Name) | Should -Be @('keep-old')
        ($plan | Where-Object Name -EQ 'keep-newest').Reasons | Should -Contain 'Newest'
        ($plan | Where-Object Name -EQ 'autobk_snapshot_vbs_keep').Reasons | Should -Be @('BackupSnapshot')
        ($plan | Where-Object Name -EQ 'keep-creating').Reasons | Should -Be @('NotAvailable')
        $deletes = @(Get-TestRequests | Where-Object method -EQ DELETE)
        $deletes | Should -HaveCount 1
        $deletes[0].path | Should -BeLike "*/$(($items | Where-Object name -EQ 'keep-old').id)"
    }

    It 'prints the plan with -WhatIf and removes nothing' {
        $null = New-NightlyHistory -Days 5
        Clear-TestRequestLog
        $lines = Get-WhatIfText { Get-EvsSnapshot -Name 'nightly-*' | Limit-EvsSnapshot -KeepLast 2 -WhatIf }
        @($lines -split "`n" | Where-Object { $_ -like 'What if:*Remove*' }) | Should -HaveCount 9
        @(Get-TestRequests | Where-Object method -EQ DELETE) | Should -HaveCount 0
    }

    It 'refuses a policy with no rule before any request' {
        Clear-TestRequestLog
        { Get-EvsSnapshot -Name 'nightly-*' | Limit-EvsSnapshot -Confirm:$false } | Should -Throw -ErrorId 'RetentionRuleMissing,*'
        @(Get-TestRequests | Where-Object path -Like '*/cloudsnapshots*' | Where-Object method -NE GET) | Should -HaveCount 0
    }

    It 'removes 100 snapshots under the soak fault mix: each once, none of the kept' {
        $volumeId = Get-TestVolumeId scratch01
        $base = [datetime]::UtcNow.AddDays(-1)
        $items = Add-TestSnapshots @(foreach ($i in 0..109) { [ordered]@{ name = ('fault-{0:000}' -f $i); volumeId = $volumeId; createdAt = $base.AddHours(-$i).ToString('s') } })
        $kept = @($items[0..9].id)
        $doomed = @($items[10..109].id)
        $context = Connect-TestProject -Extra @{ MaximumRetryCount = 8; MaximumRetryWaitSec = 120; TimeoutSec = 2 }
        $snapshots = @(Get-EvsSnapshot -Name 'fault-*' -Context $context)
        Clear-TestRequestLog
        Set-TestEmulatorConfig @{ seed = 5; faults = @{ reset_before = 0.03; '503' = 0.03; '429' = 0.02; '429_retry_after' = 0.02; slow = 0.02; reset_after = 0.03; '504_after' = 0.03; malformed = 0.02; slowMs = 3000 } }
        $plan = @($snapshots | Limit-EvsSnapshot -KeepLast 10 -Context $context -Confirm:$false -Wait -MaxPollInterval 0.5 -ErrorVariable failures -ErrorAction SilentlyContinue)
        Set-TestEmulatorConfig @{ faults = $null }
        $failures | Should -HaveCount 0 -Because (($failures | ForEach-Object { $_.FullyQualifiedErrorId + ': ' + $_ }) -join '; ')
        @($plan | Where-Object Action -EQ Remove) | Should -HaveCount 100
        $requests = Get-TestRequests
        @($requests | Where-Object { $_.fault }).Count | Should -BeGreaterThan 5 -Because 'faults were injected'
        $accepted = @($requests | Where-Object { $_.method -eq 'DELETE' -and (($_.processedStatus -eq 202) -or ($_.status -eq 202)) } | ForEach-Object { ($_.path -split '/')[-1] })
        @($accepted | Group-Object | Where-Object Count -GT 1) | Should -HaveCount 0 -Because 'no snapshot was deleted twice'
        @($accepted | Where-Object { $kept -contains $_ }) | Should -HaveCount 0
        $stored = Get-StoredIds
        foreach ($id in $kept) { $stored | Should -Contain $id }
        @($doomed | Where-Object { $stored -contains $_ }) | Should -HaveCount 0
    }
}
