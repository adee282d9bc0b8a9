# Where runbooks get credentials: the SDKs' chain (environment, credentials file), the ECS agency, OIDC federation,
# IAM agencies of another account, and their renewal under load, end to end against the emulator. Every variable a
# test sets is restored (Invoke-WithEnvironment); HOME and the chain's file point at temp folders, never the real ~.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Url = $Emulator.Url
    $script:Partner = $Info.projects | Where-Object domainName -EQ 'evs-partner'
    $script:PartnerKey = $Info.accessKeys | Where-Object domainName -EQ 'evs-partner'
    $script:IdToken = $Info.identityProviders[0].idTokens[0].idToken
    $script:Temp = Join-Path ([IO.Path]::GetTempPath()) "evs-credentials-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $Temp
    $script:IdTokenPath = Join-Path $Temp 'id-token'
    Set-Content -LiteralPath $IdTokenPath -Value $IdToken -NoNewline

    function Connect-Emulator([hashtable] $Extra = @{}) {
        $params = @{ Region = 'cn-north-4'; Endpoint = $Url; IamEndpoint = $Url; PassThru = $true }
        foreach ($k in $Extra.Keys) { $params[$k] = $Extra[$k] }
        Connect-EvsProject @params
    }

    function New-CredentialsFile([string] $Path, [string] $Text) {
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $Path)
        Set-Content -LiteralPath $Path -Value $Text
        $Path
    }

    function Get-EvsLog { @(Get-TestRequests | Where-Object { $_.path -like '/v2/*' }) }
}

AfterAll {
    Remove-Item -LiteralPath $Temp -Recurse -Force -ErrorAction SilentlyContinue
    Stop-TestEmulator
}

Describe 'Credentials from the environment and the credentials file' {
    BeforeEach {
        Reset-TestEmulator
        Disconnect-EvsProject
    }

    It 'reads HUAWEICLOUD_SDK_AK / _SK / _PROJECT_ID (no project lookup)' {
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey; HUAWEICLOUD_SDK_PROJECT_ID = $Info.projectId } {
            $context = Connect-Emulator
            $context.CredentialSource | Should -Be 'Environment (HUAWEICLOUD_SDK_AK)'
            $context.AccessKey | Should -Be $Info.accessKey
            $context.ProjectId | Should -Be $Info.projectId
            Get-TestRequests | Should -BeNullOrEmpty
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
        }
    }

    It 'reads HUAWEICLOUD_SDK_SECURITY_TOKEN with temporary keys' {
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.tempAccessKey; HUAWEICLOUD_SDK_SK = $Info.tempSecretKey; HUAWEICLOUD_SDK_SECURITY_TOKEN = $Info.securityToken } {
            $context = Connect-Emulator
            $context.UsesSecurityToken | Should -BeTrue
            (Get-EvsVolume -Name db01).Name | Should -Be 'db01'
            (Get-EvsLog)[-1].credentialSource | Should -Be 'temporary'
        }
    }

    It 'prefers federation (HUAWEICLOUD_SDK_IDP_ID + _ID_TOKEN_FILE) over AK/SK in the environment' {
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey; HUAWEICLOUD_SDK_IDP_ID = 'evs-oidc'; HUAWEICLOUD_SDK_ID_TOKEN_FILE = $IdTokenPath } {
            $context = Connect-Emulator
            $context.CredentialSource | Should -Be 'Federation (idp evs-oidc) from Environment (HUAWEICLOUD_SDK_IDP_ID)'
            $context.AccessKey | Should -Not -Be $Info.accessKey
            $null = Get-EvsVolume -Name db01
            (Get-EvsLog)[-1].credentialSource | Should -Be 'federation'
        }
    }

    It 'prefers the official names over CLOUD_SDK_AK, and CLOUD_SDK_AK over the credentials file' {
        $file = New-CredentialsFile (Join-Path $Temp 'order/credentials') "[basic]`nak = $($PartnerKey.access)`nsk = $($PartnerKey.secret)`n"
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_CREDENTIALS_FILE = $file; CLOUD_SDK_AK = $Info.tempAccessKey; CLOUD_SDK_SK = $Info.tempSecretKey; CLOUD_SDK_SECURITY_TOKEN = $Info.securityToken } {
            (Connect-Emulator).CredentialSource | Should -Be 'Environment (CLOUD_SDK_AK)'
            Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey } {
                (Connect-Emulator).CredentialSource | Should -Be 'Environment (HUAWEICLOUD_SDK_AK)'
            }
        }
    }

    It 'reads ~/.huaweicloud/credentials from HOME when nothing else is set' {
        $homeDir = Join-Path $Temp 'home'
        $null = New-CredentialsFile (Join-Path $homeDir '.huaweicloud/credentials') "# CI`n[basic]`nak = $($PartnerKey.access)`nsk = $($PartnerKey.secret)`n"
        Invoke-WithEnvironment @{ HOME = $homeDir; USERPROFILE = $homeDir; HUAWEICLOUD_SDK_CREDENTIALS_FILE = $null } {
            $context = Connect-Emulator
            $context.CredentialSource | Should -Be 'CredentialsFile (~/.huaweicloud/credentials)'
            $context.ProjectId | Should -Be $Partner.id     # the partner's keys: its project, looked up in IAM
            (Get-EvsVolume).Name | Should -Contain 'partner-db01'
        }
    }

    It 'reads the file named by HUAWEICLOUD_SDK_CREDENTIALS_FILE, with its project_id' {
        $file = New-CredentialsFile (Join-Path $Temp 'variable/credentials') "[basic]`nak = $($Info.accessKey)`nsk = $($Info.secretKey)`nproject_id = $($Info.projectId)`n"
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_CREDENTIALS_FILE = $file } {
            Clear-TestRequestLog
            $context = Connect-Emulator
            $context.CredentialSource | Should -Be "CredentialsFile ($file)"
            Get-TestRequests | Should -BeNullOrEmpty
        }
    }

    It 'reads -CredentialsFile, relative to the current location' {
        $null = New-CredentialsFile (Join-Path $Temp 'given/creds.ini') "[basic]`nak = $($PartnerKey.access)`nsk = $($PartnerKey.secret)`n"
        Push-Location (Join-Path $Temp 'given')
        try { $context = Connect-Emulator @{ CredentialsFile = './creds.ini' } } finally { Pop-Location }
        $context.CredentialSource | Should -Be "CredentialsFile ($(Join-Path $Temp 'given/creds.ini'))"
        $context.ProjectId | Should -Be $Partner.id
    }

    It 'refuses a malformed -CredentialsFile naming the line, without showing a secret, before any request' {
        $file = New-CredentialsFile (Join-Path $Temp 'bad/credentials') "[basic]`nak = $($Info.accessKey)`nsk $($Info.secretKey)`n"
        Clear-TestRequestLog
        { Connect-Emulator @{ CredentialsFile = $file } } | Should -Throw -ErrorId 'CredentialsFileInvalid,*'
        $record = $Error[0]
        $record.Exception.Message | Should -BeLike "*$file is not valid: line 3: expected 'key = value'*"
        $record.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $record.ErrorDetails.RecommendedAction | Should -BeLike 'Correct line 3 of *'
        ($record | Format-List * -Force | Out-String) + $record.Exception.ToString() | Should -Not -Match ([regex]::Escape($Info.secretKey))
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'says what it tried when there is no credential anywhere' {
        $homeDir = Join-Path $Temp 'empty-home'
        $null = New-Item -ItemType Directory -Force -Path $homeDir
        Invoke-WithEnvironment @{ HOME = $homeDir; USERPROFILE = $homeDir; HUAWEICLOUD_SDK_CREDENTIALS_FILE = $null } {
            Clear-TestRequestLog
            { Connect-Emulator } | Should -Throw -ErrorId 'CredentialMissing,*'
            $message = $Error[0].Exception.Message
            foreach ($name in 'HUAWEICLOUD_SDK_IDP_ID', 'HUAWEICLOUD_SDK_AK', 'CLOUD_SDK_AK', '~/.huaweicloud/credentials', 'ECS metadata service: not probed') {
                $message | Should -BeLike "*$name*"
            }
            $Error[0].ErrorDetails.RecommendedAction | Should -BeLike '*-EcsAgency*'
            Get-TestRequests | Should -BeNullOrEmpty
        }
    }

    It 'tells -Debug which source was chosen and why the others were skipped' {
        Invoke-WithEnvironment @{ CLOUD_SDK_AK = $Info.accessKey; CLOUD_SDK_SK = $Info.secretKey } {
            $debug = @(Connect-Emulator -Extra @{ Debug = $true } 5>&1 | Where-Object { $_ -is [System.Management.Automation.DebugRecord] } | ForEach-Object Message)
            $debug | Should -Contain 'Credential chain 1. environment HUAWEICLOUD_SDK_IDP_ID + HUAWEICLOUD_SDK_ID_TOKEN_FILE: not set'
            $debug | Should -Contain 'Credential chain 2. environment HUAWEICLOUD_SDK_AK + HUAWEICLOUD_SDK_SK: not set'
            $debug | Should -Contain 'Credential chain 3. environment CLOUD_SDK_AK + CLOUD_SDK_SK: set; chosen'
            $debug | Should -Contain 'Credential chain 4. credentials file: not read (an earlier source was chosen)'
            $debug | Should -Contain 'Credential source: Environment (CLOUD_SDK_AK).'
        }
    }

    It 'honours HUAWEICLOUD_SDK_IAM_ENDPOINT when -IamEndpoint is not given' {
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey; HUAWEICLOUD_SDK_IAM_ENDPOINT = $Url } {
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -PassThru
            $context.IamEndpoint | Should -Be "$Url/"
            $context.ProjectId | Should -Be $Info.projectId # looked up there
        }
    }
}

Describe 'ECS agency (-EcsAgency)' {
    BeforeEach {
        Reset-TestEmulator
        Disconnect-EvsProject
        Clear-TestRequestLog
    }

    It 'gets the session token, then the agency credential, and works in the agency''s account' {
        $context = Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = $Url }
        $context.CredentialSource | Should -Be 'EcsAgency'
        $context.UsesSecurityToken | Should -BeTrue
        $context.CredentialExpiresAt | Should -BeGreaterThan ([datetime]::UtcNow.AddMinutes(50))
        $context.ProjectId | Should -Be $Info.projectId
        $log = Get-TestRequests
        $log[0].route | Should -Be 'PUT /meta-data/latest/api/token'
        $log[1].route | Should -Be 'GET /openstack/latest/securitykey'
        $log[1].auth | Should -Be 'metadata-token'
        $null = Get-EvsVolume -Name db01
        $last = (Get-EvsLog)[-1]
        $last.credentialSource | Should -Be 'metadata'
        $last.credential | Should -Be $context.AccessKey
    }

    It 'works with a metadata service that has no token step (404 on the PUT)' {
        Set-TestEmulatorConfig @{ metadata = @{ tokenStep = $false } }
        $context = Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = $Url }
        $log = Get-TestRequests
        $log[0].status | Should -Be 404
        $log[1].auth | Should -Be 'none'
        $log[1].status | Should -Be 200
        (Get-EvsVolume -Name db01).Name | Should -Be 'db01'
        $context.CredentialSource | Should -Be 'EcsAgency'
    }

    It 'takes the metadata endpoint from EVSSNAPSHOT_METADATA_ENDPOINT' {
        Invoke-WithEnvironment @{ EVSSNAPSHOT_METADATA_ENDPOINT = $Url } {
            (Connect-Emulator @{ EcsAgency = $true }).CredentialSource | Should -Be 'EcsAgency'
        }
        (Get-TestRequests)[1].route | Should -Be 'GET /openstack/latest/securitykey'
    }

    It 'says so clearly when no agency is attached to the server' {
        Set-TestEmulatorConfig @{ metadata = @{ agencyAttached = $false } }
        { Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = $Url } } | Should -Throw -ErrorId 'EcsAgencyNotAttached,*'
        $Error[0].Exception.Message | Should -BeLike '*Please configure Cloud Service Agency first*'
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike 'Attach an agency to this ECS*'
        $Error[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
    }

    It 'fails within its 3 s timeout, naming the endpoint, when the metadata service is slow' {
        Set-TestEmulatorConfig @{ metadata = @{ latencyMs = 20000 } }
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = $Url } } | Should -Throw -ErrorId 'MetadataServiceUnavailable,*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 12 # 3 s, with room for a loaded machine; far from the 20 s it would hang
        $Error[0].Exception.Message | Should -Be "The ECS metadata service at $Url did not answer within 3 s."
        $Error[0].CategoryInfo.Category | Should -Be 'OperationTimeout'
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike '*-MetadataEndpoint*'
    }

    It 'fails at once, naming the endpoint, when nothing listens there' {
        $listener = [System.Net.Sockets.TcpListener]::new([System.Net.IPAddress]::Loopback, 0)
        $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop() # a port that was free a moment ago
        $watch = [Diagnostics.Stopwatch]::StartNew()
        { Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = "http://127.0.0.1:$port" } } | Should -Throw -ErrorId 'MetadataServiceUnavailable,*'
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 12
        $Error[0].Exception.Message | Should -BeLike "The ECS metadata service at http://127.0.0.1:$port could not be reached*"
        $Error[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'refuses a plain-http metadata endpoint that is neither link-local nor this machine' {
        { Connect-Emulator @{ EcsAgency = $true; MetadataEndpoint = 'http://10.1.2.3' } } | Should -Throw -ErrorId 'InsecureEndpoint,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }
}

Describe 'OIDC federation (-IdpId, -IdTokenFile)' {
    BeforeEach {
        Reset-TestEmulator
        Disconnect-EvsProject
        Clear-TestRequestLog
    }

    It 'exchanges the id token, gets temporary keys and works with them' {
        $context = Connect-Emulator @{ IdpId = 'evs-oidc'; IdTokenFile = $IdTokenPath }
        $context.CredentialSource | Should -Be 'Federation (idp evs-oidc)'
        $context.ProjectId | Should -Be $Info.projectId
        $context.CredentialExpiresAt | Should -Not -BeNullOrEmpty
        @(Get-TestRequests).route | Should -Contain 'POST /v3.0/OS-AUTH/id-token/tokens'
        $null = Get-EvsVolume -Name db01
        (Get-EvsLog)[-1].credentialSource | Should -Be 'federation'
    }

    It 'reads the id token file again when it renews the credential' {
        $file = Join-Path $Temp 'rotating-id-token'
        Set-Content -LiteralPath $file -Value $IdToken
        $null = Connect-Emulator @{ IdpId = 'evs-oidc'; IdTokenFile = $file }
        Set-Content -LiteralPath $file -Value 'eyJ.a-token-the-idp-no-longer-accepts.sig'
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials/expire' -Method POST -Body @{ source = 'federation' }
        $null = Get-EvsVolume -Name db01 -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
        $failures[0].ErrorDetails.RecommendedAction | Should -BeLike "*$file*evs-oidc*"
        @((Get-TestRequests) | Where-Object route -EQ 'POST /v3.0/OS-AUTH/id-token/tokens').status | Should -Be @(201, 401)
    }

    It 'refuses an empty id token file before sending anything' {
        $file = Join-Path $Temp 'empty-id-token'
        Set-Content -LiteralPath $file -Value '   '
        { Connect-Emulator @{ IdpId = 'evs-oidc'; IdTokenFile = $file } } | Should -Throw -ErrorId 'IdTokenEmpty,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }
}

Describe 'Acting through an IAM agency (-AgencyName)' {
    BeforeEach {
        Reset-TestEmulator
        Disconnect-EvsProject
        Clear-TestRequestLog
    }

    It 'assumes the agency with AK/SK and works in the delegating account''s project' {
        $context = Connect-Emulator @{ Credential = (New-TestCredential $Info.accessKey $Info.secretKey); AgencyName = 'evs-demo-ops'; AgencyDomainName = 'evs-partner'; AgencySessionName = 'nightly-backup' }
        $context.CredentialSource | Should -Be 'Agency (evs-demo-ops@evs-partner) from Parameter'
        $context.ProjectId | Should -Be $Partner.id
        $assume = (Get-TestRequests)[0]
        $assume.route | Should -Be 'POST /v3.0/OS-CREDENTIAL/securitytokens'
        $assume.credential | Should -Be $Info.accessKey
        (Get-EvsVolume).Name | Sort-Object | Should -Be @('partner-data01', 'partner-db01', 'partner-sys01')
        $last = (Get-EvsLog)[-1]
        $last.credentialSource | Should -Be 'agency'
        $last.domain | Should -Be 'evs-partner'
        (Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path 'credentials?source=agency').credentials[0].sessionUser | Should -Be 'nightly-backup'
    }

    It 'assumes the agency with an IAM password token, by the delegating account''s id' {
        $context = Connect-Emulator @{ IamCredential = (New-TestCredential $Info.userName $Info.password); DomainName = $Info.domainName; AgencyName = 'evs-demo-ops'; AgencyDomainId = $Partner.domainId }
        $context.CredentialSource | Should -Be "Agency (evs-demo-ops@$($Partner.domainId)) from Parameter"
        $context.AuthType | Should -Be 'AkSk'
        $context.ProjectId | Should -Be $Partner.id
        $log = Get-TestRequests
        $log[0].path | Should -Be '/v3/auth/tokens'
        $log[1].route | Should -Be 'POST /v3.0/OS-CREDENTIAL/securitytokens'
        $log[1].auth | Should -Be 'token'
        (Get-EvsSnapshot).Name | Should -Contain 'partner-db01-daily'
    }

    It 'assumes the agency on top of the chain''s credential, ignoring that credential''s own project id' {
        Invoke-WithEnvironment @{ HUAWEICLOUD_SDK_AK = $Info.accessKey; HUAWEICLOUD_SDK_SK = $Info.secretKey; HUAWEICLOUD_SDK_PROJECT_ID = $Info.projectId } {
            $context = Connect-Emulator @{ AgencyName = 'evs-demo-ops'; AgencyDomainName = 'evs-partner' }
            $context.CredentialSource | Should -Be 'Agency (evs-demo-ops@evs-partner) from Environment (HUAWEICLOUD_SDK_AK)'
            $context.ProjectId | Should -Be $Partner.id
        }
    }

    It 'reports an agency that does not exist or does not trust the caller as PermissionDenied, with what to check' {
        { Connect-Emulator @{ Credential = (New-TestCredential $Info.accessKey $Info.secretKey); AgencyName = 'no-such-agency'; AgencyDomainName = 'evs-partner' } } |
            Should -Throw -ErrorId 'PermissionDenied,*'
        $Error[0].Exception.Message | Should -BeLike "*assume agency 'no-such-agency' of account 'evs-partner'*"
        $Error[0].ErrorDetails.RecommendedAction | Should -BeLike "Check -AgencyName 'no-such-agency'*"
        $partnerCredential = New-TestCredential $PartnerKey.access $PartnerKey.secret # the partner itself is not trusted by its own agency
        { Connect-Emulator @{ Credential = $partnerCredential; AgencyName = 'evs-demo-ops'; AgencyDomainName = 'evs-partner' } } | Should -Throw -ErrorId 'PermissionDenied,*'
    }

    It 'checks the agency parameters before sending anything' -TestCases @(
        @{ Extra = @{ AgencyName = 'evs-demo-ops' }; ErrorId = 'AgencyDomainMissing' }
        @{ Extra = @{ AgencyDomainName = 'evs-partner' }; ErrorId = 'AgencyNameMissing' }
        @{ Extra = @{ AgencyName = 'evs-demo-ops'; AgencyDomainName = 'evs-partner'; AgencySessionName = '1bad' }; ErrorId = 'InvalidAgencySessionName' }
        @{ Extra = @{ AgencyName = 'evs-demo-ops'; AgencyDomainName = 'evs-partner'; AgencyDurationSeconds = 600 }; ErrorId = 'ParameterArgumentValidationError' }
    ) {
        $Extra.Credential = New-TestCredential $Info.accessKey $Info.secretKey
        { Connect-Emulator $Extra } | Should -Throw -ErrorId "$ErrorId,*"
        Get-TestRequests | Should -BeNullOrEmpty
    }
}

Describe 'Renewal under load' {
    BeforeAll {
        # The short version of tests/soak/Invoke-CredentialRotation.ps1: 300 creates, credentials that live 3 s.
        $script:Rotation = & (Join-Path $PSScriptRoot '../soak/Invoke-CredentialRotation.ps1') -Requests 300 -Source EcsAgency, Agency -LifetimeSeconds 3 -PassThru 6>$null
        Import-Module (Get-EvsModulePath) -Force
    }

    It '<Source>: 300 creates while the credential rotates at least three times: 0 failed, 0 duplicates, none lost' -ForEach @(@{ Source = 'EcsAgency' }, @{ Source = 'Agency' }) {
        $r = $Rotation | Where-Object Source -EQ $Source
        $r.Failed | Should -Be 0 -Because $r.FailureIds
        $r.Reported | Should -Be 300
        $r.Snapshots | Should -Be 300
        $r.Duplicates | Should -Be 0
        $r.Lost | Should -Be 0
        $r.Rotations | Should -BeGreaterOrEqual 3 -Because "the batch took $($r.Seconds) s with keys of 3 s (distinct keys in the emulator's log: $($r.DistinctKeys))"
        $r.KeySources | Should -Be $(if ($Source -eq 'EcsAgency') { 'metadata' } else { 'agency' })
    }
}
