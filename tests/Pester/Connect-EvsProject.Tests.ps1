BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Url = $Emulator.Url
}

AfterAll { Stop-TestEmulator }

Describe 'Connect-EvsProject' {
    BeforeEach {
        Disconnect-EvsProject
        Clear-TestRequestLog
    }

    Context 'AK/SK' {
        It 'connects with -AccessKey/-SecretKey and resolves the project id through IAM when it is omitted' {
            $sk = ConvertTo-SecureString $Info.secretKey -AsPlainText -Force
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -AccessKey $Info.accessKey -SecretKey $sk -PassThru
            $context.ProjectId | Should -Be $Info.projectId
            $context.AuthType | Should -Be 'AkSk'
            $context.AccessKey | Should -Be $Info.accessKey
            $iam = Get-TestRequests | Where-Object path -EQ '/v3/projects'
            $iam | Should -HaveCount 1
            $iam[0].query | Should -Match 'name=cn-north-4'
            $iam[0].status | Should -Be 200
            (Get-EvsVolume | Measure-Object).Count | Should -BeGreaterThan 5
        }

        It 'connects with -Credential (user name = AK, password = SK) and a given -ProjectId without calling IAM' {
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -ProjectId $Info.projectId `
                -Credential (New-TestCredential $Info.accessKey $Info.secretKey) -PassThru
            $context.ProjectId | Should -Be $Info.projectId
            Get-TestRequests | Where-Object path -Like '/v3/*' | Should -BeNullOrEmpty
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
        }

        It 'signs every request with SDK-HMAC-SHA256 and the project header' {
            $null = Connect-TestProject
            $null = Get-EvsVolume -Name db01
            $request = (Get-TestRequests)[-1]
            $request.auth | Should -Match 'aksk'
            $request.status | Should -Be 200
        }

        It 'uses temporary AK/SK with -SecurityToken' {
            $token = ConvertTo-SecureString $Info.securityToken -AsPlainText -Force
            $null = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -ProjectId $Info.projectId `
                -Credential (New-TestCredential $Info.tempAccessKey $Info.tempSecretKey) -SecurityToken $token
            (Get-EvsContext).UsesSecurityToken | Should -BeTrue
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
        }

        It 'fails with AuthenticationFailed when temporary AK/SK come without the security token' {
            $null = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -ProjectId $Info.projectId `
                -Credential (New-TestCredential $Info.tempAccessKey $Info.tempSecretKey)
            $volumes = Get-EvsVolume -ErrorVariable failures -ErrorAction SilentlyContinue
            $volumes | Should -BeNullOrEmpty
            $failures[0].FullyQualifiedErrorId | Should -BeLike 'AuthenticationFailed,*'
            $failures[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
            $failures[0].Exception.ErrorCode | Should -Be 'APIGW.0301'
        }

        It 'reports a wrong secret key as an authentication error naming the access key but not the secret' {
            $wrong = 'WrongSecretKey00000000000000000000000001'
            { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Credential (New-TestCredential $Info.accessKey $wrong) } |
                Should -Throw -ErrorId 'AuthenticationFailed,*'
            $record = $Error[0]
            $record.Exception.Message | Should -Match ([regex]::Escape($Info.accessKey))
            $record.Exception.Message | Should -Not -Match $wrong
            $record.CategoryInfo.Category | Should -Be 'AuthenticationError'
        }

        It 'reads CLOUD_SDK_AK / CLOUD_SDK_SK (and CLOUD_SDK_SECURITY_TOKEN) when no credential parameter is given' {
            $env:CLOUD_SDK_AK = $Info.tempAccessKey
            $env:CLOUD_SDK_SK = $Info.tempSecretKey
            $env:CLOUD_SDK_SECURITY_TOKEN = $Info.securityToken
            try {
                $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -PassThru
                $context.AccessKey | Should -Be $Info.tempAccessKey
                $context.UsesSecurityToken | Should -BeTrue
                Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
            }
            finally {
                Remove-Item Env:CLOUD_SDK_AK, Env:CLOUD_SDK_SK, Env:CLOUD_SDK_SECURITY_TOKEN -ErrorAction SilentlyContinue
            }
        }

        It 'says which credentials are missing when there are none' {
            Remove-Item Env:CLOUD_SDK_AK, Env:CLOUD_SDK_SK -ErrorAction SilentlyContinue
            { Connect-EvsProject -Region cn-north-4 -Endpoint $Url } | Should -Throw -ErrorId 'CredentialMissing,*'
            $Error[0].Exception.Message | Should -Match 'CLOUD_SDK_AK'
            Get-TestRequests | Should -BeNullOrEmpty
        }
    }

    Context 'Token and IAM password' {
        It 'connects with an existing token (-Token)' {
            $token = ConvertTo-SecureString (Get-EvsIamToken $Emulator) -AsPlainText -Force
            Clear-TestRequestLog
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Token $token -PassThru
            $context.AuthType | Should -Be 'Token'
            $context.ProjectId | Should -Be $Info.projectId
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
            (Get-TestRequests | Where-Object path -Like '/v2/*')[-1].auth | Should -Match 'token'
        }

        It 'takes the text of a secret too (-Token $env:X, -SecretKey, -Password), keeping it only as a SecureString' {
            $text = Get-EvsIamToken $Emulator
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Token $text -PassThru
            $context.AuthType | Should -Be 'Token'
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
            ($context | Out-String) + (Get-EvsContext | Format-List * | Out-String) | Should -Not -Match ([regex]::Escape($text))
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -ProjectId $Info.projectId -AccessKey $Info.accessKey -SecretKey $Info.secretKey -PassThru
            $context.AuthType | Should -Be 'AkSk'
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName -Password $Info.password -PassThru
            $context.AuthType | Should -Be 'Password'
            # The binder's own command metadata: the parameter stays a SecureString (prompts mask it, help says so).
            (Get-Command Connect-EvsProject).Parameters.Token.ParameterType | Should -Be ([securestring])
        }

        It 'still refuses a token that is neither text nor a SecureString, before any request' {
            Clear-TestRequestLog
            { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -Token 42 } | Should -Throw -ErrorId 'CannotConvertArgumentNoMessage,*'
            @(Get-TestRequests) | Should -BeNullOrEmpty
        }

        It 'obtains a project-scoped token with -UserName/-DomainName/-Password' {
            $password = ConvertTo-SecureString $Info.password -AsPlainText -Force
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName -Password $password -PassThru
            $context.AuthType | Should -Be 'Password'
            $context.ProjectId | Should -Be $Info.projectId
            $context.TokenExpiresAt | Should -BeGreaterThan ([datetime]::UtcNow.AddHours(23))
            (Get-TestRequests | Where-Object path -EQ '/v3/auth/tokens').status | Should -Be 201
            Get-EvsVolume -Name db01 | Should -Not -BeNullOrEmpty
        }

        It 'obtains a token with -IamCredential' {
            $context = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -IamCredential (New-TestCredential $Info.userName $Info.password) -DomainName $Info.domainName -PassThru
            $context.UserName | Should -Be $Info.userName
            $context.DomainName | Should -Be $Info.domainName
            Get-EvsSnapshot -First 1 | Should -Not -BeNullOrEmpty
        }

        It 'fails with AuthenticationFailed for a wrong password, without showing it' {
            $wrong = ConvertTo-SecureString 'Not-The-Passw0rd!' -AsPlainText -Force
            { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName -Password $wrong } |
                Should -Throw -ErrorId 'AuthenticationFailed,*'
            $Error[0].Exception.Message | Should -Not -Match 'Not-The-Passw0rd'
            Get-EvsContext | Should -BeNullOrEmpty
        }
    }

    Context 'Endpoints and settings' {
        It 'derives the public endpoints from -Region' {
            $context = Connect-EvsProject -Region ap-southeast-1 -ProjectId 0123456789abcdef0123456789abcdef -Credential (New-TestCredential 'AKEXAMPLE' 'SKEXAMPLE0000') -PassThru
            $context.Endpoint | Should -Be 'https://evs.ap-southeast-1.myhuaweicloud.com/'
            $context.IamEndpoint | Should -Be 'https://iam.ap-southeast-1.myhuaweicloud.com/'
        }

        It 'refuses plain http to a host that is not this machine' {
            { Connect-EvsProject -Region cn-north-4 -ProjectId 0123456789abcdef0123456789abcdef -Endpoint 'http://evs.example.com' -Credential (New-TestCredential 'AK' 'SKSECRET') } |
                Should -Throw -ErrorId 'InsecureEndpoint,*'
            $Error[0].CategoryInfo.Category | Should -Be 'InvalidArgument'
        }

        It 'refuses an invalid region id' {
            { Connect-EvsProject -Region 'CN North 4' -ProjectId 0123456789abcdef0123456789abcdef -Credential (New-TestCredential 'AK' 'SKSECRET') } |
                Should -Throw -ErrorId 'InvalidRegion,*'
        }

        It 'warns about -SkipCertificateCheck' {
            $null = Connect-TestProject -Extra @{ SkipCertificateCheck = $true } -WarningVariable warnings -WarningAction SilentlyContinue
            $warnings | Should -Not -BeNullOrEmpty
            "$warnings" | Should -Match 'not checked'
            (Get-EvsContext).SkipCertificateCheck | Should -BeTrue
        }

        It 'keeps retry and timeout settings on the context' {
            $context = Connect-TestProject -Extra @{ MaximumRetryCount = 2; MaximumRetryWaitSec = 7; TimeoutSec = 9 }
            $context.MaximumRetryCount | Should -Be 2
            $context.MaximumRetryWait | Should -Be ([timespan]::FromSeconds(7))
            $context.RequestTimeout | Should -Be ([timespan]::FromSeconds(9))
        }

        It 'returns the context only with -PassThru' {
            $params = @{ Region = 'cn-north-4'; Endpoint = $Url; ProjectId = $Info.projectId; Credential = (New-TestCredential $Info.accessKey $Info.secretKey) }
            Connect-EvsProject @params | Should -BeNullOrEmpty
            Get-EvsContext | Should -Not -BeNullOrEmpty
        }
    }

    Context 'Contexts' {
        It 'Get-EvsContext shows the current context and never a secret' {
            $null = Connect-TestProject
            $context = Get-EvsContext
            $text = ($context | Format-List * | Out-String) + $context.ToString() + ($context | ConvertTo-Json -Depth 3 -WarningAction SilentlyContinue)
            $text | Should -Match $Info.projectId
            $text | Should -Not -Match $Info.secretKey
        }

        It 'Disconnect-EvsProject clears it, and API cmdlets then say how to connect' {
            $null = Connect-TestProject
            Disconnect-EvsProject
            Get-EvsContext | Should -BeNullOrEmpty
            { Get-EvsVolume } | Should -Throw -ErrorId 'NotConnected,*'
            $Error[0].Exception.Message | Should -Match 'Connect-EvsProject'
        }

        It 'lets every API cmdlet use another context with -Context' {
            $akSk = Connect-TestProject
            $password = Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -IamCredential (New-TestCredential $Info.userName $Info.password) -DomainName $Info.domainName -PassThru
            (Get-EvsContext).AuthType | Should -Be 'Password'
            Clear-TestRequestLog
            $null = Get-EvsVolume -Name db01 -Context $akSk
            (Get-TestRequests)[-1].auth | Should -Match 'aksk'
            $null = Get-EvsVolume -Name db01
            (Get-TestRequests)[-1].auth | Should -Match 'token'
            $null = $password
        }

        It 'shares the current context with ForEach-Object -Parallel and Start-ThreadJob in the same process' {
            $null = Connect-TestProject
            $module = Get-EvsModulePath
            $parallel = 1..2 | ForEach-Object -Parallel { Import-Module $using:module; (Get-EvsContext).ProjectId } -ThrottleLimit 2
            $parallel | Should -Be @($Info.projectId, $Info.projectId)
            $job = Start-ThreadJob { Import-Module $using:module; (Get-EvsVolume -Name db01).Name }
            $job | Wait-Job -Timeout 60 | Receive-Job | Should -Be 'db01'
            $job | Remove-Job -Force
        }
    }
}

Describe 'Connect-EvsProject checks what it can without a request' {
    BeforeEach { Clear-TestRequestLog }
    AfterEach { Disconnect-EvsProject }

    It 'refuses a region that is not an EVS region, suggesting the near one, and sends nothing' {
        { Connect-EvsProject -Region cn-nort-4 -ProjectId 0123456789abcdef0123456789abcdef -Credential (New-TestCredential 'AK' 'SKSECRET') } |
            Should -Throw -ErrorId 'UnknownRegion,*'
        "$($Error[0])" | Should -Match 'did you mean cn-north-4\?'
        "$($Error[0])" | Should -Match 'cn-north-12'
        $Error[0].ErrorDetails.RecommendedAction | Should -Match '-Endpoint'
    }

    It 'takes any well-formed region with -Endpoint (a private cloud)' {
        $context = Connect-TestProject -Extra @{ Region = 'my-private-1' }
        $context.Region | Should -Be 'my-private-1'
    }

    It 'completes -Region from the one list of the 34 EVS regions' {
        $regions = @((TabExpansion2 'Connect-EvsProject -Region ' 27).CompletionMatches.CompletionText)
        $regions | Should -HaveCount 34
        $regions | Should -Contain 'cn-north-12'
        $regions | Should -Contain 'af-north-1'
        $regions | Should -Contain 'cn-southwest-3'
    }

    It 'says -ProjectId wants the id, not the name, when given a name' {
        { Connect-EvsProject -Region cn-north-4 -ProjectId cn-north-4 -Credential (New-TestCredential 'AK' 'SKSECRET') } | Should -Throw -ErrorId 'InvalidProjectId,*'
        "$($Error[0])" | Should -Match "wants the project's id, not its name"
        { Connect-EvsProject -Region cn-north-4 -ProjectId 0123456789abcdef0123 -Credential (New-TestCredential 'AK' 'SKSECRET') } | Should -Throw -ErrorId 'InvalidProjectId,*'
        "$($Error[0])" | Should -Match '32 hexadecimal characters'
    }

    It 'says which of -ProjectId or -IamEndpoint -Endpoint needs' {
        { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -Credential (New-TestCredential $Info.accessKey $Info.secretKey) } | Should -Throw -ErrorId 'ProjectIdRequired,*'
        "$($Error[0])" | Should -Match '-ProjectId, or -IamEndpoint'
        { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -ProjectId $Info.projectId -IamCredential (New-TestCredential $Info.userName $Info.password) -DomainName $Info.domainName } |
            Should -Throw -ErrorId 'IamEndpointRequired,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'tells a wrong IAM password to check user name, password and account, not access and secret keys' {
        $wrong = ConvertTo-SecureString 'Not-The-Passw0rd!' -AsPlainText -Force
        { Connect-EvsProject -Region cn-north-4 -Endpoint $Url -IamEndpoint $Url -UserName $Info.userName -DomainName $Info.domainName -Password $wrong } |
            Should -Throw -ErrorId 'AuthenticationFailed,*'
        $Error[0].ErrorDetails.RecommendedAction | Should -Match 'user name, password and account'
        $Error[0].ErrorDetails.RecommendedAction | Should -Not -Match 'access key'
    }

    It 'writes a one-line summary when typed at an interactive prompt, and nothing in scripts or -NonInteractive sessions' {
        $pwsh = Get-PwshCommand
        $connect = "Import-Module '$(Get-EvsModulePath)'; `$c = [pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force)); Connect-EvsProject -Region cn-north-4 -Endpoint '$Url' -IamEndpoint '$Url' -ProjectId '$($Info.projectId)' -Credential `$c"
        $typed = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -Command $connect 2>&1 | Out-String
        $typed | Should -Match "Connected to project $($Info.projectId) in cn-north-4 as $($Info.accessKey)"
        $quiet = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $connect 2>&1 | Out-String
        $quiet | Should -Not -Match 'Connected to project'
        $file = Join-Path $TestDrive 'runbook.ps1'
        Set-Content -LiteralPath $file -Value $connect
        $script = & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -File $file 2>&1 | Out-String
        $script | Should -Not -Match 'Connected to project'
    }
}
