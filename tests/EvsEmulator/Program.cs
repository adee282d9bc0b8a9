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
