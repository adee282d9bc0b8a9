# The main job, `build.ps1 demo`: docs/examples/Demo-Runbook.ps1 in a clean pwsh against an emulator holding a month
# of nightly history, as the demo sets it up. It must run to the end, a re-run must make nothing new, and the prune
# must leave exactly what restic's rules keep of web01's history.

BeforeAll {
    . (Join-Path $PSScriptRoot 'Common.ps1')
    $null = Start-TestEmulator
    $ids = Add-EvsEmulatorNightlyHistory -Emulator $Emulator -VolumeName web01 -Nights 30
    $script:History = @(Get-TestSnapshots | Where-Object id -In $ids)
    $runbook = Join-Path (Get-EvsRepoRoot) 'docs/examples/Demo-Runbook.ps1'
    $script:Run = Invoke-EvsPwsh -TimeoutSec 300 -ArgumentList '-File', $runbook, '-ModulePath', (Get-EvsModulePath), '-Endpoint', $Emulator.Url,
        '-ProjectId', $Info.projectId, '-AccessKey', $Info.accessKey, '-SecretKey', $Info.secretKey

    function ConvertTo-Utc($Value) {
        if ($Value -is [datetime]) { return $Value.ToUniversalTime() }
        [datetime]::Parse($Value, [cultureinfo]::InvariantCulture, [System.Globalization.DateTimeStyles]'AdjustToUniversal, AssumeUniversal')
    }

    function Get-Kept([object[]] $NewestFirst) {
        # restic's forget, written out for one disk: the 3 newest, the newest of each of the 7 most recent days,
        # 4 most recent ISO weeks and 12 most recent months that have a snapshot (days in UTC, the demo's -TimeZone).
        $kept = [System.Collections.Generic.HashSet[string]]::new()
        foreach ($s in @($NewestFirst | Select-Object -First 3)) { $null = $kept.Add($s.id) }
        $periods = @(
            @{ Count = 7; Key = { param($t) $t.ToString('yyyy-MM-dd') } }
            @{ Count = 4; Key = { param($t) "$([System.Globalization.ISOWeek]::GetYear($t))-W$([System.Globalization.ISOWeek]::GetWeekOfYear($t))" } }
            @{ Count = 12; Key = { param($t) $t.ToString('yyyy-MM') } }
        )
        foreach ($p in $periods) {
            $seen = [ordered]@{}
            foreach ($s in $NewestFirst) {
                $key = & $p.Key $s.At
                if (-not $seen.Contains($key) -and $seen.Count -lt $p.Count) { $seen[$key] = $s.id }
            }
            foreach ($id in $seen.Values) { $null = $kept.Add($id) }
        }
        $kept
    }
}

AfterAll {
    Stop-TestEmulator
}

Describe 'The demo runbook (build.ps1 demo)' {
    It 'runs to the end against the emulator' {
        $Run.ExitCode | Should -Be 0 -Because $Run.Output
        $Run.Error | Should -BeNullOrEmpty
    }

    It 'shows a re-run with the same -ClientToken making nothing new' {
        $Run.Output | Should -Match 'A re-run with the same -ClientToken: 5 snapshots returned, 0 new'
    }

    It 'prunes web01''s month of nightly snapshots to what the retention rules keep' {
        $History | Should -HaveCount 30
        $web01 = $Info.volumeIds.web01
        $left = @(Get-TestSnapshots | Where-Object { $_.volumeId -eq $web01 -and $_.name -like 'nightly-*' -and $_.status -ne 'deleting' })
        $tonight = @($left | Where-Object id -NotIn $History.id)
        $tonight | Should -HaveCount 1 -Because 'the runbook made one snapshot of web01, and a disk''s newest is never removed'
        $candidates = @(@($tonight) + $History | ForEach-Object { [pscustomobject]@{ id = $_.id; At = (ConvertTo-Utc $_.createdAt) } } |
            Sort-Object At -Descending)
        $expected = Get-Kept $candidates
        $expected.Count | Should -BeLessThan 31 -Because 'a month of nights is more than the rules keep'
        @($left.id | Sort-Object) | Should -Be @($expected | Sort-Object)
        $Run.Output | Should -Match "Retention plan \(Limit-EvsSnapshot\): $(31 - $expected.Count) removed"
    }
}
