# What the user reads: default tables at 120 and 80 columns, Format-List / Export-Csv / ConvertTo-Json of the
# objects, and tab completion of names and zones.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject

    function Get-TableLines($Objects, [int] $Width) { @(($Objects | Format-Table | Out-String -Width $Width) -split '\r?\n' | Where-Object { $_.Trim() }) }
}

AfterAll { Stop-TestEmulator }

Describe 'Default tables' {
    BeforeAll {
        Reset-TestEmulator
        $long = 'nightly-20261201-db01-before-the-change'   # 39 characters, well past the old 24
        $null = Get-EvsVolume -Name db01 | New-EvsSnapshot -Name $long -Wait -MaxPollInterval 0.3
        Set-TestEmulatorConfig @{ createSeconds = 60 }
        $script:Creating = Get-EvsVolume -Name web01 | New-EvsSnapshot -Name web01-creating
        $script:Snapshots = @(Get-EvsSnapshot -VolumeName db01, web01)
        $script:Long = $long
    }

    It 'snapshots at 120 columns: Name (whole, past 24 characters), Status with progress while creating, Size, local time, disk name, short id' {
        $lines = Get-TableLines $Snapshots 120
        $lines[0] | Should -Match '^Name\s+Status\s+Size\s+Created \(local\)\s+Disk\s+Id$'
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $row = $lines | Where-Object { $_ -like "$Long *" }
        $row | Should -HaveCount 1 -Because 'the 43-character name is shown whole'
        $row | Should -Match "available\s+40 $([regex]::Escape(($Snapshots | Where-Object Name -EQ $Long).CreatedAt.ToString('yyyy-MM-dd HH:mm'))) db01\s+$(($Snapshots | Where-Object Name -EQ $Long).Id.Substring(0, 8))$"
        ($lines | Where-Object { $_ -like 'web01-creating *' }) | Should -Match 'creating \d+%\s+40 .* web01\s+\w{8}$'
    }

    It 'snapshots at 80 columns: Name, Status, Size and Created stay whole, nothing wraps' {
        $lines = Get-TableLines $Snapshots 80
        $lines[0] | Should -Match '^Name\s+Status\s+Size\s+Created \(local\)$'
        $lines | Should -HaveCount ($Snapshots.Count + 2)
        $lines | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
        ($lines | Where-Object { $_ -like 'web01-creating *' }) | Should -Match 'creating \d+%\s+40 \d{4}-\d\d-\d\d \d\d:\d\d$'
    }

    It 'disks at 120 and 80 columns' {
        $volumes = Get-EvsVolume
        $wide = Get-TableLines $volumes 120
        $wide[0] | Should -Match '^Name\s+Status\s+Size\s+Type\s+Zone\s+Server\s+Device\s+Created \(local\)\s+Id$'
        $wide | ForEach-Object { $_.Length | Should -BeLessOrEqual 120 }
        $db01 = Get-EvsVolume -Name db01
        ($wide | Where-Object { $_ -like 'db01 *' }) | Should -Match "in-use\s+40 SSD\s+cn-north-4a\s+$($db01.AttachedServerId.Substring(0, 8))\s+$($db01.Device)\s+\S+ \S+ $((Get-TestVolumeId db01).Substring(0, 8))$"
        ($wide | Where-Object { $_ -like 'shared01 *' }) | Should -Match '\s[0-9a-f]{8}\+\s+/dev/'  # two servers: the first, and a mark for more
        $narrow = Get-TableLines $volumes 80
        $narrow[0] | Should -Match '^Name\s+Status\s+Size\s+Type\s+Zone\s+Server$'
        $narrow | Should -HaveCount ($volumes.Count + 2)
        $narrow | ForEach-Object { $_.Length | Should -BeLessOrEqual 80 }
    }

    It 'keeps the format file light: short script blocks only' {
        $xml = [xml](Get-Content -Raw (Join-Path (Split-Path (Get-EvsModulePath)) 'EvsSnapshot.Format.ps1xml'))
        $blocks = @($xml.SelectNodes('//ScriptBlock') | ForEach-Object InnerText)
        $blocks | ForEach-Object { $_.Length | Should -BeLessThan 130 }
    }
}

Describe 'Objects exported and listed' {
    BeforeAll { Reset-TestEmulator }

    It 'Export-Csv gives readable metadata (MetadataText) and both times, the UTC one labelled' {
        $weekly = (Get-TestSnapshots | Where-Object name -EQ 'db01-weekly').id
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path "snapshots/$weekly" -Method PATCH -Body @{ metadata = @{ tier = 'gold'; 'odd;key' = 'a=b' } }
        $snapshot = Get-EvsSnapshot -Id $weekly
        $snapshot.MetadataText | Should -BeExactly 'odd\;key=a\=b; tier=gold'
        $file = Join-Path $TestDrive 'snapshots.csv'
        $snapshot | Export-Csv -LiteralPath $file
        $row = Import-Csv -LiteralPath $file
        $row.MetadataText | Should -BeExactly 'odd\;key=a\=b; tier=gold'
        $row.Metadata | Should -Match 'Dictionary' -Because 'the dictionary itself is not readable in CSV, hence MetadataText'
        [datetime]::Parse($row.CreatedAtUtc, [cultureinfo]::CurrentCulture) | Should -Be ([datetime]::Parse($snapshot.CreatedAtUtc.ToString(), [cultureinfo]::CurrentCulture))
        [datetime]::Parse($row.CreatedAt, [cultureinfo]::CurrentCulture) | Should -Be ([datetime]::Parse($snapshot.CreatedAt.ToString(), [cultureinfo]::CurrentCulture))
        (Get-EvsVolume -Name shared01).MetadataText | Should -BeExactly 'hw:passthrough=true'
    }

    It 'ConvertTo-Json writes the metadata as an object and the times with their zone' {
        $json = Get-EvsSnapshot -Name db01-weekly | ConvertTo-Json | ConvertFrom-Json -AsHashtable
        $json.MetadataText | Should -BeOfType [string]
        $json.CreatedAtUtc | Should -BeOfType [datetime]
        (Get-EvsSnapshot -Name db01-weekly | ConvertTo-Json) | Should -Match '"CreatedAtUtc": "[^"]+Z"'
        (Get-EvsSnapshot -Name db01-weekly | ConvertTo-Json) | Should -Match '"CreatedAt": "[^"]+[+-]\d\d:\d\d"'
    }

    It 'Format-List shows CreatedAt and CreatedAtUtc' {
        $text = Get-EvsSnapshot -Name db01-weekly | Format-List | Out-String
        $text | Should -Match 'CreatedAt\s+:'
        $text | Should -Match 'CreatedAtUtc\s+:'
    }
}

Describe 'Completion of names and zones' {
    BeforeAll {
        Reset-TestEmulator
        $null = Connect-TestProject   # a fresh completion cache
    }

    It 'completes -Name of Get-EvsVolume with disk names, not files' {
        $matches = Complete-TestLine 'Get-EvsVolume -Name db'
        @($matches.CompletionText | Sort-Object) | Should -Be @('db01', 'db02')
    }

    It 'completes -Name of Get-EvsSnapshot with snapshot names' {
        $matches = Complete-TestLine 'Get-EvsSnapshot -Name db01-w'
        @($matches.CompletionText) | Should -Be @('db01-weekly')
    }

    It 'completes -VolumeName of New-EvsSnapshot and -Name of Remove-EvsSnapshot with names' {
        @((Complete-TestLine 'New-EvsSnapshot -VolumeName web').CompletionText | Sort-Object) | Should -Be @('web01', 'web02')
        @((Complete-TestLine 'Remove-EvsSnapshot -Name db01-m').CompletionText) | Should -Be @('db01-monthly')
    }

    It 'completes -AvailabilityZone with the project''s zones' {
        @((Complete-TestLine 'Get-EvsVolume -AvailabilityZone cn').CompletionText | Sort-Object) | Should -Be @('cn-north-4a', 'cn-north-4b')
        @((Complete-TestLine 'Get-EvsSnapshot -AvailabilityZone cn-north-4b').CompletionText) | Should -Be @('cn-north-4b')
    }
}
