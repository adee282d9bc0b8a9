# Generated bad input over every cmdlet: each case must end in an error record with its one stable ErrorId and the
# right category, never a crash, and the emulator must receive no request at all.
BeforeDiscovery {
    $valid = '0b4c5d6e-1f2a-4b3c-8d9e-0a1b2c3d4e5f'
    $cases = [System.Collections.Generic.List[hashtable]]::new()
    function Add-Case([string] $Name, [string] $Command, [hashtable] $Params, [string] $ErrorId, [string] $Category, $Pipeline = $null) {
        $cases.Add(@{ Name = $Name; Command = $Command; Params = $Params; ErrorId = $ErrorId; Category = $Category; Pipeline = $Pipeline; HasPipeline = $null -ne $Pipeline })
    }
    $emptyNotAllowed = 'ParameterArgumentValidationErrorEmptyStringNotAllowed'

    # Ids: every cmdlet that takes one, each malformed id.
    $badIds = @('', ' ', 'abc', '12345', 'not-a-uuid', '00000000000040008000000000000000', '00000000-0000-4000-8000-00000000000',
        '00000000-0000-4000-8000-0000000000000', 'g0000000-0000-4000-8000-000000000000', '../x', 'a?b', '%2e%2e',
        "00000000-0000-4000-8000-000000000000`n", "`t", '{00000000-0000-4000-8000-000000000000}', ' 00000000-0000-4000-8000-000000000000')
    foreach ($id in $badIds) {
        $label = $id -replace "`n", '\n' -replace "`t", '\t'
        # Get-EvsSnapshot -Id, Get-EvsVolume -Id and New-EvsSnapshot -VolumeId are mandatory: PowerShell's binder refuses
        # an empty string there before the cmdlet runs. Every other bad id (blank ones too) reaches the module's validator.
        $mandatorySnapshotId = if ($id -eq '') { $emptyNotAllowed } else { 'InvalidSnapshotId' }
        $mandatoryVolumeId = if ($id -eq '') { $emptyNotAllowed } else { 'InvalidVolumeId' }
        Add-Case "Get-EvsSnapshot -Id '$label'" Get-EvsSnapshot @{ Id = $id } $mandatorySnapshotId InvalidArgument
        Add-Case "Get-EvsVolume -Id '$label'" Get-EvsVolume @{ Id = $id } $mandatoryVolumeId InvalidArgument
        Add-Case "New-EvsSnapshot -VolumeId '$label'" New-EvsSnapshot @{ VolumeId = $id } $mandatoryVolumeId InvalidArgument
        Add-Case "Get-EvsSnapshot -VolumeId '$label'" Get-EvsSnapshot @{ VolumeId = $id } 'InvalidVolumeId' InvalidArgument
        Add-Case "Set-EvsSnapshot -Id '$label'" Set-EvsSnapshot @{ Id = $id; Name = 'x' } 'InvalidSnapshotId' InvalidArgument
        Add-Case "Remove-EvsSnapshot -Id '$label'" Remove-EvsSnapshot @{ Id = $id; Force = $true } 'InvalidSnapshotId' InvalidArgument
        Add-Case "Restore-EvsSnapshot -Id '$label'" Restore-EvsSnapshot @{ Id = $id; Force = $true } 'InvalidSnapshotId' InvalidArgument
        Add-Case "Wait-EvsSnapshot -Id '$label'" Wait-EvsSnapshot @{ Id = $id } 'InvalidSnapshotId' InvalidArgument
    }
    Add-Case 'pipeline: a bad id among strings' Remove-EvsSnapshot @{ Force = $true } 'InvalidSnapshotId' InvalidArgument @('nope')

    # Names.
    $badNames = @(
        @{ V = ''; Id = 'SnapshotNameEmpty' }, @{ V = ' '; Id = 'SnapshotNameEmpty' }, @{ V = "`t"; Id = 'SnapshotNameEmpty' },
        @{ V = 'a' * 65; Id = 'SnapshotNameTooLong' }, @{ V = 'a' * 100; Id = 'SnapshotNameTooLong' }, @{ V = 'a' * 1000; Id = 'SnapshotNameTooLong' },
        @{ V = "line`nbreak"; Id = 'SnapshotNameInvalidCharacter' }, @{ V = "nul`0char"; Id = 'SnapshotNameInvalidCharacter' },
        @{ V = "bell`a"; Id = 'SnapshotNameInvalidCharacter' }, @{ V = "tab`there"; Id = 'SnapshotNameInvalidCharacter' },
        @{ V = [string][char]0x202E + 'rtl'; Id = 'SnapshotNameInvalidCharacter' },
        @{ V = 'autobk_snapshot_'; Id = 'SnapshotNameReservedPrefix' }, @{ V = 'autobk_snapshot_x'; Id = 'SnapshotNameReservedPrefix' },
        @{ V = 'AUTOBK_SNAPSHOT_Y'; Id = 'SnapshotNameReservedPrefix' })
    foreach ($n in $badNames) {
        $label = if ($n.V.Length -gt 20) { "$($n.V.Length) characters" } else { $n.V -replace "[`0-`u{1f}`u{202e}]", '?' }
        Add-Case "New-EvsSnapshot -Name '$label'" New-EvsSnapshot @{ VolumeId = $valid; Name = $n.V } $n.Id InvalidArgument
        Add-Case "Set-EvsSnapshot -Name '$label'" Set-EvsSnapshot @{ Id = $valid; Name = $n.V } $n.Id InvalidArgument
    }
    foreach ($n in @(@{ V = ''; Id = 'VolumeNameEmpty' }, @{ V = ' '; Id = 'VolumeNameEmpty' }, @{ V = 'v' * 65; Id = 'VolumeNameTooLong' },
            @{ V = 'v' * 300; Id = 'VolumeNameTooLong' }, @{ V = "a`nb"; Id = 'VolumeNameInvalidCharacter' }, @{ V = "a`0b"; Id = 'VolumeNameInvalidCharacter' })) {
        Add-Case "Restore-EvsSnapshot -VolumeName ($($n.Id))" Restore-EvsSnapshot @{ Id = $valid; VolumeName = $n.V; Force = $true } $n.Id InvalidArgument
    }

    # Descriptions.
    foreach ($d in @(@{ V = 'd' * 86; Id = 'DescriptionTooLong' }, @{ V = 'd' * 200; Id = 'DescriptionTooLong' }, @{ V = 'd' * 5000; Id = 'DescriptionTooLong' },
            @{ V = "bell`a"; Id = 'DescriptionInvalidCharacter' }, @{ V = "esc`e[31m"; Id = 'DescriptionInvalidCharacter' }, @{ V = "nul`0"; Id = 'DescriptionInvalidCharacter' })) {
        Add-Case "New-EvsSnapshot -Description ($($d.Id), $($d.V.Length))" New-EvsSnapshot @{ VolumeId = $valid; Description = $d.V } $d.Id InvalidArgument
        Add-Case "Set-EvsSnapshot -Description ($($d.Id), $($d.V.Length))" Set-EvsSnapshot @{ Id = $valid; Description = $d.V } $d.Id InvalidArgument
    }

    # Metadata.
    $many = @{}; 1..51 | ForEach-Object { $many["k$_"] = 'v' }
    $badMetadata = @(
        @{ L = 'int value'; V = @{ a = 1 }; Id = 'MetadataValueNotString' }, @{ L = 'bool value'; V = @{ a = $true }; Id = 'MetadataValueNotString' },
        @{ L = 'double value'; V = @{ a = 1.5 }; Id = 'MetadataValueNotString' }, @{ L = 'null value'; V = @{ a = $null }; Id = 'MetadataValueNotString' },
        @{ L = 'array value'; V = @{ a = @('x') }; Id = 'MetadataValueNotString' }, @{ L = 'hashtable value'; V = @{ a = @{ b = 'c' } }; Id = 'MetadataValueNotString' },
        @{ L = 'date value'; V = @{ a = [datetime]'2026-01-01' }; Id = 'MetadataValueNotString' }, @{ L = 'empty key'; V = @{ '' = 'x' }; Id = 'MetadataKeyEmpty' },
        @{ L = 'blank key'; V = @{ ' ' = 'x' }; Id = 'MetadataKeyEmpty' }, @{ L = 'system key'; V = @{ '__system__x' = '1' }; Id = 'MetadataKeyReserved' },
        @{ L = 'client-token key'; V = @{ 'evssnapshot_client_token' = 'x' }; Id = 'MetadataKeyReserved' }, @{ L = '256-char key'; V = @{ ('k' * 256) = 'v' }; Id = 'MetadataKeyTooLong' },
        @{ L = '256-char value'; V = @{ k = ('v' * 256) }; Id = 'MetadataValueTooLong' }, @{ L = '51 pairs'; V = $many; Id = 'MetadataTooLarge' },
        @{ L = 'control char in key'; V = @{ "k`n" = 'v' }; Id = 'MetadataKeyInvalidCharacter' }, @{ L = 'control char in value'; V = @{ k = "v`n" }; Id = 'MetadataValueInvalidCharacter' },
        @{ L = 'integer key'; V = @{ 1 = 'int key' }; Id = 'MetadataKeyNotString' })
    foreach ($m in $badMetadata) {
        Add-Case "New-EvsSnapshot -Metadata ($($m.L))" New-EvsSnapshot @{ VolumeId = $valid; Metadata = $m.V } $m.Id InvalidArgument
        Add-Case "Set-EvsSnapshot -Metadata ($($m.L))" Set-EvsSnapshot @{ Id = $valid; Metadata = $m.V } $m.Id InvalidArgument
        Add-Case "Set-EvsSnapshot -AddMetadata ($($m.L))" Set-EvsSnapshot @{ Id = $valid; AddMetadata = $m.V } $m.Id InvalidArgument
    }
    foreach ($k in @(@{ V = ''; Id = 'MetadataKeyEmpty' }, @{ V = ' '; Id = 'MetadataKeyEmpty' }, @{ V = '..'; Id = 'MetadataKeyInvalidCharacter' },
            @{ V = '.'; Id = 'MetadataKeyInvalidCharacter' }, @{ V = 'a/b'; Id = 'MetadataKeyInvalidCharacter' }, @{ V = 'a\b'; Id = 'MetadataKeyInvalidCharacter' },
            @{ V = '__system__x'; Id = 'MetadataKeyReserved' }, @{ V = 'k' * 256; Id = 'MetadataKeyTooLong' }, @{ V = "k`n"; Id = 'MetadataKeyInvalidCharacter' })) {
        Add-Case "Set-EvsSnapshot -RemoveMetadataKey ($($k.Id), $($k.V.Length))" Set-EvsSnapshot @{ Id = $valid; RemoveMetadataKey = $k.V } $k.Id InvalidArgument
    }

    # Waiting parameters.
    foreach ($cmd in 'New-EvsSnapshot', 'Remove-EvsSnapshot', 'Restore-EvsSnapshot', 'Wait-EvsSnapshot', 'New-EvsVolume') {
        $base = if ($cmd -eq 'New-EvsSnapshot') { @{ VolumeId = $valid; Wait = $true } } elseif ($cmd -eq 'New-EvsVolume') { @{ SnapshotId = $valid; Wait = $true } } elseif ($cmd -eq 'Wait-EvsSnapshot') { @{ Id = $valid } } else { @{ Id = $valid; Wait = $true; Force = $true } }
        foreach ($t in @(@{ P = 'Timeout'; V = 0; Id = 'InvalidTimeout' }, @{ P = 'Timeout'; V = -1; Id = 'InvalidTimeout' }, @{ P = 'Timeout'; V = [timespan]::FromDays(8); Id = 'InvalidTimeout' },
                @{ P = 'MaxPollInterval'; V = 0; Id = 'InvalidPollInterval' }, @{ P = 'MaxPollInterval'; V = 0.05; Id = 'InvalidPollInterval' }, @{ P = 'MaxPollInterval'; V = 7200; Id = 'InvalidPollInterval' },
                @{ P = 'Timeout'; V = 'soon'; Id = 'CannotConvertArgumentNoMessage'; C = 'InvalidData' })) {
            $params = $base.Clone(); $params[$t.P] = $t.V
            Add-Case "$cmd -$($t.P) $($t.V)" $cmd $params $t.Id $(if ($t.C) { $t.C } else { 'InvalidArgument' })
        }
        foreach ($limit in 0, -1, 65, 1000) {
            $params = $base.Clone(); $params.ThrottleLimit = $limit
            Add-Case "$cmd -ThrottleLimit $limit" $cmd $params 'ParameterArgumentValidationError' InvalidData
        }
    }
    foreach ($limit in 0, -1, 65) {
        Add-Case "Set-EvsSnapshot -ThrottleLimit $limit" Set-EvsSnapshot @{ Id = $valid; Name = 'x'; ThrottleLimit = $limit } 'ParameterArgumentValidationError' InvalidData
    }

    # Paging.
    foreach ($cmd in 'Get-EvsSnapshot', 'Get-EvsVolume') {
        foreach ($size in 0, -1, 1001, 100000) { Add-Case "$cmd -PageSize $size" $cmd @{ PageSize = $size } 'InvalidPageSize' InvalidArgument }
        Add-Case "$cmd -PageSize many" $cmd @{ PageSize = 'many' } 'CannotConvertArgumentNoMessage' InvalidArgument
    }

    # Statuses, conflicts, nothing to do.
    foreach ($s in 'done', 'finished', 'avail', '') { Add-Case "Wait-EvsSnapshot -Status '$s'" Wait-EvsSnapshot @{ Id = $valid; Status = $s } 'InvalidStatus' InvalidArgument }
    Add-Case 'Wait-EvsSnapshot -Status and -Deleted' Wait-EvsSnapshot @{ Id = $valid; Status = 'available'; Deleted = $true } 'ConflictingParameters' InvalidArgument
    Add-Case 'Set-EvsSnapshot -Metadata with -AddMetadata' Set-EvsSnapshot @{ Id = $valid; Metadata = @{ a = 'b' }; AddMetadata = @{ c = 'd' } } 'ConflictingParameters' InvalidArgument
    Add-Case 'Set-EvsSnapshot -Metadata with -RemoveMetadataKey' Set-EvsSnapshot @{ Id = $valid; Metadata = @{ a = 'b' }; RemoveMetadataKey = 'c' } 'ConflictingParameters' InvalidArgument
    Add-Case 'Set-EvsSnapshot -AddMetadata and -RemoveMetadataKey of one key' Set-EvsSnapshot @{ Id = $valid; AddMetadata = @{ a = 'b' }; RemoveMetadataKey = 'a' } 'ConflictingParameters' InvalidArgument
    Add-Case 'Set-EvsSnapshot with nothing to change' Set-EvsSnapshot @{ Id = $valid } 'NothingToChange' InvalidArgument

    # Wrong types and nulls. (A value PowerShell's binder cannot convert fails with CannotConvertArgumentNoMessage, or
    # CannotConvertArgument when the conversion itself explains why.)
    Add-Case 'New-EvsSnapshot -Metadata as a string' New-EvsSnapshot @{ VolumeId = $valid; Metadata = 'tier=gold' } 'CannotConvertArgumentNoMessage' InvalidArgument
    Add-Case 'Set-EvsSnapshot -AddMetadata as an array' Set-EvsSnapshot @{ Id = $valid; AddMetadata = @('a', 'b') } 'CannotConvertArgument' InvalidArgument
    Add-Case 'Get-EvsSnapshot -Context as a string' Get-EvsSnapshot @{ Context = 'cn-north-4' } 'CannotConvertArgumentNoMessage' InvalidArgument
    Add-Case 'Get-EvsSnapshot -Context $null' Get-EvsSnapshot @{ Context = $null } 'ParameterArgumentValidationError' InvalidData
    Add-Case 'New-EvsSnapshot -VolumeId $null' New-EvsSnapshot @{ VolumeId = $null } 'ParameterArgumentValidationErrorNullNotAllowed' InvalidData
    Add-Case 'Get-EvsSnapshot -Id $null' Get-EvsSnapshot @{ Id = $null } 'ParameterArgumentValidationErrorNullNotAllowed' InvalidData
    Add-Case 'Remove-EvsSnapshot with no id' Remove-EvsSnapshot @{ Force = $true } 'SnapshotIdMissing' InvalidArgument
    Add-Case 'Wait-EvsSnapshot -Id $null' Wait-EvsSnapshot @{ Id = $null } 'SnapshotIdMissing' InvalidArgument
    Add-Case 'Set-EvsSnapshot -Id @()' Set-EvsSnapshot @{ Id = @(); Name = 'x' } 'SnapshotIdMissing' InvalidArgument
    Add-Case 'Remove-EvsSnapshot piped a hashtable without an id' Remove-EvsSnapshot @{ Force = $true } 'InvalidSnapshotId' InvalidArgument @(@{ Name = 'x' })

    # Connect-EvsProject (it sends nothing before its input is valid either).
    $cred = [pscredential]::new('AKEXAMPLE', (ConvertTo-SecureString 'SKEXAMPLE0000000' -AsPlainText -Force))
    foreach ($r in 'CN-NORTH-4', 'cn north 4', 'cn_north_4', ('a' * 100), 'cn-north-4/../x', '-cn', "cn-north-4`n") {
        Add-Case "Connect-EvsProject -Region '$($r -replace "`n", '\n')'" Connect-EvsProject @{ Region = $r; ProjectId = '0123456789abcdef0123456789abcdef'; Credential = $cred } 'InvalidRegion' InvalidArgument
    }
    Add-Case "Connect-EvsProject -Region ''" Connect-EvsProject @{ Region = ''; Credential = $cred } $emptyNotAllowed InvalidData
    foreach ($p in 'x/../y', 'a?b', ('p' * 65), '', "abc`n") {
        Add-Case "Connect-EvsProject -ProjectId '$($p -replace "`n", '\n')'" Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = $p; Credential = $cred } 'InvalidProjectId' InvalidArgument
    }
    foreach ($e in @(@{ V = 'http://example.com'; Id = 'InsecureEndpoint' }, @{ V = 'http://10.0.0.1:8080'; Id = 'InsecureEndpoint' }, @{ V = 'ftp://127.0.0.1'; Id = 'InvalidEndpoint' },
            @{ V = 'http://user:pw@127.0.0.1:1'; Id = 'InvalidEndpoint' }, @{ V = 'https://h.example.com/?q=1'; Id = 'InvalidEndpoint' }, @{ V = 'https://h.example.com/#f'; Id = 'InvalidEndpoint' },
            @{ V = 'relative/path'; Id = 'InvalidEndpoint' })) {
        foreach ($param in 'Endpoint', 'IamEndpoint') {
            Add-Case "Connect-EvsProject -$param '$($e.V)'" Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; Credential = $cred; $param = $e.V } $e.Id InvalidArgument
        }
    }
    foreach ($s in @(@{ P = 'MaximumRetryCount'; V = -1 }, @{ P = 'MaximumRetryCount'; V = 21 }, @{ P = 'MaximumRetryWaitSec'; V = -1 }, @{ P = 'MaximumRetryWaitSec'; V = 3601 },
            @{ P = 'TimeoutSec'; V = 0 }, @{ P = 'TimeoutSec'; V = 3601 })) {
        Add-Case "Connect-EvsProject -$($s.P) $($s.V)" Connect-EvsProject @{ Region = 'cn-north-4'; Credential = $cred; $s.P = $s.V } 'ParameterArgumentValidationError' InvalidData
    }
    Add-Case 'Connect-EvsProject -Token of spaces' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; Token = (ConvertTo-SecureString ' ' -AsPlainText -Force) } 'CredentialMissing' InvalidArgument
    Add-Case 'Connect-EvsProject -Token with a line break' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; Token = (ConvertTo-SecureString "abc`r`nX-Injected: 1" -AsPlainText -Force) } 'InvalidCredential' InvalidArgument
    Add-Case 'Connect-EvsProject -AccessKey with a space' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; AccessKey = 'AK EXAMPLE'; SecretKey = (ConvertTo-SecureString 'SKEXAMPLE0000000' -AsPlainText -Force) } 'InvalidCredential' InvalidArgument

    # New-EvsVolume (restore to a new disk): every input rule that needs no request, refused before any.
    foreach ($id in $badIds) {
        $label = $id -replace "`n", '\n' -replace "`t", '\t'
        Add-Case "New-EvsVolume -SnapshotId '$label'" New-EvsVolume @{ SnapshotId = $id } 'InvalidSnapshotId' InvalidArgument
    }
    foreach ($v in @(
            @{ P = 'Size'; V = 0; Id = 'InvalidVolumeSize' }, @{ P = 'Size'; V = -1; Id = 'InvalidVolumeSize' }, @{ P = 'Size'; V = 32769; Id = 'InvalidVolumeSize' },
            @{ P = 'VolumeType'; V = 'ssd'; Id = 'InvalidVolumeType' }, @{ P = 'VolumeType'; V = 'NVME'; Id = 'InvalidVolumeType' },
            @{ P = 'Iops'; V = 0; Id = 'InvalidIops' }, @{ P = 'Iops'; V = 128001; Id = 'InvalidIops' },
            @{ P = 'Throughput'; V = 0; Id = 'InvalidThroughput' }, @{ P = 'Throughput'; V = 1001; Id = 'InvalidThroughput' },
            @{ P = 'ServerId'; V = 'ecs-db01'; Id = 'InvalidServerId' }, @{ P = 'ServerId'; V = '../x'; Id = 'InvalidServerId' },
            @{ P = 'Name'; V = ''; Id = 'VolumeNameEmpty' }, @{ P = 'Name'; V = 'v' * 65; Id = 'VolumeNameTooLong' }, @{ P = 'Name'; V = "a`nb"; Id = 'VolumeNameInvalidCharacter' },
            @{ P = 'Description'; V = 'd' * 86; Id = 'DescriptionTooLong' }, @{ P = 'Description'; V = "bell`a"; Id = 'DescriptionInvalidCharacter' },
            @{ P = 'Metadata'; V = @{ '__system__encrypted' = '1' }; Id = 'InheritedMetadataKey' }, @{ P = 'Metadata'; V = @{ '__system__cmkid' = 'k' }; Id = 'InheritedMetadataKey' },
            @{ P = 'Metadata'; V = @{ 'hw:passthrough' = 'true' }; Id = 'InheritedMetadataKey' }, @{ P = 'Metadata'; V = @{ 'create_for_volume_id' = 'true' }; Id = 'MetadataKeyReserved' },
            @{ P = 'Metadata'; V = @{ '__system__other' = 'x' }; Id = 'MetadataKeyReserved' }, @{ P = 'Metadata'; V = @{ k = 1 }; Id = 'MetadataValueNotString' })) {
        $shown = if ("$($v.V)".Length -gt 20) { "$("$($v.V)".Length) characters" } else { "$($v.V)" -replace "[`0-`u{1f}]", '?' }
        Add-Case "New-EvsVolume -$($v.P) $shown" New-EvsVolume @{ SnapshotId = $valid; $v.P = $v.V } $v.Id InvalidArgument
    }
    Add-Case 'pipeline: a bad snapshot id among strings (New-EvsVolume)' New-EvsVolume @{} 'InvalidSnapshotId' InvalidArgument @('nope')
    Add-Case 'Get-EvsVolume -ServerId not-a-uuid' Get-EvsVolume @{ ServerId = 'not-a-uuid' } 'InvalidServerId' InvalidArgument

    # Issue 12: the whole bidirectional and zero-width set in every name-like input; name filters at most 255 bytes;
    # keys and tokens printable ASCII (they go into headers).
    $hidden = @(0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0xFEFF)
    foreach ($code in $hidden) {
        $c = [string][char]$code
        $u = 'U+{0:X4}' -f $code
        Add-Case "New-EvsSnapshot -Name with $u" New-EvsSnapshot @{ VolumeId = $valid; Name = "a${c}b" } 'SnapshotNameInvalidCharacter' InvalidArgument
        Add-Case "Set-EvsSnapshot -Description with $u" Set-EvsSnapshot @{ Id = $valid; Description = "a${c}b" } 'DescriptionInvalidCharacter' InvalidArgument
        Add-Case "New-EvsSnapshot -Metadata value with $u" New-EvsSnapshot @{ VolumeId = $valid; Metadata = @{ k = "v$c" } } 'MetadataValueInvalidCharacter' InvalidArgument
        Add-Case "Set-EvsSnapshot -AddMetadata key with $u" Set-EvsSnapshot @{ Id = $valid; AddMetadata = @{ "k$c" = 'v' } } 'MetadataKeyInvalidCharacter' InvalidArgument
        Add-Case "Get-EvsSnapshot -Name with $u" Get-EvsSnapshot @{ Name = "a${c}b" } 'NameFilterInvalidCharacter' InvalidArgument
        Add-Case "Connect-EvsProject -UserName with $u" Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; UserName = "ali${c}ce"; DomainName = 'acme'; Password = (ConvertTo-SecureString 'pw-12345' -AsPlainText -Force) } 'InvalidCredential' InvalidArgument
        Add-Case "Connect-EvsProject -DomainName with $u" Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; UserName = 'alice'; DomainName = "ac${c}me"; Password = (ConvertTo-SecureString 'pw-12345' -AsPlainText -Force) } 'InvalidCredential' InvalidArgument
    }
    Add-Case 'Restore-EvsSnapshot -VolumeName with U+2066' Restore-EvsSnapshot @{ Id = $valid; VolumeName = "v$([char]0x2066)"; Force = $true } 'VolumeNameInvalidCharacter' InvalidArgument
    Add-Case 'Get-EvsSnapshot -VolumeName with U+FEFF' Get-EvsSnapshot @{ VolumeName = "v$([char]0xFEFF)" } 'NameFilterInvalidCharacter' InvalidArgument
    Add-Case 'Get-EvsVolume -Name with U+200B' Get-EvsVolume @{ Name = "v$([char]0x200B)" } 'NameFilterInvalidCharacter' InvalidArgument
    foreach ($f in @(@{ L = '256 ASCII bytes'; V = 'n' * 256 }, @{ L = '1 MB'; V = 'n' * 1048576 }, @{ L = '86 CJK characters (258 bytes)'; V = [string]::new([char]0x5FEB, 86) })) {
        Add-Case "Get-EvsSnapshot -Name of $($f.L)" Get-EvsSnapshot @{ Name = $f.V } 'NameFilterTooLong' InvalidArgument
        Add-Case "Get-EvsVolume -Name of $($f.L)" Get-EvsVolume @{ Name = $f.V } 'NameFilterTooLong' InvalidArgument
        Add-Case "Get-EvsSnapshot -VolumeName of $($f.L)" Get-EvsSnapshot @{ VolumeName = $f.V } 'NameFilterTooLong' InvalidArgument
        Add-Case "New-EvsSnapshot -VolumeName of $($f.L)" New-EvsSnapshot @{ VolumeName = $f.V } 'NameFilterTooLong' InvalidArgument
        Add-Case "Remove-EvsSnapshot -Name of $($f.L)" Remove-EvsSnapshot @{ Name = $f.V; Force = $true } 'NameFilterTooLong' InvalidArgument
    }
    $sk = ConvertTo-SecureString 'SKEXAMPLE0000000' -AsPlainText -Force
    Add-Case 'Connect-EvsProject -AccessKey not ASCII' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; AccessKey = 'AKEXAMPLé'; SecretKey = $sk } 'NonAsciiCredential' InvalidArgument
    Add-Case 'Connect-EvsProject -SecretKey not ASCII' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; AccessKey = 'AKEXAMPLE'; SecretKey = (ConvertTo-SecureString 'SKключ00000000' -AsPlainText -Force) } 'NonAsciiCredential' InvalidArgument
    Add-Case 'Connect-EvsProject -Credential with a non-ASCII AK' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; Credential = [pscredential]::new('AKÉXAMPLE', $sk) } 'NonAsciiCredential' InvalidArgument
    Add-Case 'Connect-EvsProject -Token not ASCII' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; Token = (ConvertTo-SecureString 'MIItökén0000' -AsPlainText -Force) } 'NonAsciiCredential' InvalidArgument
    Add-Case 'Connect-EvsProject -SecurityToken not ASCII' Connect-EvsProject @{ Region = 'cn-north-4'; ProjectId = '0123456789abcdef0123456789abcdef'; AccessKey = 'AKEXAMPLE'; SecretKey = $sk; SecurityToken = (ConvertTo-SecureString 'tökén' -AsPlainText -Force) } 'NonAsciiCredential' InvalidArgument
    # -ClientToken (New-EvsSnapshot, New-EvsVolume) and the retention policy (Limit-EvsSnapshot).
    foreach ($t in @(@{ V = ''; Id = 'ClientTokenEmpty' }, @{ V = '   '; Id = 'ClientTokenEmpty' }, @{ V = 't' * 65; Id = 'ClientTokenTooLong' },
            @{ V = "a`nb"; Id = 'ClientTokenInvalidCharacter' }, @{ V = "a`0b"; Id = 'ClientTokenInvalidCharacter' }, @{ V = "esc`e[0m"; Id = 'ClientTokenInvalidCharacter' })) {
        Add-Case "New-EvsSnapshot -ClientToken ($($t.Id), $($t.V.Length))" New-EvsSnapshot @{ VolumeId = $valid; ClientToken = $t.V } $t.Id InvalidArgument
        Add-Case "New-EvsVolume -ClientToken ($($t.Id), $($t.V.Length))" New-EvsVolume @{ SnapshotId = $valid; ClientToken = $t.V } $t.Id InvalidArgument
    }
    Add-Case 'Limit-EvsSnapshot with no rule' Limit-EvsSnapshot @{ Name = 'nightly-*'; Force = $true } 'RetentionRuleMissing' InvalidArgument
    Add-Case 'Limit-EvsSnapshot with nothing to limit' Limit-EvsSnapshot @{ KeepLast = 1; Force = $true } 'SnapshotSelectionMissing' InvalidArgument
    foreach ($w in '2w', '0d', 'abc', '-1d', '', '1.5d') {
        Add-Case "Limit-EvsSnapshot -KeepWithin '$w'" Limit-EvsSnapshot @{ Name = 'x'; KeepWithin = $w; Force = $true } 'InvalidKeepWithin' InvalidArgument
    }
    foreach ($z in 'Mars/Olympus_Mons', 'UTC+25', "Europe/`nBerlin", 'Not A Zone') {
        Add-Case "Limit-EvsSnapshot -TimeZone '$($z -replace "`n", '\n')'" Limit-EvsSnapshot @{ Name = 'x'; KeepLast = 1; TimeZone = $z; Force = $true } 'UnknownTimeZone' InvalidArgument
    }
    foreach ($k in 'KeepLast', 'KeepDaily', 'KeepWeekly', 'KeepMonthly', 'KeepYearly') {
        Add-Case "Limit-EvsSnapshot -$k 0" Limit-EvsSnapshot @{ Name = 'x'; $k = 0; Force = $true } 'ParameterArgumentValidationError' InvalidData
    }
    Add-Case 'Limit-EvsSnapshot -GroupBy Name' Limit-EvsSnapshot @{ Name = 'x'; KeepLast = 1; GroupBy = 'Name'; Force = $true } 'ParameterArgumentValidationError' InvalidData
    Add-Case "Limit-EvsSnapshot -VolumeId 'abc'" Limit-EvsSnapshot @{ VolumeId = 'abc'; KeepLast = 1; Force = $true } 'InvalidVolumeId' InvalidArgument

    $script:Cases = $cases.ToArray()
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Context = Connect-TestProject
}

AfterAll { Stop-TestEmulator }

Describe 'Bad input' {
    It 'has at least 300 generated cases' {
        $Cases.Count | Should -BeGreaterOrEqual 300
    }

    It '<Name>' -ForEach $Cases {
        if ((Get-EvsContext) -ne $Context) { Connect-EvsProject -Region cn-north-4 -Endpoint $Emulator.Url -ProjectId $Info.projectId -Credential (New-TestCredential $Info.accessKey $Info.secretKey) }
        Clear-TestRequestLog
        $records = [System.Collections.Generic.List[object]]::new()
        $failed = $null
        try {
            if ($HasPipeline) { $null = $Pipeline | & $Command @Params -ErrorAction SilentlyContinue -ErrorVariable failed }
            else { $null = & $Command @Params -ErrorAction SilentlyContinue -ErrorVariable failed }
        }
        catch {
            $records.Add($_)
        }
        foreach ($f in @($failed)) { if ($f) { $records.Add($f) } }

        $records.Count | Should -BeGreaterThan 0 -Because 'bad input must be reported'
        $first = $records[0]
        $first | Should -BeOfType [System.Management.Automation.ErrorRecord]
        $id = $first.FullyQualifiedErrorId.Split(',')[0]
        $id | Should -Be $ErrorId
        # PowerShell's own binder reports type and range errors as InvalidData; the module's checks as InvalidArgument.
        $categories = @($Category) + @(if ($id -like 'Parameter*' -or $id -like 'CannotConvert*') { 'InvalidData', 'InvalidArgument' })
        "$($first.CategoryInfo.Category)" | Should -BeIn $categories
        $first.Exception | Should -Not -BeOfType [System.NullReferenceException]
        $first.Exception | Should -Not -BeOfType [System.InvalidCastException]
        $first.Exception.Message | Should -Not -BeNullOrEmpty
        Get-TestRequests | Should -BeNullOrEmpty -Because 'nothing may be sent for bad input'
    }
}
