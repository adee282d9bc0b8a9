using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using EvsSnapshot.Client.Listing;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Applies a retention policy (restic's forget rules: -KeepLast, -KeepDaily, -KeepWeekly, -KeepMonthly,
    /// -KeepYearly, -KeepWithin) to the snapshots piped in, or to those it lists itself (-VolumeId, -Name), and
    /// removes the rest. The whole input is read before anything is removed; a listing that failed removes
    /// nothing. Only available snapshots are removed, never backup snapshots, and the newest available snapshot
    /// of each group always stays. Writes one decision per snapshot (Action, Reasons, Snapshot).
    /// </summary>
    [Cmdlet(VerbsData.Limit, "EvsSnapshot", DefaultParameterSetName = ListSet, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(SnapshotRetention))]
    public sealed class LimitEvsSnapshotCommand : EvsConcurrentCmdlet
    {
        private const string PipelineSet = "Pipeline";
        private const string ListSet = "List";

        private readonly List<SnapshotDetails> _input = new List<SnapshotDetails>();
        private RetentionPolicy _policy = new RetentionPolicy();

        /// <summary>Snapshots to apply the policy to, e.g. from Get-EvsSnapshot; snapshots not piped are never touched.</summary>
        [Parameter(Mandatory = true, ParameterSetName = PipelineSet, ValueFromPipeline = true)]
        public SnapshotDetails? InputObject { get; set; }

        /// <summary>Without pipeline input: the disks whose snapshots to list and prune.</summary>
        [Parameter(ParameterSetName = ListSet)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string[]? VolumeId { get; set; }

        /// <summary>Without pipeline input: the snapshot names to list and prune (wildcards allowed).</summary>
        [Parameter(ParameterSetName = ListSet)]
        [SupportsWildcards]
        [ArgumentCompleter(typeof(SnapshotNameCompleter))]
        public string[]? Name { get; set; }

        /// <summary>Keep the n newest snapshots of each group.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepLast { get; set; }

        /// <summary>Keep the newest snapshot of each of the n most recent days that have one (in -TimeZone).</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepDaily { get; set; }

        /// <summary>Keep the newest snapshot of each of the n most recent ISO 8601 weeks (Monday to Sunday) that have one.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepWeekly { get; set; }

        /// <summary>Keep the newest snapshot of each of the n most recent calendar months that have one.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepMonthly { get; set; }

        /// <summary>Keep the newest snapshot of each of the n most recent years that have one.</summary>
        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int KeepYearly { get; set; }

        /// <summary>Keep every snapshot newer than this duration before the group's newest snapshot: 2d, 12h, 1y6m, 3d12h.</summary>
        [Parameter]
        public string? KeepWithin { get; set; }

        /// <summary>The time zone days, weeks, months and years are counted in: UTC, an IANA or a Windows id. Default: this machine's.</summary>
        [Parameter]
        public string? TimeZone { get; set; }

        /// <summary>VolumeId (default): the rules count per source disk. None: over all the snapshots given together.</summary>
        [Parameter]
        [ValidateSet("VolumeId", "None")]
        public string GroupBy { get; set; } = "VolumeId";

        /// <summary>Remove without asking for confirmation (-WhatIf still only reports).</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return only when the removed snapshots are gone (all polled together).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long each deletion may take (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(10);

        /// <summary>With -Wait: the longest pause between polls (seconds or a TimeSpan).</summary>
        [Parameter]
        [SecondsToTimeSpan]
        public TimeSpan MaxPollInterval { get; set; } = TimeSpan.FromSeconds(10);

        protected override void BeginProcessing()
        {
            CheckParameters(() =>
            {
                _policy = new RetentionPolicy
                {
                    KeepLast = KeepLast,
                    KeepDaily = KeepDaily,
                    KeepWeekly = KeepWeekly,
                    KeepMonthly = KeepMonthly,
                    KeepYearly = KeepYearly,
                    KeepWithin = KeepWithin != null ? RetentionDuration.Parse(KeepWithin, nameof(KeepWithin)) : null,
                    TimeZone = RetentionPolicy.FindTimeZone(TimeZone, nameof(TimeZone)),
                    GroupByVolume = GroupBy != "None",
                };
                var refusal = _policy.Refusal();
                if (refusal != null) throw refusal;
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
                if (ParameterSetName == ListSet && VolumeId == null && Name == null && !MyInvocation.ExpectingInput)
                {
                    throw new EvsValidationException("SnapshotSelectionMissing", nameof(VolumeId),
                        "Limit-EvsSnapshot needs the snapshots to apply the policy to: pipe them (Get-EvsSnapshot -Name 'nightly-*' | Limit-EvsSnapshot ...) or pass -VolumeId or -Name ('*' for every snapshot of the project).");
                }
                if (VolumeId != null) InputValidator.VolumeIds(VolumeId);
            });
            base.BeginProcessing();
            if (Wait.IsPresent)
            {
                StartWaiting(WaitOptionsFrom(Timeout, MaxPollInterval, deleted: true), "Waiting for snapshots to be deleted",
                    (id, _) => Streams.Verbose(this, $"Snapshot {id} is gone."));
            }
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == PipelineSet)
            {
                if (InputObject != null) _input.Add(InputObject);
                return;
            }
            var filter = new SnapshotFilter();
            foreach (var id in InputValidator.VolumeIds(VolumeId)) filter.VolumeIds.Add(id);
            foreach (var name in NamePatterns.From(Name)) filter.Names.Add(name);
            try
            {
                _input.AddRange(Run(call => CompleteListing.SnapshotsAsync(ActiveContext.Api, filter, call)));
            }
            catch (EvsException ex)
            {
                ThrowEvsError(new EvsException(ex.Kind, "SnapshotListingFailed",
                    $"Listing the snapshots failed, so nothing was removed: {ex.Message}", ex) { Target = ex.Target }, (object?)VolumeId ?? Name);
            }
        }

        protected override void EndProcessing()
        {
            RefuseIncompleteInput();
            var plan = _policy.Apply(_input);
            int removals = plan.Count(d => d.Action == RetentionAction.Remove);
            Streams.Verbose(this, $"Retention plan: keep {plan.Count - removals}, remove {removals} of {plan.Count} snapshot(s) in {plan.Select(d => d.Group).Distinct().Count()} group(s); days counted in {_policy.TimeZone.Id}.");
            foreach (var decision in plan) WriteObject(decision);
            foreach (var decision in plan.Where(d => d.Action == RetentionAction.Remove)) Remove(decision.Snapshot);
            base.EndProcessing();
        }

        /// <summary>Piped snapshots from a Get-EvsSnapshot listing that failed or was cut short: nothing is removed.</summary>
        private void RefuseIncompleteInput()
        {
            foreach (var listing in ListingRecord.Behind(_input))
            {
                if (listing.Complete) continue;
                string why = listing.Failure != null ? $"failed ({listing.Failure})" : "was stopped before its end";
                var error = new EvsException(EvsErrorKind.InvalidState, "SnapshotListingIncomplete",
                    $"The Get-EvsSnapshot listing piped in {why}, so the policy cannot see every snapshot: nothing was removed.");
                ThrowEvsError(error, null);
            }
        }

        private void Remove(SnapshotDetails snapshot)
        {
            string what = "Remove " + Labels.Snapshot(snapshot.Id, snapshot)
                          + (snapshot.VolumeId != null ? " from " + Labels.Disk(snapshot.VolumeId, snapshot.VolumeName) : string.Empty);
            if (!ShouldProceed(Force.IsPresent, what, "Remove snapshot")) return;
            var snapshots = ActiveContext.Snapshots;
            Submit(snapshot.Id, async call =>
            {
                try
                {
                    await snapshots.DeleteAsync(snapshot.Id, snapshot, call).ConfigureAwait(false);
                }
                catch (EvsException ex) when (ex.Kind == EvsErrorKind.NotFound)
                {
                    call.Trace.Verbose($"Snapshot {snapshot.Id} is already gone.");
                    return;
                }
                call.Trace.Verbose($"Deletion of snapshot {snapshot.Id} accepted.");
                if (IsWaiting) AddToWait(snapshot.Id, null);
            }, "SnapshotNotFound");
        }
    }
}
