using System;
using System.Collections.Generic;
using System.Linq;
using EvsSnapshot.Validation;

namespace EvsSnapshot.Client.Rules
{
    /// <summary>
    /// An availability zone the project has no disk in is almost always a typo, and a filter on it returns nothing
    /// without a word. The zones are learnt from the disks (EVS v2 has no zone API, evs-api.md §12.1).
    /// </summary>
    public static class ZoneRule
    {
        /// <summary>The error for a zone that none of the project's disks is in, or null. No disks at all: nothing to say.</summary>
        public static EvsException? Unknown(string zone, IReadOnlyList<string> projectZones)
        {
            if (projectZones.Count == 0 || projectZones.Contains(zone, StringComparer.Ordinal)) return null;
            string? sameLetters = projectZones.FirstOrDefault(z => string.Equals(z, zone, StringComparison.OrdinalIgnoreCase));
            return new EvsException(EvsErrorKind.NotFound, "AvailabilityZoneNotFound",
                $"No disk of this project is in availability zone '{InputValidator.Printable(zone)}'"
                + (sameLetters != null ? $" (zone ids are lowercase: did you mean {sameLetters}?)" : string.Empty)
                + $"; its disks are in {string.Join(", ", projectZones)}.")
            { Target = zone };
        }
    }
}
