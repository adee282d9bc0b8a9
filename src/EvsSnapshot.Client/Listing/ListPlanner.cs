using System;
using System.Collections.Generic;
using System.Linq;

namespace EvsSnapshot.Client.Listing
{
    /// <summary>
    /// Turns list filters into server queries plus a local check. The list APIs filter one value per parameter,
    /// so: a filter with one exact value goes to the server; one filter with a few exact values (disk ids first,
    /// then names) becomes one query per value, streamed in turn; everything else (more values, wildcards,
    /// snapshot metadata, creation times) is checked here on one listing. Pure: no requests.
    /// </summary>
    public static class ListPlanner
    {
        /// <summary>Above this many values one listing filtered here costs fewer requests than a query per value.</summary>
        public const int MaxQueriesPerFilter = 10;

        public static ListPlan<SnapshotQuery, SnapshotDetails> Plan(SnapshotFilter filter)
        {
            var local = new List<Func<SnapshotDetails, bool>>();
            var volumeIds = Split(filter.VolumeIds, fanOutAllowed: true, out var volumeIdsLocal);
            var names = SplitNames(filter.Names, fanOutAllowed: volumeIds.Count <= 1, out var namesLocal);
            var statuses = Split(filter.Statuses, fanOutAllowed: false, out var statusesLocal);
            if (volumeIdsLocal) local.Add(s => filter.VolumeIds.Contains(s.VolumeId ?? string.Empty, StringComparer.OrdinalIgnoreCase));
            if (namesLocal) local.Add(s => filter.Names.Any(n => n.Matches(s.Name)));
            if (statusesLocal) local.Add(s => filter.Statuses.Contains(s.Status, StringComparer.OrdinalIgnoreCase));
            if (filter.Metadata.Count > 0)
            {
                var wanted = filter.Metadata.ToList();
                local.Add(s => wanted.All(p => s.Metadata.TryGetValue(p.Key, out var v) && v == p.Value));
            }
            AddCreated(local, s => s.CreatedAtUtc, filter.CreatedBeforeUtc, filter.CreatedAfterUtc);

            var queries = new List<SnapshotQuery>();
            foreach (var volumeId in volumeIds)
            {
                foreach (var name in names)
                {
                    queries.Add(new SnapshotQuery
                    {
                        VolumeId = volumeId,
                        Name = name,
                        Status = statuses.Single(),
                        AvailabilityZone = filter.AvailabilityZone,
                    });
                }
            }
            return new ListPlan<SnapshotQuery, SnapshotDetails>(queries, All(local));
        }

        public static ListPlan<VolumeQuery, VolumeDetails> Plan(VolumeFilter filter)
        {
            var local = new List<Func<VolumeDetails, bool>>();
            var names = SplitNames(filter.Names, fanOutAllowed: true, out var namesLocal);
            var statuses = Split(filter.Statuses, fanOutAllowed: false, out var statusesLocal);
            if (namesLocal) local.Add(v => filter.Names.Any(n => n.Matches(v.Name)));
            if (statusesLocal) local.Add(v => filter.Statuses.Contains(v.Status, StringComparer.OrdinalIgnoreCase));
            AddCreated(local, v => v.CreatedAtUtc, filter.CreatedBeforeUtc, filter.CreatedAfterUtc);
            var metadata = filter.Metadata.Count > 0 ? new Dictionary<string, string>(filter.Metadata, StringComparer.Ordinal) : null;
            // One query per server always (the API takes one server_id), combined with each name query.
            var servers = filter.ServerIds.Count == 0 ? new List<string?> { null } : filter.ServerIds.Distinct(StringComparer.OrdinalIgnoreCase).Cast<string?>().ToList();
            var queries = servers.SelectMany(server => names.Select(name => new VolumeQuery
            {
                Name = name,
                Status = statuses.Single(),
                AvailabilityZone = filter.AvailabilityZone,
                Metadata = metadata,
                ServerId = server,
                MultiAttach = filter.MultiAttach,
            })).ToList();
            return new ListPlan<VolumeQuery, VolumeDetails>(queries, All(local));
        }

        /// <summary>
        /// The values to send one query each for ([null] = no server filter), and whether the filter must be
        /// checked locally instead.
        /// </summary>
        private static List<string?> Split(IList<string> values, bool fanOutAllowed, out bool checkLocally)
        {
            checkLocally = false;
            if (values.Count == 0) return new List<string?> { null };
            if (values.Count == 1 || (fanOutAllowed && values.Count <= MaxQueriesPerFilter)) return values.Cast<string?>().ToList();
            checkLocally = true;
            return new List<string?> { null };
        }

        private static List<string?> SplitNames(IList<NamePattern> names, bool fanOutAllowed, out bool checkLocally)
        {
            if (names.Any(n => n.IsWildcard))
            {
                checkLocally = true;
                return new List<string?> { null };
            }
            return Split(names.Select(n => n.Text).ToList(), fanOutAllowed, out checkLocally);
        }

        private static void AddCreated<T>(List<Func<T, bool>> local, Func<T, DateTime?> createdUtc, DateTime? beforeUtc, DateTime? afterUtc)
        {
            if (beforeUtc is DateTime before) local.Add(item => createdUtc(item) is DateTime c && c < before);
            if (afterUtc is DateTime after) local.Add(item => createdUtc(item) is DateTime c && c > after);
        }

        private static Func<T, bool>? All<T>(List<Func<T, bool>> checks) =>
            checks.Count == 0 ? null : item => checks.All(check => check(item));
    }
}
