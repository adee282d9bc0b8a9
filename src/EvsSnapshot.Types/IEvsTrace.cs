namespace EvsSnapshot.Diagnostics
{
    /// <summary>
    /// Where the client reports what it does. The cmdlet layer forwards these to Write-Verbose/-Debug/-Warning on
    /// the pipeline thread. Messages never contain secrets: the transport redacts them before calling.
    /// </summary>
    public interface IEvsTrace
    {
        /// <summary>False when debug output would be discarded, so per-request trace lines are not even built.</summary>
        bool DebugEnabled { get; }

        void Verbose(string message);
        void Debug(string message);
        void Warning(string message);
    }

    public sealed class NullTrace : IEvsTrace
    {
        public static readonly NullTrace Instance = new NullTrace();
        public bool DebugEnabled => false;
        public void Verbose(string message) { }
        public void Debug(string message) { }
        public void Warning(string message) { }
    }
}
