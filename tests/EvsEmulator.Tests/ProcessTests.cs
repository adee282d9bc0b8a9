using System.Diagnostics;
using System.Text.RegularExpressions;

namespace EvsEmulator.Tests;

/// <summary>The emulator as other tests start it: a child process on port 0 whose first stdout line gives the port.</summary>
public class ProcessTests
{
    private static string EmulatorDll()
    {
        // The project reference copies the emulator next to the tests; fall back to its own bin folder.
        var local = Path.Combine(AppContext.BaseDirectory, "EvsEmulator.dll");
        if (File.Exists(local) && File.Exists(Path.Combine(AppContext.BaseDirectory, "EvsEmulator.runtimeconfig.json"))) return local;
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        var config = dir.Parent!.Name; // .../bin/<Configuration>/net10.0/
        while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "EvsEmulator"))) dir = dir.Parent;
        Assert.NotNull(dir);
        return Path.Combine(dir!.FullName, "EvsEmulator", "bin", config, "net10.0", "EvsEmulator.dll");
    }

    private static Process Start(params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(EmulatorDll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi)!;
    }

    [Fact]
    public async Task ChildProcess_PrintsPortLineThenBlock_ServesRequests_ExitsOnStdinClose()
    {
        using var p = Start("--port", "0", "--exit-on-stdin-close", "--create-seconds", "0.2");
        try
        {
            var first = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            var m = Regex.Match(first ?? "", @"^EVS emulator listening on http://127\.0\.0\.1:(\d+)$");
            Assert.True(m.Success, $"first line: '{first}'");
            var port = int.Parse(m.Groups[1].Value);
            Assert.NotEqual(0, port);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            var info = await http.GetStringAsync("/__emulator/info");
            Assert.Contains("\"projectId\"", info);
            for (var i = 0; i < 3; i++)
                Assert.Equal(401, (int)(await http.GetAsync("/v2/x/cloudsnapshots/detail")).StatusCode);

            p.StandardInput.Close();
            Assert.True(p.WaitForExit(10_000), "emulator did not exit after stdin closed");
            var rest = (await p.StandardOutput.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // The connection block only: no per-request output on stdout.
            Assert.InRange(rest.Length, 3, 15);
            Assert.Contains(rest, l => l.Contains("EMULATORAK0000000001"));
            Assert.Contains(rest, l => l.Contains("ops-user"));
            Assert.DoesNotContain(rest, l => l.Contains("/v2/x/"));
            Assert.Equal("", (await p.StandardError.ReadToEndAsync()).Trim());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public async Task ParentPid_ExitsWhenTheParentIsGone()
    {
        // A stand-in parent: a process this test starts and then kills, as a crashed launcher would be.
        using var parent = Process.Start(new ProcessStartInfo("sleep", "300") { UseShellExecute = false })!;
        using var p = Start("--port", "0", "--parent-pid", parent.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            var first = await p.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(20));
            Assert.StartsWith("EVS emulator listening on http://127.0.0.1:", first);
            // Still running while the parent lives (it polls every second).
            Assert.False(p.WaitForExit(2500), "emulator exited while its parent was alive");
            parent.Kill();
            parent.WaitForExit();
            Assert.True(p.WaitForExit(15_000), "emulator did not exit after its parent was killed");
            Assert.Equal(0, p.ExitCode);
            Assert.Contains($"parent process {parent.Id} is gone", await p.StandardError.ReadToEndAsync());
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            if (!parent.HasExited) parent.Kill();
        }
    }

    [Fact]
    public async Task ParentPid_OfNoProcess_IsAnError()
    {
        using var gone = Process.Start(new ProcessStartInfo("true") { UseShellExecute = false })!;
        gone.WaitForExit();
        using var p = Start("--port", "0", "--parent-pid", gone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(p.WaitForExit(20_000));
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("no such process", await p.StandardError.ReadToEndAsync());
        Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--parent-pid", "abc"]));
    }

    [Fact]
    public async Task BadOption_ExitsWithErrorOnStderr()
    {
        using var p = Start("--no-such-option");
        Assert.True(p.WaitForExit(20_000));
        Assert.NotEqual(0, p.ExitCode);
        Assert.Equal("", await p.StandardOutput.ReadToEndAsync());
        Assert.Contains("--no-such-option", await p.StandardError.ReadToEndAsync());
    }

    [Fact]
    public async Task ConfigFile_IsApplied_AndCommandLineWins()
    {
        var file = Path.GetTempFileName();
        await File.WriteAllTextAsync(file, "{\"pageCap\":50,\"createSeconds\":9,\"faults\":{\"503\":0.5}}");
        try
        {
            var options = EmulatorOptions.Parse(["--config", file, "--create-seconds", "0.5"]);
            Assert.Equal(50, options.Config.PageCap);
            Assert.Equal(0.5, options.Config.CreateSeconds);
            Assert.Equal(0.5, options.Config.Faults.Rates["503"]);
            Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--seed", "abc"]));
            Assert.Throws<ConfigException>(() => EmulatorOptions.Parse(["--port"]));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
