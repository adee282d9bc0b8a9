# The README's first example is the nightly runbook as a user copies it: it runs as written against the emulator
# (only the endpoints, which a real ECS does not need, come from $PSDefaultParameterValues), a re-run on the same day
# makes no second snapshot, and the prune keeps what its Keep rules keep.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $script:Url = $Emulator.Url

    $readme = Get-Content -Raw (Join-Path (Get-EvsRepoRoot) 'README.md')
    $script:Example = [regex]::Match($readme, '(?s)```powershell\r?\n(.*?)\r?\n```').Groups[1].Value

    function Invoke-ReadmeExample([string] $ServerId) {
        $srv = $ServerId
        $PSDefaultParameterValues = @{
            'Connect-EvsProject:Endpoint'         = $Url
            'Connect-EvsProject:IamEndpoint'      = $Url
            'Connect-EvsProject:MetadataEndpoint' = $Url
        }
        $ProgressPreference = 'SilentlyContinue'
        . ([scriptblock]::Create($Example))
    }

    function Get-Live([string] $Like) { @(Get-TestSnapshots | Where-Object { $_.name -like $Like -and $_.status -ne 'deleting' }) }

    function Measure-SnapshotsCreated([scriptblock] $Script) {
        # What the emulator made during the script (a second snapshot of a day would be pruned at once, so the
        # snapshots left over cannot tell a re-run that created nothing from one that created and deleted).
        $null = Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path stats -Method DELETE
        $null = & $Script
        [int](Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path stats).snapshotsCreated
    }
}

AfterAll {
    Disconnect-EvsProject
    Stop-TestEmulator
}

Describe 'The README''s nightly runbook' {
    BeforeAll {
        Reset-TestEmulator
        $script:Server = @($Info.servers | Where-Object name -EQ 'ecs-db01')[0].id
        # ecs-db01's disks in the default seed: db01, db02 and the shared shared01
        $script:Disks = @($Info.volumeIds.db01, $Info.volumeIds.db02, $Info.volumeIds.shared01) | Sort-Object
        $script:Today = "nightly-$(Get-Date -f yyyyMMdd)"

        # Two older nightly snapshots of db01 on one day, three days ago: a day keeps only its newest.
        $day = [datetime]::UtcNow.Date.AddDays(-3)
        $items = foreach ($hour in 10, 11) {
            @{ name = "nightly-old-$hour"; volumeId = $Info.volumeIds.db01; createdAt = $day.AddHours($hour).ToString('yyyy-MM-ddTHH:mm:ssZ') }
        }
        $ids = @((Invoke-EvsEmulatorAdmin -Emulator $Emulator -Path snapshots -Method POST -Body @{ items = @($items) }).ids)
        $script:Older = $ids[0]; $script:Newer = $ids[1]
    }

    It 'is the snapshot-and-prune runbook, with -ClientToken and Limit-EvsSnapshot' {
        $Example | Should -Match 'Connect-EvsProject -Region cn-north-4 -EcsAgency'
        $Example | Should -Match 'New-EvsSnapshot .*-ClientToken .*-Wait'
        $Example | Should -Match 'Limit-EvsSnapshot -KeepDaily 7 -KeepWeekly 4 -KeepMonthly 12'
    }

    It 'runs as written: one available snapshot of each of the server''s disks, and the prune deletes the one a day does not keep' {
        Measure-SnapshotsCreated { Invoke-ReadmeExample $Server } | Should -Be $Disks.Count
        $made = Get-Live $Today
        @($made.volumeId | Sort-Object) | Should -Be $Disks
        @($made.status | Select-Object -Unique) | Should -Be 'available'
        @((Get-Live 'nightly-old-*').id) | Should -Be @($Newer) -Because 'the older snapshot of that day is newest in no bucket'
    }

    It 'makes no second snapshot when the scheduler runs it again the same day' {
        Measure-SnapshotsCreated { Invoke-ReadmeExample $Server } | Should -Be 0
        @((Get-Live $Today).volumeId | Sort-Object) | Should -Be $Disks
        @((Get-Live 'nightly-old-*').id) | Should -Be @($Newer)
    }
}
