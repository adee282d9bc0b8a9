using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client;
using EvsSnapshot.Client.Http;
using EvsSnapshot.Client.Paging;

namespace EvsSnapshot.Commands
{
    /// <summary>One thing a completer can offer.</summary>
    internal sealed class CompletionCandidate
    {
        public CompletionCandidate(string id, string? name, string status, string? zone = null)
        {
            Id = id;
            Name = name;
            Status = status;
            Zone = zone;
        }

        public string Id { get; }
        public string? Name { get; }
        public string Status { get; }

        /// <summary>The availability zone (disks only): the zone completer learns the project's zones from the disks.</summary>
        public string? Zone { get; }
    }

    /// <summary>
    /// What argument completers offer for one context, so completion never waits on the API: answers come from
    /// memory; a missing or stale list is refreshed in the background (every page, up to a cap), and a cold
    /// cache waits at most <see cref="ColdWait"/> for it. A slow or unreachable API therefore costs the console
    /// nothing; the next completion shows what the refresh found.
    /// </summary>
    internal sealed class CompletionCache
    {
        public static readonly TimeSpan FreshFor = TimeSpan.FromSeconds(30);
        public static readonly TimeSpan ColdWait = TimeSpan.FromMilliseconds(60);
        private static readonly TimeSpan RefreshTimeout = TimeSpan.FromSeconds(30);
        private const int MaxItems = 10000;

        public CompletionCache(EvsApi api)
        {
            Volumes = new Entry(async (call) =>
            {
                var reader = new PageReader<VolumeDetails>((offset, limit) => api.ListVolumesAsync(new VolumeQuery(), offset, limit, call), v => v.Id, 0, 1000, MaxItems);
                return await ReadAllAsync(reader, v => new CompletionCandidate(v.Id, v.Name, v.Status, v.AvailabilityZone)).ConfigureAwait(false);
            });
            Snapshots = new Entry(async (call) =>
            {
                var reader = new PageReader<SnapshotDetails>((offset, limit) => api.ListSnapshotsAsync(new SnapshotQuery(), offset, limit, call), s => s.Id, 0, 1000, MaxItems);
                return await ReadAllAsync(reader, s => new CompletionCandidate(s.Id, s.Name, s.Status)).ConfigureAwait(false);
            });
        }

        public Entry Volumes { get; }
        public Entry Snapshots { get; }

        private static async Task<List<CompletionCandidate>> ReadAllAsync<T>(PageReader<T> reader, Func<T, CompletionCandidate> map)
        {
            var all = new List<CompletionCandidate>();
            IReadOnlyList<T>? page;
            while ((page = await reader.NextAsync().ConfigureAwait(false)) != null) all.AddRange(page.Select(map));
            return all;
        }

        /// <summary>One list: its last answer and the refresh running for it, if any.</summary>
        internal sealed class Entry
        {
            private readonly Func<CallScope, Task<List<CompletionCandidate>>> _load;
            private readonly object _lock = new object();
            private IReadOnlyList<CompletionCandidate>? _items;
            private Stopwatch? _age;
            private Task? _refresh;

            public Entry(Func<CallScope, Task<List<CompletionCandidate>>> load)
            {
                _load = load;
            }

            /// <summary>What is known now; starts a refresh when nothing or something old is known.</summary>
            public IReadOnlyList<CompletionCandidate> Get()
            {
                Task? refresh;
                IReadOnlyList<CompletionCandidate>? items;
                lock (_lock)
                {
                    items = _items;
                    if (items == null || _age == null || _age.Elapsed > FreshFor) StartRefreshLocked();
                    refresh = _refresh;
                }
                if (items != null || refresh == null) return items ?? Array.Empty<CompletionCandidate>();
                // Cold: the first completion may get the list if the API is quick; it never waits longer than this.
                refresh.Wait(ColdWait);
                lock (_lock) return _items ?? Array.Empty<CompletionCandidate>();
            }

            private void StartRefreshLocked()
            {
                if (_refresh != null) return;
                _refresh = Task.Run(async () =>
                {
                    try
                    {
                        using (var timeout = new CancellationTokenSource(RefreshTimeout))
                        {
                            var items = await _load(new CallScope(null, timeout.Token)).ConfigureAwait(false);
                            lock (_lock)
                            {
                                _items = items;
                                _age = Stopwatch.StartNew();
                            }
                        }
                    }
                    catch (Exception)
                    {
                        // Completion must never fail at the user; keep what we had and try again next time.
                    }
                    finally
                    {
                        lock (_lock) _refresh = null;
                    }
                });
            }
        }
    }
}
