# Bulk work at the gateway's rate limit (issue 10): the emulator throttles per credential like Huawei's gateway
# (429 APIGW.0308 naming limit and window, no Retry-After). A batch must complete with no failed item, few throttled
# requests, pipelines of one process share one budget, and -MaxRequestRate is never exceeded. Each Describe has its own
# emulator, usually on a new endpoint, so the process-wide pacer of one does not pace the next. But the OS may give it a
# port used earlier in the suite, with the same test credential: then the budget's pacer still holds the policy an
# earlier test taught it (the fault injector's 200/s), and these batches must meet their targets all the same.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')

    function Start-LimitedEmulator([string] $Limit, [int] $Volumes) {
        $arguments = @('--volumes', "$Volumes", '--latency-ms', '50')
        if ($Limit) { $arguments += @('--rate-limit', $Limit) }
        $null = Start-TestEmulator -Arguments $arguments
    }

    function Get-Posts { @(Get-TestRequests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cloudsnapshots' }) }

    function Get-MostInAnySecond($Requests) {
        <# The most requests the emulator received in any 1-s window [t, t + 1 s), from its log (arrival times). #>
        $times = @($Requests | ForEach-Object { ([datetime]$_.time).Ticks } | Sort-Object)
        $most = 0; $j = 0
        for ($i = 0; $i -lt $times.Count; $i++) {
            while ($times[$i] - $times[$j] -ge [TimeSpan]::TicksPerSecond) { $j++ }
            $most = [Math]::Max($most, $i - $j + 1)
        }
        $most
    }
}

AfterAll { Stop-TestEmulator }

Describe 'A 200-disk batch at the gateway''s limit' -ForEach @(
    @{ Limit = 'write=10/1s'; Kind = 'a token bucket of 10/s'; Policy = 'policy user, limit 10 per second'; Ceiling = 10 * 0.97 }
    @{ Limit = 'write=20/5s:window'; Kind = 'a fixed window of 20 per 5 s'; Policy = 'policy user, limit 20 per 5 s'; Ceiling = 4 * 0.97 }
) {
    BeforeAll {
        Start-LimitedEmulator $Limit 200
        $null = Connect-TestProject
        $script:Volumes = @(Get-EvsVolume -Name 'vol-*')
        Clear-TestRequestLog
        $script:Out = $Volumes | New-EvsSnapshot -Name paced -ThrottleLimit 32 -Verbose -ErrorVariable failures -ErrorAction SilentlyContinue 4>&1
        $script:Failures = $failures
        $script:Posts = Get-Posts
    }
    AfterAll { Stop-EvsTestEmulator $Emulator }

    It 'creates every snapshot once, with no failed item, at <Kind>' {
        $Volumes | Should -HaveCount 200
        @($Out | Where-Object { $_ -is [EvsSnapshot.SnapshotDetails] }) | Should -HaveCount 200
        $Failures | Should -BeNullOrEmpty
        $created = @(Get-TestSnapshots | Where-Object name -EQ paced)
        $created | Should -HaveCount 200
        @($created.volumeId | Sort-Object -Unique) | Should -HaveCount 200 -Because 'no disk gets two snapshots'
    }

    It 'is throttled on at most 10% of its requests' {
        $throttled = @($Posts | Where-Object status -EQ 429)
        $throttled.Count | Should -BeGreaterThan 0 -Because 'the batch starts unpaced and must meet the limit'
        $throttled.Count | Should -BeLessOrEqual ([Math]::Floor($Posts.Count * 0.10))
        @($throttled | Where-Object errorCode -NE 'APIGW.0308') | Should -BeNullOrEmpty
    }

    It 'says once in -Verbose that it paces write calls, and Get-EvsContext shows the learned rate' {
        $verbose = @($Out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] } | ForEach-Object Message)
        @($verbose | Where-Object { $_ -like 'The gateway is throttling write calls*' }) | Should -HaveCount 1
        @($verbose | Where-Object { $_ -like '*was throttled (429)*' }).Count | Should -BeLessOrEqual 12 -Because 'throttle notices are debounced, not one per request'
        $write = (Get-EvsContext).RequestRates | Where-Object Calls -EQ write
        $write.Policy | Should -Be $Policy
        $write.CeilingPerSecond | Should -Be $Ceiling
        $write.RatePerSecond | Should -BeGreaterThan 0
        $write.RatePerSecond | Should -BeLessOrEqual $Ceiling
        $write.Throttled | Should -Be @($Posts | Where-Object status -EQ 429).Count
        ((Get-EvsContext).RequestRates | Where-Object Calls -EQ read).RatePerSecond | Should -BeNullOrEmpty -Because 'reads were never throttled'
    }
}

Describe 'Two ForEach-Object -Parallel pipelines on one context' {
    BeforeAll {
        Start-LimitedEmulator 'write=10/1s' 120
        $context = Connect-TestProject
        $module = Get-EvsModulePath
        $volumes = @(Get-EvsVolume -Name 'vol-*')
        $halves = @(, $volumes[0..59]) + @(, $volumes[60..119])
        Clear-TestRequestLog
        $script:Results = 0, 1 | ForEach-Object -Parallel {
            Import-Module $using:module
            $failed = $null
            $made = @(($using:halves)[$_] | New-EvsSnapshot -Name "parallel-$_" -ThrottleLimit 32 -Context $using:context -ErrorVariable failed -ErrorAction SilentlyContinue)
            [pscustomobject]@{ Half = $_; Created = $made.Count; Failed = @($failed).Count }
        } -ThrottleLimit 2
        $script:Posts = Get-Posts
    }
    AfterAll { Stop-EvsTestEmulator $Emulator }

    It 'completes both with no failed item' {
        $Results | Should -HaveCount 2
        $Results.Created | Should -Be @(60, 60)
        ($Results | Measure-Object Failed -Sum).Sum | Should -Be 0
        @(Get-TestSnapshots | Where-Object name -Like 'parallel-*') | Should -HaveCount 120
    }

    It 'shares one budget: the pipelines together are throttled little and send within the limit' {
        # Two separate budgets would each send at the limit: twice the limit together, about half of it throttled.
        # One budget: only the unpaced start of the two pipelines (two slow starts against 10 tokens) is throttled.
        @($Posts | Where-Object status -EQ 429).Count | Should -BeLessOrEqual ([Math]::Floor($Posts.Count * 0.20))
        $afterTheFirstSecond = @($Posts | Where-Object { ([datetime]$_.time) -gt ([datetime]$Posts[0].time).AddSeconds(1.5) })
        Get-MostInAnySecond $afterTheFirstSecond | Should -BeLessOrEqual 11 -Because 'together they send at the one pace (9.7/s, one turn may come 25 ms early)'
    }
}

Describe '-MaxRequestRate' {
    BeforeAll {
        Start-LimitedEmulator $null 40
        $script:Volumes = @()
    }
    AfterAll { Stop-EvsTestEmulator $Emulator }

    BeforeEach {
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path reset -Method POST
    }

    It 'on Connect-EvsProject is never exceeded: at most <Rate> + 1 requests in any second' -ForEach @(@{ Rate = 5 }) {
        $null = Connect-TestProject -Extra @{ MaxRequestRate = $Rate }
        (Get-EvsContext).MaxRequestRate | Should -Be $Rate
        Clear-TestRequestLog
        $made = @(Get-EvsVolume -Name 'vol-*' | New-EvsSnapshot -Name capped -ThrottleLimit 16)
        $made | Should -HaveCount 40
        $log = @(Get-TestRequests)
        $log.Count | Should -BeGreaterOrEqual 41 -Because 'the listing and the 40 creates count together'
        Get-MostInAnySecond $log | Should -BeLessOrEqual ($Rate + 1)
    }

    It 'on New-EvsSnapshot replaces the context''s for that command' {
        $null = Connect-TestProject -Extra @{ MaxRequestRate = 100 }
        $volumes = @(Get-EvsVolume -Name 'vol-000*')
        Clear-TestRequestLog
        $made = @($volumes | New-EvsSnapshot -Name capped-here -ThrottleLimit 16 -MaxRequestRate 3)
        $made | Should -HaveCount 9
        Get-MostInAnySecond (Get-Posts) | Should -BeLessOrEqual 4
    }

    It 'refuses a rate outside 0.01 to 10000 before sending anything' {
        Clear-TestRequestLog
        { New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -MaxRequestRate 0 -ErrorAction Stop } | Should -Throw -ErrorId 'ParameterArgumentValidationError,EvsSnapshot.Commands.NewEvsSnapshotCommand'
        { Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -Credential (New-TestCredential $Info.accessKey $Info.secretKey) -MaxRequestRate 20000 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,EvsSnapshot.Commands.ConnectEvsProjectCommand'
        @(Get-TestRequests) | Should -BeNullOrEmpty
    }
}
