using System;

namespace EvsSnapshot
{
    /// <summary>The API's UTC times as the local times the models show next to them.</summary>
    internal static class Times
    {
        public static DateTime? Local(DateTime? utc) => utc?.ToLocalTime();
    }
}
