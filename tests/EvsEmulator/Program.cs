namespace EvsEmulator;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        EmulatorOptions options;
        try
        {
            options = EmulatorOptions.Parse(args);
        }
        catch (ConfigException e)
        {
            await Console.Error.WriteLineAsync("EVS emulator: " + e.Message);
            return 2;
        }
        if (options.Help)
        {
            Console.WriteLine(EmulatorOptions.Usage);
            return 0;
        }
        ParentWatch? parent = null;
        if (options.ParentPid is { } parentPid && (parent = ParentWatch.Find(parentPid)) is null)
        {
            await Console.Error.WriteLineAsync($"EVS emulator: --parent-pid {parentPid}: no such process");
            return 2;
        }

        EmulatorServer server;
        try
        {
            server = await EmulatorServer.StartAsync(options);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"EVS emulator: cannot listen on 127.0.0.1:{options.Port}: {e.Message}");
            return 1;
        }

        await using (server)
        {
            // Tests read this first line to find the port; flush so it is visible at once.
            var stdout = Console.Out;
            stdout.WriteLine($"EVS emulator listening on http://127.0.0.1:{server.Port}");
            foreach (var line in server.Banner()) stdout.WriteLine(line);
            stdout.Flush();

            using var stop = new CancellationTokenSource();
            if (options.ExitOnStdinClose) WatchStdin(stop);
            parent?.Start(stop);
            // A launcher that is gone cannot wait for an orderly stop: if shutting down hangs (a connection the
            // host waits for), exit anyway so no emulator outlives its test run.
            stop.Token.Register(() => _ = Task.Delay(TimeSpan.FromSeconds(3)).ContinueWith(_ => Environment.Exit(0), TaskScheduler.Default));
            // SIGINT/SIGTERM are handled by the host; stdin EOF cancels through the token.
            await server.WaitForShutdownAsync(stop.Token);
        }
        return 0;
    }

    /// <summary>A crashed test runner closes our stdin; exit instead of lingering.</summary>
    private static void WatchStdin(CancellationTokenSource stop)
    {
        var thread = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0) { }
            }
            catch (IOException) { }
            stop.Cancel();
        })
        {
            IsBackground = true,
            Name = "stdin-watch",
        };
        thread.Start();
    }
}

/// <summary>--parent-pid: a launcher that dies without closing our stdin (killed, crashed) still takes the emulator
/// with it. The process is identified by its id and start time, so a reused id does not keep the emulator alive.</summary>
public sealed class ParentWatch
{
    private readonly int _pid;
    private readonly DateTime? _startTime;

    private ParentWatch(int pid, DateTime? startTime)
    {
        _pid = pid;
        _startTime = startTime;
    }

    /// <summary>The watch of a running process, or null when there is no such process.</summary>
    public static ParentWatch? Find(int pid) => Alive(pid, null, out var started) ? new ParentWatch(pid, started) : null;

    public bool IsAlive => Alive(_pid, _startTime, out _);

    private static bool Alive(int pid, DateTime? expectedStart, out DateTime? started)
    {
        started = null;
        try
        {
            using var p = System.Diagnostics.Process.GetProcessById(pid);
            if (p.HasExited) return false;
            try { started = p.StartTime; }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException) { }
            return expectedStart is null || started is null || started == expectedStart;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Polls every second; cancels <paramref name="stop"/> when the process is gone.</summary>
    public void Start(CancellationTokenSource stop)
    {
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (stop.Token.WaitHandle.WaitOne(TimeSpan.FromSeconds(1))) return;
                if (IsAlive) continue;
                Console.Error.WriteLine($"EVS emulator: parent process {_pid} is gone; stopping.");
                stop.Cancel();
                return;
            }
        })
        {
            IsBackground = true,
            Name = "parent-watch",
        };
        thread.Start();
    }
}
