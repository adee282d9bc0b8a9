using System;

namespace EvsSnapshot.Commands
{
    internal static class WaitParameters
    {
        public static void Check(TimeSpan timeout, TimeSpan maxPollInterval)
        {
            if (timeout <= TimeSpan.Zero || timeout > TimeSpan.FromDays(7))
            {
                throw new EvsValidationException("InvalidTimeout", "Timeout",
                    $"-Timeout must be more than 0 and at most 7 days; got {timeout}.", timeout);
            }
            if (maxPollInterval < TimeSpan.FromMilliseconds(100) || maxPollInterval > TimeSpan.FromHours(1))
            {
                throw new EvsValidationException("InvalidPollInterval", "MaxPollInterval",
                    $"-MaxPollInterval must be between 0.1 seconds and 1 hour; got {maxPollInterval}.", maxPollInterval);
            }
        }
    }
}
