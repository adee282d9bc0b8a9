# Issue 12: every byte from the server is untrusted. Hostile answers come from the emulator's scripted responses
# (/__emulator/overrides) and, for bytes Kestrel will not send (control characters in a reason phrase or a header),
# from a raw-socket server (tests/tools/HostileServer.psm1). What a person is shown must be safe; the objects keep
# the raw values; the session's secrets never appear; no listing or wait can be kept going by the server.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $PSScriptRoot '../tools/HostileServer.psm1') -Force
    $null = Start-TestEmulator

    $script:Fast = @{ MaximumRetryCount = 2; MaximumRetryWaitSec = 5; TimeoutSec = 10 }
    $script:Esc = [char]0x1B
    $script:Bel = [char]0x07
    $script:Attack = "$Esc]0;pwned$Bel$Esc[2J"   # retitles and clears a terminal
    # Everything that must never reach the console as it is: C0/C1 controls, bidi overrides/isolates, zero-width.
    $script:UnsafePattern = '[\x00-\x08\x0B-\x1F\x7F-\x9F\u200B-\u200F\u202A-\u202E\u2066-\u2069\uFEFF]'

    function Add-Override([hashtable] $Override) { Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path overrides -Method POST -Body $Override }
    function Clear-Override { $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path overrides -Method DELETE }
    function Get-ListRequests { @(Get-TestRequests | Where-Object { $_.path -like '*/cloudsnapshots/detail' }) }
    function Test-Safe([string] $Text) { $Text -notmatch $UnsafePattern }
    function Get-Shown($Records) { ($Records | Out-String -Width 400) + ($Records | ForEach-Object { "$_" }) }

    function New-RawConnection([Uri] $Url) {
        Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -ProjectId $Info.projectId -AccessKey $Info.accessKey `
            -SecretKey (ConvertTo-SecureString $Info.secretKey -AsPlainText -Force) -MaximumRetryCount 0 -PassThru
    }
}

AfterAll { Stop-TestEmulator }

Describe 'The terminal' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra $Fast
        Clear-TestRequestLog
    }

    It 'shows an error body that would retitle and clear the terminal escaped, and keeps it raw on the exception' {
        $body = @{ error_msg = $Attack; error_code = "EVS.$([char]0x202E)0001" } | ConvertTo-Json -Compress
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 400; body = $body; headers = @{ 'X-Request-Id' = "req-$([char]0x202E)odd$([char]0x2066)" } }

        $null = Get-EvsSnapshot -ErrorVariable failed -ErrorAction SilentlyContinue

        $failed | Should -HaveCount 1
        $shown = Get-Shown $failed
        Test-Safe $shown | Should -BeTrue -Because $shown
        $shown | Should -Match ([regex]::Escape('\u001B]0;pwned\u0007\u001B[2J'))
        $shown | Should -Match ([regex]::Escape('EVS.\u202E0001'))
        # .NET reads header bytes as Latin-1: U+202E (E2 80 AE) arrives as 'â', U+0080, '®'; the C1 control is escaped.
        $shown | Should -Match ([regex]::Escape('request id req-')  + '\S*' + [regex]::Escape('\u0080'))
        $failed[0].Exception.ApiMessage | Should -BeExactly $Attack
    }

    It 'escapes a reason phrase and a request id with control characters (raw socket)' {
        $server = Start-HostileServer
        try {
            $server.Answer('/cloudsnapshots/', (ConvertTo-RawHttp -Status 409 -Reason "Bad$Attack" -Headers ([ordered]@{ 'X-Request-Id' = "r$Esc[2Jx$([char]0x85)y" })))
            $ctx = New-RawConnection $server.Url

            $null = Get-EvsSnapshot -Id '00000000-0000-4000-8000-000000000001' -Context $ctx -Debug -ErrorVariable failed -ErrorAction SilentlyContinue 5>&1 | Tee-Object -Variable debug

            $shown = (Get-Shown $failed) + (Get-Shown $debug)
            @($server.Requests) | Should -HaveCount 1
            $shown | Should -Match ([regex]::Escape('Bad\u001B]0;pwned\u0007\u001B[2J'))
            $shown | Should -Match ([regex]::Escape('r\u001B[2Jx\u0085y'))
            foreach ($line in $shown -split "`n") { Test-Safe $line | Should -BeTrue -Because $line }
        }
        finally { $server.Dispose() }
    }

    It 'escapes a raw HTML error page in -Debug and in the error' {
        $html = "<html><title>$Attack</title>`r`n<body>$([char]0x202E)gateway error</body></html>"
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 502; body = $html; headers = @{ 'Content-Type' = 'text/html' } }

        $out = Get-EvsSnapshot -Debug -ErrorVariable failed -ErrorAction SilentlyContinue 5>&1

        $debug = @($out | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
        $bodies = @($debug | Where-Object { $_ -match 'response body' })
        $bodies | Should -Not -BeNullOrEmpty
        foreach ($message in $debug) { foreach ($line in $message -split "`n") { Test-Safe $line | Should -BeTrue -Because $line } }
        "$bodies" | Should -Match ([regex]::Escape('<title>\u001B]0;pwned\u0007\u001B[2J</title>\u000D\u000A<body>\u202Egateway'))
        Test-Safe (Get-Shown $failed) | Should -BeTrue
    }

    It 'escapes names, descriptions and statuses in the default table and list views; the objects keep them' {
        $snap = [ordered]@{
            id = '0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f'; status = "avail$Esc[2Jable"; name = "evil$Attack"; description = "$([char]0x202E)fdp.exe"
            created_at = '2026-01-01T10:00:00.000000'; updated_at = $null; metadata = @{ "k$([char]0x200B)" = "v$Bel" }; volume_id = (Get-TestVolumeId app01); size = 40
        }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 200; body = (@{ count = 1; snapshots = @($snap) } | ConvertTo-Json -Depth 5 -Compress) }

        $listed = Get-EvsSnapshot
        $table = $listed | Out-String -Width 200
        $list = $listed | Format-List | Out-String -Width 200

        $listed.Name | Should -BeExactly "evil$Attack"
        $listed.Description | Should -BeExactly "$([char]0x202E)fdp.exe"
        Test-Safe $table | Should -BeTrue -Because $table
        Test-Safe $list | Should -BeTrue -Because $list
        $table | Should -Match ([regex]::Escape('evil\u001B]0;pwned\u0007'))
        $list | Should -Match ([regex]::Escape('\u202Efdp.exe'))
        $list | Should -Match ([regex]::Escape('avail\u001B[2Jable'))
        $list | Should -Match ([regex]::Escape('k\u200B=v\u0007'))
    }

    It 'escapes the status in the Wait-EvsSnapshot timeout error' {
        $snap = @{ id = '0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f'; status = "creat$Esc]0;x${Bel}ing"; name = "n$([char]0x2067)"; volume_id = (Get-TestVolumeId app01); size = 40; metadata = @{} }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 200; body = (@{ count = 1; snapshots = @($snap) } | ConvertTo-Json -Depth 5 -Compress) }

        $null = Wait-EvsSnapshot -Id $snap.id -Timeout 2 -MaxPollInterval 0.5 -ErrorVariable failed -ErrorAction SilentlyContinue

        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $shown = Get-Shown $failed
        Test-Safe $shown | Should -BeTrue -Because $shown
        $shown | Should -Match ([regex]::Escape("'n\u2067' ($($snap.id), creat\u001B]0;x\u0007ing)"))
    }
}

Describe 'Echoed secrets' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'redacts the secret key echoed in <Where> from errors, -Verbose retry lines and -Debug' -TestCases @(
        @{ Where = 'error_code, request_id and both request id headers'; Body = 'flat' }
        @{ Where = 'a nested code'; Body = 'nested' }
    ) {
        $sk = $Info.secretKey
        $body = if ($Body -eq 'flat') { @{ error_code = $sk; error_msg = 'busy'; request_id = "id-$sk" } } else { @{ error = @{ code = $sk; message = 'busy' } } }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 503; body = ($body | ConvertTo-Json -Compress); headers = @{ 'X-Request-Id' = $sk; 'X-Openstack-Request-Id' = $sk } }
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 2; MaximumRetryWaitSec = 2; TimeoutSec = 10 }
        $Error.Clear()

        $out = Get-EvsSnapshot -Verbose -Debug -ErrorVariable failed -ErrorAction SilentlyContinue *>&1

        $shown = (Get-Shown $out) + (Get-Shown $failed) + (Get-Shown $Error) + [System.Management.Automation.PSSerializer]::Serialize($failed, 3)
        "$($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] })" | Should -Match 'Retrying'
        $shown | Should -Match ([regex]::Escape('[redacted]'))
        $shown | Should -Not -Match ([regex]::Escape($sk))
    }

    It 'redacts a 5-character IAM password that IAM echoes, without blanking other words' {
        $password = 'Pw5!x'
        $body = @{ error_msg = "The password $password is wrong for $($Info.userName) (Pw5!xyz is not it either)"; error_code = 'IAM.0011' } | ConvertTo-Json -Compress
        $null = Add-Override @{ path = '^/v3/auth/tokens$'; method = 'POST'; status = 401; body = $body; headers = @{ 'X-Request-Id' = $password } }

        $failed = @()
        $out = try {
            Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -IamEndpoint $Emulator.Url -UserName $Info.userName -DomainName $Info.domainName `
                -Password (ConvertTo-SecureString $password -AsPlainText -Force) -MaximumRetryCount 0 -Verbose -Debug *>&1
        }
        catch { $failed = @($_) }

        $failed | Should -Not -BeNullOrEmpty
        $shown = (Get-Shown $out) + (Get-Shown $failed)
        $shown | Should -Match ([regex]::Escape("The password [redacted] is wrong for $($Info.userName) (Pw5!xyz is not it either)"))
        ($shown -replace 'Pw5!xyz', '') | Should -Not -Match ([regex]::Escape($password))
    }
}

Describe 'Endless paging' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra $Fast
        Clear-TestRequestLog
    }

    It 'stops with PagingStalled when the same page comes back <Label>' -TestCases @(
        @{ Label = 'with a huge count'; Count = 1000000; Next = $false }
        @{ Label = 'with a next link and no count'; Count = $null; Next = $true }
    ) {
        $items = 1..3 | ForEach-Object { @{ id = "0b4c5d6e-1f2a-4b3c-8d9e-00000000000$_"; status = 'available'; name = "same-$_"; volume_id = (Get-TestVolumeId app01); size = 40; metadata = @{} } }
        $page = @{ snapshots = @($items) }
        if ($Count) { $page.count = $Count }
        if ($Next) { $page.snapshots_links = @(@{ rel = 'next'; href = "$($Emulator.Url)/v2/x/cloudsnapshots/detail?marker=y" }) }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 200; body = ($page | ConvertTo-Json -Depth 5 -Compress) }

        $listed = Get-EvsSnapshot -PageSize 3 -ErrorVariable failed -ErrorAction SilentlyContinue

        $listed | Should -HaveCount 3
        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'PagingStalled,*'
        $failed[0].Exception.Message | Should -Match 'offset 3 \(request id [^)]+\)'
        (Get-ListRequests).Count | Should -BeLessOrEqual 3 -Because 'the probe saw 8,343 requests in 4.5 s'
    }
}

Describe 'Deadlines' {
    BeforeEach {
        Reset-TestEmulator
        Clear-TestRequestLog
    }

    It 'reports the timeout within a second or so of the deadline although every poll hangs (slow fault)' {
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 3; MaximumRetryWaitSec = 60; TimeoutSec = 20 }
        Set-TestEmulatorConfig @{ createSeconds = 120 }
        $slow = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name deadline
        Set-TestEmulatorConfig @{ faults = @{ slow = 1.0; slowMs = 30000; paths = '/cloudsnapshots/detail$' } }

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = Wait-EvsSnapshot -Id $slow.Id -Timeout 3 -ErrorVariable failed -ErrorAction SilentlyContinue
        $elapsed = $watch.Elapsed.TotalSeconds

        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $elapsed | Should -BeLessThan 6 -Because 'the probe saw 8.5 s for 5 s, 41.8 s with a 20 s request timeout (generous bound: a loaded machine)'
        Wait-TestStat faults.slow -AtLeast 1 | Should -BeGreaterThan 0 -Because 'the polls met the slow fault (counted when the emulator sees the client go)'
    }

    It 'reports a New-EvsVolume -Wait timeout within a second or so of the deadline although every poll hangs (slow fault)' {
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 3; MaximumRetryWaitSec = 60; TimeoutSec = 20 }
        Set-TestEmulatorConfig @{ createSeconds = 0; volumeCreateSeconds = 120 }
        $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name deadline-source -Wait
        Set-TestEmulatorConfig @{ faults = @{ slow = 1.0; slowMs = 30000; paths = '/cloudvolumes/detail$|/jobs/' } }

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $null = $snapshot | New-EvsVolume -Name deadline-restored -Wait -Timeout 3 -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue
        $elapsed = $watch.Elapsed.TotalSeconds

        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'WaitTimeout,*'
        $elapsed | Should -BeLessThan 6 -Because 'before, a poll in flight held the error back until the 20 s request timeout (generous bound: a loaded machine)'
        Wait-TestStat faults.slow -AtLeast 1 | Should -BeGreaterThan 0 -Because 'the polls met the slow fault (counted when the emulator sees the client go)'
    }
}

Describe 'Answers refused as malformed' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 0; TimeoutSec = 60 }
        Clear-TestRequestLog
    }

    It 'refuses duplicate keys (a second "volumes":[] must not empty the list)' {
        $volume = '{"id":"0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f","status":"available","name":"d","size":10,"bootable":"false","metadata":{}}'
        $null = Add-Override @{ path = '/cloudvolumes/detail$'; status = 200; body = "{""count"":1,""volumes"":[$volume],""volumes"":[]}" }

        $listed = Get-EvsVolume -ErrorVariable failed -ErrorAction SilentlyContinue

        $listed | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MalformedResponse,*'
        $failed[0].Exception.Message | Should -Match "the key 'volumes' appears twice"
    }

    It 'believes no error code given twice in one error answer (-IgnoreMissing must not take a refusal for "already gone")' {
        Set-TestEmulatorConfig @{ createSeconds = 0 }
        $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name duplicate-code -Wait
        # Read quietly (last value wins), the second code turns this refusal into EVS.5404, a snapshot already deleted.
        $null = Add-Override @{ method = 'DELETE'; path = "/cloudsnapshots/$($snapshot.Id)$"; status = 400; body = '{"error":{"code":"EVS.5400","message":"refused","code":"EVS.5404"}}' }

        $snapshot | Remove-EvsSnapshot -IgnoreMissing -Confirm:$false -ErrorVariable failed -ErrorAction SilentlyContinue

        $failed | Should -HaveCount 1
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'BadRequest,*'
        $failed[0].Exception.Message | Should -Match "the error answer is malformed: the key 'code' appears twice"
        Get-EvsSnapshot -Id $snapshot.Id | Should -Not -BeNullOrEmpty -Because 'the snapshot was never deleted'
    }

    It 'refuses a page of a million items without building it (item bound; allocation measured in this process)' {
        $item = '{"id":"0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f","status":"available"}'
        $null = Add-Override @{ path = '/cloudvolumes/detail$'; status = 200; bodyPrefix = '{"count":1000000,"volumes":['; body = $item; repeatSeparator = ','; repeatBody = 400000; bodySuffix = ']}' }
        [GC]::Collect()
        $before = [GC]::GetTotalAllocatedBytes($true)

        $listed = Get-EvsVolume -ErrorVariable failed -ErrorAction SilentlyContinue

        $allocated = [GC]::GetTotalAllocatedBytes($true) - $before
        $listed | Should -BeNullOrEmpty
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MalformedResponse,*'
        $failed[0].Exception.Message | Should -Match 'more than 1000 items'
        $allocated | Should -BeLessThan 250MB -Because 'the probe saw a working set of 819 MB for such a page'
    }

    It 'refuses nesting deeper than 64 levels' {
        $null = Add-Override @{ path = '/cloudvolumes/detail$'; status = 200; body = ('{"volumes":[],"x":' + ('[' * 100) + (']' * 100) + '}') }
        $null = Get-EvsVolume -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MalformedResponse,*'
    }

    It 'cuts an answer larger than 32 MB' {
        $null = Add-Override @{ path = '/cloudvolumes/detail$'; status = 200; times = 1; body = ('x' * 1MB); repeatBody = 40 }
        $null = Get-EvsVolume -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed[0].FullyQualifiedErrorId | Should -BeLike 'MalformedResponse,*'
        $failed[0].Exception.Message | Should -Match '33554432-byte limit'
    }
}

Describe 'Nothing goes where the server points' {
    BeforeEach {
        Reset-TestEmulator
        $null = Connect-TestProject -Extra @{ MaximumRetryCount = 0 }
        Clear-TestRequestLog
        $script:Elsewhere = Start-HostileServer
        $Elsewhere.Answer('.', (ConvertTo-RawHttp -Status 200 -Body '{"snapshots":[],"count":0}'))
    }
    AfterEach { $Elsewhere.Dispose() }

    It 'follows no redirect (the signed request and its credential stay on the endpoint)' {
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 302; headers = @{ Location = "$($Elsewhere.Url)v2/steal" } }
        $null = Get-EvsSnapshot -ErrorVariable failed -ErrorAction SilentlyContinue
        $failed | Should -Not -BeNullOrEmpty
        @($Elsewhere.Requests) | Should -BeNullOrEmpty
    }

    It 'ignores an off-host next link' {
        $items = @(@{ id = '0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f'; status = 'available'; name = 'one'; volume_id = (Get-TestVolumeId app01); size = 40; metadata = @{} })
        $page = @{ snapshots = $items; snapshots_links = @(@{ rel = 'next'; href = "$($Elsewhere.Url)v2/x/cloudsnapshots/detail?offset=1" }) }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; query = '(^|&)offset=0(&|$)'; status = 200; body = ($page | ConvertTo-Json -Depth 5 -Compress) }
        $null = Add-Override @{ path = '/cloudsnapshots/detail$'; status = 200; body = '{"snapshots":[]}' }

        $listed = Get-EvsSnapshot -PageSize 1
        $listed.Name | Should -Be 'one'
        @($Elsewhere.Requests) | Should -BeNullOrEmpty
        (Get-ListRequests).Count | Should -Be 2 -Because 'the next page is asked of the endpoint, by offset'
    }

    It 'refuses an X-Subject-Token with <Label> when it arrives, and sends it nowhere (raw socket IAM)' -TestCases @(
        @{ Label = 'ESC'; Token = "MIItoken$([char]0x1B)[2J0000" }
        @{ Label = 'NUL'; Token = "MIItoken$([char]0)0000" }
        @{ Label = 'a non-ASCII letter'; Token = 'MIItökén0000' }
    ) {
        $iam = Start-HostileServer
        try {
            $tokenBody = '{"token":{"issued_at":"2026-01-01T00:00:00.000000Z","expires_at":"2099-01-01T00:00:00.000000Z","methods":["password"],"project":{"id":"' + $Info.projectId + '","name":"cn-north-4"}}}'
            $iam.Answer('^/v3/auth/tokens', (ConvertTo-RawHttp -Status 201 -Reason 'Created' -Headers ([ordered]@{ 'X-Subject-Token' = $Token }) -Body $tokenBody))
            # The token is asked for at connect: Connect-EvsProject fails, or (if it ever becomes lazy) the first call.
            $failed = @()
            try {
                $ctx = Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -IamEndpoint $iam.Url -ProjectId $Info.projectId -UserName $Info.userName -DomainName $Info.domainName `
                    -Password (ConvertTo-SecureString $Info.password -AsPlainText -Force) -MaximumRetryCount 0 -PassThru
                $null = Get-EvsSnapshot -Context $ctx -ErrorVariable failed -ErrorAction SilentlyContinue
            }
            catch { $failed = @($_) }

            @($iam.Requests) | Should -Not -BeNullOrEmpty
            $failed[0].FullyQualifiedErrorId | Should -BeLike 'UnusableCredential,*'
            $failed[0].Exception.Message | Should -Match 'X-Subject-Token'
            Get-TestRequests | Should -BeNullOrEmpty -Because 'the token must not be sent on to EVS'
        }
        finally { $iam.Dispose() }
    }
}
