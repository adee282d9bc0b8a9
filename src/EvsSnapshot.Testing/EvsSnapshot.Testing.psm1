# EvsSnapshot.Testing: the local EVS + IAM emulator as a test double for runbooks. Start-EvsEmulator runs the
# self-contained emulator shipped in bin/<rid>/ on a free loopback port; the other functions are thin wrappers over
# its versioned control plane (/__emulator/*, documented in about_EvsSnapshot_Testing). Nothing here is shared with
# the EvsSnapshot module or its test tooling: the emulator and this module speak HTTP and JSON only.

Set-StrictMode -Version 3.0

# The control plane this module was written against; an older emulator is refused at start.
$script:RequiredControlPlane = [version]'1.2'
# Emulators started in this session, by process id: their Process objects (stdin kept open: closing it stops one).
$script:Running = [System.Collections.Generic.Dictionary[int, object]]::new()
$script:Last = $null

# ------------------------------------------------------------------------------------------------ helpers

function Get-EmulatorRuntimeId {
    # The runtime identifier the build names its folders by (bin/linux-x64, bin/win-x64, bin/osx-arm64 ...).
    $os = if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { 'win' } elseif ($IsMacOS) { 'osx' } else { 'linux' }
    $arch = [System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture.ToString().ToLowerInvariant()
    "$os-$arch"
}

function Get-EmulatorExecutable {
    $rid = Get-EmulatorRuntimeId
    $name = if ($rid -like 'win-*') { 'EvsEmulator.exe' } else { 'EvsEmulator' }
    $path = Join-Path $PSScriptRoot "bin/$rid/$name"
    if (-not (Test-Path -LiteralPath $path)) {
        $shipped = @(Get-ChildItem -LiteralPath (Join-Path $PSScriptRoot 'bin') -Directory -ErrorAction SilentlyContinue).Name -join ', '
        throw [System.PlatformNotSupportedException]::new("This EvsSnapshot.Testing package has no emulator for $rid (it has: $(if ($shipped) { $shipped } else { 'none' })). Build one with 'build.ps1 package -Runtime $rid'.")
    }
    if (-not $IsWindows) {
        # A .nupkg is a zip: installing it drops the executable bit.
        $mode = [System.IO.File]::GetUnixFileMode($path)
        if (-not ($mode -band [System.IO.UnixFileMode]::UserExecute)) {
            [System.IO.File]::SetUnixFileMode($path, $mode -bor [System.IO.UnixFileMode]::UserExecute -bor [System.IO.UnixFileMode]::GroupExecute -bor [System.IO.UnixFileMode]::OtherExecute)
        }
    }
    $path
}

function New-ErrorRecord([string] $Message, [string] $ErrorId, [System.Management.Automation.ErrorCategory] $Category, $Target) {
    [System.Management.Automation.ErrorRecord]::new([System.InvalidOperationException]::new($Message), $ErrorId, $Category, $Target)
}

function Resolve-Emulator {
    <# The -Emulator a caller gave, else the one this session started last; it must still be running. #>
    param($Emulator, [System.Management.Automation.PSCmdlet] $Caller)
    if ($null -eq $Emulator) { $Emulator = $script:Last }
    if ($null -eq $Emulator) {
        $Caller.ThrowTerminatingError((New-ErrorRecord 'No emulator: start one with Start-EvsEmulator or pass -Emulator.' 'EmulatorMissing' ObjectNotFound $null))
    }
    $Emulator
}

function Invoke-ControlPlane {
    <# One control-plane call; the emulator's {"error": ...} answer becomes a terminating error of the caller. #>
    param($Emulator, [string] $Method, [string] $Path, $Body, [System.Management.Automation.PSCmdlet] $Caller)
    $request = @{ Uri = "$($Emulator.Endpoint.AbsoluteUri.TrimEnd('/'))/__emulator/$Path"; Method = $Method; NoProxy = $true; TimeoutSec = 60 }
    if ($null -ne $Body) {
        $json = if ($Body -is [string]) { $Body } else { ConvertTo-Json -InputObject $Body -Depth 20 -Compress }
        $request.Body = [System.Text.Encoding]::UTF8.GetBytes($json)
        $request.ContentType = 'application/json'
    }
    try { Invoke-RestMethod @request }
    catch {
        $detail = $_.ErrorDetails.Message
        try { if ($detail) { $detail = (ConvertFrom-Json $detail).error } } catch { }
        $message = if ($detail) { "The emulator at $($Emulator.Endpoint) refused $Method /__emulator/${Path}: $detail" } else { "The emulator at $($Emulator.Endpoint) did not answer $Method /__emulator/${Path}: $($_.Exception.Message)" }
        $Caller.ThrowTerminatingError((New-ErrorRecord $message 'EmulatorControlPlaneFailed' InvalidOperation $Emulator))
    }
}

function ConvertTo-SeedDocument {
    <# -Seed as JSON text: a path to a seed file (read as is) or a hashtable / object (converted). #>
    param($Seed, [System.Management.Automation.PSCmdlet] $Caller)
    if ($Seed -is [string] -or $Seed -is [System.IO.FileInfo]) {
        $path = $Caller.GetUnresolvedProviderPathFromPSPath("$Seed")
        if (-not (Test-Path -LiteralPath $path -PathType Leaf)) {
            $Caller.ThrowTerminatingError((New-ErrorRecord "The seed file '$path' does not exist." 'SeedFileNotFound' ObjectNotFound $Seed))
        }
        return [System.IO.File]::ReadAllText($path)
    }
    if ($Seed -is [System.Collections.IDictionary] -or $Seed -is [psobject]) {
        $document = $Seed
        if ($Seed -is [System.Collections.IDictionary] -and -not $Seed.Contains('seedFormatVersion')) {
            # The one required field a hand-written hashtable most often omits; the format this module writes.
            $document = [ordered]@{ seedFormatVersion = '1.1' }
            foreach ($key in $Seed.Keys) { $document[$key] = $Seed[$key] }
        }
        return ConvertTo-Json -InputObject $document -Depth 20
    }
    $Caller.ThrowTerminatingError((New-ErrorRecord "-Seed takes a path to a seed file or a hashtable, not a $($Seed.GetType().FullName)." 'SeedInvalid' InvalidArgument $Seed))
}

function ConvertFrom-RateLimitSpec([string[]] $Spec) {
    <# '--rate-limit' specs ('read=10/1s', 'write=5/1m:window', 'retry-after', 'off') as the config's rateLimit. #>
    $limit = [ordered]@{}
    foreach ($part in @($Spec -split ',' | ForEach-Object Trim | Where-Object { $_ })) {
        if ($part -eq 'off') { return $null }
        if ($part -eq 'retry-after') { $limit.retryAfter = $true; continue }
        if ($part -notmatch '^(all|read|write)=(.+)$') { throw [System.ArgumentException]::new("'$part' is not a rate limit: use all=, read= or write= with N/Ws, N/Wm (e.g. read=10/1s), retry-after or off.") }
        $limit[$Matches[1]] = $Matches[2]
    }
    $limit
}

function Add-TypeName($Object, [string] $TypeName) {
    $Object.PSObject.TypeNames.Insert(0, $TypeName)
    $Object
}

function ConvertTo-EmulatorObject {
    param([System.Diagnostics.Process] $Process, [uri] $Endpoint, $Info)
    $secure = { param($text) if ($null -ne $text) { ConvertTo-SecureString -String $text -AsPlainText -Force } }
    $connect = [ordered]@{ Region = $Info.region; Endpoint = $Endpoint; IamEndpoint = $Endpoint; ProjectId = $Info.projectId }
    if ($Info.accessKey) { $connect.AccessKey = $Info.accessKey; $connect.SecretKey = & $secure $Info.secretKey }
    [pscustomobject]@{
        PSTypeName          = 'EvsSnapshot.Testing.Emulator'
        Endpoint            = $Endpoint
        Port                = $Endpoint.Port
        Region              = $Info.region
        ProjectId           = $Info.projectId
        ProjectName         = $Info.projectName
        DomainName          = $Info.domainName
        AccessKey           = $Info.accessKey
        SecretKey           = & $secure $Info.secretKey
        TemporaryAccessKey  = $Info.tempAccessKey
        TemporarySecretKey  = & $secure $Info.tempSecretKey
        SecurityToken       = & $secure $Info.securityToken
        UserName            = $Info.userName
        Password            = & $secure $Info.password
        VolumeIds           = $Info.volumeIds
        ConnectParameters   = [hashtable] $connect
        ControlPlaneVersion = [version] $Info.controlPlaneVersion
        SeedFormat          = $Info.seedFormat
        ProcessId           = $Process.Id
        StartTime           = $Process.StartTime
    }
}

function Stop-EmulatorProcess([System.Diagnostics.Process] $Process) {
    if (-not $Process.HasExited) {
        # Closing stdin is the emulator's orderly stop (--exit-on-stdin-close); kill it if that does not do.
        try { $Process.StandardInput.Close() } catch { }
        if (-not $Process.WaitForExit(5000)) { $Process.Kill($true); $null = $Process.WaitForExit(5000) }
    }
    $Process.Dispose()
}

# ------------------------------------------------------------------------------------------------ start / stop

function Start-EvsEmulator {
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Emulator')]
    param(
        [ValidateRange(0, 65535)] [int] $Port = 0,
        [object] $Seed,
        [ValidateScript({ $_ -ge [TimeSpan]::Zero })] [TimeSpan] $Latency = [TimeSpan]::Zero,
        [string[]] $RateLimit,
        [hashtable] $Faults,
        [hashtable] $Setting,
        [ValidateScript({ $_ -gt [TimeSpan]::Zero })] [TimeSpan] $StartTimeout = [TimeSpan]::FromSeconds(60)
    )
    $executable = Get-EmulatorExecutable
    # Start-up settings go into a config file, so Reset-EvsEmulator returns to them (the emulator reads it once).
    $config = [ordered]@{}
    if ($Setting) { foreach ($key in $Setting.Keys) { $config[$key] = $Setting[$key] } }
    if ($Latency -gt [TimeSpan]::Zero) { $config.latencyMs = [int] $Latency.TotalMilliseconds }
    if ($Faults) { $config.faults = $Faults }
    if ($RateLimit) {
        try { $config.rateLimit = ConvertFrom-RateLimitSpec $RateLimit }
        catch { $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($_.Exception, 'RateLimitInvalid', 'InvalidArgument', $RateLimit)) }
    }
    $work = Join-Path ([System.IO.Path]::GetTempPath()) "evs-emulator-$([guid]::NewGuid().ToString('N'))"
    $null = New-Item -ItemType Directory -Path $work
    try {
        if ($PSBoundParameters.ContainsKey('Seed')) {
            $seedFile = Join-Path $work 'seed.json'
            [System.IO.File]::WriteAllText($seedFile, (ConvertTo-SeedDocument $Seed $PSCmdlet))
            $config.seedFile = $seedFile
        }
        $configFile = Join-Path $work 'config.json'
        [System.IO.File]::WriteAllText($configFile, (ConvertTo-Json -InputObject $config -Depth 20))

        $psi = [System.Diagnostics.ProcessStartInfo]::new($executable)
        foreach ($a in '--port', "$Port", '--config', $configFile, '--exit-on-stdin-close', '--parent-pid', "$PID") { $psi.ArgumentList.Add($a) }
        $psi.UseShellExecute = $false
        $psi.RedirectStandardInput = $true     # held open by this session: closing it, or this process ending, stops the emulator
        $psi.RedirectStandardOutput = $true
        $psi.RedirectStandardError = $true
        Write-Verbose "Starting $executable --port $Port --parent-pid $PID"
        $process = [System.Diagnostics.Process]::Start($psi)
        $stderr = $process.StandardError.ReadToEndAsync()
        $endpoint = Wait-EmulatorStart $process $stderr $StartTimeout $PSCmdlet
    }
    finally {
        Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
    }
    $info = Invoke-RestMethod -Uri "$($endpoint.AbsoluteUri)__emulator/info" -NoProxy -TimeoutSec 30
    if ([version] $info.controlPlaneVersion -lt $script:RequiredControlPlane) {
        Stop-EmulatorProcess $process
        $PSCmdlet.ThrowTerminatingError((New-ErrorRecord "The emulator speaks control plane $($info.controlPlaneVersion); this module needs $script:RequiredControlPlane or later." 'EmulatorTooOld' InvalidResult $executable))
    }
    $emulator = ConvertTo-EmulatorObject $process $endpoint $info
    $script:Running[$process.Id] = $process
    $script:Last = $emulator
    $emulator
}

function Wait-EmulatorStart {
    <# The endpoint from the emulator's first stdout line; its stderr in the error when it exits or stays silent. #>
    param([System.Diagnostics.Process] $Process, $Stderr, [TimeSpan] $Timeout, [System.Management.Automation.PSCmdlet] $Caller)
    $line = $Process.StandardOutput.ReadLineAsync()
    if (-not $line.Wait($Timeout) -or $null -eq $line.Result -or $line.Result -notmatch '^EVS emulator listening on (http://127\.0\.0\.1:\d+)$') {
        $said = if ($line.IsCompleted) { $line.Result } else { $null }
        if (-not $Process.HasExited) { $Process.Kill($true) }
        $null = $Process.WaitForExit(5000)
        $why = (@($said, $(if ($Stderr.Wait(2000)) { $Stderr.Result })) | Where-Object { $_ }) -join ' ' -replace '\s+', ' '
        $what = if ($Process.ExitCode -eq 2) { 'refused its settings' } else { "did not start within $($Timeout.TotalSeconds) s" }
        $Caller.ThrowTerminatingError((New-ErrorRecord "The emulator $what`: $($why.Trim())" 'EmulatorStartFailed' InvalidOperation $null))
    }
    # Drain the rest of stdout so the emulator never blocks on a full pipe.
    $null = $Process.StandardOutput.ReadToEndAsync()
    [uri] "$($Matches[1])/"
}

function Stop-EvsEmulator {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType([void])]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject[]] $Emulator,
        [switch] $All
    )
    process {
        $targets = if ($All) { @($script:Running.Keys) }
        elseif ($Emulator) { @($Emulator.ProcessId) }
        else { @((Resolve-Emulator $null $PSCmdlet).ProcessId) }
        foreach ($id in $targets) {
            if (-not $script:Running.ContainsKey($id)) { Write-Verbose "The emulator with process id $id is not running in this session."; continue }
            if (-not $PSCmdlet.ShouldProcess("emulator process $id", 'Stop')) { continue }
            Stop-EmulatorProcess $script:Running[$id]
            $null = $script:Running.Remove($id)
            if ($script:Last -and $script:Last.ProcessId -eq $id) { $script:Last = $null }
        }
    }
}

# ------------------------------------------------------------------------------------------------ control plane

function Set-EvsEmulatorConfig {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType([void])]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [ValidateScript({ $_ -ge [TimeSpan]::Zero })] [TimeSpan] $Latency,
        [string[]] $RateLimit,
        [hashtable] $Setting
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        $patch = [ordered]@{}
        if ($Setting) { foreach ($key in $Setting.Keys) { $patch[$key] = $Setting[$key] } }
        if ($PSBoundParameters.ContainsKey('Latency')) { $patch.latencyMs = [int] $Latency.TotalMilliseconds }
        if ($PSBoundParameters.ContainsKey('RateLimit')) {
            try { $patch.rateLimit = ConvertFrom-RateLimitSpec $RateLimit }
            catch { $PSCmdlet.ThrowTerminatingError([System.Management.Automation.ErrorRecord]::new($_.Exception, 'RateLimitInvalid', 'InvalidArgument', $RateLimit)) }
        }
        if ($patch.Count -eq 0) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord 'Give at least one of -Latency, -RateLimit or -Setting.' 'ConfigMissing' InvalidArgument $null))
        }
        if ($PSCmdlet.ShouldProcess($target.Endpoint, "Set $(@($patch.Keys) -join ', ')")) {
            $null = Invoke-ControlPlane $target PATCH config $patch $PSCmdlet
        }
    }
}

function Set-EvsEmulatorFault {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', DefaultParameterSetName = 'Set', PositionalBinding = $false)]
    [OutputType([void])]
    param(
        [Parameter(ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [Parameter(Mandatory, Position = 0, ParameterSetName = 'Set')]
        [ValidateSet('503', '429', '429_retry_after', 'reset_before', 'slow', 'reset_after', '504_after', 'malformed')]
        [string[]] $Kind,
        [Parameter(Position = 1, ParameterSetName = 'Set')] [ValidateRange(0.0, 1.0)] [double] $Rate = 1.0,
        [Parameter(ParameterSetName = 'Set')] [string] $PathPattern,
        [Parameter(ParameterSetName = 'Set')] [string] $QueryPattern,
        [Parameter(ParameterSetName = 'Set')] [ValidateSet('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD')] [string[]] $Method,
        [Parameter(ParameterSetName = 'Set')] [ValidateScript({ $_ -gt [TimeSpan]::Zero })] [TimeSpan] $SlowDelay,
        [Parameter(Mandatory, ParameterSetName = 'Clear')] [switch] $Clear
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        if ($Clear) {
            if ($PSCmdlet.ShouldProcess($target.Endpoint, 'Clear every fault')) { $null = Invoke-ControlPlane $target PATCH config @{ faults = $null } $PSCmdlet }
            return
        }
        $faults = [ordered]@{}
        foreach ($k in $Kind) { $faults[$k] = $Rate }
        if ($PSBoundParameters.ContainsKey('PathPattern')) { $faults.paths = $PathPattern }
        if ($PSBoundParameters.ContainsKey('QueryPattern')) { $faults.query = $QueryPattern }
        if ($PSBoundParameters.ContainsKey('Method')) { $faults.methods = @($Method) }
        if ($PSBoundParameters.ContainsKey('SlowDelay')) { $faults.slowMs = [int] $SlowDelay.TotalMilliseconds }
        if ($PSCmdlet.ShouldProcess($target.Endpoint, "Fault $($Kind -join ', ') at rate $Rate")) {
            $null = Invoke-ControlPlane $target PATCH config @{ faults = $faults } $PSCmdlet
        }
    }
}

function Set-EvsEmulatorSnapshotStatus {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Snapshot')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [Alias('SnapshotId')] [ValidatePattern('^[0-9a-fA-F-]{36}$')] [string] $Id,
        [Parameter(Mandatory, Position = 1)]
        [ValidateSet('creating', 'available', 'error', 'deleting', 'error_deleting', 'rollbacking', 'backing-up')]
        [string] $Status,
        [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [switch] $PassThru
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        if (-not $PSCmdlet.ShouldProcess("snapshot $Id", "Set status to $Status")) { return }
        $snapshot = Invoke-ControlPlane $target PATCH "snapshots/$Id" @{ status = $Status } $PSCmdlet
        if ($PassThru) { Add-TypeName $snapshot 'EvsSnapshot.Testing.Snapshot' }
    }
}

function Set-EvsEmulatorVolume {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Volume')]
    param(
        [Parameter(Mandatory, Position = 0, ValueFromPipelineByPropertyName)] [Alias('VolumeId')] [ValidatePattern('^[0-9a-fA-F-]{36}$')] [string] $Id,
        [ValidateSet('creating', 'available', 'in-use', 'attaching', 'error', 'rollbacking', 'error_rollbacking', 'detaching', 'restoring-backup', 'backing-up',
            'error_restoring', 'uploading', 'downloading', 'extending', 'error_extending', 'deleting', 'error_deleting', 'awaiting-transfer', 'error_detaching')]
        [string] $Status,
        [ValidateSet('ok', 'error')] [string] $SnapshotCreate,
        [ValidateSet('ok', 'error')] [string] $SnapshotDelete,
        [ValidateSet('ok', 'error')] [string] $Rollback,
        [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [switch] $PassThru
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        $body = [ordered]@{}
        if ($Status) { $body.status = $Status }
        $behavior = [ordered]@{}
        foreach ($name in 'SnapshotCreate', 'SnapshotDelete', 'Rollback') {
            if ($PSBoundParameters.ContainsKey($name)) { $behavior["$($name.Substring(0, 1).ToLowerInvariant())$($name.Substring(1))"] = $PSBoundParameters[$name] }
        }
        if ($behavior.Count) { $body.behavior = $behavior }
        if ($body.Count -eq 0) {
            $PSCmdlet.ThrowTerminatingError((New-ErrorRecord 'Give at least one of -Status, -SnapshotCreate, -SnapshotDelete or -Rollback.' 'VolumeChangeMissing' InvalidArgument $Id))
        }
        if (-not $PSCmdlet.ShouldProcess("disk $Id", "Set $(@($body.Keys) -join ', ')")) { return }
        $volume = Invoke-ControlPlane $target PATCH "volumes/$Id" $body $PSCmdlet
        if ($PassThru) { Add-TypeName $volume 'EvsSnapshot.Testing.Volume' }
    }
}

function Get-EvsEmulatorSnapshot {
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Snapshot')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [ValidatePattern('^[0-9a-fA-F-]{36}$')] [string] $VolumeId,
        [ValidateSet('creating', 'available', 'error', 'deleting', 'error_deleting', 'rollbacking', 'backing-up')] [string] $Status,
        [string] $ProjectId
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        $query = @(foreach ($name in 'VolumeId', 'Status', 'ProjectId') {
                if ($PSBoundParameters.ContainsKey($name)) { "$($name.Substring(0, 1).ToLowerInvariant())$($name.Substring(1))=$([uri]::EscapeDataString($PSBoundParameters[$name]))" }
            }) -join '&'
        $answer = Invoke-ControlPlane $target GET "snapshots$(if ($query) { "?$query" })" $null $PSCmdlet
        foreach ($s in @($answer.snapshots)) { Add-TypeName $s 'EvsSnapshot.Testing.Snapshot' }
    }
}

function Revoke-EvsEmulatorCredential {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.CredentialExpiry')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [switch] $Token,
        [switch] $Temporary,
        [ValidateSet('metadata', 'agency', 'federation', 'token', 'temporary')] [string] $Source
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        $body = [ordered]@{}
        if ($Token) { $body.tokens = $true }
        if ($Temporary -or $Source) { $body.temporary = $true }
        if ($Source) { $body.source = $Source }
        if ($body.Count -eq 0) { $body = [ordered]@{ tokens = $true; temporary = $true } }
        $what = (@(if ($body.Contains('tokens')) { 'IAM tokens' }) + @(if ($body.Contains('temporary')) { "temporary credentials$(if ($Source) { " from $Source" })" })) -join ' and '
        if (-not $PSCmdlet.ShouldProcess($target.Endpoint, "Expire $what now")) { return }
        $answer = Invoke-ControlPlane $target POST 'credentials/expire' $body $PSCmdlet
        [pscustomobject]@{
            PSTypeName                  = 'EvsSnapshot.Testing.CredentialExpiry'
            TokensExpired               = [int] $answer.tokensExpired
            TemporaryCredentialsExpired = [int] $answer.temporaryCredentialsExpired
        }
    }
}

function Update-EvsEmulatorMetadataCredential {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.MetadataCredential')]
    param([Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator)
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        if (-not $PSCmdlet.ShouldProcess($target.Endpoint, 'Rotate the ECS metadata service credential')) { return }
        $answer = Invoke-ControlPlane $target POST 'metadata/rotate' $null $PSCmdlet
        [pscustomobject]@{
            PSTypeName        = 'EvsSnapshot.Testing.MetadataCredential'
            AccessKey         = $answer.access
            IssuedAt          = $answer.issuedAt
            ExpiresAt         = $answer.expiresAt
            PreviousAccessKey = $answer.previous
        }
    }
}

function Get-EvsEmulatorRequest {
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Request')]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [ValidateRange(1, 200000)] [int] $Last
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        $answer = Invoke-ControlPlane $target GET "requests$(if ($Last) { "?limit=$Last" })" $null $PSCmdlet
        foreach ($entry in @($answer.requests)) { Add-TypeName $entry 'EvsSnapshot.Testing.Request' }
    }
}

function Get-EvsEmulatorStat {
    [CmdletBinding(PositionalBinding = $false)]
    [OutputType('EvsSnapshot.Testing.Stat')]
    param([Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator)
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        Add-TypeName (Invoke-ControlPlane $target GET stats $null $PSCmdlet) 'EvsSnapshot.Testing.Stat'
    }
}

function Reset-EvsEmulator {
    [CmdletBinding(SupportsShouldProcess, ConfirmImpact = 'Low', PositionalBinding = $false)]
    [OutputType([void])]
    param(
        [Parameter(Position = 0, ValueFromPipeline)] [PSTypeName('EvsSnapshot.Testing.Emulator')] [psobject] $Emulator,
        [object] $Seed
    )
    process {
        $target = Resolve-Emulator $Emulator $PSCmdlet
        if ($PSBoundParameters.ContainsKey('Seed')) {
            $document = ConvertTo-SeedDocument $Seed $PSCmdlet
            if ($PSCmdlet.ShouldProcess($target.Endpoint, 'Replace the whole state with the seed')) {
                $null = Invoke-ControlPlane $target POST seed $document $PSCmdlet
            }
        }
        elseif ($PSCmdlet.ShouldProcess($target.Endpoint, 'Reset to the start-up state')) {
            $null = Invoke-ControlPlane $target POST reset $null $PSCmdlet
        }
    }
}

# An emulator never outlives the module: removing it (or the session ending) stops every one it started.
$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($process in @($script:Running.Values)) { Stop-EmulatorProcess $process }
    $script:Running.Clear()
}

Export-ModuleMember -Function Start-EvsEmulator, Stop-EvsEmulator, Set-EvsEmulatorConfig, Set-EvsEmulatorFault, Set-EvsEmulatorSnapshotStatus,
    Set-EvsEmulatorVolume, Get-EvsEmulatorSnapshot, Revoke-EvsEmulatorCredential, Update-EvsEmulatorMetadataCredential, Get-EvsEmulatorRequest, Get-EvsEmulatorStat, Reset-EvsEmulator
