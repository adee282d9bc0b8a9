using System.Threading;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// Holds the process-wide current context. Static on purpose: runspaces of the same process (Start-ThreadJob,
    /// ForEach-Object -Parallel) see it too, while nothing is ever written to disk (unlike saved Az contexts).
    /// </summary>
    public static class CurrentContext
    {
        private static EvsContext? _value;

        public static EvsContext? Value
        {
            get => Volatile.Read(ref _value);
            internal set => Volatile.Write(ref _value, value);
        }

        /// <summary>Clears the current context and returns what it was.</summary>
        internal static EvsContext? Take() => Interlocked.Exchange(ref _value, null);
    }
}
