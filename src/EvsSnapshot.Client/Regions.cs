using System;
using System.Collections.Generic;
using System.Linq;

namespace EvsSnapshot.Client
{
    /// <summary>
    /// The regions EVS serves and the endpoints the module calls in each (evs-api.md §13). One list for region
    /// checks, the completer and the documentation; the endpoint rules sit next to it.
    /// </summary>
    public static class Regions
    {
        /// <summary>The global IAM endpoint: federation's default and the fallback of regions without a regional IAM (§13.2, §14.5).</summary>
        public static readonly Uri GlobalIamEndpoint = new Uri("https://iam.myhuaweicloud.com");

        /// <summary>The 34 regions with an EVS endpoint, as the SDKs list them (§13.1).</summary>
        public static IReadOnlyList<string> All { get; } = new[]
        {
            // China
            "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-11", "cn-north-12",
            "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
            "cn-south-1", "cn-south-2", "cn-south-4", "cn-southwest-2", "cn-southwest-3",
            // Asia-Pacific
            "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5", "my-kualalumpur-1",
            // Europe
            "eu-west-0", "eu-west-101", "ru-moscow-1", "ru-northwest-2",
            // Others
            "af-south-1", "af-north-1", "sa-brazil-1", "la-north-2", "la-south-2", "na-mexico-1", "me-east-1", "ae-ad-1", "tr-west-1",
        };

        /// <summary>
        /// Regions with their own IAM (§13.3, the IAM service's region list: the 27 of the SDK's project-lookup map
        /// plus eu-west-101). The others (cn-south-4, cn-north-11, ru-northwest-2, af-north-1, ap-southeast-5,
        /// cn-southwest-3) use the global IAM.
        /// </summary>
        private static readonly HashSet<string> RegionalIam = new HashSet<string>(StringComparer.Ordinal)
        {
            "cn-north-1", "cn-north-2", "cn-north-4", "cn-north-9", "cn-north-12", "cn-east-2", "cn-east-3", "cn-east-4", "cn-east-5",
            "cn-south-1", "cn-south-2", "cn-southwest-2",
            "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "my-kualalumpur-1",
            "af-south-1", "sa-brazil-1", "la-south-2", "la-north-2", "na-mexico-1", "eu-west-0", "ru-moscow-1", "me-east-1", "ae-ad-1", "tr-west-1",
            "eu-west-101",
        };

        public static bool IsKnown(string? region) => region != null && All.Contains(region, StringComparer.Ordinal);

        /// <summary>EVS: <c>https://evs.{region}.myhuaweicloud.com</c> in every region (§13.1; eu-west-101 moved off .eu in 2024).</summary>
        public static Uri EvsEndpoint(string region) => new Uri("https://evs." + region + ".myhuaweicloud.com");

        /// <summary>
        /// Regional IAM (project lookup, tokens, agencies): <c>https://iam.{region}.myhuaweicloud.com</c> where the region
        /// has one, <c>https://iam.eu-west-101.myhuaweicloud.eu</c> for eu-west-101 (the one exception, §13.3), else the
        /// global endpoint, as the SDKs fall back to it (§13.2 step 4). A region this list does not know (a new one)
        /// falls back the same way; -IamEndpoint or HUAWEICLOUD_SDK_IAM_ENDPOINT choose another.
        /// </summary>
        public static Uri IamEndpoint(string region)
        {
            if (region == "eu-west-101") return new Uri("https://iam.eu-west-101.myhuaweicloud.eu");
            return RegionalIam.Contains(region) ? new Uri("https://iam." + region + ".myhuaweicloud.com") : GlobalIamEndpoint;
        }

        /// <summary>The known region a mistyped one most likely meant (at most two edits away), or null.</summary>
        public static string? Closest(string region)
        {
            string lower = region.ToLowerInvariant();
            var best = All.Select(id => (id, distance: Distance(lower, id))).OrderBy(c => c.distance).First();
            return best.distance <= 2 ? best.id : null;
        }

        private static int Distance(string a, string b)
        {
            var previous = new int[b.Length + 1];
            var current = new int[b.Length + 1];
            for (int j = 0; j <= b.Length; j++) previous[j] = j;
            for (int i = 1; i <= a.Length; i++)
            {
                current[0] = i;
                for (int j = 1; j <= b.Length; j++)
                {
                    int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                    current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                }
                (previous, current) = (current, previous);
            }
            return previous[b.Length];
        }
    }
}
