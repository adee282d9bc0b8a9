# Cold start (issue 10): the engine's ReadyToRun images are what PowerShell 7 runs, the IL engine is what Windows
# PowerShell 5.1 gets, and importing the module does no work that the first call does not need. Counts and files
# only: how long a cold start takes is measured by `build.ps1 bench -Figure 7`, not asserted here.
BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:ModulePath = Get-EvsModulePath
    $script:ModuleDir = Split-Path $ModulePath
    $script:Dependencies = Join-Path $ModuleDir 'Dependencies'
    $script:ConnectLine = "Connect-EvsProject -Region cn-north-4 -Endpoint '$($Emulator.Url)' -ProjectId '$($Info.projectId)' -Credential ([pscredential]::new('$($Info.accessKey)', (ConvertTo-SecureString '$($Info.secretKey)' -AsPlainText -Force)))"
    # The image folder PowerShell 7 on this machine should use: net<runtime major>.0-<os>-<arch>.
    $os = if ($IsWindows) { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $script:ImageName = "net$([Environment]::Version.Major).0-$os-$(([Runtime.InteropServices.RuntimeInformation]::ProcessArchitecture).ToString().ToLowerInvariant())"

    function Test-ReadyToRunImage([string] $Path) {
        # ReadyToRun code sits behind the CLI header's managed native header; IL-only assemblies have none.
        $stream = [IO.File]::OpenRead($Path)
        try {
            $pe = [System.Reflection.PortableExecutable.PEReader]::new($stream)
            try { $pe.PEHeaders.CorHeader.ManagedNativeHeaderDirectory.Size -gt 0 } finally { $pe.Dispose() }
        }
        finally { $stream.Dispose() }
    }

    function Invoke-JitLogged([string] $Script) {
        # Runs the script in a fresh pwsh with the JIT's method log on; returns its output and the methods compiled.
        # The runtime's JIT log itself sometimes crashes the process at exit (SIGABRT "free(): ..." or SIGSEGV, seen
        # in 2 of 12 runs of a bare `pwsh -Command 'x'` with DOTNET_JitStdOutFile set): such a run is run again.
        $log = Join-Path ([IO.Path]::GetTempPath()) "evs-jit-$([guid]::NewGuid().ToString('N')).txt"
        $cache = Join-Path ([IO.Path]::GetTempPath()) "evs-jit-cache-$([guid]::NewGuid().ToString('N'))"
        try {
            foreach ($attempt in 1..4) {
                Remove-Item $log -ErrorAction SilentlyContinue
                # A cache folder of its own: PowerShell's startup JIT profile (StartupProfileData-NonInteractive, written by
                # whichever pwsh exited last) makes a background thread preload what that process used, e.g. the web
                # cmdlets' HTTP assemblies, and they would show up as loaded during Import-Module.
                $run = Invoke-EvsPwsh -Script $Script -Environment @{ DOTNET_JitStdOutFile = $log; DOTNET_JitDisasmSummary = '1'; XDG_CACHE_HOME = $cache } -TimeoutSec 300
                if ($run.ExitCode -notin 134, 139) { break }
            }
            $methods = if (Test-Path $log) { @(Get-Content $log | Where-Object { $_ -match 'JIT compiled (\S+)' } | ForEach-Object { $Matches[1] }) } else { @() }
            [pscustomobject]@{ ExitCode = $run.ExitCode; Output = $run.Output; Methods = $methods }
        }
        finally { Remove-Item $log -ErrorAction SilentlyContinue; Remove-Item $cache -Recurse -Force -ErrorAction SilentlyContinue }
    }

    $script:EngineLoadContext = [System.Reflection.Assembly]::LoadFrom((Join-Path $ModuleDir 'EvsSnapshot.dll')).GetType('EvsSnapshot.Commands.EngineLoadContext', $true)
    function Get-EnginePath([string] $Directory) {
        $EngineLoadContext.GetMethod('EnginePath', [System.Reflection.BindingFlags]'NonPublic,Static').Invoke($null, @($Directory))
    }
}

AfterAll { Stop-TestEmulator }

Describe 'What ships for each PowerShell' {
    It 'ships a ReadyToRun engine for every .NET of a supported PowerShell 7 (<Image>)' -TestCases @(
        @{ Image = 'net8.0-linux-x64' }, @{ Image = 'net9.0-linux-x64' }, @{ Image = 'net10.0-linux-x64' }
        @{ Image = 'net8.0-win-x64' }, @{ Image = 'net9.0-win-x64' }, @{ Image = 'net10.0-win-x64' }
    ) {
        $dll = Join-Path $Dependencies "ReadyToRun/$Image/EvsSnapshot.Client.dll"
        $dll | Should -Exist
        Test-ReadyToRunImage $dll | Should -BeTrue -Because 'the image carries native code'
        # The same assembly as the IL engine: a precompiled copy, not another build.
        ([Reflection.AssemblyName]::GetAssemblyName($dll)).FullName | Should -Be ([Reflection.AssemblyName]::GetAssemblyName((Join-Path $Dependencies 'EvsSnapshot.Client.dll'))).FullName
    }

    It 'gives Windows PowerShell 5.1 the netstandard2.0 IL engine, as built, and nothing precompiled' {
        # 5.1's resolver answers only for the files at the top of Dependencies/ (DesktopResolver: Directory.GetFiles).
        $top = @(Get-ChildItem $Dependencies -Filter '*.dll' -File)
        $top.Name | Should -Contain 'EvsSnapshot.Client.dll'
        foreach ($f in $top) { Test-ReadyToRunImage $f.FullName | Should -BeFalse -Because "$($f.Name) is what 5.1 loads" }
        (Get-FileHash (Join-Path $Dependencies 'EvsSnapshot.Client.dll')).Hash | Should -Be (Get-FileHash (Get-EvsClientPath)).Hash
        foreach ($f in 'EvsSnapshot.dll', 'EvsSnapshot.Types.dll') { Test-ReadyToRunImage (Join-Path $ModuleDir $f) | Should -BeFalse -Because "$f is loaded by both editions" }
    }
}

Describe 'The loader''s choice of engine' {
    BeforeAll {
        $script:Fake = Join-Path ([IO.Path]::GetTempPath()) "evs-loader-$([guid]::NewGuid().ToString('N'))"
        $null = New-Item -ItemType Directory -Path $Fake
        Set-Content (Join-Path $Fake 'EvsSnapshot.Client.dll') 'il'
    }
    AfterAll { Remove-Item $Fake -Recurse -Force -ErrorAction SilentlyContinue }

    It 'takes the IL engine when there is no image for this runtime' {
        $other = New-Item -ItemType Directory -Force -Path (Join-Path $Fake 'ReadyToRun/net7.0-other-arch')
        Set-Content (Join-Path $other 'EvsSnapshot.Client.dll') 'other'
        Get-EnginePath $Fake | Should -Be (Join-Path $Fake 'EvsSnapshot.Client.dll')
    }

    It 'takes the image for this runtime major version, OS and architecture when there is one' {
        $mine = New-Item -ItemType Directory -Force -Path (Join-Path $Fake "ReadyToRun/$ImageName")
        Set-Content (Join-Path $mine 'EvsSnapshot.Client.dll') 'mine'
        Get-EnginePath $Fake | Should -Be (Join-Path $mine 'EvsSnapshot.Client.dll')
    }
}

Describe 'PowerShell 7 runs the precompiled engine' {
    BeforeAll {
        # The control: the same module without its images, so the loader falls back to the IL engine.
        $script:IlCopy = Join-Path ([IO.Path]::GetTempPath()) "evs-il-$([guid]::NewGuid().ToString('N'))/EvsSnapshot"
        $null = New-Item -ItemType Directory -Force -Path (Split-Path $IlCopy)
        Copy-Item $ModuleDir $IlCopy -Recurse
        Remove-Item (Join-Path $IlCopy 'Dependencies/ReadyToRun') -Recurse -Force
        $script:Runbook = {
            param([string] $Manifest)
            @"
Import-Module '$Manifest'
$ConnectLine
`$null = Get-EvsVolume -Name db01
'engine: ' + ([AppDomain]::CurrentDomain.GetAssemblies() | Where-Object { `$_.GetName().Name -eq 'EvsSnapshot.Client' }).Location
"@
        }
        $script:AsBuilt = Invoke-JitLogged (& $Runbook $ModulePath)
        $script:Control = Invoke-JitLogged (& $Runbook (Join-Path $IlCopy 'EvsSnapshot.psd1'))
    }
    AfterAll { Remove-Item (Split-Path $IlCopy) -Recurse -Force -ErrorAction SilentlyContinue }

    It 'loads the engine from the image for its runtime' {
        $AsBuilt.ExitCode | Should -Be 0 -Because $AsBuilt.Output
        $AsBuilt.Output | Should -Match ([regex]::Escape("engine: $(Join-Path $Dependencies "ReadyToRun/$ImageName/EvsSnapshot.Client.dll")"))
        $Control.Output | Should -Match ([regex]::Escape("engine: $(Join-Path $IlCopy 'Dependencies/EvsSnapshot.Client.dll')"))
    }

    It 'uses its native code: the JIT compiles almost none of the engine''s methods' {
        $asBuilt = @($AsBuilt.Methods -like 'EvsSnapshot.Client.*').Count
        $control = @($Control.Methods -like 'EvsSnapshot.Client.*').Count
        $control | Should -BeGreaterThan 100 -Because 'the IL engine is JIT-compiled method by method (the control)'
        $asBuilt | Should -BeLessThan ($control / 10) -Because "the image's code is used (as built: $asBuilt, IL control: $control)"
    }
}

Describe 'Nothing eager at import' {
    It 'loads no engine, JSON or HTTP code and compiles only the loader''s own methods' {
        $result = Invoke-JitLogged @"
`$before = @([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name })
'import-start'
Import-Module '$ModulePath'
'new: ' + ((@([AppDomain]::CurrentDomain.GetAssemblies() | ForEach-Object { `$_.GetName().Name }) | Where-Object { `$_ -notin `$before }) -join ',')
"@
        $result.ExitCode | Should -Be 0 -Because $result.Output
        $new = @((($result.Output -split "`r?`n" | Where-Object { $_ -like 'new: *' }) -replace '^new: ') -split ',' | Where-Object { $_ })
        $new | Should -Contain 'EvsSnapshot'
        @($new | Where-Object { $_ -notin 'EvsSnapshot', 'EvsSnapshot.Types' }) | Should -BeNullOrEmpty -Because 'the engine, System.Text.Json and System.Net.Http wait for the first call'
        # The process compiled nothing of the module before Import-Module, so these are the import's.
        $ours = @($result.Methods -like 'EvsSnapshot.*')
        $ours.Count | Should -BeLessOrEqual 10 -Because "import runs only the loader's set-up ($($ours -join ', '))"
    }
}
