# The small soak: 100 snapshot requests with 20% of all API calls faulted, accounted against the emulator.
# (`dotnet pwsh ./build.ps1 soak` runs the 1,000-request version and writes docs/RELIABILITY.md.)
BeforeAll {
    Import-Module (Join-Path $PSScriptRoot '../tools/EvsTestHost.psm1') -Force
    $script:Result = & (Join-Path $PSScriptRoot '../soak/Invoke-Soak.ps1') -Requests 100 -Volumes 50 -FaultRate 0.2 -Seed 11 -PassThru 6>$null
}

Describe 'Soak (100 requests, 20% faults)' {
    It 'injected faults of every kind that can hit a create' {
        $Result.FaultsInjected | Should -BeGreaterThan 10
        foreach ($kind in 'reset_before', '503', 'reset_after', '504_after', 'malformed') { $Result.FaultsByKind[$kind] | Should -BeGreaterThan 0 -Because $kind }
    }

    It 'made exactly one snapshot per successful request' {
        $Result.ReportedCreated | Should -BeGreaterThan 90
        $Result.ExactlyOne | Should -Be $Result.ReportedCreated
        $Result.SnapshotsCreated | Should -Be $Result.ReportedCreated
    }

    It 'has no duplicates, nothing lost, no phantom failures and no unexpected exceptions' {
        $Result.Duplicates | Should -Be 0
        $Result.Lost | Should -Be 0
        $Result.Phantom | Should -Be 0
        $Result.Unexpected | Should -Be 0 -Because ($Result.UnexpectedDetails -join '; ')
    }
}

# The short kill-and-re-run: New-EvsSnapshot -ClientToken killed at random moments and started again, then run to
# completion (`dotnet pwsh ./build.ps1 soak` runs 200 disks and 10 kills and writes docs/RELIABILITY.md).
Describe 'Kill and re-run (40 disks, 4 kills, -ClientToken)' {
    BeforeAll {
        $script:KillResult = & (Join-Path $PSScriptRoot '../soak/Invoke-KillRerun.ps1') -Disks 40 -Kills 4 -LatencyMs 250 -ThrottleLimit 4 -Seed 3 -PassThru 6>$null
    }

    It 'killed runs in the middle of the batch' {
        $KillResult.KilledMidBatch | Should -BeGreaterOrEqual 2
        @($KillResult.Runs | Select-Object -First 4 | Where-Object Outcome -Like 'killed*') | Should -HaveCount 4
    }

    It 'ends with exactly one snapshot per disk carrying the token, none missing, none twice, none failed' {
        $KillResult.ExactlyOne | Should -Be 40
        $KillResult.Missing | Should -Be 0
        $KillResult.Duplicates | Should -Be 0
        $KillResult.Failed | Should -Be 0
        $KillResult.SnapshotsCreated | Should -Be 40 -Because 'no run made a second snapshot of a disk'
    }

    It 'completes with every disk returned, no error, and one list request for the batch' {
        $KillResult.FinalReturned | Should -Be 40
        $KillResult.FinalErrors | Should -Be 0
        $KillResult.FinalListRequests | Should -Be 1
    }
}

# The soaks' accounting rules themselves (tests/soak/SoakAccounting.psm1), one case per definition, no emulator.
Describe 'Soak accounting' {
    BeforeAll { Import-Module (Join-Path $PSScriptRoot '../soak/SoakAccounting.psm1') -Force }

    It 'classes each request as its definition says' {
        $reported = @{ ok = 's1'; twice = 's2'; gone = 's3'; other = 's4' }
        $failed = @{ phantom = 'CreateFailed'; failedClean = 'CreateFailed' }
        $stored = @{ ok = @('s1'); twice = @('s2', 's2b'); other = @('s9'); phantom = @('p1'); silent = @('x1') }
        $o = Measure-SoakOutcome -Keys ok, twice, gone, other, phantom, failedClean, silent, nothing -Reported $reported -Failed $failed -Stored $stored
        $o.ExactlyOne | Should -Be 1 -Because 'only "ok" was reported and is the one resource of its request'
        $o.Duplicates | Should -Be 1 -Because '"twice" holds one resource too many'
        # gone (reported, absent), other (reported id not among the stored), silent and nothing (neither reported nor failed)
        $o.Lost | Should -Be 4
        $o.Phantom | Should -Be 1 -Because '"phantom" was reported failed and exists; "failedClean" failed and does not'
    }

    It 'shares the fault rate in proportion to the weights' {
        $rates = Get-SoakFaultRate -Weights ([ordered]@{ a = 1; b = 3 }) -FaultRate 0.2
        $rates.a | Should -Be 0.05
        $rates.b | Should -Be 0.15
        @($rates.Keys) | Should -Be @('a', 'b')
    }
}
