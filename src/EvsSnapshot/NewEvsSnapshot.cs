using System;
using System.Collections;
using System.Collections.Generic;
using System.Management.Automation;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Creates a snapshot of each disk piped in (or given by -VolumeId). Requests are sent concurrently
    /// (-ThrottleLimit); a retried create never makes a second snapshot. With -Wait, returns each snapshot once
    /// it is available.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "EvsSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(SnapshotDetails))]
    public sealed class NewEvsSnapshotCommand : EvsConcurrentCmdlet
    {
        private string? _name;
        private string? _description;
        private Dictionary<string, string> _metadata = new Dictionary<string, string>();

        /// <summary>The disk to snapshot. Binds from the VolumeId property of piped disks (and snapshots).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ArgumentCompleter(typeof(VolumeIdCompleter))]
        public string VolumeId { get; set; } = string.Empty;

        /// <summary>Snapshot name, 1-64 characters, not starting with autobk_snapshot_. Deliberately not bound from the pipeline.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Up to 85 characters.</summary>
        [Parameter]
        public string? Description { get; set; }

        /// <summary>String keys and string values.</summary>
        [Parameter]
        public Hashtable? Metadata { get; set; }

        /// <summary>Snapshot a disk even while it is being attached (the API's "force").</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Return each snapshot only when it is available (all of them are polled together).</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long each snapshot may take (seconds or a TimeSpan).</summary>
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
                _name = InputValidator.SnapshotName(Name);
                _description = InputValidator.Description(Description);
                _metadata = Unwrap.Metadata(Metadata, nameof(Metadata));
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
            });
            base.BeginProcessing();
            if (Wait.IsPresent)
            {
                StartWaiting(WaitOptionsFrom(Timeout, MaxPollInterval), "Waiting for snapshots to become available", (id, snapshot) => WriteObject(snapshot));
            }
        }

        protected override void ProcessRecord()
        {
            string volumeId;
            try
            {
                volumeId = InputValidator.VolumeId(VolumeId);
            }
            catch (EvsValidationException ex)
            {
                WriteEvsError(ex, VolumeId);
                return;
            }

            // The default name is decided here, so the confirmation and the snapshot show the same one.
            string name = _name ?? SnapshotNaming.DefaultName(volumeId, DateTime.UtcNow);
            if (!ShouldProcess($"volume {volumeId}", $"Create snapshot '{name}'")) return;

            var spec = new CreateSnapshotSpec
            {
                VolumeId = volumeId,
                Name = name,
                Description = _description,
                Force = Force.IsPresent,
                Metadata = _metadata,
            };
            var snapshots = ActiveContext.Snapshots;
            Submit(volumeId, async call =>
            {
                var snapshot = await snapshots.CreateAsync(spec, call).ConfigureAwait(false);
                call.Trace.Verbose($"Created snapshot {snapshot.Id} ('{snapshot.Name}') of volume {volumeId}; status {snapshot.Status}.");
                if (IsWaiting) AddToWait(snapshot.Id, snapshot);
                else PostObject(snapshot);
            }, "VolumeNotFound");
        }
    }
}
