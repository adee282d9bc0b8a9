using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Errors;

namespace EvsSnapshot.Client.Http
{
    /// <summary>Attempts and waiting time already spent on one logical call; shared when a caller retries on its own.</summary>
    internal sealed class RetryState
    {
        public int Attempts;
        public TimeSpan Waited;
    }

    /// <summary>
    /// A non-idempotent request failed in a way that leaves its outcome unknown: the server may have acted on it.
    /// The caller must find out before sending it again.
    /// </summary>
    internal sealed class AmbiguousOutcomeException : Exception
    {
        public AmbiguousOutcomeException(EvsException failure) : base(failure.Message, failure) { Failure = failure; }
        public EvsException Failure { get; }
    }

    /// <summary>
    /// HTTP for one context: one pooled HttpClient, authentication, retries with backoff, redacted tracing,
    /// bounded response reading and error mapping. Every cmdlet's calls go through <see cref="SendAsync{T}"/>.
    /// </summary>
    internal sealed class EvsTransport : IDisposable
    {
        public const long DefaultMaxResponseBytes = 32L * 1024 * 1024;
        private static readonly byte[] NoBody = new byte[0];
        private static readonly MediaTypeHeaderValue JsonContentType = new MediaTypeHeaderValue("application/json");

        private readonly HttpClient _http;
        private readonly Random _jitter = new Random();
        private long _requestCount;

        public EvsTransport(Uri evsEndpoint, Uri iamEndpoint, RetryOptions retry, bool skipCertificateCheck, HttpMessageHandler? handler = null)
        {
            EvsEndpoint = evsEndpoint;
            IamEndpoint = iamEndpoint;
            Retry = retry;
            _http = new HttpClient(handler ?? CreateHandler(skipCertificateCheck), disposeHandler: true)
            {
                Timeout = Timeout.InfiniteTimeSpan, // per-request timeouts are ours, so retries and Ctrl+C stay in control
            };
            _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("EvsSnapshot", typeof(EvsTransport).Assembly.GetName().Version?.ToString(3) ?? "0"));
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        public Uri EvsEndpoint { get; }
        public Uri IamEndpoint { get; }
        public RetryOptions Retry { get; }
        public AuthProvider? Auth { get; set; }
        public SecretRedactor Redactor { get; } = new SecretRedactor();
        public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

        /// <summary>HTTP requests sent through this transport (all attempts).</summary>
        public long RequestCount => Interlocked.Read(ref _requestCount);

        private static HttpMessageHandler CreateHandler(bool skipCertificateCheck)
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseCookies = false,
                AllowAutoRedirect = false,
                // .NET Framework defaults to 2 connections per host, which would serialize -ThrottleLimit on 5.1.
                MaxConnectionsPerServer = 256,
            };
            if (skipCertificateCheck)
            {
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => true;
            }
            return handler;
        }

        public async Task<T> SendAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, CallOptions call, RetryState? state = null)
        {
            state ??= new RetryState();
            bool authRecovered = false;
            int maxAttempts = Retry.MaxRetryCount + 1;
            while (true)
            {
                call.CancellationToken.ThrowIfCancellationRequested();
                state.Attempts++;
                EvsException failure;
                bool ambiguous;
                TimeSpan? serverDelay = null;
                bool throttled = false;
                ApiResponse? response = null;
                try
                {
                    response = await SendOnceAsync(request, call, state.Attempts, maxAttempts).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (call.CancellationToken.IsCancellationRequested)
                {
                    throw;
                }
                catch (RequestTimeoutException timeout)
                {
                    failure = new EvsTransportException(EvsErrorKind.Timeout, "RequestTimeout",
                        $"Could not {request.Operation}: no answer within {Retry.RequestTimeout.TotalSeconds:0.#} s.", request.Method.Method, PathOf(request), timeout);
                    ambiguous = true;
                    goto Decide;
                }
                catch (InvalidDataException tooLarge)
                {
                    // ReadBodyAsync: the answer exceeds MaxResponseBytes. InvalidDataException is not an IOException,
                    // so it needs its own mapping; the server may have acted on the request.
                    failure = new EvsTransportException(EvsErrorKind.MalformedResponse, "MalformedResponse",
                        $"Could not {request.Operation}: {tooLarge.Message}", request.Method.Method, PathOf(request), tooLarge);
                    ambiguous = true;
                    goto Decide;
                }
                catch (HttpRequestException ex) when (IsCertificateFailure(ex))
                {
                    throw new EvsTransportException(EvsErrorKind.Network, "CertificateValidationFailed",
                        $"Could not {request.Operation}: the server's TLS certificate was not accepted. For a private cloud with its own CA, trust that CA on this machine or connect with -SkipCertificateCheck.",
                        request.Method.Method, PathOf(request), ex);
                }
                catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                {
                    bool notSent = IsNotSent(ex);
                    failure = new EvsTransportException(EvsErrorKind.Network, notSent ? "ConnectionFailed" : "ConnectionLost",
                        $"Could not {request.Operation}: " + (notSent ? "could not connect to " + EndpointOf(request).GetLeftPart(UriPartial.Authority) : "the connection was lost before the answer arrived")
                        + " (" + Redactor.Scrub(InnermostMessage(ex)) + ").", request.Method.Method, PathOf(request), ex);
                    ambiguous = !notSent;
                    goto Decide;
                }

                if (response.StatusCode >= 200 && response.StatusCode < 300)
                {
                    try
                    {
                        T result = parse(response);
                        call.Gate?.OnSuccess();
                        return result;
                    }
                    catch (Exception ex) when (ex is System.Text.Json.JsonException || ex is FormatException || ex is InvalidDataException)
                    {
                        failure = new EvsTransportException(EvsErrorKind.MalformedResponse, "MalformedResponse",
                            $"Could not {request.Operation}: the answer (HTTP {response.StatusCode}, request id {response.RequestId ?? "none"}) was not the JSON the API documents: {ex.Message}",
                            request.Method.Method, PathOf(request), ex);
                        ambiguous = true; // the server acted on it; only the answer is broken
                        goto Decide;
                    }
                }

                var apiError = ApiErrorParser.ToException(request, response, Redactor, Auth?.CredentialDescription);
                if (response.StatusCode == 401 && !authRecovered && request.Authenticate && Auth != null
                    && await Auth.TryRecoverAsync(apiError, response, call).ConfigureAwait(false))
                {
                    authRecovered = true; // once per call: a second 401 is final, so a wrong fix can never loop
                    state.Attempts--;
                    continue;
                }
                failure = apiError;
                switch (response.StatusCode)
                {
                    case 429:
                        throttled = true;
                        ambiguous = false; // the gateway refused it before the service saw it
                        serverDelay = RetryAfter(response);
                        if (call.Gate?.OnThrottled() is int lowered)
                        {
                            call.Trace.Verbose($"The API is throttling (429): at most {lowered} request(s) in flight now; the limit rises again as requests succeed.");
                        }
                        break;
                    case 502:
                    case 503:
                    case 504:
                        ambiguous = true;
                        serverDelay = RetryAfter(response);
                        break;
                    default:
                        throw apiError; // 4xx validation, auth, state and not-found errors are final
                }

            Decide:
                if (ambiguous && !request.Idempotent) throw new AmbiguousOutcomeException(failure);
                var delay = await WaitBeforeRetryAsync(request, failure, throttled, serverDelay, state, call).ConfigureAwait(false);
                if (delay == null) throw failure;
            }
        }

        /// <summary>Waits the backoff for the next attempt, or returns null when the attempt or time budget is spent.</summary>
        internal async Task<TimeSpan?> WaitBeforeRetryAsync(ApiRequest request, EvsException failure, bool throttled, TimeSpan? serverDelay, RetryState state, CallOptions call)
        {
            int maxAttempts = Retry.MaxRetryCount + 1;
            if (state.Attempts >= maxAttempts)
            {
                if (Retry.MaxRetryCount > 0) call.Trace.Verbose($"Giving up: {Describe(request)} failed {state.Attempts} times.");
                return null;
            }
            var delay = serverDelay ?? Backoff(state.Attempts, throttled ? Retry.ThrottleBaseDelay : Retry.BaseDelay);
            if (delay > Retry.MaxDelay && serverDelay == null) delay = Retry.MaxDelay;
            if (state.Waited + delay > Retry.MaxTotalDelay)
            {
                call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture,
                    "Giving up: {0} failed and the next wait ({1:0.0} s) would exceed the retry time budget of {2:0} s.",
                    Describe(request), delay.TotalSeconds, Retry.MaxTotalDelay.TotalSeconds));
                return null;
            }
            call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture,
                "{0} failed: {1} Retrying: attempt {2} of {3} in {4:0.00} s{5}.",
                Describe(request), FirstSentence(failure), state.Attempts + 1, maxAttempts, delay.TotalSeconds,
                serverDelay != null ? " (as the server's Retry-After asks)" : string.Empty));
            await Task.Delay(delay, call.CancellationToken).ConfigureAwait(false);
            state.Waited += delay;
            return delay;
        }

        /// <summary>Exponential backoff with "equal jitter": half the step fixed, half random.</summary>
        private TimeSpan Backoff(int attempt, TimeSpan baseDelay)
        {
            double step = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 16));
            step = Math.Min(step, Retry.MaxDelay.TotalMilliseconds);
            double random;
            lock (_jitter) random = _jitter.NextDouble();
            return TimeSpan.FromMilliseconds(step / 2 + random * step / 2);
        }

        private static TimeSpan? RetryAfter(ApiResponse response)
        {
            var header = response.Headers.RetryAfter;
            if (header == null) return null;
            if (header.Delta != null) return header.Delta.Value < TimeSpan.Zero ? TimeSpan.Zero : header.Delta.Value;
            if (header.Date != null)
            {
                var wait = header.Date.Value - (response.ServerDate ?? DateTimeOffset.UtcNow);
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }

        private async Task<ApiResponse> SendOnceAsync(ApiRequest request, CallOptions call, int attempt, int maxAttempts)
        {
            var endpoint = EndpointOf(request);
            var uri = request.BuildUri(endpoint);
            byte[] body = request.Body ?? NoBody;
            using (var message = new HttpRequestMessage(request.Method, uri))
            {
                if (request.Body != null)
                {
                    message.Content = new ByteArrayContent(body);
                    message.Content.Headers.ContentType = JsonContentType;
                }

                IDisposable? slot = null;
                if (call.Gate != null) slot = await call.Gate.EnterAsync(call.CancellationToken).ConfigureAwait(false);
                try
                {
                    if (request.Authenticate && Auth != null)
                    {
                        await Auth.ApplyAsync(message, body, new Auth.RequestTarget(uri, request.LogicalPath(endpoint), request.Service), call).ConfigureAwait(false);
                    }

                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken))
                    {
                        timeout.CancelAfter(Retry.RequestTimeout);
                        var watch = Stopwatch.StartNew();
                        Interlocked.Increment(ref _requestCount);
                        try
                        {
                            using (var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false))
                            {
                                byte[] content = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
                                string? requestId = FirstHeader(response.Headers, "X-Request-Id") ?? FirstHeader(response.Headers, "X-Openstack-Request-Id");
                                var result = new ApiResponse((int)response.StatusCode, response.ReasonPhrase ?? string.Empty, content, response.Headers, requestId);
                                TraceExchange(call, request, message, uri, result, watch.Elapsed, attempt, maxAttempts);
                                return result;
                            }
                        }
                        catch (OperationCanceledException) when (!call.CancellationToken.IsCancellationRequested && timeout.IsCancellationRequested)
                        {
                            call.Trace.Debug($"HTTP {request.Method.Method} {Redactor.Scrub(uri.ToString())} -> no answer after {watch.ElapsedMilliseconds} ms (timeout; attempt {attempt} of {maxAttempts})");
                            throw new RequestTimeoutException();
                        }
                        catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                        {
                            call.Trace.Debug($"HTTP {request.Method.Method} {Redactor.Scrub(uri.ToString())} -> failed after {watch.ElapsedMilliseconds} ms: {Redactor.Scrub(InnermostMessage(ex))} (attempt {attempt} of {maxAttempts})");
                            throw;
                        }
                    }
                }
                finally
                {
                    slot?.Dispose();
                }
            }
        }

        private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            long? declared = response.Content.Headers.ContentLength;
            if (declared > MaxResponseBytes)
            {
                throw new InvalidDataException($"The answer is {declared} bytes, more than the {MaxResponseBytes}-byte limit.");
            }
            using (var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
            using (var buffer = new MemoryStream(declared > 0 ? (int)declared.Value : 4096))
            {
                var chunk = new byte[16384];
                while (true)
                {
                    int read = await stream.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (read == 0) break;
                    if (buffer.Length + read > MaxResponseBytes)
                    {
                        throw new InvalidDataException($"The answer is larger than the {MaxResponseBytes}-byte limit.");
                    }
                    buffer.Write(chunk, 0, read);
                }
                return buffer.ToArray();
            }
        }

        private void TraceExchange(CallOptions call, ApiRequest request, HttpRequestMessage message, Uri uri, ApiResponse response, TimeSpan elapsed, int attempt, int maxAttempts)
        {
            var trace = call.Trace;
            if (!trace.DebugEnabled) return; // building the line (headers, body excerpt, redaction) costs more than the request
            var sb = new StringBuilder();
            sb.Append("HTTP ").Append(request.Method.Method).Append(' ').Append(uri)
              .Append(" -> ").Append(response.StatusCode).Append(' ').Append(response.ReasonPhrase)
              .Append(" (request id ").Append(response.RequestId ?? "none")
              .Append(", ").Append(((long)elapsed.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)).Append(" ms")
              .Append(", attempt ").Append(attempt).Append(" of ").Append(maxAttempts).Append(')');
            sb.Append("\n  request headers: ");
            bool first = true;
            foreach (var header in message.Headers)
            {
                if (!first) sb.Append("; ");
                first = false;
                sb.Append(header.Key).Append(": ").Append(IsSecretHeader(header.Key) ? SecretRedactor.Mask : string.Join(",", header.Value));
            }
            if (message.Content != null)
            {
                sb.Append("; Content-Type: ").Append(message.Content.Headers.ContentType);
                sb.Append("\n  request body: ");
                if (request.SensitiveBody) sb.Append("[redacted: contains credentials]");
                else sb.Append(Excerpt(request.Body, Redactor));
            }
            if (response.Headers.Contains("X-Subject-Token")) sb.Append("\n  response header X-Subject-Token: ").Append(SecretRedactor.Mask);
            if (response.StatusCode >= 300) sb.Append("\n  response body: ").Append(Excerpt(response.Body, Redactor));
            trace.Debug(Redactor.Scrub(sb.ToString()));
        }

        /// <summary>Scrubs first, then cuts, so a secret straddling the cut cannot leak its first characters.</summary>
        private static string Excerpt(byte[]? body, SecretRedactor redactor)
        {
            if (body == null || body.Length == 0) return "(empty)";
            const int max = 2048;
            string text = redactor.Scrub(Encoding.UTF8.GetString(body));
            return text.Length > max ? text.Substring(0, max) + "... (" + body.Length + " bytes)" : text;
        }

        internal static bool IsSecretHeader(string name) =>
            name.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Auth-Token", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Security-Token", StringComparison.OrdinalIgnoreCase)
            || name.Equals("X-Subject-Token", StringComparison.OrdinalIgnoreCase);

        private Uri EndpointOf(ApiRequest request) => request.Service == ApiService.Iam ? IamEndpoint : EvsEndpoint;

        private static string PathOf(ApiRequest request) => "/" + string.Join("/", request.Segments);

        private static string Describe(ApiRequest request) =>
            request.OperationSentence + " (" + request.Method.Method + " " + PathOf(request) + ")";

        private static string FirstSentence(EvsException failure)
        {
            string message = failure.Message;
            int colon = message.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 ? message.Substring(colon + 2) : message;
        }

        private static string? FirstHeader(HttpResponseHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

        /// <summary>True when the request certainly never reached the server (safe to send again, even a create).</summary>
        private static bool IsNotSent(Exception ex)
        {
            for (var e = ex; e != null; e = e.InnerException)
            {
                if (e is SocketException socket)
                {
                    switch (socket.SocketErrorCode)
                    {
                        case SocketError.ConnectionRefused:
                        case SocketError.HostNotFound:
                        case SocketError.HostUnreachable:
                        case SocketError.NetworkUnreachable:
                        case SocketError.TryAgain:
                        case SocketError.AddressNotAvailable:
                            return true;
                    }
                }
            }
            return false;
        }

        private static bool IsCertificateFailure(HttpRequestException ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is AuthenticationException) return true;
            }
            return false;
        }

        private static string InnermostMessage(Exception ex)
        {
            var e = ex;
            while (e.InnerException != null) e = e.InnerException;
            return e.Message;
        }

        public void Dispose() => _http.Dispose();

        private sealed class RequestTimeoutException : Exception
        {
        }
    }
}
