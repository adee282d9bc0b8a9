using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using EvsSnapshot.Client.Operations;
using EvsSnapshot.Client.Rules;
using EvsSnapshot.Client.Waiting;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Creates a pay-per-use disk from each snapshot piped in (or given by -SnapshotId), in the zone and of the type of
    /// the snapshot's source disk and of the snapshot's size unless told otherwise. Sent concurrently (-ThrottleLimit);
    /// a retried create never makes a second disk (X-Client-Token), nor a re-run with the same -ClientToken. With -Wait,
    /// returns each disk once it is ready.
    /// </summary>
    [Cmdlet(VerbsCommon.New, "EvsVolume", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(VolumeDetails))]
    public sealed class NewEvsVolumeCommand : EvsConcurrentCmdlet
    {
        private CreateVolumeSpec _template = new CreateVolumeSpec();
        private VolumeCreateWaiter? _waiter;
        private Task? _waiterTask;
        private static int _nextProgressId = 5000;
        private readonly int _progressId = System.Threading.Interlocked.Increment(ref _nextProgressId);

        /// <summary>The snapshot to restore. Binds from the SnapshotId property of piped snapshots; a piped disk is refused.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [AllowNull, AllowEmptyString] // a piped disk binds its (maybe null) SnapshotId too; it is refused with the reason below
        [ArgumentCompleter(typeof(SnapshotIdCompleter))]
        public string SnapshotId { get; set; } = string.Empty;

        /// <summary>A snapshot piped in (binds together with its SnapshotId): names it in prompts.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public SnapshotDetails? Snapshot { get; set; }

        /// <summary>A disk piped in: refused, so a disk never stands in for the snapshot it was made from.</summary>
        [Parameter(ValueFromPipeline = true, DontShow = true)]
        public VolumeDetails? Volume { get; set; }

        /// <summary>The new disk's name, 1-64 characters. Deliberately not bound from the pipeline.</summary>
        [Parameter]
        public string? Name { get; set; }

        /// <summary>Up to 85 characters.</summary>
        [Parameter]
        public string? Description { get; set; }

        /// <summary>String keys and values; encryption and SCSI keys are inherited from the source and refused here.</summary>
        [Parameter]
        public Hashtable? Metadata { get; set; }

        /// <summary>Must be the source disk's zone (the default).</summary>
        [Parameter]
        [ArgumentCompleter(typeof(AvailabilityZoneCompleter))]
        public string? AvailabilityZone { get; set; }

        /// <summary>Must be the source disk's type (the default).</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(VolumeTypeCompleter))]
        public string? VolumeType { get; set; }

        /// <summary>GiB, at least the snapshot's size (the default), at most 32768.</summary>
        [Parameter]
        public int Size { get; set; }

        /// <summary>Attach the new disk to this ECS server (in the disk's zone); the disk is then ready when in-use.</summary>
        [Parameter]
        public string? ServerId { get; set; }

        /// <summary>GPSSD2 and ESSD2 only; defaults to the source disk's.</summary>
        [Parameter]
        public int Iops { get; set; }

        /// <summary>MiB/s, GPSSD2 only; defaults to the source disk's.</summary>
        [Parameter]
        public int Throughput { get; set; }

        /// <summary>
        /// 1-64 printable characters naming this run: a snapshot that already has a disk made from it with the same
        /// token (any status but error or deleting) gets that disk back instead of a new one, so a re-run of a killed
        /// job makes no second disk. Stored as a hash in the disk's metadata (evssnapshot_run_token); it also decides
        /// the create's X-Client-Token, so a re-run finds a disk that is still being created too.
        /// </summary>
        [Parameter]
        public string? ClientToken { get; set; }

        /// <summary>Return each disk only when it is ready (available, or in-use with -ServerId); all are polled together.</summary>
        [Parameter]
        public SwitchParameter Wait { get; set; }

        /// <summary>With -Wait: how long each disk may take (seconds or a TimeSpan).</summary>
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
                var plainMetadata = Unwrap.Plain(Metadata);
                var inherited = VolumeFromSnapshotRule.InheritedMetadataKey(plainMetadata);
                if (inherited != null) throw inherited;
                _template = new CreateVolumeSpec
                {
                    Name = Name == null ? null : InputValidator.VolumeName(Name, nameof(Name)),
                    Description = InputValidator.Description(Description),
                    Metadata = Unwrap.Metadata(Metadata, nameof(Metadata)),
                    AvailabilityZone = AvailabilityZone,
                    VolumeType = VolumeType,
                    Size = Bound(nameof(Size)) ? Size : (int?)null,
                    ServerId = ServerId == null ? null : InputValidator.ServerId(ServerId),
                    Iops = Bound(nameof(Iops)) ? Iops : (int?)null,
                    Throughput = Bound(nameof(Throughput)) ? Throughput : (int?)null,
                    RunToken = InputValidator.ClientToken(ClientToken),
                };
                var refusal = VolumeFromSnapshotRule.InputRefusal(_template);
                if (refusal != null) throw refusal;
                InputValidator.WaitLimits(Timeout, MaxPollInterval);
            });
            base.BeginProcessing();
            if (Wait.IsPresent) StartWaiting();
        }

        private bool Bound(string parameter) => MyInvocation.BoundParameters.ContainsKey(parameter);

        protected override void ProcessRecord()
        {
            if (Volume != null)
            {
                WriteEvsError(new EvsValidationException("VolumePipedIn", nameof(SnapshotId),
                    $"New-EvsVolume makes a disk from a snapshot, and a disk was piped in ({Labels.Disk(Volume.Id, Volume.Name)}). "
                    + "Pipe one of its snapshots instead, e.g. Get-EvsSnapshot -VolumeId <disk id> -First 1 | New-EvsVolume.", Volume), Volume);
                return;
            }
            string snapshotId;
            try
            {
                snapshotId = InputValidator.SnapshotId(SnapshotId, nameof(SnapshotId));
            }
            catch (EvsValidationException ex)
            {
                WriteEvsError(ex, SnapshotId);
                return;
            }
            var known = Snapshot != null && string.Equals(Snapshot.Id, snapshotId, StringComparison.OrdinalIgnoreCase) ? Snapshot : null;
            string what = $"Create disk {(_template.Name != null ? "'" + InputValidator.Printable(_template.Name) + "'" : "(no name)")} from {Labels.Snapshot(snapshotId, known)}";
            if (!ShouldProceed(false, what, "Create disk")) return;

            var spec = Copy(_template, snapshotId);
            var volumes = ActiveContext.Volumes;
            Submit(snapshotId, async call =>
            {
                var started = await volumes.CreateAsync(spec, call).ConfigureAwait(false);
                if (_waiter != null && !(started.Earlier != null && VolumeCreateWaiter.IsReady(started, started.Earlier)))
                {
                    _waiter.Add(started);
                    return;
                }
                PostObject(await volumes.GetStartedVolumeAsync(started, call).ConfigureAwait(false));
            }, "SnapshotNotFound");
        }

        /// <summary>One spec per item: its own client token, kept for every attempt of that item's create.</summary>
        private static CreateVolumeSpec Copy(CreateVolumeSpec template, string snapshotId) => new CreateVolumeSpec
        {
            SnapshotId = snapshotId,
            Name = template.Name,
            Description = template.Description,
            Metadata = new Dictionary<string, string>(template.Metadata, StringComparer.Ordinal),
            AvailabilityZone = template.AvailabilityZone,
            VolumeType = template.VolumeType,
            Size = template.Size,
            ServerId = template.ServerId,
            Iops = template.Iops,
            Throughput = template.Throughput,
            ClientToken = VolumeOperations.NewClientToken(),
            RunToken = template.RunToken,
        };

        private void StartWaiting()
        {
            _waiter = new VolumeCreateWaiter(ActiveContext.Api, WaitOptionsFrom(Timeout, MaxPollInterval), Call)
            {
                Completed = (started, volume) => PostObject(volume),
                Failed = (started, error) => Post(() => WriteEvsError(error, started.Plan.SnapshotId)),
                TimedOut = (pending, error) => Post(() => WriteEvsError(error, pending.ToArray())),
                Progress = (total, finished, pending) => Post(() => WriteProgress(new ProgressRecord(_progressId, "Waiting for new disks to be ready",
                    $"{finished} of {total} done" + (pending.Count > 0 ? "; waiting for " + string.Join(", ", pending.Take(5).Select(VolumeCreateWaiter.Describe)) : string.Empty))
                {
                    PercentComplete = total == 0 ? 100 : finished * 100 / total,
                })),
            };
            var waiter = _waiter;
            _waiterTask = Task.Run(() => waiter.RunAsync());
        }

        protected override void EndProcessing()
        {
            WaitForSubmitted();
            if (_waiter != null && _waiterTask != null)
            {
                _waiter.CompleteAdding();
                PumpUntil(_waiterTask);
                WriteProgress(new ProgressRecord(_progressId, "Waiting for new disks to be ready", "Done") { RecordType = ProgressRecordType.Completed });
                if (_waiterTask.IsFaulted) ThrowEvsError(_waiterTask.Exception!.InnerException!, null);
            }
            base.EndProcessing();
        }

        protected override void StopProcessing()
        {
            var pending = _waiter?.PendingVolumes();
            if (pending != null && pending.Count > 0)
            {
                try
                {
                    Host.UI.WriteWarningLine($"New-EvsVolume was stopped while waiting; {pending.Count} new disk(s) still pending: "
                        + string.Join("; ", pending.Select(VolumeCreateWaiter.Describe)));
                }
                catch (Exception)
                {
                    // A host that cannot write any more.
                }
            }
            base.StopProcessing();
        }
    }
}
