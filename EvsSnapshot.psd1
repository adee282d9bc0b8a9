@{
    RootModule           = 'EvsSnapshot.dll'
    ModuleVersion        = '0.1.0'
    CompatiblePSEditions = @('Core', 'Desktop')
    GUID                 = 'e22c4ca4-a7ae-476e-9bf9-24532b3cadaa'
    Author               = 'EvsSnapshot contributors'
    CompanyName          = 'EvsSnapshot contributors'
    Copyright            = '(c) EvsSnapshot contributors. MIT License.'
    Description          = 'Huawei Cloud EVS disk snapshots from PowerShell: create, list, update, roll back, delete and wait, in bulk and safely under faults.'
    PowerShellVersion    = '5.1'
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('EvsSnapshot.Format.ps1xml')
    CmdletsToExport      = @(
        'Connect-EvsProject'
        'Disconnect-EvsProject'
        'Get-EvsContext'
        'Get-EvsVolume'
        'New-EvsVolume'
        'Get-EvsSnapshot'
        'New-EvsSnapshot'
        'Set-EvsSnapshot'
        'Remove-EvsSnapshot'
        'Restore-EvsSnapshot'
        'Wait-EvsSnapshot'
        'Limit-EvsSnapshot'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('HuaweiCloud', 'EVS', 'Snapshot', 'Backup', 'Cloud', 'PSEdition_Core', 'PSEdition_Desktop', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/EvsSnapshot/EvsSnapshot'
            ReleaseNotes = 'First release: Connect-EvsProject (AK/SK, token, IAM password), Get-EvsVolume, New/Get/Set/Remove/Restore/Wait-EvsSnapshot with concurrent pipelines, safe retries and a local EVS emulator for offline testing.'
        }
    }
}
