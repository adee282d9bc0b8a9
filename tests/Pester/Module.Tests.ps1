# The module as a PowerShell citizen: manifest, exports, metadata, views, completion, packaging and
# side-by-side loading next to a conflicting copy of its engine.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:ModulePath = Get-EvsModulePath
    $script:ModuleDir = Split-Path $ModulePath
    $script:Intended = @('Connect-EvsProject', 'Disconnect-EvsProject', 'Get-EvsContext', 'Get-EvsSnapshot', 'Get-EvsVolume',
        'New-EvsSnapshot', 'Remove-EvsSnapshot', 'Restore-EvsSnapshot', 'Set-EvsSnapshot', 'Wait-EvsSnapshot',
        'New-EvsVolume')
    $script:Intended += 'Limit-EvsSnapshot'

    $script:ConnectLine = "Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -ProjectId '$($Info.projectId)' -Credential ([pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force)))"
}

AfterAll { Stop-TestEmulator }

Describe 'Manifest and exports' {
    It 'passes Test-ModuleManifest with the declared editions, version floor and metadata' {
        $manifest = Test-ModuleManifest $ModulePath
        $manifest.CompatiblePSEditions | Sort-Object | Should -Be @('Core', 'Desktop')
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
        $data = Import-PowerShellDataFile $ModulePath
        $data.CmdletsToExport | Sort-Object | Should -Be ($Intended | Sort-Object)
        $data.CmdletsToExport -join '' | Should -Not -Match '\*'
        $data.FunctionsToExport | Should -BeNullOrEmpty
        $data.FormatsToProcess | Should -Be 'EvsSnapshot.Format.ps1xml'
        $data.PrivateData.PSData.Tags | Should -Contain 'EVS'
        $data.PrivateData.PSData.LicenseUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ProjectUri | Should -Not -BeNullOrEmpty
        $data.PrivateData.PSData.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'exports exactly the intended cmdlets, all with approved verbs and an OutputType' {
        $commands = Get-Command -Module EvsSnapshot
        @($commands.Name | Sort-Object) | Should -Be @($Intended | Sort-Object)
        $approved = (Get-Verb).Verb
        foreach ($c in $commands) {
            $c.Verb | Should -BeIn $approved -Because $c.Name
            $c.CommandType | Should -Be 'Cmdlet'
            $c.OutputType | Should -Not -BeNullOrEmpty -Because "$($c.Name) declares [OutputType]"
        }
    }

    It 'supports ShouldProcess on every cmdlet that changes state' {
        foreach ($name in 'New-EvsSnapshot', 'Set-EvsSnapshot', 'Remove-EvsSnapshot', 'Restore-EvsSnapshot', 'New-EvsVolume') {
            (Get-Command $name).Parameters.Keys | Should -Contain 'WhatIf'
            (Get-Command $name).Parameters.Keys | Should -Contain 'Confirm'
        }
    }

    It 'shows snapshots and volumes as tables by default' {
        $null = Connect-TestProject
        $snapshotTable = Get-EvsSnapshot -First 2 | Out-String -Width 200
        $snapshotTable | Should -Match 'Name\s+Status\s+Size\s+Created \(local\)\s+Disk\s+Id'
        $volumeTable = Get-EvsVolume -First 2 | Out-String -Width 200
        $volumeTable | Should -Match 'Name\s+Status\s+Size\s+Type\s+Zone\s+Server\s+Device\s+Created \(local\)\s+Id'
        # The table is the default (first) view; a list view follows, so Format-List escapes server text too (issue 12).
        $views = @((Get-FormatData -TypeName EvsSnapshot.SnapshotDetails).FormatViewDefinition)
        $views[0].Control.GetType().Name | Should -Be 'TableControl'
        $views | ForEach-Object { $_.Control.GetType().Name } | Should -Contain 'ListControl'
    }
}

Describe 'Import' {
    It 'does no network, no engine loading and no JSON warm-up at import' {
        $result = Invoke-EvsPwsh -Script @"
Import-Module '$ModulePath'
`$loaded = [AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name }
"engine=`$(`$loaded -contains 'EvsSnapshot.Client') types=`$(`$loaded -contains 'EvsSnapshot.Types') commands=`$((Get-Command -Module EvsSnapshot).Count)"
"@
        $result.Output | Should -Match 'engine=False'
        $result.Output | Should -Match "commands=$($Intended.Count)\b"
    }
}

Describe 'Argument completion' {
    BeforeAll { $null = Connect-TestProject }

    It 'completes -Status from the documented snapshot statuses' {
        $line = 'Wait-EvsSnapshot -Status av'
        (TabExpansion2 $line $line.Length).CompletionMatches.CompletionText | Should -Be 'available'
        $line = 'Get-EvsSnapshot -Status error'
        @((TabExpansion2 $line $line.Length).CompletionMatches.CompletionText) | Should -Be @('error', 'error_deleting')
    }

    It 'completes -Region from the region list' {
        $line = 'Connect-EvsProject -Region ap-southeast-'
        @((TabExpansion2 $line $line.Length).CompletionMatches.CompletionText) | Should -Be @('ap-southeast-1', 'ap-southeast-2', 'ap-southeast-3', 'ap-southeast-4', 'ap-southeast-5')
        $all = 'Connect-EvsProject -Region '
        @((TabExpansion2 $all $all.Length).CompletionMatches) | Should -HaveCount 34 -Because 'every EVS region of evs-api.md §13.1 is offered'
    }

    It 'completes -VolumeId live, matching the name and showing it as the tooltip' {
        $matches = Complete-TestLine 'New-EvsSnapshot -VolumeId db0'
        @($matches.CompletionText | Sort-Object) | Should -Be @((Get-TestVolumeId db01), (Get-TestVolumeId db02) | Sort-Object)
        ($matches | Where-Object CompletionText -EQ (Get-TestVolumeId db01)).ToolTip | Should -Match 'db01'
        ($matches | Where-Object CompletionText -EQ (Get-TestVolumeId db01)).ListItemText | Should -Match 'db01'
    }

    It 'completes snapshot -Id live for every cmdlet that takes one' {
        $weekly = (Get-EvsSnapshot -Name db01-weekly).Id
        foreach ($command in 'Get-EvsSnapshot -Id', 'Set-EvsSnapshot -Id', 'Remove-EvsSnapshot -Id', 'Restore-EvsSnapshot -Id', 'Wait-EvsSnapshot -Id') {
            (Complete-TestLine "$command db01-wee").CompletionText | Should -Be $weekly -Because $command
        }
    }

    It 'stays quiet and quick when the API cannot be reached' {
        $null = Connect-EvsProject -Region cn-north-4 -Endpoint 'http://127.0.0.1:9' -ProjectId $Info.projectId -Credential (New-TestCredential 'AK' 'SKSECRET00') -MaximumRetryCount 0
        $watch = [Diagnostics.Stopwatch]::StartNew()
        $line = 'New-EvsSnapshot -VolumeId '
        $result = TabExpansion2 $line $line.Length
        $watch.Elapsed.TotalSeconds | Should -BeLessThan 4
        $result.CompletionMatches | Should -BeNullOrEmpty
        $null = Connect-TestProject
    }
}

Describe 'Packaging' {
    BeforeAll {
        $script:Work = Join-Path ([IO.Path]::GetTempPath()) "evs-package-$([guid]::NewGuid().ToString('N'))"
        $script:Repository = Join-Path $Work 'repository'
        & (Join-Path (Get-EvsRepoRoot) 'src/build/Publish-LocalPackage.ps1') -ModulePath $ModuleDir -OutputPath $Repository 6>$null
        $script:Package = Get-ChildItem $Repository -Filter 'EvsSnapshot.*.nupkg' | Select-Object -First 1
        Add-Type -AssemblyName System.IO.Compression.FileSystem
        $zip = [IO.Compression.ZipFile]::OpenRead($Package.FullName)
        $script:Entries = @($zip.Entries.FullName)
        $zip.Dispose()
    }
    AfterAll { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }

    It 'produces a .nupkg with what PowerShell 7 and Windows PowerShell 5.1 need, and nothing else' {
        $Package | Should -Not -BeNullOrEmpty
        foreach ($file in 'EvsSnapshot.psd1', 'EvsSnapshot.dll', 'EvsSnapshot.Types.dll', 'EvsSnapshot.Format.ps1xml', 'en-US/EvsSnapshot.dll-Help.xml',
            'en-US/about_EvsSnapshot.help.txt', 'Dependencies/EvsSnapshot.Client.dll', 'Dependencies/System.Text.Json.dll',
            'Dependencies/System.Memory.dll', 'Dependencies/Microsoft.Bcl.AsyncInterfaces.dll', 'Dependencies/System.Runtime.CompilerServices.Unsafe.dll',
            'Dependencies/ReadyToRun/net10.0-linux-x64/EvsSnapshot.Client.dll', 'Dependencies/ReadyToRun/net8.0-win-x64/EvsSnapshot.Client.dll') {
            $Entries | Should -Contain $file
        }
        $Entries | Where-Object { $_ -match '\.(pdb|deps\.json|Tests?\.|ps1$)' -or $_ -match 'System\.Management\.Automation' } | Should -BeNullOrEmpty
    }

    It 'installs with Install-PSResource into a temporary path, imports by name and connects' {
        $installHome = Join-Path $Work 'home'
        # .NET reports a special folder that does not exist as "" (PSResourceGet would then write to the current directory).
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $installHome '.local/share'), (Join-Path $installHome '.config')
        $result = Invoke-EvsPwsh -Environment @{ XDG_DATA_HOME = (Join-Path $installHome '.local/share'); XDG_CONFIG_HOME = (Join-Path $installHome '.config'); HOME = $installHome } -Script @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name EvsTest -Uri '$Repository' -Trusted
Install-PSResource EvsSnapshot -Repository EvsTest -TrustRepository -Quiet
`$module = Get-Module -ListAvailable EvsSnapshot
"installed at `$(`$module.ModuleBase)"
Import-Module EvsSnapshot
$ConnectLine
"volume: `$((Get-EvsVolume -Name db01).Name)"
"@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $result.Output | Should -Match ([regex]::Escape("installed at $installHome"))
        $result.Output | Should -Match 'volume: db01'
        # Nothing leaked into the working directory or the real user profile.
        Join-Path (Get-EvsRepoRoot) 'NuGet' | Should -Not -Exist
        Join-Path (Get-EvsRepoRoot) 'PSResourceGet' | Should -Not -Exist
    }
}

Describe 'Side-by-side loading' {
    BeforeAll {
        # Another module's copy of the engine assembly: the same name, another version and other content,
        # compiled here with the Roslyn compiler PowerShell ships for Add-Type.
        $script:Other = Join-Path ([IO.Path]::GetTempPath()) "evs-other-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $Other
        $script:OtherDll = Join-Path $Other 'EvsSnapshot.Client.dll'
        foreach ($name in 'Microsoft.CodeAnalysis', 'Microsoft.CodeAnalysis.CSharp') { Add-Type -Path (Join-Path $PSHOME "$name.dll") }
        $source = '[assembly: System.Reflection.AssemblyVersion("0.0.9.0")] namespace EvsSnapshot.Client { public static class OtherModule { public static string Hello() { return "other copy 0.0.9"; } } }'
        $trees = [System.Collections.Generic.List[Microsoft.CodeAnalysis.SyntaxTree]]::new()
        $trees.Add([Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree]::ParseText($source))
        $references = [System.Collections.Generic.List[Microsoft.CodeAnalysis.MetadataReference]]::new()
        foreach ($path in [object].Assembly.Location, (Join-Path ([IO.Path]::GetDirectoryName([object].Assembly.Location)) 'System.Runtime.dll')) {
            $references.Add([Microsoft.CodeAnalysis.MetadataReference]::CreateFromFile($path))
        }
        $options = [Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions]::new([Microsoft.CodeAnalysis.OutputKind]::DynamicallyLinkedLibrary)
        $compilation = [Microsoft.CodeAnalysis.CSharp.CSharpCompilation]::Create('EvsSnapshot.Client', $trees, $references, $options)
        $stream = [IO.File]::Create($OtherDll)
        try { $emitted = $compilation.Emit($stream) } finally { $stream.Dispose() }
        $emitted.Success | Should -BeTrue
        ([Reflection.AssemblyName]::GetAssemblyName($OtherDll)).FullName | Should -BeLike 'EvsSnapshot.Client, Version=0.0.9.0*'

        # The same module laid out naively, engine next to the cmdlets and no load context of its own: the control.
        $script:Naive = Join-Path $Other 'naive/EvsSnapshot'
        $null = New-Item -ItemType Directory -Force -Path $Naive
        Copy-Item (Join-Path $ModuleDir '*') $Naive -Recurse
        Move-Item (Join-Path $Naive 'Dependencies/*') $Naive
        Remove-Item (Join-Path $Naive 'Dependencies') -Recurse

        function Invoke-Scenario([string] $Manifest, [switch] $OtherFirst) {
            $useModule = "Import-Module '$Manifest'; $ConnectLine; ""module: `$((Get-EvsVolume -Name db01).Name)"""
            $useOther = "Add-Type -Path '$OtherDll'; ""other: `$([EvsSnapshot.Client.OtherModule]::Hello())"""
            $report = @'
[AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { $_.GetName().Name -eq 'EvsSnapshot.Client' } |
    ForEach-Object { "engine $($_.GetName().Version) in $([System.Runtime.Loader.AssemblyLoadContext]::GetLoadContext($_).GetType().Name)" }
'@
            Invoke-EvsPwsh -Script ($(if ($OtherFirst) { $useOther, $useModule } else { $useModule, $useOther }) + $report -join "`n")
        }
    }
    AfterAll { Remove-Item $Other -Recurse -Force -ErrorAction SilentlyContinue }

    It 'works when another version of its engine assembly was loaded first' {
        $result = Invoke-Scenario $ModulePath -OtherFirst
        $result.Output | Should -Match 'other: other copy 0.0.9'
        $result.Output | Should -Match 'module: db01'
        $result.Output | Should -Match 'engine 0\.0\.9\.0 in DefaultAssemblyLoadContext'
        $result.Output | Should -Match 'engine 0\.1\.0\.0 in EngineLoadContext'
    }

    It 'works when the other version is loaded after the module' {
        $result = Invoke-Scenario $ModulePath
        $result.Output | Should -Match 'module: db01'
        $result.Output | Should -Match 'other: other copy 0.0.9'
        $result.Output | Should -Match 'engine 0\.1\.0\.0 in EngineLoadContext'
    }

    It 'takes System.Text.Json and the other shared dependencies from PowerShell' {
        $result = Invoke-EvsPwsh -Script @"
Import-Module '$ModulePath'
$ConnectLine
`$null = Get-EvsVolume -Name db01
`$json = [AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'System.Text.Json' }
"json `$(@(`$json).Count) from `$(Split-Path `$json[0].Location)"
"@
        $platform = Split-Path ([object].Assembly.Location)
        $result.Output | Should -Match "json 1 from ($([regex]::Escape($platform))|$([regex]::Escape($PSHOME)))"
    }

    It 'the control: without its own load context, <Order> breaks one of the two' -TestCases @(
        @{ Order = 'the other copy first'; OtherFirst = $true; Broken = 'module: db01' }
        @{ Order = 'the module first'; OtherFirst = $false; Broken = 'other: other copy' }
    ) {
        $result = Invoke-Scenario (Join-Path $Naive 'EvsSnapshot.psd1') -OtherFirst:$OtherFirst
        $result.Output | Should -Not -Match $Broken
    }
}
