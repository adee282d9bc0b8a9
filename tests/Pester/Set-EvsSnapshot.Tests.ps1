BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $null = Connect-TestProject

    function New-AvailableSnapshot([string] $Name = 'to-change', [hashtable] $Metadata = @{ keep = 'yes'; drop = 'me' }) {
        New-EvsSnapshot -VolumeId (Get-TestVolumeId app01) -Name $Name -Metadata $Metadata -Wait -MaxPollInterval 0.3
    }
}

AfterAll { Stop-TestEmulator }

Describe 'Set-EvsSnapshot' {
    BeforeEach {
        Reset-TestEmulator
        $script:Snapshot = New-AvailableSnapshot
        Clear-TestRequestLog
    }

    It 'renames and re-describes, and -PassThru returns the updated snapshot' {
        $updated = Set-EvsSnapshot -Id $Snapshot.Id -Name renamed -Description 'new words' -PassThru
        $updated.Name | Should -Be 'renamed'
        $updated.Description | Should -Be 'new words'
        $updated.UpdatedAt | Should -Not -BeNullOrEmpty
        (Get-EvsSnapshot -Id $Snapshot.Id).Name | Should -Be 'renamed'
        (Get-TestRequests | Where-Object method -EQ PUT) | Should -HaveCount 1
    }

    It 'writes nothing without -PassThru' {
        Set-EvsSnapshot -Id $Snapshot.Id -Name quiet | Should -BeNullOrEmpty
    }

    It 'accepts 64/85 characters and refuses 65/86 and the reserved prefix before sending' {
        (Set-EvsSnapshot -Id $Snapshot.Id -Name ('a' * 64) -Description ('b' * 85) -PassThru).Name.Length | Should -Be 64
        Clear-TestRequestLog
        { Set-EvsSnapshot -Id $Snapshot.Id -Name ('a' * 65) } | Should -Throw -ErrorId 'SnapshotNameTooLong,*'
        { Set-EvsSnapshot -Id $Snapshot.Id -Description ('b' * 86) } | Should -Throw -ErrorId 'DescriptionTooLong,*'
        { Set-EvsSnapshot -Id $Snapshot.Id -Name 'autobk_snapshot_x' } | Should -Throw -ErrorId 'SnapshotNameReservedPrefix,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'replaces all metadata with -Metadata' {
        $updated = Set-EvsSnapshot -Id $Snapshot.Id -Metadata @{ only = 'this' } -PassThru
        $updated.Metadata['only'] | Should -Be 'this'
        $updated.Metadata.ContainsKey('keep') | Should -BeFalse
        (Get-TestRequests | Where-Object { $_.method -eq 'PUT' -and $_.path -like '*/snapshots/*/metadata' }) | Should -HaveCount 1
    }

    It 'merges with -AddMetadata and removes keys with -RemoveMetadataKey' {
        $updated = Set-EvsSnapshot -Id $Snapshot.Id -AddMetadata @{ added = 'new'; keep = 'changed' } -RemoveMetadataKey drop -PassThru
        $updated.Metadata['added'] | Should -Be 'new'
        $updated.Metadata['keep'] | Should -Be 'changed'
        $updated.Metadata.ContainsKey('drop') | Should -BeFalse
        (Get-TestRequests | Where-Object { $_.method -eq 'POST' -and $_.path -like '*/metadata' }) | Should -HaveCount 1
        (Get-TestRequests | Where-Object { $_.method -eq 'DELETE' -and $_.path -like '*/metadata/drop' }) | Should -HaveCount 1
    }

    It 'treats removing a key that is not there as done' {
        Set-EvsSnapshot -Id $Snapshot.Id -RemoveMetadataKey 'never-set' -ErrorVariable failures
        $failures | Should -BeNullOrEmpty
    }

    It 'refuses conflicting or empty changes' {
        { Set-EvsSnapshot -Id $Snapshot.Id -Metadata @{ a = 'b' } -AddMetadata @{ c = 'd' } } | Should -Throw -ErrorId 'ConflictingParameters,*'
        { Set-EvsSnapshot -Id $Snapshot.Id -AddMetadata @{ c = 'd' } -RemoveMetadataKey c } | Should -Throw -ErrorId 'ConflictingParameters,*'
        { Set-EvsSnapshot -Id $Snapshot.Id } | Should -Throw -ErrorId 'NothingToChange,*'
        { Set-EvsSnapshot -Id $Snapshot.Id -AddMetadata @{ n = 5 } } | Should -Throw -ErrorId 'MetadataValueNotString,*'
        { Set-EvsSnapshot -Id $Snapshot.Id -RemoveMetadataKey '..' } | Should -Throw -ErrorId 'MetadataKeyInvalidCharacter,*'
        Get-TestRequests | Should -BeNullOrEmpty
    }

    It 'changes every piped snapshot' {
        $second = New-AvailableSnapshot -Name second
        $changed = Get-EvsSnapshot -VolumeId (Get-TestVolumeId app01) | Set-EvsSnapshot -AddMetadata @{ reviewed = 'yes' } -PassThru
        $changed | Should -HaveCount 2
        $changed.Metadata.reviewed | Sort-Object -Unique | Should -Be 'yes'
        $null = $second
    }

    It 'sends nothing with -WhatIf' {
        Set-EvsSnapshot -Id $Snapshot.Id -Name whatif -WhatIf
        Get-TestRequests | Where-Object method -In 'PUT', 'POST', 'DELETE' | Should -BeNullOrEmpty
    }

    It 'refuses a backup''s snapshot: piped with no request, by id after one GET only' {
        $backup = Get-EvsSnapshot -Name 'autobk_snapshot_*'
        Clear-TestRequestLog
        $backup | Set-EvsSnapshot -Name stolen -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupSnapshotProtected,*'
        $failures[0].CategoryInfo.Category | Should -Be 'InvalidOperation'
        Get-TestRequests | Should -BeNullOrEmpty
        Set-EvsSnapshot -Id $backup.Id -Name stolen -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'BackupSnapshotProtected,*'
        (Get-TestRequests).method | Should -Be 'GET'
        (Get-EvsSnapshot -Id $backup.Id).Name | Should -Be $backup.Name
    }

    It 'reports an unknown snapshot as SnapshotNotFound and carries on' {
        $other = New-AvailableSnapshot -Name other
        '22222222-3333-4444-8555-666666666666', $other.Id | Set-EvsSnapshot -Description found -ErrorVariable failures -ErrorAction SilentlyContinue
        $failures[0].FullyQualifiedErrorId | Should -BeLike 'SnapshotNotFound,*'
        (Get-EvsSnapshot -Id $other.Id).Description | Should -Be 'found'
    }
}

Describe 'Set-EvsSnapshot -SnapshotName' {
    BeforeEach { Reset-TestEmulator }

    It 'changes the snapshots it names (-Name stays the new name) and says what in the -WhatIf line' {
        $snapshot = New-AvailableSnapshot -Name by-name-change
        Get-WhatIfText { Set-EvsSnapshot -SnapshotName by-name-change -Name renamed -WhatIf } |
            Should -Match "What if: Change snapshot 'by-name-change' \($($snapshot.Id.Substring(0, 8))\) of .*: rename to 'renamed'\."
        Set-EvsSnapshot -SnapshotName 'by-name-*' -Name renamed
        (Get-TestSnapshots | Where-Object id -EQ $snapshot.Id).name | Should -Be 'renamed'
    }
}
