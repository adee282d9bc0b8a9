# A small HTTP forward proxy on 127.0.0.1 for tests: it forwards only to loopback addresses (anything else is
# refused with 403), can require Basic proxy credentials (407 until they are right), and records every request
# that passed through it (method, absolute target, whether credentials came and were right). One request per
# connection (Connection: close), which is all a test needs.

Set-StrictMode -Version 3.0

if (-not ('EvsTest.LoopbackProxy' -as [type])) {
    Add-Type -TypeDefinition @'
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EvsTest
{
    public sealed class ProxiedRequest
    {
        public string Method { get; set; }
        public string Target { get; set; }
        public bool HadCredentials { get; set; }
        public bool CredentialsRight { get; set; }
        public int Status { get; set; }
    }

    public sealed class LoopbackProxy : IDisposable
    {
        private readonly TcpListener _listener = new TcpListener(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new CancellationTokenSource();
        private readonly string _expectedAuth;

        public LoopbackProxy(string user, string password)
        {
            _expectedAuth = user == null ? null : "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
            _listener.Start();
            Task.Run(AcceptLoop);
        }

        public ConcurrentQueue<ProxiedRequest> Requests { get; } = new ConcurrentQueue<ProxiedRequest>();
        public Uri Url { get { return new Uri("http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port); } }

        private async Task AcceptLoop()
        {
            while (!_stop.IsCancellationRequested)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync(); } catch { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        private async Task Serve(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                stream.ReadTimeout = 30000;
                try
                {
                    string head = ReadHead(stream);
                    if (head == null) return;
                    var lines = head.Split(new[] { "\r\n" }, StringSplitOptions.None);
                    var first = lines[0].Split(' ');
                    var headers = new List<KeyValuePair<string, string>>();
                    for (int i = 1; i < lines.Length; i++)
                    {
                        int colon = lines[i].IndexOf(':');
                        if (colon > 0) headers.Add(new KeyValuePair<string, string>(lines[i].Substring(0, colon).Trim(), lines[i].Substring(colon + 1).Trim()));
                    }
                    string auth = Header(headers, "Proxy-Authorization");
                    long length = long.TryParse(Header(headers, "Content-Length"), out var l) ? l : 0;
                    byte[] body = ReadExactly(stream, length);
                    var record = new ProxiedRequest { Method = first[0], Target = first[1], HadCredentials = auth != null, CredentialsRight = _expectedAuth != null && auth == _expectedAuth };
                    Requests.Enqueue(record);
                    if (_expectedAuth != null && auth != _expectedAuth)
                    {
                        record.Status = 407;
                        Write(stream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"test\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    Uri target;
                    if (!Uri.TryCreate(first[1], UriKind.Absolute, out target) || !IPAddress.TryParse(target.Host.Trim('[', ']'), out var address) || !IPAddress.IsLoopback(address))
                    {
                        record.Status = 403; // never forward anywhere but this machine
                        Write(stream, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
                        return;
                    }
                    record.Status = 200;
                    using (var upstream = new TcpClient())
                    {
                        await upstream.ConnectAsync(address, target.Port);
                        var up = upstream.GetStream();
                        var request = new StringBuilder();
                        request.Append(first[0]).Append(' ').Append(target.PathAndQuery).Append(" HTTP/1.1\r\n");
                        foreach (var h in headers)
                        {
                            if (h.Key.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase) || h.Key.Equals("Connection", StringComparison.OrdinalIgnoreCase)) continue;
                            request.Append(h.Key).Append(": ").Append(h.Value).Append("\r\n");
                        }
                        request.Append("Connection: close\r\n\r\n");
                        Write(up, request.ToString());
                        up.Write(body, 0, body.Length);
                        await up.CopyToAsync(stream);
                    }
                }
                catch (Exception) { }
            }
        }

        private static string Header(List<KeyValuePair<string, string>> headers, string name)
        {
            foreach (var h in headers) if (h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) return h.Value;
            return null;
        }

        private static string ReadHead(Stream stream)
        {
            var bytes = new List<byte>();
            while (true)
            {
                int b = stream.ReadByte();
                if (b < 0) return null;
                bytes.Add((byte)b);
                int n = bytes.Count;
                if (n >= 4 && bytes[n - 4] == 13 && bytes[n - 3] == 10 && bytes[n - 2] == 13 && bytes[n - 1] == 10)
                    return Encoding.ASCII.GetString(bytes.ToArray(), 0, n - 4);
                if (n > 65536) return null;
            }
        }

        private static byte[] ReadExactly(Stream stream, long length)
        {
            var buffer = new byte[length];
            int read = 0;
            while (read < length) { int n = stream.Read(buffer, read, (int)length - read); if (n <= 0) break; read += n; }
            return buffer;
        }

        private static void Write(Stream stream, string text) { var b = Encoding.ASCII.GetBytes(text); stream.Write(b, 0, b.Length); }

        public void Dispose() { _stop.Cancel(); _listener.Stop(); }
    }
}
'@
}

function Start-LoopbackProxy {
    <# Starts the proxy; with -UserName/-Password it asks for Basic credentials (407) until they come. #>
    param([string] $UserName, [string] $Password)
    [EvsTest.LoopbackProxy]::new($(if ($UserName) { $UserName } else { $null }), $Password)
}

function Stop-LoopbackProxy([Parameter(Mandatory)] $Proxy) { $Proxy.Dispose() }

Export-ModuleMember -Function Start-LoopbackProxy, Stop-LoopbackProxy
