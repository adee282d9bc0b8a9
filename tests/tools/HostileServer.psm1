# A raw-socket HTTP server on 127.0.0.1 for the answers the emulator cannot give (Kestrel refuses them): a reason
# phrase or header values with control characters, an X-Subject-Token with ESC or NUL. Each answer is exact bytes,
# chosen by the first rule whose regex matches the request path; one request per connection (Connection: close).
# It records every request line, so a test can also prove that nothing was sent to it (redirects, next links).

Set-StrictMode -Version 3.0

if (-not ('EvsTest.HostileServer' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace EvsTest
{
    public sealed class HostileServer : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly List<KeyValuePair<Regex, byte[]>> _rules = new List<KeyValuePair<Regex, byte[]>>();

        public HostileServer()
        {
            _listener.Start();
            Task.Run(AcceptLoop);
        }

        /// <summary>Request lines ("GET /path?query HTTP/1.1") in arrival order.</summary>
        public ConcurrentQueue<string> Requests { get; } = new ConcurrentQueue<string>();
        public Uri Url { get { return new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port); } }

        /// <summary>Answers requests whose path matches <paramref name="pathRegex"/> with exactly these bytes.</summary>
        public void Answer(string pathRegex, byte[] raw)
        {
            lock (_rules) _rules.Add(new KeyValuePair<Regex, byte[]>(new Regex(pathRegex), raw));
        }

        private async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                var ignored = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                try
                {
                    var stream = client.GetStream();
                    string head = await ReadHead(stream);
                    if (head == null) return;
                    string line = head.Split(new[] { "\r\n" }, StringSplitOptions.None)[0];
                    Requests.Enqueue(line);
                    await SkipBody(stream, head);
                    string path = line.Split(' ').Length > 1 ? line.Split(' ')[1] : "/";
                    byte[] answer = null;
                    lock (_rules)
                    {
                        foreach (var rule in _rules) if (rule.Key.IsMatch(path)) { answer = rule.Value; break; }
                    }
                    answer = answer ?? Encoding.ASCII.GetBytes("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                    await stream.WriteAsync(answer, 0, answer.Length);
                    await stream.FlushAsync();
                }
                catch (IOException) { }
                catch (ObjectDisposedException) { }
            }
        }

        private static async Task<string> ReadHead(NetworkStream stream)
        {
            var bytes = new List<byte>();
            var one = new byte[1];
            while (bytes.Count < 65536)
            {
                int read = await stream.ReadAsync(one, 0, 1);
                if (read == 0) return null;
                bytes.Add(one[0]);
                int n = bytes.Count;
                if (n >= 4 && bytes[n - 4] == '\r' && bytes[n - 3] == '\n' && bytes[n - 2] == '\r' && bytes[n - 1] == '\n')
                    return Encoding.UTF8.GetString(bytes.ToArray());
            }
            return null;
        }

        private static async Task SkipBody(NetworkStream stream, string head)
        {
            var match = Regex.Match(head, "(?im)^Content-Length:\\s*(\\d+)");
            if (!match.Success) return;
            int left = int.Parse(match.Groups[1].Value);
            var buffer = new byte[4096];
            while (left > 0)
            {
                int read = await stream.ReadAsync(buffer, 0, Math.Min(buffer.Length, left));
                if (read == 0) return;
                left -= read;
            }
        }

        public void Dispose()
        {
            _listener.Stop();
        }
    }
}
'@
}

function Start-HostileServer {
    <# A raw-socket server on a free loopback port; stop it with its Dispose(). #>
    [EvsTest.HostileServer]::new()
}

function ConvertTo-RawHttp {
    <#
    Exact response bytes: the status line (reason phrase as given, control characters included), the headers as
    given (values may hold any byte below 0x100; strings are written as Latin-1, so "`e" is ESC and "`0" is NUL),
    Content-Length and Connection: close, then the body as UTF-8.
    #>
    param(
        [int] $Status = 200,
        [string] $Reason = 'OK',
        [System.Collections.Specialized.OrderedDictionary] $Headers = [ordered]@{},
        [string] $Body = ''
    )
    $bodyBytes = [Text.Encoding]::UTF8.GetBytes($Body)
    $head = "HTTP/1.1 $Status $Reason`r`n"
    foreach ($name in $Headers.Keys) { $head += "${name}: $($Headers[$name])`r`n" }
    if ($Body) { $head += "Content-Type: application/json`r`n" }
    $head += "Content-Length: $($bodyBytes.Length)`r`nConnection: close`r`n`r`n"
    [byte[]] ([Text.Encoding]::Latin1.GetBytes($head) + $bodyBytes)
}

Export-ModuleMember -Function Start-HostileServer, ConvertTo-RawHttp
