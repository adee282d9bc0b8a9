<#
The fault-soak scripts' shared rules: how a fault rate is shared between kinds, which error records count as the
module's own, and how each request is classed once the emulator's state is read back. One copy, so the snapshot
soak and the restore soak cannot drift apart in what they call lost or phantom.
#>
Set-StrictMode -Version 3.0

function Get-SoakFaultRate {
    # Shares -FaultRate between the kinds in proportion to their weights (rounded to 4 places, as the emulator reads them).
    param(
        [Parameter(Mandatory)] [System.Collections.Specialized.OrderedDictionary] $Weights,
        [Parameter(Mandatory)] [double] $FaultRate
    )
    $total = ($Weights.Values | Measure-Object -Sum).Sum
    $rates = [ordered]@{}
    foreach ($kind in $Weights.Keys) { $rates[$kind] = [math]::Round($FaultRate * $Weights[$kind] / $total, 4) }
    $rates
}

function Register-SoakError {
    # Files each error record under its request key (-KeyOf gets the record) with its ErrorId; a record that is not
    # the module's own (UnexpectedError, or an exception that is not an EvsException) also goes to -Unexpected.
    param(
        [AllowNull()] [object[]] $Errors,
        [Parameter(Mandatory)] [scriptblock] $KeyOf,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [hashtable] $Failed,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [System.Collections.Generic.List[string]] $Unexpected,
        [string] $Label = ''
    )
    foreach ($e in @($Errors)) {
        if (-not $e) { continue }
        $id = $e.FullyQualifiedErrorId.Split(',')[0]
        if ($id -eq 'UnexpectedError' -or $e.Exception -isnot [EvsSnapshot.EvsException]) {
            $Unexpected.Add("$Label$($e.FullyQualifiedErrorId): $($e.Exception.GetType().FullName): $($e.Exception.Message)")
        }
        $Failed["$(& $KeyOf $e)"] = $id
    }
}

function Measure-SoakOutcome {
    <#
    Classes every request by what the cmdlet reported and what the emulator holds for it:
      duplicates  every resource beyond the first for one request
      lost        reported created but its resource is absent, or neither reported created nor reported failed
      phantom     reported failed although a resource exists for it
      exactlyOne  reported created, and its resource is the only one
    #>
    param(
        [Parameter(Mandatory)] [AllowEmptyCollection()] [string[]] $Keys,
        [Parameter(Mandatory)] [AllowEmptyCollection()] [hashtable] $Reported,   # key -> the id the cmdlet returned
        [Parameter(Mandatory)] [AllowEmptyCollection()] [hashtable] $Failed,     # key -> ErrorId
        [Parameter(Mandatory)] [AllowEmptyCollection()] [hashtable] $Stored      # key -> ids the emulator holds
    )
    $outcome = [ordered]@{ Duplicates = 0; Lost = 0; Phantom = 0; ExactlyOne = 0 }
    foreach ($key in $Keys) {
        $ids = @(if ($Stored.ContainsKey($key)) { $Stored[$key] })
        if ($ids.Count -gt 1) { $outcome.Duplicates += $ids.Count - 1 }
        if ($Reported.ContainsKey($key)) {
            if ($ids -notcontains $Reported[$key]) { $outcome.Lost++ } elseif ($ids.Count -eq 1) { $outcome.ExactlyOne++ }
        }
        elseif ($Failed.ContainsKey($key)) { if ($ids.Count -gt 0) { $outcome.Phantom++ } }
        else { $outcome.Lost++ }
    }
    [pscustomobject]$outcome
}

function Format-SoakFaultCount {
    # "reset_after 4, 503 3, ..." for the report lines.
    param([Parameter(Mandatory)] [System.Collections.IDictionary] $Counts)
    ($Counts.GetEnumerator() | ForEach-Object { "$($_.Key) $($_.Value)" }) -join ', '
}

Export-ModuleMember -Function Get-SoakFaultRate, Register-SoakError, Measure-SoakOutcome, Format-SoakFaultCount
