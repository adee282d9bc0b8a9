@{
    RootModule           = 'EvsSnapshot.Testing.psm1'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core')
    GUID                 = '2590bbfa-45c1-4b6e-ba67-d60eb02613a9'
    Author               = 'EvsSnapshot contributors'
    CompanyName          = 'EvsSnapshot contributors'
    Copyright            = '(c) EvsSnapshot contributors. MIT License.'
    Description          = 'A local Huawei Cloud EVS + IAM emulator for testing EvsSnapshot runbooks offline with Pester: start it on a free loopback port, connect, inject faults and throttling, force statuses, expire credentials, read its request log, reset.'
    PowerShellVersion    = '7.2'
    FormatsToProcess     = @('EvsSnapshot.Testing.Format.ps1xml')
    FunctionsToExport    = @(
        'Start-EvsEmulator'
        'Stop-EvsEmulator'
        'Set-EvsEmulatorConfig'
        'Set-EvsEmulatorFault'
        'Set-EvsEmulatorSnapshotStatus'
        'Set-EvsEmulatorVolume'
        'Get-EvsEmulatorSnapshot'
        'Revoke-EvsEmulatorCredential'
        'Update-EvsEmulatorMetadataCredential'
        'Get-EvsEmulatorRequest'
        'Get-EvsEmulatorStat'
        'Reset-EvsEmulator'
    )
    CmdletsToExport      = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('HuaweiCloud', 'EVS', 'Snapshot', 'Testing', 'Pester', 'Emulator', 'Mock', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/EvsSnapshot/EvsSnapshot'
            ReleaseNotes = @'
0.1.0: first release.
* The emulator: self-contained (no .NET needed), one executable per platform in bin/<rid>/ (this package: the platforms it was built for).
* Public interface, versioned (about_EvsSnapshot_Testing, VERSIONS): control plane 1.2 (/__emulator/info, seed, config, reset, clock, metadata, credentials, requests, stats, volumes, snapshots, jobs, jobs/failures, client-tokens, overrides); seed format 1.1 (seedFormatVersion 1); emulator flags --port, --config, --seed-file, --exit-on-stdin-close, --parent-pid and the runtime settings of GET/PATCH /__emulator/config. Versions only add: nothing of an earlier version changes meaning. Start-EvsEmulator refuses an emulator older than control plane 1.2.
* Functions: Start-EvsEmulator, Stop-EvsEmulator, Set-EvsEmulatorConfig, Set-EvsEmulatorFault, Set-EvsEmulatorSnapshotStatus, Set-EvsEmulatorVolume, Get-EvsEmulatorSnapshot, Revoke-EvsEmulatorCredential, Update-EvsEmulatorMetadataCredential, Get-EvsEmulatorRequest, Get-EvsEmulatorStat, Reset-EvsEmulator.
'@
        }
    }
}
