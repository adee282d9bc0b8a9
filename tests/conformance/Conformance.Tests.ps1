#Requires -Version 7.5
<#
.SYNOPSIS
    Conformance suite: checks our code against Huawei's official Node.js SDK core (an outside oracle).

.DESCRIPTION
    1. AK/SK signer: sign-cases.js generates >= 200 deterministic requests, signs each with the SDK's
       AKSKSigner and records the Authorization header; every case is signed again with
       EvsSnapshot.Client.Signing.AkSkSigner and must match byte for byte. The published vectors of
       evs-api.md §6.2 (../shared/evs-api.md, beside the repository) are checked too.
    2. Emulator: sdk-client.js drives the EVS emulator with the SDK's HcClient (list, create, get, temporary
       credentials, tampered and wrong signatures) and every check must pass.

    Needs Node.js (>= 18) and npm on PATH; runs `npm ci` when node_modules is missing.
    Environment: EVS_CLIENT_DLL (EvsSnapshot.Client.dll), EVS_EMULATOR_DLL (EvsEmulator.dll); build.ps1 sets both
    to its -Configuration's outputs, and they default to the Release ones (tests/tools/EvsTestHost.psm1).
#>

BeforeDiscovery {
    # The cases are needed at discovery time (one It per case via -ForEach), so Node runs here, not in BeforeAll.
    $conformanceDir = $PSScriptRoot

    foreach ($tool in 'node', 'npm') {
        if (-not (Get-Command $tool -CommandType Application -ErrorAction SilentlyContinue)) {
            throw "The conformance suite needs Node.js >= 18 and npm on PATH, but '$tool' was not found. Install Node.js (https://nodejs.org) and run the suite again."
        }
    }
    $nodeMajor = [int]((& node --version).TrimStart('v').Split('.')[0])
    if ($nodeMajor -lt 18) { throw "The conformance suite needs Node.js >= 18; found $(& node --version)." }

    if (-not (Test-Path (Join-Path $conformanceDir 'node_modules/@huaweicloud/huaweicloud-sdk-core/package.json'))) {
        Push-Location $conformanceDir
        try {
            & npm ci --no-audit --no-fund 2>&1 | Write-Host
            if ($LASTEXITCODE -ne 0) { throw "npm ci failed in $conformanceDir (exit code $LASTEXITCODE)." }
        }
        finally { Pop-Location }
    }

    $casesFile = Join-Path ([IO.Path]::GetTempPath()) "evs-sign-cases-$([guid]::NewGuid().ToString('N')).json"
    try {
        & node (Join-Path $conformanceDir 'sign-cases.js') $casesFile
        if ($LASTEXITCODE -ne 0) { throw "sign-cases.js failed (exit code $LASTEXITCODE)." }
        # -DateKind String: keep every value a string (no date conversion of look-alike values).
        $allCases = Get-Content -LiteralPath $casesFile -Raw -Encoding utf8 | ConvertFrom-Json -DateKind String
    }
    finally { Remove-Item -LiteralPath $casesFile -ErrorAction SilentlyContinue }

    $sdkCases = @($allCases | Where-Object source -EQ 'node-sdk' | ForEach-Object { @{ Name = $_.name; Case = $_ } })
    $publishedSignCases = @($allCases | Where-Object { $_.source -eq 'published' -and $_.kind -ne 'canonical-query' } |
            ForEach-Object { @{ Name = $_.name; Case = $_ } })
    $publishedQueryCases = @($allCases | Where-Object kind -EQ 'canonical-query' | ForEach-Object { @{ Name = $_.name; Case = $_ } })
    $counts = @{ Generated = $sdkCases.Count; PublishedSign = $publishedSignCases.Count; PublishedQuery = $publishedQueryCases.Count }
}

BeforeAll {
    $conformanceDir = $PSScriptRoot
    Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
}

Describe 'AK/SK signer matches the official Node.js SDK (huaweicloud-sdk-core 3.1.211)' {
    BeforeAll {
        $dll = Get-EvsClientPath
        $loaded = 'EvsSnapshot.Client.Signing.AkSkSigner' -as [type]
        if ($loaded) {
            # Another test file in this run already loaded the assembly; a second copy cannot be loaded.
            Write-Host "Using the already loaded $($loaded.Assembly.Location)"
        }
        else {
            if (-not (Test-Path -LiteralPath $dll)) {
                throw "EvsSnapshot.Client.dll not found at '$dll'. Build it (dotnet pwsh ./build.ps1 build) or set EVS_CLIENT_DLL."
            }
            Add-Type -LiteralPath $dll
        }

        function New-SigningRequest($Case) {
            $request = [EvsSnapshot.Client.Signing.SigningRequest]::new($Case.method, $Case.host, $Case.path)
            foreach ($q in $Case.query) { $request.Query.Add([Collections.Generic.KeyValuePair[string, string]]::new($q[0], $q[1])) }
            foreach ($h in $Case.headers) { $request.Headers.Add([Collections.Generic.KeyValuePair[string, string]]::new($h[0], $h[1])) }
            $request.Body = [Text.Encoding]::UTF8.GetBytes([string]$Case.body)
            $request
        }

        function Get-HexSha256([string]$Text) {
            [Convert]::ToHexString([Security.Cryptography.SHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Text))).ToLowerInvariant()
        }

        # Shown when a case fails, so the mismatch can be reproduced without re-running the generator.
        function Format-CaseForFailure($Case, $Request) {
            $canonical = [EvsSnapshot.Client.Signing.AkSkSigner]::BuildCanonicalRequest($Request)
            "inputs: $($Case | ConvertTo-Json -Depth 5 -Compress)`nour canonical request:`n$canonical`n"
        }
    }

    It 'generated at least 200 SDK-signed cases plus the published vectors' -ForEach @($counts) {
        $Generated | Should -BeGreaterOrEqual 200
        $PublishedSign | Should -Be 3 -Because 'V1, V2 and V3 of evs-api.md §6.2'
        $PublishedQuery | Should -Be 1 -Because 'the query-encoding vector of evs-api.md §6.2'
    }

    Context 'cases signed by the official SDK' {
        It '<Name>' -ForEach $sdkCases {
            $request = New-SigningRequest $Case
            $ours = [EvsSnapshot.Client.Signing.AkSkSigner]::Sign($request, $Case.ak, $Case.sk)
            $ours | Should -BeExactly $Case.expectedAuthorization -Because (Format-CaseForFailure $Case $request)
        }
    }

    Context 'published vectors (evs-api.md §6.2)' {
        It '<Name>' -ForEach $publishedSignCases {
            $request = New-SigningRequest $Case
            if ($Case.signsHost) {
                $ours = [EvsSnapshot.Client.Signing.AkSkSigner]::Sign($request, $Case.ak, $Case.sk)
                $ours | Should -BeExactly $Case.expectedAuthorization -Because (Format-CaseForFailure $Case $request)
                if ($Case.expectedCanonicalRequestSha256) {
                    Get-HexSha256 ([EvsSnapshot.Client.Signing.AkSkSigner]::BuildCanonicalRequest($request)) |
                        Should -BeExactly $Case.expectedCanonicalRequestSha256
                }
                if ($Case.nodeAuthorization) {
                    $Case.nodeAuthorization | Should -BeExactly $Case.expectedAuthorization -Because 'the oracle must reproduce the published vector'
                }
            }
            else {
                # GO's vectors (V2, V3) sign only x-sdk-date; our signer, like the NET and Node SDKs, always signs
                # host, so Sign() cannot produce them. Take our canonical request, drop the host line and the host
                # name from the signed-header list, and finish the last two steps (string to sign, HMAC) here.
                # Everything else (URI, query, header lines, body hash) is still ours.
                $lines = [EvsSnapshot.Client.Signing.AkSkSigner]::BuildCanonicalRequest($request).Split("`n")
                $blank = [Array]::IndexOf($lines, '', 3)
                $headerLines = @($lines[3..($blank - 1)] | Where-Object { -not $_.StartsWith('host:') })
                $signedHeaders = (@($lines[$blank + 1].Split(';') | Where-Object { $_ -ne 'host' })) -join ';'
                $canonical = (@($lines[0..2]) + $headerLines + '' + $signedHeaders + $lines[$blank + 2]) -join "`n"
                $date = ($Case.headers | Where-Object { $_[0] -eq 'X-Sdk-Date' })[1]
                $stringToSign = "SDK-HMAC-SHA256`n$date`n$(Get-HexSha256 $canonical)"
                $hmac = [Security.Cryptography.HMACSHA256]::HashData([Text.Encoding]::UTF8.GetBytes($Case.sk), [Text.Encoding]::UTF8.GetBytes($stringToSign))
                $derived = "SDK-HMAC-SHA256 Access=$($Case.ak), SignedHeaders=$signedHeaders, Signature=$([Convert]::ToHexString($hmac).ToLowerInvariant())"
                $derived | Should -BeExactly $Case.expectedAuthorization -Because "host-less canonical request:`n$canonical`n"
            }
        }

        It '<Name>' -ForEach $publishedQueryCases {
            $pairs = [Collections.Generic.List[Collections.Generic.KeyValuePair[string, string]]]::new()
            foreach ($q in $Case.query) { $pairs.Add([Collections.Generic.KeyValuePair[string, string]]::new($q[0], $q[1])) }
            [EvsSnapshot.Client.Signing.AkSkSigner]::CanonicalQuery($pairs) | Should -BeExactly $Case.expectedCanonicalQuery
            $Case.nodeCanonicalQuery | Should -BeExactly $Case.expectedCanonicalQuery -Because 'the official SDK must agree with the published vector'
        }
    }
}

Describe 'EVS emulator answers the official Node.js SDK client like Huawei Cloud' {
    BeforeAll {
        # Start-EvsTestEmulator passes --exit-on-stdin-close: the emulator dies with this process even if AfterAll never runs.
        $emulator = Start-EvsTestEmulator -StartTimeoutSec 20
        $baseUrl = $emulator.Url
        $info = $emulator.Info
        foreach ($field in 'projectId', 'accessKey', 'secretKey', 'tempAccessKey', 'tempSecretKey', 'securityToken') {
            if ([string]::IsNullOrEmpty($info.$field)) { throw "GET /__emulator/info has no '$field' (see tests/EvsEmulator/README.md)." }
        }
        $nodeArgs = @(
            (Join-Path $conformanceDir 'sdk-client.js'), '--base-url', $baseUrl,
            '--project-id', $info.projectId, '--ak', $info.accessKey, '--sk', $info.secretKey,
            '--temp-ak', $info.tempAccessKey, '--temp-sk', $info.tempSecretKey, '--security-token', $info.securityToken
        )
        $output = @(& node @nodeArgs)
        $sdkClientExitCode = $LASTEXITCODE
        $checks = @{}
        foreach ($line in $output) {
            if ($line -notmatch '^\s*\{') { continue }
            $result = $line | ConvertFrom-Json -DateKind String
            if ($result.check) { $checks[$result.check] = $result }
        }

        function Get-Check([string]$Name) {
            $checks.ContainsKey($Name) | Should -BeTrue -Because "sdk-client.js should report '$Name' (exit code $sdkClientExitCode, output:`n$($output -join "`n"))"
            $checks[$Name]
        }
    }

    AfterAll {
        if ($emulator) { Stop-EvsTestEmulator $emulator }
    }

    It 'lists volumes: 200 with a volumes array and a count' {
        $c = Get-Check 'list-volumes'
        $c.status | Should -Be 200 -Because ($c | ConvertTo-Json -Compress)
        $c.ok | Should -BeTrue -Because ($c | ConvertTo-Json -Compress)
        $c.volumes | Should -BeGreaterThan 0
    }

    It 'verifies a signature over a query with reserved and non-ASCII characters' {
        $c = Get-Check 'list-snapshots-escaped-query'
        $c.status | Should -Be 200 -Because ($c | ConvertTo-Json -Compress)
        $c.ok | Should -BeTrue -Because ($c | ConvertTo-Json -Compress)
    }

    It 'verifies a signature over query names that sort differently in UTF-16 and UTF-8' {
        $c = Get-Check 'list-snapshots-utf16-order'
        $c.status | Should -Be 200 -Because ($c | ConvertTo-Json -Compress)
        $c.ok | Should -BeTrue -Because ($c | ConvertTo-Json -Compress)
    }

    It 'creates a snapshot: 202, an id and status creating' {
        $c = Get-Check 'create-snapshot'
        $c.status | Should -Be 202 -Because ($c | ConvertTo-Json -Compress)
        $c.snapshotStatus | Should -Be 'creating'
        $c.snapshotId | Should -Not -BeNullOrEmpty
        $c.ok | Should -BeTrue -Because ($c | ConvertTo-Json -Compress)
    }

    It 'gets the new snapshot back' {
        $c = Get-Check 'get-snapshot'
        $c.status | Should -Be 200 -Because ($c | ConvertTo-Json -Compress)
        $c.snapshotId | Should -Be (Get-Check 'create-snapshot').snapshotId
        $c.ok | Should -BeTrue -Because ($c | ConvertTo-Json -Compress)
    }

    It 'accepts temporary AK/SK with a signed X-Security-Token' {
        $c = Get-Check 'temporary-credentials'
        $c.status | Should -Be 200 -Because ($c | ConvertTo-Json -Compress)
        $c.ok | Should -BeTrue
    }

    It 'rejects a tampered signature with 401 APIGW.0301' {
        $c = Get-Check 'tampered-signature'
        $c.status | Should -Be 401 -Because ($c | ConvertTo-Json -Compress)
        $c.errorCode | Should -Be 'APIGW.0301'
        $c.ok | Should -BeTrue
    }

    It 'rejects a signature made with the wrong SK with 401 APIGW.0301' {
        $c = Get-Check 'wrong-secret-key'
        $c.status | Should -Be 401 -Because ($c | ConvertTo-Json -Compress)
        $c.errorCode | Should -Be 'APIGW.0301'
        $c.ok | Should -BeTrue
    }

    It 'sdk-client.js exits with 0 (every check passed)' {
        $sdkClientExitCode | Should -Be 0 -Because ($output -join "`n")
    }
}
