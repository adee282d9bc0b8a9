# Resilience: every fault the gateway and the network can throw at a runbook, injected by the emulator.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator

    function Set-Faults([hashtable] $Faults) { Set-TestEmulatorConfig @{ faults = $Faults } }
    function Get-FaultCount([string] $Kind) { (Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path stats).faults.$Kind }
    function Get-Posts { @(Get-TestRequests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/cloudsnapshots' }) }
    $script:Fast = @{ MaximumRetryCount = 6; MaximumRetryWaitSec = 30; TimeoutSec = 5 }
}

AfterAll { Stop-TestEmulator }

Describe 'Retries' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra $Fast
        Clear-TestRequestLog
    }

    It 'retries 503 EVS.5503 and says so in -Verbose' {
        Set-Faults @{ '503' = 0.3 }
        $volumes = Get-EvsVolume -PageSize 1 -Verbose 4>&1
        $records = $volumes | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($volumes | Where-Object { $_ -is [EvsSnapshot.VolumeDetails] }) | Should -HaveCount 9
        Get-FaultCount '503' | Should -BeGreaterThan 0
        "$records" | Should -Match 'EVS\.5503'
        "$records" | Should -Match 'attempt 2 of 7'
        "$records" | Should -Match 'in \d+\.\d\d s'
    }

    It 'honours Retry-After on 429 APIGW.0308' {
        Set-Faults @{ '429_retry_after' = 0.3 }
        $out = Get-EvsVolume -PageSize 2 -Verbose 4>&1
        Get-FaultCount '429_retry_after' | Should -BeGreaterThan 0
        "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'Retry-After'
        ($out | Where-Object { $_ -is [EvsSnapshot.VolumeDetails] }) | Should -HaveCount 9
    }

    It 'backs off on 429 without Retry-After, connection resets and timeouts' {
        Set-Faults @{ '429' = 0.1; reset_before = 0.1; slow = 0.1; slowMs = 3000 }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 10; TimeoutSec = 1 }
        $volumes = Get-EvsVolume -PageSize 1
        $volumes | Should -HaveCount 9
        ($volumes.Id | Sort-Object -Unique) | Should -HaveCount 9
        (Get-FaultCount '429') + (Get-FaultCount 'reset_before') + (Get-FaultCount 'slow') | Should -BeGreaterThan 0
    }

    It 'stops after the attempt budget with a clear error and exactly MaximumRetryCount + 1 attempts' {
        Set-Faults @{ '503' = 1.0 }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 2 }
        Clear-TestRequestLog
        $null = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'ServiceUnavailable,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ResourceUnavailable'
        $failures[0].Exception.ErrorCode | Should -Be 'EVS.5503'
        (Get-TestRequests) | Should -HaveCount 3
    }

    It 'stops when the retry wait budget is spent' {
        Set-Faults @{ '429_retry_after' = 1.0 }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 10; MaximumRetryWaitSec = 1 }
        Clear-TestRequestLog
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 10
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'Throttled,*'
        $failures[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        (Get-TestRequests).Count | Should -BeLessOrEqual 3
    }

    It 'paces a throttled batch instead of storming the gateway' {
        Set-TestEmulatorConfig @{ rateLimitPerSecond = 8 }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 1; MaximumRetryWaitSec = 30 }
        $ids = (Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path volumes -Method POST -Body @{ count = 40; namePrefix = 'busy-' }).ids
        Clear-TestRequestLog
        $out = $ids | New-EvsSnapshot -Name throttled -ThrottleLimit 16 -Verbose 4>&1
        ($out | Where-Object { $_ -is [EvsSnapshot.SnapshotDetails] }) | Should -HaveCount 40
        "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'The gateway is throttling write calls \(policy user, limit 8 per second\): pacing them at'
        (Get-TestSnapshots | Where-Object name -EQ throttled) | Should -HaveCount 40
        $throttled = (Get-TestRequests | Where-Object status -EQ 429).Count
        $throttled | Should -BeGreaterThan 0
        # Throttled requests do not spend the one retry allowed, and once paced hardly any more are throttled: the
        # unpaced start (at most -ThrottleLimit in flight) and a few more.
        $throttled | Should -BeLessOrEqual 24
    }

    It 'never retries a 4xx answer' {
        $null = New-EvsSnapshot -VolumeId (Get-TestVolumeId broken01) -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -HaveCount 1
        (Get-Posts) | Should -HaveCount 1
        $null = Get-EvsSnapshot -Id '12345678-1234-4234-8234-123456789012' -ErrorAction SilentlyContinue
        (Get-TestRequests | Where-Object status -EQ 404) | Should -HaveCount 1
    }
}

Describe 'Creating is safe to retry' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra $Fast
        Clear-TestRequestLog
        $script:Targets = Get-EvsVolume | Where-Object Status -In 'available', 'in-use'
        Clear-TestRequestLog
    }

    It 'finds the committed snapshot after <Kind> instead of creating it twice' -TestCases @(
        @{ Kind = 'reset_after' }, @{ Kind = '504_after' }, @{ Kind = 'malformed' }
    ) {
        Set-Faults @{ $Kind = 1.0; methods = @('POST'); paths = '/cloudsnapshots$' }
        $snapshots = $Targets | New-EvsSnapshot -Name "ambiguous-$Kind" -Verbose 4>&1
        $created = $snapshots | Where-Object { $_ -is [EvsSnapshot.SnapshotDetails] }
        $verbose = "$($snapshots | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })"
        $created | Should -HaveCount $Targets.Count
        (Get-Posts) | Should -HaveCount $Targets.Count   # one POST per disk: the lookup found each one
        $verbose | Should -Match 'created after all'
        $stored = Get-TestSnapshots | Where-Object name -EQ "ambiguous-$Kind"
        $stored | Should -HaveCount $Targets.Count
        @($stored.id | Sort-Object) | Should -Be @($created.Id | Sort-Object)
    }

    It 'never lets the HTTP stack resend a create behind its back (reset after commit on half the POSTs)' {
        Set-Faults @{ reset_after = 0.5; methods = @('POST'); paths = '/cloudsnapshots$' }
        # One snapshot per disk per run: three runs over the same disks give three POSTs per disk.
        $volumes = 1..3 | ForEach-Object { $Targets } | Select-Object -ExpandProperty Id
        $created = 1..3 | ForEach-Object { $Targets | New-EvsSnapshot -Name 'half-reset' -ThrottleLimit 4 }
        $created | Should -HaveCount $volumes.Count
        $stored = Get-TestSnapshots | Where-Object name -EQ 'half-reset'
        $stored | Should -HaveCount $volumes.Count
        ($stored.metadata.evssnapshot_client_token | Sort-Object -Unique) | Should -HaveCount $volumes.Count
        (Get-Posts).Count | Should -Be $volumes.Count
    }

    It 'sends the create again, with the same client token, when the lookup shows it never happened' {
        Set-Faults @{ reset_before = 0.2; '503' = 0.1; methods = @('POST'); paths = '/cloudsnapshots$' }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 12; MaximumRetryWaitSec = 60 }
        $created = $Targets | New-EvsSnapshot -Name 'resent'
        $created | Should -HaveCount $Targets.Count
        $stored = Get-TestSnapshots | Where-Object name -EQ 'resent'
        $stored | Should -HaveCount $Targets.Count
        ($stored.volumeId | Sort-Object -Unique) | Should -HaveCount $Targets.Count
        (Get-Posts).Count | Should -BeGreaterThan $Targets.Count
    }

    It 'makes exactly one snapshot per disk under a mix of every fault' {
        Set-Faults @{ reset_before = 0.05; '503' = 0.05; '429' = 0.05; '429_retry_after' = 0.03; reset_after = 0.05; '504_after' = 0.04; malformed = 0.04; slow = 0.03; slowMs = 2000 }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 10; MaximumRetryWaitSec = 60; TimeoutSec = 1 }
        $created = $Targets | New-EvsSnapshot -Name 'mixed' -ThrottleLimit 4 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -BeNullOrEmpty
        $stored = Get-TestSnapshots | Where-Object name -EQ 'mixed'
        $stored | Should -HaveCount $Targets.Count
        @($stored.id | Sort-Object) | Should -Be @($created.Id | Sort-Object)
    }

    It 'deletes once even when the answer to the DELETE is lost' {
        $doomed = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name doomed -Wait -MaxPollInterval 0.3
        Set-Faults @{ reset_after = 1.0; methods = @('DELETE') }
        Remove-EvsSnapshot -Id $doomed.Id -Force -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -BeNullOrEmpty
        Set-Faults @{ reset_after = 0 }
        Start-Sleep -Milliseconds 600
        Get-TestSnapshots | Where-Object id -EQ $doomed.Id | Should -BeNullOrEmpty
    }
}

Describe 'Tokens and clocks' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'renews an IAM password token before it expires' {
        Set-TestEmulatorConfig @{ tokenLifetimeSeconds = 3 }
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -IamEndpoint $Emulator.Url -IamCredential (New-TestCredential $Info.userName $Info.password) -DomainName $Info.domainName
        $null = Get-EvsVolume -Name db01
        Start-Sleep -Seconds 3
        $volume = Get-EvsVolume -Name db01 -Verbose 4>&1
        ($volume | Where-Object { $_ -is [EvsSnapshot.VolumeDetails] }).Name | Should -Be 'db01'
        "$($volume | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'renewing'
        (Get-TestRequests | Where-Object path -EQ '/v3/auth/tokens') | Should -HaveCount 2
        (Get-TestRequests | Where-Object status -EQ 401) | Should -BeNullOrEmpty
    }

    It 'renews once on a 401 "token expires" and repeats the request' {
        Set-TestEmulatorConfig @{ tokenLifetimeSeconds = 600 }
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -IamEndpoint $Emulator.Url -IamCredential (New-TestCredential $Info.userName $Info.password) -DomainName $Info.domainName
        Set-TestEmulatorConfig @{ clockSkewSeconds = 700 }   # the server now considers the token expired
        $volume = Get-EvsVolume -Name db01
        $volume.Name | Should -Be 'db01'
        $expired = Get-TestRequests | Where-Object status -EQ 401
        $expired | Should -HaveCount 1
        (Get-TestRequests | Where-Object path -EQ '/v3/auth/tokens') | Should -HaveCount 2
    }

    It 'does not retry a token given with -Token once it has expired, and says why' {
        $token = Get-EvsIamToken $Emulator
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -ProjectId $Info.projectId -Token (ConvertTo-SecureString $token -AsPlainText -Force)
        Set-TestEmulatorConfig @{ clockSkewSeconds = 90000 }
        Clear-TestRequestLog
        $null = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $failures[0].ErrorDetails.RecommendedAction | Should -Match 'new token'
        (Get-TestRequests) | Should -HaveCount 1
    }

    It 'corrects the signing time once when the server clock is 20 minutes off, and says so' {
        $context = Connect-TestProject
        Set-TestEmulatorConfig @{ clockSkewSeconds = 1200 }
        $out = Get-EvsVolume -Name db01 -Verbose 4>&1
        ($out | Where-Object { $_ -is [EvsSnapshot.VolumeDetails] }).Name | Should -Be 'db01'
        "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'Clock skew detected'
        $context.ClockOffset.TotalMinutes | Should -BeGreaterThan 19
        $context.ClockOffset.TotalMinutes | Should -BeLessThan 21
        $null = Get-EvsVolume -Name db02
        (Get-TestRequests | Where-Object status -EQ 401) | Should -HaveCount 1
    }

    It 'never loops when correcting the clock does not help' {
        $null = Connect-TestProject
        Set-TestEmulatorConfig @{ clockSkewSeconds = 1200 }
        $null = Get-EvsVolume -Name db01
        Set-TestEmulatorConfig @{ clockSkewSeconds = -1200 }
        Clear-TestRequestLog
        $volume = Get-EvsVolume -Name db01 -ErrorAction SilentlyContinue -ErrorVariable failures
        # The second correction works too (a new skew is a new fact); a request never gets more than one.
        if ($failures) { (Get-TestRequests).Count | Should -BeLessOrEqual 2 } else { $volume.Name | Should -Be 'db01' }
        (Get-TestRequests | Where-Object status -EQ 401).Count | Should -BeLessOrEqual 1
    }

    It 'does not retry a wrong secret key and names the access key only' {
        $null = Connect-TestProject -Extra @{ Credential = (New-TestCredential $Info.accessKey 'Definitely-Not-The-Secret-Key-000000') }
        Clear-TestRequestLog
        $null = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        (Get-TestRequests) | Should -HaveCount 1
        $failures[0].Exception.Message | Should -Match "access key '$($Info.accessKey)'"
        $failures[0].Exception.Message | Should -Not -Match 'Definitely-Not-The-Secret'
    }
}

Describe 'Timeouts and Ctrl+C' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'gives up on a request after -TimeoutSec and retries it' {
        $null = Connect-TestProject -Extra @{ TimeoutSec = 1; MaximumRetryCount = 1 }
        Set-Faults @{ slow = 1.0; slowMs = 5000 }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4.5
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'RequestTimeout,*'
        $failures[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        Wait-TestStat clientAborted -AtLeast 2 | Should -BeGreaterOrEqual 2
    }

    It 'cancels an in-flight request promptly on Ctrl+C' {
        $null = Connect-TestProject -Extra @{ TimeoutSec = 120 }
        Set-Faults @{ slow = 1.0; slowMs = 60000 }
        $stop = Measure-TestStop 'Get-EvsVolume'
        $stop.WasRunning | Should -BeTrue
        $stop.StopSeconds | Should -BeLessThan 2
        $stop.State | Should -Be 'Stopped'
        Start-Sleep -Milliseconds 300
        Wait-TestStat clientAborted -AtLeast 1 | Should -BeGreaterOrEqual 1
    }
}

Describe 'Broken answers' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 0 }
        Clear-TestRequestLog
    }

    It 'turns truncated JSON into a clear error, never a half-filled object' {
        Set-Faults @{ malformed = 1.0; methods = @('GET') }
        $volumes = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
        $volumes | Should -BeNullOrEmpty
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'MalformedResponse,*'
        $failures[0].CategoryInfo.Category | Should -Be 'ProtocolError'
        $failures[0].Exception.Message | Should -Match 'not the JSON the API documents'
    }

    It 'recovers from a truncated answer to a read by asking again' {
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 8 }
        Set-Faults @{ malformed = 0.4; methods = @('GET') }
        Get-EvsVolume -PageSize 3 | Should -HaveCount 9
    }
}
