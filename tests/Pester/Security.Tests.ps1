# Secrets never leave the module: not in any stream, trace, error, exception, context or transcript.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Url = $Emulator.Url
}

AfterAll { Stop-TestEmulator }

Describe 'Secrets' {
    BeforeAll {
        Reset-TestEmulator
        $script:Token = Get-EvsIamToken $Emulator
        $script:WrongSecret = 'Wrong-Secret-Key-For-The-Leak-Test-0001'
        $script:WrongPassword = 'Wrong-Passw0rd-For-The-Leak-Test!'
        $script:Secrets = @($Info.secretKey, $Info.tempSecretKey, $Info.securityToken, $Info.password, $Token, $WrongSecret, $WrongPassword)
        $script:Transcript = Join-Path ([IO.Path]::GetTempPath()) "evs-leak-$([guid]::NewGuid().ToString('N')).txt"

        # A full runbook with every stream captured (*>&1), -Verbose and -Debug on, a transcript running,
        # failures on purpose (wrong credentials, faults, bad requests), and contexts shown every way.
        $DebugPreference = 'Continue'
        $VerbosePreference = 'Continue'
        $InformationPreference = 'Continue'
        $null = Start-Transcript -Path $Transcript
        $script:Captured = & {
            $akSk = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Credential (New-TestCredential $Info.accessKey $Info.secretKey) -PassThru -Verbose -Debug
            $akSk | Format-List * | Out-String
            $akSk.ToString()
            $akSk | ConvertTo-Json -Depth 4 -WarningAction SilentlyContinue
            $temp = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -ProjectId $Info.projectId -Credential (New-TestCredential $Info.tempAccessKey $Info.tempSecretKey) `
                -SecurityToken (ConvertTo-SecureString $Info.securityToken -AsPlainText -Force) -PassThru -Debug
            $temp | Format-List * | Out-String
            Get-EvsVolume -Debug -Verbose
            $created = Get-EvsVolume -Status in-use | New-EvsSnapshot -Name leak-test -Metadata @{ purpose = 'leak test' } -Wait -MaxPollInterval 0.3 -Debug -Verbose
            $created | Select-Object -First 1 | Set-EvsSnapshot -Name leak-test-renamed -AddMetadata @{ checked = 'yes' } -PassThru -Debug
            $created | Select-Object -Last 1 | Remove-EvsSnapshot -Force -Wait -MaxPollInterval 0.3 -Debug -Verbose
            $tokenContext = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Token (ConvertTo-SecureString $Token -AsPlainText -Force) -PassThru -Debug -Verbose
            $tokenContext | Format-List * | Out-String
            Get-EvsSnapshot -First 3 -Debug
            $password = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName `
                -Password (ConvertTo-SecureString $Info.password -AsPlainText -Force) -PassThru -Debug -Verbose
            $password | Format-List * | Out-String
            Get-EvsSnapshot -First 2 -Debug -Verbose
            Set-TestEmulatorConfig @{ faults = @{ '503' = 0.3; reset_after = 0.2 } }
            Get-EvsVolume -PageSize 2 -Debug -Verbose -ErrorAction SilentlyContinue
            Set-TestEmulatorConfig @{ faults = $null }
            # Failures that carry credentials in their neighbourhood.
            try { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Credential (New-TestCredential $Info.accessKey $WrongSecret) -Debug -Verbose } catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            try { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName -Password (ConvertTo-SecureString $WrongPassword -AsPlainText -Force) -Debug } catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            Get-EvsSnapshot -Id '00000000-0000-4000-8000-000000000000' -Context $akSk -Debug -ErrorAction SilentlyContinue
            Get-EvsContext | Format-List * | Out-String
        } *>&1 | Out-String -Width 400
        $null = Stop-Transcript
        $DebugPreference = 'SilentlyContinue'
        $VerbosePreference = 'SilentlyContinue'
        $InformationPreference = 'SilentlyContinue'
        $script:TranscriptText = Get-Content $Transcript -Raw
        $script:ErrorText = ($Error | ForEach-Object { ($_ | Format-List * -Force | Out-String) + $_.Exception.ToString() + "$($_.ErrorDetails)" + "$($_.TargetObject)" }) -join "`n"
        $script:ContextXml = [System.Management.Automation.PSSerializer]::Serialize((Get-EvsContext), 3)
    }

    AfterAll { Remove-Item $Transcript -ErrorAction SilentlyContinue }

    It 'actually exercised the code paths (the capture is not empty)' {
        $Captured | Should -Match 'HTTP GET .*cloudvolumes/detail'
        $Captured | Should -Match 'HTTP POST .*cloudsnapshots'
        $Captured | Should -Match 'HTTP POST .*v3/auth/tokens'
        $Captured | Should -Match 'AuthenticationFailed|was rejected'
        $TranscriptText.Length | Should -BeGreaterThan 1000
        $ErrorText | Should -Not -BeNullOrEmpty
    }

    It 'shows the secret headers as [redacted] in -Debug' {
        $Captured | Should -Match 'Authorization: \[redacted\]'
        $Captured | Should -Match 'X-Security-Token: \[redacted\]'
        $Captured | Should -Match 'X-Auth-Token: \[redacted\]'
        $Captured | Should -Match 'X-Subject-Token: \[redacted\]'
        $Captured | Should -Match 'request body: \[redacted: contains credentials\]'
        $Captured | Should -Match 'request id [0-9a-f]{32}'
    }

    It 'never shows <Name> in any stream, the transcript, $Error or a serialized context' -TestCases @(
        @{ Name = 'the secret key'; Index = 0 }
        @{ Name = 'the temporary secret key'; Index = 1 }
        @{ Name = 'the security token'; Index = 2 }
        @{ Name = 'the IAM password'; Index = 3 }
        @{ Name = 'the token given with -Token'; Index = 4 }
        @{ Name = 'a wrong secret key'; Index = 5 }
        @{ Name = 'a wrong password'; Index = 6 }
    ) {
        $secret = [regex]::Escape($Secrets[$Index])
        $Captured | Should -Not -Match $secret
        $TranscriptText | Should -Not -Match $secret
        $ErrorText | Should -Not -Match $secret
        $ContextXml | Should -Not -Match $secret
    }

    It 'never shows a token the module obtained from IAM, or a signature' {
        # Emulator tokens look like "MIIE" + base64; signatures are 64 hex characters after "Signature=".
        $Captured + $TranscriptText + $ErrorText | Should -Not -Match 'MIIE[A-Za-z0-9+/=]{40}'
        $Captured + $TranscriptText + $ErrorText | Should -Not -Match 'Signature=[0-9a-f]{64}'
    }
}

Describe 'Paths cannot be steered by input' {
    BeforeAll {
        Reset-TestEmulator
        $null = Connect-TestProject
    }
    BeforeEach { Clear-TestRequestLog }

    It 'refuses <Value> as an id before any request' -TestCases @(
        @{ Value = '../x' }, @{ Value = 'a?b' }, @{ Value = '%2e%2e' }, @{ Value = '..%2f..%2fcloudvolumes' },
        @{ Value = '00000000-0000-4000-8000-000000000000/../../cloudvolumes' }, @{ Value = "00000000-0000-4000-8000-000000000000`n" }, @{ Value = '#fragment' }
    ) {
        $null = Get-EvsSnapshot -Id $Value -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshotId,*'
        $null = Get-EvsVolume -Id $Value -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        $null = New-EvsSnapshot -VolumeId $Value -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'InvalidVolumeId,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'escapes a metadata key that goes into a path, so it stays one segment' {
        $snapshot = New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name keys -Metadata @{ '%2e%2e' = 'x'; 'a?b' = 'y' } -Wait -MaxPollInterval 0.3
        Clear-TestRequestLog
        Set-EvsSnapshot -Id $snapshot.Id -RemoveMetadataKey '%2e%2e', 'a?b'
        $deletes = Get-TestRequests | Where-Object method -EQ DELETE
        $deletes | Should -HaveCount 2
        $deletes | ForEach-Object { $_.path | Should -Match "^/v2/$($Info.projectId)/snapshots/$($snapshot.Id)/metadata/[^/]+$"; $_.query | Should -BeNullOrEmpty }
        $left = (Get-EvsSnapshot -Id $snapshot.Id).Metadata
        $left.ContainsKey('%2e%2e') | Should -BeFalse
        $left.ContainsKey('a?b') | Should -BeFalse
    }

    It 'escapes filter values that go into the query' {
        $null = Get-EvsSnapshot -Name 'x&status=available' -Status error
        $query = (Get-TestRequests)[-1].query
        $query | Should -Match 'name=x%26status%3Davailable'
        ([regex]::Matches($query, '(^|&)status=')).Count | Should -Be 1
    }
}
