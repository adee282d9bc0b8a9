<#
.SYNOPSIS
Credential rotation under load: a batch of snapshot creates signed with temporary credentials that live only a few
seconds, so they are renewed several times while the batch runs; then an exact account against the emulator.

.DESCRIPTION
One snapshot per volume: -Requests generated volumes are piped into New-EvsSnapshot -Name rotation. The credential
comes from the ECS metadata service (-Source EcsAgency, keys rotated by the service itself: old and new overlap for
a sixth of the lifetime) or from an IAM agency assumed with AK/SK (-Source Agency, every renewal a new
assume_role). Every API call waits -LatencyMs on the emulator, so the batch lasts at least
Requests x LatencyMs / ThrottleLimit and outlives several credentials.

Figures: failed items (error records), snapshots in the emulator, duplicates (volumes with more than one snapshot),
lost (volumes with none), distinct keys that signed an accepted create (rotations = keys - 1), 401s the gateway
answered (a key that expired in flight: renewed and sent again), credentials issued by the source.

`dotnet pwsh tests/soak/Invoke-CredentialRotation.ps1` runs 1,000 creates for each source; tests/Pester/Credentials.Tests.ps1
runs a 300-create version in the suite.
#>
[CmdletBinding()]
param(
    [int] $Requests = 1000,
    [ValidateSet('EcsAgency', 'Agency')]
    [string[]] $Source = @('EcsAgency', 'Agency'),
    [double] $LifetimeSeconds = 3,
    [int] $LatencyMs = 50,
    [int] $ThrottleLimit = 2,
    [switch] $PassThru
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0
Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
Import-Module (Get-EvsModulePath) -Force

function Invoke-Rotation([string] $Kind) {
    $lifetime = "$LifetimeSeconds"
    $emulator = Start-EvsTestEmulator -Arguments @('--create-seconds', '1', '--metadata-credential-lifetime-seconds', $lifetime, '--security-token-lifetime-seconds', $lifetime)
    try {
        $info = $emulator.Info
        $connect = @{ Region = 'cn-north-4'; Endpoint = $emulator.Url; IamEndpoint = $emulator.Url; PassThru = $true }
        if ($Kind -eq 'EcsAgency') {
            $project = $info.projectId
            $connect.EcsAgency = $true
            $connect.MetadataEndpoint = $emulator.Url
        }
        else {
            $project = ($info.projects | Where-Object domainName -EQ 'evs-partner').id
            $connect.Credential = [pscredential]::new($info.accessKey, (ConvertTo-SecureString $info.secretKey -AsPlainText -Force))
            $connect.AgencyName = 'evs-demo-ops'
            $connect.AgencyDomainName = 'evs-partner'
        }
        $volumes = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'volumes' -Method POST -Body @{ count = $Requests; namePrefix = 'rot-'; projectId = $project }
        $context = Connect-EvsProject @connect
        if ($context.ProjectId -ne $project) { throw "Connected to project $($context.ProjectId), expected $project." }
        $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests' -Method DELETE
        $issuedBefore = (Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats').credentialsIssued
        $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = $LatencyMs }

        $watch = [Diagnostics.Stopwatch]::StartNew()
        $created = @($volumes.ids | New-EvsSnapshot -Name rotation -ThrottleLimit $ThrottleLimit -Context $context -ErrorVariable failures -ErrorAction SilentlyContinue)
        $seconds = $watch.Elapsed.TotalSeconds

        $null = Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'config' -Method PATCH -Body @{ latencyMs = 0 }
        $log = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'requests').requests)
        $creates = @($log | Where-Object { $_.method -eq 'POST' -and $_.route -like '*/cloudsnapshots' })
        $accepted = @($creates | Where-Object status -EQ 202)
        $snapshots = @((Invoke-EvsEmulatorAdmin -Emulator $emulator -Path "snapshots?projectId=$project").snapshots | Where-Object name -EQ 'rotation')
        $perVolume = $snapshots | Group-Object volumeId
        $issuedAfter = (Invoke-EvsEmulatorAdmin -Emulator $emulator -Path 'stats').credentialsIssued
        $sourceKey = if ($Kind -eq 'EcsAgency') { 'metadata' } else { 'agency' }
        $keys = @($accepted.credential | Sort-Object -Unique)
        [pscustomobject]@{
            Source            = $Kind
            Requests          = $Requests
            LifetimeSeconds   = $LifetimeSeconds
            Seconds           = [math]::Round($seconds, 1)
            Reported          = $created.Count
            Failed            = @($failures).Count
            Snapshots         = $snapshots.Count
            Duplicates        = @($perVolume | Where-Object Count -GT 1).Count
            Lost              = $Requests - @($perVolume).Count
            DistinctKeys      = $keys.Count
            Rotations         = [math]::Max(0, $keys.Count - 1)
            KeySources        = (@($accepted.credentialSource | Sort-Object -Unique) -join ',')
            Rejected401       = @($log | Where-Object { $_.status -eq 401 -and $_.route -like '*/v2/*' }).Count
            CredentialsIssued = $issuedAfter.$sourceKey - $issuedBefore.$sourceKey
            FailureIds        = (@($failures | ForEach-Object FullyQualifiedErrorId | Sort-Object -Unique) -join ', ')
        }
    }
    finally {
        Disconnect-EvsProject
        Stop-EvsTestEmulator $emulator
    }
}

$results = foreach ($kind in $Source) { Invoke-Rotation $kind }
if ($PassThru) { return $results }
$results | Format-Table Source, Requests, LifetimeSeconds, Seconds, Reported, Failed, Snapshots, Duplicates, Lost, DistinctKeys, Rotations, Rejected401, CredentialsIssued -AutoSize | Out-String -Width 200 | Write-Host
