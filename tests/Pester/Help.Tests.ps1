# The help system: docs/en-US (EvsSnapshot) and docs/EvsSnapshot.Testing/en-US (EvsSnapshot.Testing) match the
# commands' real metadata, every example runs against the emulator, and the help built into out/<module> (MAML +
# about topic) is what Get-Help shows.

BeforeDiscovery {
    Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
    $docsPath = Join-Path (Get-EvsRepoRoot) 'docs/en-US'

    function Read-HelpPage([string] $Path) {
        <#
        A cmdlet page as sections (## TITLE) with their items in order: text lines and fenced code blocks, and
        sub-sections (### Title) with the same. Deliberately independent of src/build/HelpBuilder.psm1.
        #>
        $page = @{ Path = $Path; Name = $null; FrontMatter = @{}; Sections = [ordered]@{} }
        $lines = [System.IO.File]::ReadAllText($Path) -split '\r?\n'
        $i = 0
        if ($lines[0] -eq '---') {
            for ($i = 1; $lines[$i] -ne '---'; $i++) { if ($lines[$i] -match '^([^:]+):\s*(.*)$') { $page.FrontMatter[$Matches[1]] = $Matches[2] } }
            $i++
        }
        $section = $null
        $sub = $null
        $fence = $null
        for (; $i -lt $lines.Count; $i++) {
            $line = $lines[$i]
            if ($fence) {
                if ($line.Trim() -eq $fence.Marker) { $fence = $null } else { $fence.Lines.Add($line) }
                continue
            }
            $target = if ($sub) { $sub } else { $section }
            if ($line -match '^\s*(`{3,})\s*([\w-]*)\s*$') {
                $fence = @{ Marker = $Matches[1]; Language = $Matches[2]; Lines = [System.Collections.Generic.List[string]]::new() }
                $target.Items.Add($fence)
            }
            elseif ($line -match '^# (.+)$') { $page.Name = $Matches[1].Trim() }
            elseif ($line -match '^## (.+)$') {
                $section = @{ Title = $Matches[1].Trim(); Items = [System.Collections.Generic.List[object]]::new(); Subs = [System.Collections.Generic.List[object]]::new() }
                $page.Sections[$section.Title] = $section
                $sub = $null
            }
            elseif ($line -match '^### (.+)$') {
                $sub = @{ Title = $Matches[1].Trim(); Items = [System.Collections.Generic.List[object]]::new() }
                $section.Subs.Add($sub)
            }
            elseif ($target) { $target.Items.Add($line) }
        }
        $page
    }

    $testingDocsPath = Join-Path (Get-EvsRepoRoot) 'docs/EvsSnapshot.Testing/en-US'
    $pages = foreach ($folder in $docsPath, $testingDocsPath) {
        foreach ($file in Get-ChildItem -LiteralPath $folder -Filter *.md | Where-Object Name -NotLike 'about_*') {
            $page = Read-HelpPage $file.FullName
            $page.Module = if ($folder -eq $testingDocsPath) { 'EvsSnapshot.Testing' } else { 'EvsSnapshot' }
            $page
        }
    }
    $ExampleCases = @(foreach ($page in $pages) {
            $n = 0
            foreach ($example in $page.Sections['EXAMPLES'].Subs) {
                $n++
                # The command is the first powershell block; sample output blocks that follow are not run.
                $code = @($example.Items | Where-Object { $_ -is [hashtable] -and $_.Language -eq 'powershell' } | Select-Object -First 1)
                @{ Cmdlet = $page.Name; Module = $page.Module; Number = $n; Title = $example.Title; Code = $(if ($code) { $code[0].Lines -join "`n" } else { '' }) }
            }
        })
    $CommandCases = @(foreach ($page in $pages) { @{ Name = $page.Name; Module = $page.Module; Page = $page; Examples = @($ExampleCases | Where-Object Cmdlet -EQ $page.Name) } })
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:DocsPath = Join-Path (Get-EvsRepoRoot) 'docs/en-US'
    $script:ModulePath = (Resolve-Path (Get-EvsModulePath)).Path
    $script:HelpFiles = @{ EvsSnapshot = 'EvsSnapshot.dll-Help.xml'; 'EvsSnapshot.Testing' = 'EvsSnapshot.Testing-help.xml' }
    $script:TestingDocsPath = Join-Path (Get-EvsRepoRoot) 'docs/EvsSnapshot.Testing/en-US'
    $script:TestingModulePath = (Resolve-Path (Get-EvsTestingModulePath)).Path
    Import-Module $TestingModulePath -Force
    # The EvsSnapshot.Testing examples use $emu, an emulator of that module (reset before each example).
    $script:TestingEmulator = Start-EvsEmulator
    $script:Common = [System.Management.Automation.PSCmdlet]::CommonParameters

    # ForEach-Object -Parallel and thread jobs in examples load the module by name, as for an installed module.
    $script:SavedModulePath = $env:PSModulePath
    $env:PSModulePath = (Split-Path (Split-Path $ModulePath)) + [IO.Path]::PathSeparator + $env:PSModulePath

    function Get-Normalized([string[]] $Text) { (($Text -join ' ') -replace '\s+', ' ').Trim() }

    function Get-ItemText($Items) {
        # The text lines of a (sub-)section before its first code block.
        $lines = foreach ($item in $Items) { if ($item -is [hashtable]) { break }; $item }
        Get-Normalized $lines
    }

    function Get-YamlBlock($Sub) {
        foreach ($item in $Sub.Items) {
            if ($item -is [hashtable] -and $item.Language -eq 'yaml') {
                $yaml = @{}
                foreach ($line in $item.Lines) { if ($line -match '^([^:]+):\s*(.*)$') { $yaml[$Matches[1]] = $Matches[2].Trim() } }
                $yaml
            }
        }
    }

    function Get-PipelineText($Attribute) {
        if ($Attribute.ValueFromPipeline -and $Attribute.ValueFromPipelineByPropertyName) { 'True (ByValue, ByPropertyName)' }
        elseif ($Attribute.ValueFromPipeline) { 'True (ByValue)' }
        elseif ($Attribute.ValueFromPipelineByPropertyName) { 'True (ByPropertyName)' }
        else { 'False' }
    }

    function Get-SetAttribute($Parameter, [string] $SetName) {
        if ($Parameter.ParameterSets.ContainsKey($SetName)) { return $Parameter.ParameterSets[$SetName] }
        if ($Parameter.ParameterSets.ContainsKey('__AllParameterSets')) { return $Parameter.ParameterSets['__AllParameterSets'] }
        $null
    }

    # Files the credential examples read: the emulator's id token and an SDK credentials file (in a temp folder).
    $script:ExampleFiles = Join-Path ([IO.Path]::GetTempPath()) "evs-help-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $ExampleFiles
    $idTokenFile = Join-Path $ExampleFiles 'id-token'
    Set-Content -LiteralPath $idTokenFile -Value $Info.identityProviders[0].idTokens[0].idToken -NoNewline
    $credentialsFile = Join-Path $ExampleFiles 'credentials'
    Set-Content -LiteralPath $credentialsFile -Value "[basic]`nak = $($Info.accessKey)`nsk = $($Info.secretKey)`n"

    # What the examples may use besides a connected context (see the brief at the top of each example).
    $script:ExampleVariables = @{
        idTokenFile     = $idTokenFile
        credentialsFile = $credentialsFile
        cred          = New-TestCredential $Info.accessKey $Info.secretKey
        tempCred      = New-TestCredential $Info.tempAccessKey $Info.tempSecretKey
        securityToken = ConvertTo-SecureString $Info.securityToken -AsPlainText -Force
        iamCred       = New-TestCredential $Info.userName $Info.password
        Endpoint      = $Emulator.Url
        ProjectId     = $Info.projectId
        VolumeId      = $Info.volumeIds.db01
        emu           = $TestingEmulator
    }
    # Examples of Connect-EvsProject are written for the public cloud; point them at the emulator by default.
    $script:ExampleDefaults = @{
        'Connect-EvsProject:Endpoint'    = $Emulator.Url
        'Connect-EvsProject:IamEndpoint' = $Emulator.Url
    }
    # As an automation platform would: AK/SK in the sample code's variables, and the ECS metadata service is the emulator.
    $env:CLOUD_SDK_AK = $Info.accessKey
    $env:CLOUD_SDK_SK = $Info.secretKey
    $env:EVSSNAPSHOT_METADATA_ENDPOINT = $Emulator.Url
}

AfterAll {
    Remove-Item Env:CLOUD_SDK_AK, Env:CLOUD_SDK_SK, Env:EVSSNAPSHOT_METADATA_ENDPOINT, Env:EVS_TOKEN -ErrorAction SilentlyContinue
    Remove-Item -LiteralPath $ExampleFiles -Recurse -Force -ErrorAction SilentlyContinue
    if ($script:SavedModulePath) { $env:PSModulePath = $script:SavedModulePath }
    if ($script:TestingEmulator) { $TestingEmulator | Stop-EvsEmulator }
    Remove-Module EvsSnapshot.Testing -ErrorAction SilentlyContinue
    Stop-TestEmulator
}

Describe 'Help pages in docs/en-US' {
    It 'has a page for every exported cmdlet and no page for a cmdlet that does not exist' {
        $cmdlets = @((Get-Command -Module EvsSnapshot).Name | Sort-Object)
        $pages = @(Get-ChildItem -LiteralPath $DocsPath -Filter *.md | Where-Object Name -NotLike 'about_*' | ForEach-Object BaseName | Sort-Object)
        $cmdlets | Should -HaveCount @((Import-PowerShellDataFile $ModulePath).CmdletsToExport).Count
        $pages | Should -Be $cmdlets
        Test-Path (Join-Path $DocsPath 'about_EvsSnapshot.help.md') | Should -BeTrue
    }

    It 'has a page in docs/EvsSnapshot.Testing/en-US for every EvsSnapshot.Testing function, and its about topic in docs/en-US' {
        $functions = @((Get-Command -Module EvsSnapshot.Testing).Name | Sort-Object)
        $pages = @(Get-ChildItem -LiteralPath $TestingDocsPath -Filter *.md | ForEach-Object BaseName | Sort-Object)
        $functions | Should -HaveCount 12
        $pages | Should -Be $functions
        Test-Path (Join-Path $DocsPath 'about_EvsSnapshot_Testing.help.md') | Should -BeTrue
    }

    Context '<Name>' -ForEach $CommandCases {
        BeforeAll {
            $command = Get-Command $Name -Module $Module -ErrorAction SilentlyContinue
            $sets = @($command.ParameterSets.Name)
            $real = @($command.Parameters.Values | Where-Object Name -NotIn $Common)
            $documented = @($Page.Sections['PARAMETERS'].Subs | Where-Object Title -Like '-*')
        }

        It 'has the PlatyPS front matter and sections' {
            $Page.FrontMatter['external help file'] | Should -Be $HelpFiles[$Module]
            $Page.FrontMatter['Module Name'] | Should -Be $Module
            $Page.FrontMatter['schema'] | Should -Be '2.0.0'
            $Page.FrontMatter['online version'] | Should -Match '^https://'
            $Page.Name | Should -Be $Name
            @($Page.Sections.Keys) | Should -Be @('SYNOPSIS', 'SYNTAX', 'DESCRIPTION', 'EXAMPLES', 'PARAMETERS', 'INPUTS', 'OUTPUTS', 'NOTES', 'RELATED LINKS')
            Get-ItemText $Page.Sections['SYNOPSIS'].Items | Should -Not -BeNullOrEmpty
            Get-ItemText $Page.Sections['DESCRIPTION'].Items | Should -Not -BeNullOrEmpty
            $Page.Sections['PARAMETERS'].Subs[-1].Title | Should -Be 'CommonParameters'
        }

        It 'documents every parameter, with the type, sets, position, pipeline and wildcard flags the cmdlet has' {
            foreach ($parameter in $real) {
                $doc = $documented | Where-Object Title -EQ "-$($parameter.Name)"
                $doc | Should -HaveCount 1 -Because "-$($parameter.Name) of $Name must be documented once"
                Get-ItemText $doc.Items | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a description"
                $blocks = @(Get-YamlBlock $doc)
                $blocks | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a yaml block"

                $memberOf = @($sets | Where-Object { Get-SetAttribute $parameter $_ })
                $covered = [System.Collections.Generic.List[string]]::new()
                foreach ($yaml in $blocks) {
                    $yaml['Type'] | Should -Be $parameter.ParameterType.FullName -Because "the type of -$($parameter.Name)"
                    @($yaml['Aliases'] -split ',\s*' | Where-Object { $_ }) | Should -Be @($parameter.Aliases) -Because "the aliases of -$($parameter.Name)"
                    $wildcards = [bool]($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
                    $yaml['Accept wildcard characters'] | Should -Be "$wildcards" -Because "the wildcard flag of -$($parameter.Name)"
                    $listed = if ($yaml['Parameter Sets'] -eq '(All)') { $sets } else { @($yaml['Parameter Sets'] -split ',\s*') }
                    if ($yaml['Parameter Sets'] -eq '(All)') {
                        # PlatyPS writes (All) exactly when the parameter is in every set (or there is only one).
                        $memberOf | Should -HaveCount $sets.Count -Because "-$($parameter.Name) is documented for (All) parameter sets"
                    }
                    elseif ($sets.Count -gt 1) {
                        $listed.Count | Should -BeLessThan $sets.Count -Because "PlatyPS writes (All) for -$($parameter.Name) when it is in every set"
                    }
                    foreach ($set in $listed) {
                        $attribute = Get-SetAttribute $parameter $set
                        $attribute | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) is documented in parameter set $set"
                        $yaml['Required'] | Should -Be "$($attribute.IsMandatory)" -Because "Required of -$($parameter.Name) in $set"
                        $yaml['Position'] | Should -Be $(if ($attribute.Position -ge 0) { "$($attribute.Position)" } else { 'Named' }) -Because "Position of -$($parameter.Name) in $set"
                        $yaml['Accept pipeline input'] | Should -Be (Get-PipelineText $attribute) -Because "pipeline input of -$($parameter.Name) in $set"
                        $yaml['Default value'] | Should -Not -BeNullOrEmpty -Because "-$($parameter.Name) needs a 'Default value' line"
                        $covered.Add($set)
                    }
                }
                @($covered | Sort-Object) | Should -Be @($memberOf | Sort-Object) -Because "the parameter sets of -$($parameter.Name)"
            }
        }

        It 'documents no parameter that the cmdlet does not have' {
            foreach ($doc in $documented) {
                $doc.Title.TrimStart('-') | Should -BeIn $real.Name -Because "$($doc.Title) is documented for $Name"
            }
            $documented | Should -HaveCount $real.Count
        }

        It 'has a SYNTAX block for every parameter set, with the parameters of that set' {
            $section = $Page.Sections['SYNTAX']
            $blocks = if ($sets.Count -eq 1) {
                # PlatyPS writes no '###' heading when there is only one parameter set.
                $section.Subs | Should -BeNullOrEmpty
                @(@{ Set = $sets[0]; Fences = @($section.Items | Where-Object { $_ -is [hashtable] }) })
            }
            else {
                @($section.Subs.Title) | Should -HaveCount $sets.Count
                foreach ($sub in $section.Subs) {
                    $setName = $sub.Title -replace '\s+\(Default\)$', ''
                    $setName | Should -BeIn $sets -Because "SYNTAX heading '$($sub.Title)'"
                    ($sub.Title -like '* (Default)') | Should -Be ($setName -eq $command.DefaultParameterSet) -Because "only the default set is marked (Default)"
                    @{ Set = $setName; Fences = @($sub.Items | Where-Object { $_ -is [hashtable] }) }
                }
            }
            foreach ($block in $blocks) {
                $block.Fences | Should -HaveCount 1 -Because "one code block for parameter set $($block.Set)"
                $text = $block.Fences[0].Lines -join "`n"
                $text | Should -Match "^$Name "
                $text | Should -Match '\[<CommonParameters>\]$'
                $inText = @([regex]::Matches($text, '(?<=[\s\[])-(\w+)') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
                $inSet = @(($command.ParameterSets | Where-Object Name -EQ $block.Set).Parameters.Name | Where-Object { $_ -notin $Common } | Sort-Object)
                $inText | Should -Be $inSet -Because "the syntax of parameter set $($block.Set)"
            }
        }

        It 'has at least two examples, each with a powershell code block and an explanation' {
            $examples = $Page.Sections['EXAMPLES'].Subs
            $examples.Count | Should -BeGreaterOrEqual 2
            foreach ($example in $examples) {
                $example.Title | Should -Match '^Example \d+: \S'
                $fences = @($example.Items | Where-Object { $_ -is [hashtable] })
                $fences[0].Language | Should -Be 'powershell' -Because "the first block of '$($example.Title)' is the command"
                $fences[0].Lines -join "`n" | Should -Not -Match '^\s*PS [A-Z]:\\>' -Because 'examples are prompt-free'
                $afterCode = $example.Items.IndexOf($fences[-1])
                (Get-Normalized @($example.Items | Select-Object -Skip ($afterCode + 1) | Where-Object { $_ -is [string] })) | Should -Not -BeNullOrEmpty -Because "'$($example.Title)' needs an explanation"
            }
        }

        It 'lists inputs, outputs and related links' {
            $Page.Sections['INPUTS'].Subs | Should -Not -BeNullOrEmpty
            $Page.Sections['OUTPUTS'].Subs | Should -Not -BeNullOrEmpty
            ($Page.Sections['RELATED LINKS'].Items -join "`n") | Should -Match ('\[about_{0}\]\(' -f ($Module -replace '\.', '_'))
        }
    }

    It 'starts New-EvsSnapshot''s examples with Get-EvsVolume piped into New-EvsSnapshot' -ForEach @($CommandCases | Where-Object Name -EQ 'New-EvsSnapshot') {
        $Examples[0].Code | Should -Match 'Get-EvsVolume\b[^|\n]*\|\s*New-EvsSnapshot\b'
    }
}

Describe 'Examples run against the emulator' {
    BeforeAll {
        function Invoke-Example([string] $Code, [string] $Module) {
            $runspace = [runspacefactory]::CreateRunspace()
            $runspace.Open()
            try {
                foreach ($name in $ExampleVariables.Keys) { $runspace.SessionStateProxy.SetVariable($name, $ExampleVariables[$name]) }
                $runspace.SessionStateProxy.SetVariable('snapshotId', (Get-TestSnapshots | Where-Object name -EQ 'db01-weekly').id)
                $runspace.SessionStateProxy.SetVariable('PSDefaultParameterValues', $ExampleDefaults.Clone())
                $runspace.SessionStateProxy.SetVariable('ErrorActionPreference', 'Stop')
                $runspace.SessionStateProxy.SetVariable('ProgressPreference', 'SilentlyContinue')
                if ($Code -match '-Confirm:\$false|-Force\b') { $runspace.SessionStateProxy.SetVariable('ConfirmPreference', 'None') }
                $ps = [powershell]::Create()
                $ps.Runspace = $runspace
                # A runspace without a host cannot prompt: an example that would ask for confirmation fails here.
                $imports = "Import-Module '$ModulePath'$(if ($Module -eq 'EvsSnapshot.Testing') { "`nImport-Module '$TestingModulePath'" })"
                $null = $ps.AddScript("$imports`n$Code")
                $failure = $null
                try { $null = $ps.Invoke() } catch { $failure = $_.Exception.InnerException ?? $_.Exception }
                [pscustomobject]@{
                    Failure = $failure
                    Errors  = @($ps.Streams.Error | ForEach-Object { "$($_.FullyQualifiedErrorId): $_" })
                }
                $ps.Dispose()
            }
            finally {
                $runspace.Dispose()
            }
        }
    }

    BeforeEach {
        Reset-TestEmulator
        Reset-EvsEmulator -Emulator $TestingEmulator
        $null = Connect-TestProject
        # A scheduler hands an IAM token over in a variable (Connect-EvsProject example 12); a reset forgets tokens.
        $env:EVS_TOKEN = Get-EvsIamToken $Emulator
    }

    It '<Cmdlet> example <Number> (<Title>)' -ForEach $ExampleCases {
        $Code | Should -Not -BeNullOrEmpty
        $result = Invoke-Example $Code $Module
        "$($result.Failure)" | Should -BeNullOrEmpty -Because 'the example must not stop with an error'
        $result.Errors | Should -BeNullOrEmpty -Because 'the example must not write errors'
    }
}

Describe 'Get-Help in the built module' {
    BeforeAll {
        $helpFile = Join-Path (Split-Path $ModulePath) 'en-US/EvsSnapshot.dll-Help.xml'
    }

    It 'ships EvsSnapshot.Testing-help.xml (MAML) and about_EvsSnapshot_Testing.help.txt in EvsSnapshot.Testing, and not that topic in EvsSnapshot' {
        $testingHelp = Join-Path (Split-Path $TestingModulePath) 'en-US'
        $maml = [xml](Get-Content -Raw (Join-Path $testingHelp 'EvsSnapshot.Testing-help.xml'))
        @($maml.helpItems.command.details.name | Sort-Object) | Should -Be @((Get-Command -Module EvsSnapshot.Testing).Name | Sort-Object)
        Test-Path (Join-Path $testingHelp 'about_EvsSnapshot_Testing.help.txt') | Should -BeTrue
        Test-Path (Join-Path (Split-Path $ModulePath) 'en-US/about_EvsSnapshot_Testing.help.txt') | Should -BeFalse
        $topic = Get-Help about_EvsSnapshot_Testing | Out-String
        foreach ($section in 'SEED FORMAT', 'FAULTS', 'RATE LIMITS', 'LIFETIME', 'VERSIONS') { $topic | Should -Match $section }
        $topic | Should -Match 'control plane 1\.2, seed format 1\.1'
    }

    It 'ships EvsSnapshot.dll-Help.xml (MAML) and about_EvsSnapshot.help.txt in en-US' {
        Test-Path $helpFile | Should -BeTrue
        Test-Path (Join-Path (Split-Path $ModulePath) 'en-US/about_EvsSnapshot.help.txt') | Should -BeTrue
        $maml = [xml](Get-Content -Raw $helpFile)
        $maml.helpItems.schema | Should -Be 'maml'
        @($maml.helpItems.command.details.name | Sort-Object) | Should -Be @((Get-Command -Module EvsSnapshot).Name | Sort-Object)
    }

    Context '<Name>' -ForEach $CommandCases {
        BeforeAll {
            $full = Get-Help $Name -Full
        }

        It '-Full shows the synopsis and description from the markdown' {
            $full.Synopsis | Should -Be (Get-ItemText $Page.Sections['SYNOPSIS'].Items)
            Get-Normalized $full.description.Text | Should -Be (Get-ItemText $Page.Sections['DESCRIPTION'].Items)
            @($full.syntax.syntaxItem) | Should -HaveCount @((Get-Command $Name).ParameterSets).Count
            Get-Normalized $full.alertSet.alert.Text | Should -Be (Get-ItemText $Page.Sections['NOTES'].Items)
        }

        It '-Examples lists the examples with their code' {
            $help = Get-Help $Name -Examples
            $examples = @($help.examples.example)
            $documented = $Examples
            $examples | Should -HaveCount $documented.Count
            for ($i = 0; $i -lt $examples.Count; $i++) {
                $examples[$i].title | Should -Match ([regex]::Escape($documented[$i].Title))
                $examples[$i].code.Replace("`r`n", "`n").StartsWith($documented[$i].Code) | Should -BeTrue -Because "the code of example $($i + 1)"
            }
        }

        It '-Parameter <name> gives the documented description' {
            foreach ($doc in @($Page.Sections['PARAMETERS'].Subs | Where-Object Title -Like '-*')) {
                $parameterHelp = Get-Help $Name -Parameter $doc.Title.TrimStart('-')
                Get-Normalized $parameterHelp.description.Text | Should -Be (Get-ItemText $doc.Items) -Because "the help of $($doc.Title)"
            }
        }
    }

    It 'Get-Help about_EvsSnapshot returns the topic' {
        $topic = Get-Help about_EvsSnapshot | Out-String
        $topic | Should -Match 'about_EvsSnapshot'
        $topic | Should -Match 'SHORT DESCRIPTION'
        $topic | Should -Match 'evssnapshot_client_token'
        $topic | Should -Match 'SnapshotNotDeletable'
        $topic | Should -Match 'build\.ps1 emulator -Port 5080'
        foreach ($section in 'THE CREDENTIAL CHAIN', 'CREDENTIALS FROM THE ENVIRONMENT', 'THE CREDENTIALS FILE', 'THE ECS AGENCY', 'OIDC FEDERATION', 'ACTING THROUGH AN IAM AGENCY', 'RENEWAL OF TEMPORARY CREDENTIALS', 'REGIONS AND ENDPOINTS') {
            $topic | Should -Match $section
        }
        # The 34 EVS regions of evs-api.md §13.1.
        $regions = 'cn-north-1', 'cn-north-2', 'cn-north-4', 'cn-north-9', 'cn-north-11', 'cn-north-12', 'cn-east-2', 'cn-east-3', 'cn-east-4', 'cn-east-5',
            'cn-south-1', 'cn-south-2', 'cn-south-4', 'cn-southwest-2', 'cn-southwest-3', 'ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4',
            'ap-southeast-5', 'my-kualalumpur-1', 'eu-west-0', 'eu-west-101', 'ru-moscow-1', 'ru-northwest-2', 'af-south-1', 'af-north-1', 'sa-brazil-1',
            'la-north-2', 'la-south-2', 'na-mexico-1', 'me-east-1', 'ae-ad-1', 'tr-west-1'
        $regions | Should -HaveCount 34
        foreach ($region in $regions) { $topic | Should -Match "(?<![\w-])$([regex]::Escape($region))(?![\w-])" -Because "the topic lists region $region" }
    }

    It 'Get-Help Connect-EvsProject gives the order of the credential chain' {
        $text = Get-Normalized (Get-Help Connect-EvsProject -Full).description.Text
        $order = '(1) the environment variables HUAWEICLOUD_SDK_IDP_ID and HUAWEICLOUD_SDK_ID_TOKEN_FILE', '(2) HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK',
            '(3) CLOUD_SDK_AK and CLOUD_SDK_SK', '(4) the credentials file named by HUAWEICLOUD_SDK_CREDENTIALS_FILE, else ~/.huaweicloud/credentials', 'fails with CredentialMissing'
        $positions = @($order | ForEach-Object { $text.IndexOf($_) })
        $positions | Should -Not -Contain -1
        $positions | Should -Be @($positions | Sort-Object) -Because 'the places are documented in the order they are tried'
    }
}
