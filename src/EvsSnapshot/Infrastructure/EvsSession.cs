using System.Threading;

namespace EvsSnapshot.Commands
{
    /// <summary>
    /// The process-wide current context. Static on purpose: runspaces of the same process (Start-ThreadJob,
    /// ForEach-Object -Parallel) see it too, while nothing is ever written to disk (unlike saved Az contexts).
    /// </summary>
    public static class EvsSession
    {
        private static EvsContext? _current;

        public static EvsContext? Current
        {
            get => Volatile.Read(ref _current);
            internal set => Volatile.Write(ref _current, value);
        }
    }
}
