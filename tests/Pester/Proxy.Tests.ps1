# Connect-EvsProject -Proxy / -ProxyCredential: every request goes through the proxy (loopback destinations too),
# the credentials reach the proxy and nowhere else, and never show up in output or traces.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    Import-Module (Join-Path $PSScriptRoot '../tools/LoopbackProxy.psm1') -Force
    $null = Start-TestEmulator
}

AfterAll { Stop-TestEmulator }

Describe 'Connect-EvsProject -Proxy' {
    BeforeEach {
        Reset-TestEmulator
        $script:ProxySecret = 'Pr0xy-S3cret-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
        $script:Proxy = Start-LoopbackProxy -UserName proxyuser -Password $ProxySecret
    }

    AfterEach { Stop-LoopbackProxy $Proxy }

    It 'sends every request of the context through the proxy, with the proxy credentials, and the emulator still answers' {
        $context = Connect-TestProject -Extra @{ Proxy = $Proxy.Url; ProxyCredential = (New-TestCredential proxyuser $ProxySecret) }
        $context.Proxy | Should -Be $Proxy.Url
        Clear-TestRequestLog
        $volumes = Get-EvsVolume -Context $context
        $snapshots = Get-EvsSnapshot -Context $context
        $volumes | Should -Not -BeNullOrEmpty
        $snapshots | Should -Not -BeNullOrEmpty
        $passed = @($Proxy.Requests | Where-Object Status -EQ 200)
        $passed.Target | Should -Contain "$($Emulator.Url)/v2/$($Info.projectId)/cloudvolumes/detail?limit=1000&offset=0"
        @($passed | Where-Object Target -Like '*cloudsnapshots/detail*') | Should -Not -BeNullOrEmpty
        $passed | ForEach-Object { $_.CredentialsRight | Should -BeTrue }
        # Everything the emulator saw came through the proxy: as many API requests as the proxy forwarded.
        @(Get-TestRequests).Count | Should -Be @($passed | Where-Object Target -Like '*/v2/*').Count
    }

    It 'is refused by the proxy (407) when the proxy credentials are wrong, and says so' {
        $context = Connect-TestProject -Extra @{ Proxy = $Proxy.Url; ProxyCredential = (New-TestCredential proxyuser 'wrong') }
        $null = Get-EvsVolume -Context $context -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures | Should -Not -BeNullOrEmpty
        "$($failures[0])" | Should -Match '407'
        @($Proxy.Requests | Where-Object Status -EQ 200) | Should -BeNullOrEmpty
        @(Get-TestRequests) | Should -BeNullOrEmpty
    }

    It 'never shows the proxy password: not in -Debug output, errors or the context' {
        $context = Connect-TestProject -Extra @{ Proxy = $Proxy.Url; ProxyCredential = (New-TestCredential proxyuser $ProxySecret) }
        $all = Get-EvsVolume -Context $context -Debug -Verbose 5>&1 4>&1 3>&1 2>&1 | Out-String
        $all += $context | Format-List * | Out-String
        $all | Should -Not -Match ([regex]::Escape($ProxySecret))
        $all | Should -Match 'GET'   # the debug trace did run
    }

    It 'refuses a proxy URL with credentials in it, before any request' {
        { Connect-TestProject -Extra @{ Proxy = [uri]"http://user:pw@127.0.0.1:$($Proxy.Url.Port)" } } | Should -Throw -ErrorId 'InvalidProxy,*'
        @($Proxy.Requests) | Should -BeNullOrEmpty
    }
}
