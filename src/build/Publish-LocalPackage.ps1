<#
.SYNOPSIS
Publishes built modules into a local file repository with Publish-PSResource, producing <Name>.<version>.nupkg for each.

.DESCRIPTION
Runs PSResourceGet in a child pwsh whose HOME and XDG_DATA_HOME point into out/, so registering the temporary repository
never touches the user's own PSResourceGet configuration.
#>
param(
    # Module folders (out/EvsSnapshot, out/EvsSnapshot.Testing), published in this order.
    [Parameter(Mandatory)] [string[]] $ModulePath,
    [Parameter(Mandatory)] [string] $OutputPath
)
$ErrorActionPreference = 'Stop'

# The PowerShell that runs this script (the local dotnet tool, or an installed pwsh) runs the child too.
function Get-ChildPwsh {
    $dll = Join-Path $PSHOME 'pwsh.dll'
    if (Test-Path $dll) { return @('dotnet', $dll) }
    @(Join-Path $PSHOME ($(if ($IsWindows) { 'pwsh.exe' } else { 'pwsh' })))
}

if (Test-Path $OutputPath) { Remove-Item $OutputPath -Recurse -Force }
$null = New-Item -ItemType Directory -Path $OutputPath
$config = Join-Path (Split-Path $OutputPath) 'psresourceget-home'
# It must exist: .NET reports a missing special folder as "", and PSResourceGet would then use the current directory.
$null = New-Item -ItemType Directory -Force -Path (Join-Path $config '.local/share'), (Join-Path $config '.config')

$script = @"
`$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name EvsSnapshotLocal -Uri '$OutputPath' -Trusted
$(($ModulePath | ForEach-Object { "Publish-PSResource -Path '$_' -Repository EvsSnapshotLocal" }) -join "`n")
Unregister-PSResourceRepository -Name EvsSnapshotLocal
"@
$pwsh = Get-ChildPwsh
$saved = $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:HOME
try {
    # PSResourceGet keeps its repository list under the user's data folder; point both at out/.
    $env:XDG_DATA_HOME = Join-Path $config '.local/share'
    $env:XDG_CONFIG_HOME = Join-Path $config '.config'   # NuGet (inside PSResourceGet) writes its NuGet.Config there
    $env:HOME = $config
    & $pwsh[0] @($pwsh | Select-Object -Skip 1) -NoProfile -NonInteractive -Command $script
    if ($LASTEXITCODE -ne 0) { throw "Publish-PSResource failed (exit code $LASTEXITCODE)." }
}
finally {
    $env:XDG_DATA_HOME, $env:XDG_CONFIG_HOME, $env:HOME = $saved
}
foreach ($module in $ModulePath) {
    $name = Split-Path $module -Leaf
    $package = Get-ChildItem $OutputPath -Filter "$name.*.nupkg" | Where-Object Name -Match "^$([regex]::Escape($name))\.\d+\.\d+\.\d+.*\.nupkg$" | Select-Object -First 1
    if (-not $package) { throw "No $name .nupkg was produced in $OutputPath." }
    Write-Host "Published $($package.FullName) ($([math]::Round($package.Length / 1KB)) KB)"
}
