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

Describe 'Secrets of every credential source' {
    BeforeAll {
        Reset-TestEmulator
        Disconnect-EvsProject
        $partnerKey = $Info.accessKeys | Where-Object domainName -EQ 'evs-partner'
        $idToken = $Info.identityProviders[0].idTokens[0].idToken
        $temp = Join-Path ([IO.Path]::GetTempPath()) "evs-leak-sources-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $temp
        $idTokenFile = Join-Path $temp 'id-token'
        Set-Content -LiteralPath $idTokenFile -Value $idToken -NoNewline
        $goodFile = Join-Path $temp 'credentials'
        Set-Content -LiteralPath $goodFile -Value "[basic]`nak = $($partnerKey.access)`nsk = $($partnerKey.secret)`n"
        $badFile = Join-Path $temp 'malformed'
        Set-Content -LiteralPath $badFile -Value "[basic]`nak = $($partnerKey.access)`n$($partnerKey.secret)`nsk = $($partnerKey.secret)`n"
        $wrongIdToken = 'eyJ.wrong-id-token-for-the-leak-test.sig'
        $script:SourceTranscript = Join-Path $temp 'transcript.txt'
        $common = @{ Region = 'cn-north-4'; Endpoint = $Url; IamEndpoint = $Url; PassThru = $true; Debug = $true; Verbose = $true }

        $DebugPreference = 'Continue'
        $VerbosePreference = 'Continue'
        $null = Start-Transcript -Path $SourceTranscript
        $script:SourceCapture = & {
            Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey } {
                $c = Connect-EvsProject @common
                $c | Format-List * -Force | Out-String
            }
            $c = Connect-EvsProject @common -CredentialsFile $goodFile
            $c | Format-List * -Force | Out-String
            try { Connect-EvsProject @common -CredentialsFile $badFile } catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }

            # The ECS agency, with its keys rotated and expired under a running batch.
            $ecs = Connect-EvsProject @common -EcsAgency -MetadataEndpoint $Url
            $ecs | Format-List * -Force | Out-String
            Get-EvsVolume -Name db01 -Debug
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'metadata/rotate' -Method POST
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials/expire' -Method POST -Body @{ source = 'metadata' }
            Get-EvsVolume -Status in-use -Debug | New-EvsSnapshot -Name leak-sources -Debug -Verbose
            Get-EvsContext | Format-List * -Force | Out-String
            Set-TestEmulatorConfig @{ metadata = @{ agencyAttached = $false } }
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials/expire' -Method POST -Body @{ source = 'metadata' }
            Get-EvsVolume -Name db01 -Debug -ErrorAction Continue
            Set-TestEmulatorConfig @{ metadata = $null }

            # Federation, then a rejected id token.
            $fed = Connect-EvsProject @common -IdpId evs-oidc -IdTokenFile $idTokenFile
            $fed | Format-List * -Force | Out-String
            Get-EvsSnapshot -First 2 -Debug
            Set-Content -LiteralPath $idTokenFile -Value $wrongIdToken
            try { Connect-EvsProject @common -IdpId evs-oidc -IdTokenFile $idTokenFile } catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }

            # Agencies, from a password token and from AK/SK, and one refused.
            $agency = Connect-EvsProject @common -UserName $Info.userName -DomainName $Info.domainName -Password (ConvertTo-SecureString $Info.password -AsPlainText -Force) `
                -AgencyName evs-demo-ops -AgencyDomainName evs-partner
            $agency | Format-List * -Force | Out-String
            $agency | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue
            Get-EvsVolume -Debug
            $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials/expire' -Method POST -Body @{ source = 'agency' }
            Get-EvsSnapshot -First 1 -Debug
            try { Connect-EvsProject @common -Credential (New-TestCredential $Info.accessKey $Info.secretKey) -AgencyName nope -AgencyDomainName evs-partner } catch { $_ | Format-List * -Force | Out-String; $_.Exception.ToString() }
            Get-EvsContext | Format-List * -Force | Out-String
        } *>&1 | Out-String -Width 400
        $null = Stop-Transcript
        $DebugPreference = 'SilentlyContinue'
        $VerbosePreference = 'SilentlyContinue'
        $script:SourceTranscriptText = Get-Content $SourceTranscript -Raw
        $script:SourceErrorText = ($Error | ForEach-Object { ($_ | Format-List * -Force | Out-String) + $_.Exception.ToString() + "$($_.ErrorDetails)" + "$($_.TargetObject)" }) -join "`n"
        $script:SourceContextText = (Get-EvsContext | Format-List * -Force | Out-String) + [System.Management.Automation.PSSerializer]::Serialize((Get-EvsContext), 3)

        # Every secret the emulator ever handed out (seeded and issued keys), and the other secrets of this runbook.
        $issued = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials?secrets=true').credentials)
        $script:IssuedCount = @($issued | Where-Object { -not $_.seeded }).Count
        $script:SourceSecrets = @($issued.secret) + @($issued.securityToken | Where-Object { $_ }) + @($idToken, $wrongIdToken, $Info.password, $partnerKey.secret)
        Remove-Item -LiteralPath $temp -Recurse -Force
    }

    It 'exercised every source (the capture shows their requests and renewals)' {
        $SourceCapture | Should -Match 'HTTP GET .*/openstack/latest/securitykey'
        $SourceCapture | Should -Match 'HTTP POST .*/v3.0/OS-AUTH/id-token/tokens'
        $SourceCapture | Should -Match 'HTTP POST .*/v3.0/OS-CREDENTIAL/securitytokens'
        $SourceCapture | Should -Match 'no longer accepts the ECS agency credential'
        $SourceCapture | Should -Match 'CredentialSource\s+: Agency \(evs-demo-ops@evs-partner\)'
        $SourceCapture | Should -Match 'is not valid: line 3'
        $SourceCapture | Should -Match 'Recommendation: Attach an agency to this ECS'
        $IssuedCount | Should -BeGreaterOrEqual 6  # metadata (3), federation, agency (2)
    }

    It 'masks the metadata session token and the federation bodies in -Debug' {
        $SourceCapture | Should -Match 'X-Metadata-Token: \[redacted\]'
        $SourceCapture | Should -Match 'POST .*/v3.0/OS-AUTH/id-token/tokens[^\n]*(\n[^\n]*)*?request body: \[redacted: contains credentials\]'
    }

    It 'never shows a secret from any source in any stream, the transcript, $Error or the context' {
        $SourceSecrets.Count | Should -BeGreaterOrEqual 14
        foreach ($secret in $SourceSecrets) {
            $pattern = [regex]::Escape($secret)
            $SourceCapture | Should -Not -Match $pattern
            $SourceTranscriptText | Should -Not -Match $pattern
            $SourceErrorText | Should -Not -Match $pattern
            $SourceContextText | Should -Not -Match $pattern
        }
        # Issued security tokens ("gQ" + base64) and IAM tokens ("MIIE" + base64) by their shape, too.
        $SourceCapture + $SourceTranscriptText + $SourceErrorText | Should -Not -Match 'gQ[A-Za-z0-9+/=]{40}'
        $SourceCapture + $SourceTranscriptText + $SourceErrorText | Should -Not -Match 'MIIE[A-Za-z0-9+/=]{40}'
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
