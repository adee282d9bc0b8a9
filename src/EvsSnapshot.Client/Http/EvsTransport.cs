using System;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Errors;

namespace EvsSnapshot.Client.Http
{
    /// <summary>
    /// HTTP for one client: one pooled HttpClient, authentication, and the send loop. What to do after an attempt
    /// is the <see cref="ResponseClassifier"/>'s verdict; how long to wait, the <see cref="RetryPolicy"/>'s; the
    /// -Debug line, the <see cref="ExchangeTracer"/>'s. Every call of the client goes through <see cref="SendAsync{T}"/>.
    /// </summary>
    /// <summary>An explicit forward proxy and its credentials.</summary>
    internal sealed class ProxySettings
    {
        public ProxySettings(Uri address, NetworkCredential? credential)
        {
            Address = address;
            Credential = credential;
        }

        public Uri Address { get; }
        public NetworkCredential? Credential { get; }
    }

    internal sealed class EvsTransport : IDisposable
    {
        public const long DefaultMaxResponseBytes = 32L * 1024 * 1024;
        private static readonly byte[] NoBody = new byte[0];
        private static readonly MediaTypeHeaderValue JsonContentType = new MediaTypeHeaderValue("application/json");

        private readonly HttpClient _http;
        private readonly ExchangeTracer _tracer;
        private long _requestCount;

        public EvsTransport(Uri evsEndpoint, Uri iamEndpoint, RetryOptions retry, bool skipCertificateCheck, HttpMessageHandler? handler = null, TimeProvider? time = null,
            ProxySettings? proxy = null)
        {
            EvsEndpoint = evsEndpoint;
            IamEndpoint = iamEndpoint;
            Time = time ?? TimeProvider.System;
            Retry = new RetryPolicy(retry, Time);
            _tracer = new ExchangeTracer(Redactor);
            _http = new HttpClient(handler ?? CreateHandler(skipCertificateCheck, proxy), disposeHandler: true)
            {
                Timeout = Timeout.InfiniteTimeSpan, // per-request timeouts are ours, so retries and Ctrl+C stay in control
            };
            _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("EvsSnapshot", typeof(EvsTransport).Assembly.GetName().Version?.ToString(3) ?? "0"));
            _http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        }

        public Uri EvsEndpoint { get; }
        public Uri IamEndpoint { get; }
        public TimeProvider Time { get; }
        public RetryPolicy Retry { get; }
        public AuthProvider? Auth { get; set; }
        public SecretRedactor Redactor { get; } = new SecretRedactor();
        public long MaxResponseBytes { get; set; } = DefaultMaxResponseBytes;

        /// <summary>HTTP requests sent through this transport (all attempts).</summary>
        public long RequestCount => Interlocked.Read(ref _requestCount);

        /// <summary>
        /// The handler: without an explicit proxy, HttpClientHandler uses the system proxy (UseProxy is true by
        /// default: on .NET 8+ HTTP(S)_PROXY/ALL_PROXY/NO_PROXY on Linux and macOS, the WinINET settings on
        /// Windows; on .NET Framework the Internet Options proxy).
        /// </summary>
        private static HttpMessageHandler CreateHandler(bool skipCertificateCheck, ProxySettings? proxy)
        {
            var handler = new HttpClientHandler
            {
                AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate,
                UseCookies = false,
                AllowAutoRedirect = false,
                // .NET Framework defaults to 2 connections per host, which would serialize -ThrottleLimit on 5.1.
                MaxConnectionsPerServer = 256,
            };
            if (proxy != null)
            {
                // Every request goes through it, loopback destinations included (BypassProxyOnLocal false).
                handler.Proxy = new WebProxy(proxy.Address, false) { Credentials = proxy.Credential };
                handler.UseProxy = true;
            }
            if (skipCertificateCheck)
            {
                handler.ServerCertificateCustomValidationCallback = (message, certificate, chain, errors) => true;
            }
            return handler;
        }

        /// <summary>Sends until the answer is good, the failure is final, or the retry budget is spent.</summary>
        public async Task<T> SendAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, CallScope call, RetryState? state = null)
        {
            state ??= new RetryState();
            bool authRecovered = false;
            while (true)
            {
                call.CancellationToken.ThrowIfCancellationRequested();
                state.Attempts++;
                var attempt = await AttemptAsync(request, parse, call, state.Attempts).ConfigureAwait(false);
                if (attempt.Verdict.Kind == VerdictKind.Success)
                {
                    call.Gate?.OnSuccess();
                    return attempt.Result!;
                }
                if (!authRecovered && await TryRecoverAuthAsync(request, attempt, call).ConfigureAwait(false))
                {
                    authRecovered = true; // once per call: a second 401 is final, so a wrong fix can never loop
                    state.Attempts--;
                    continue;
                }
                if (attempt.Verdict.Throttled) LowerConcurrency(call);
                switch (ResponseClassifier.Resolve(attempt.Verdict, request.Idempotent))
                {
                    case VerdictKind.Fail: throw attempt.Failure!;
                    case VerdictKind.Ambiguous: throw new AmbiguousOutcomeException(attempt.Failure!);
                }
                if (request.SingleAttempt) throw attempt.Failure!;
                var delay = await WaitBeforeRetryAsync(request, attempt.Failure!, attempt.Verdict.Throttled, attempt.ServerDelay, state, call).ConfigureAwait(false);
                if (delay == null) throw attempt.Failure!;
            }
        }

        /// <summary>Waits the backoff for the next attempt, or returns null when the attempt or time budget is spent.</summary>
        internal async Task<TimeSpan?> WaitBeforeRetryAsync(ApiRequest request, EvsException failure, bool throttled, TimeSpan? serverDelay, RetryState state, CallScope call)
        {
            var decision = Retry.Decide(state, throttled, serverDelay);
            if (decision.Delay == null)
            {
                if (Retry.Options.MaxRetryCount > 0) call.Trace.Verbose($"Giving up: {Describe(request)} {decision.GiveUpReason}.");
                return null;
            }
            var delay = decision.Delay.Value;
            call.Trace.Verbose(string.Format(System.Globalization.CultureInfo.InvariantCulture,
                "{0} failed: {1} Retrying: attempt {2} of {3} in {4:0.00} s{5}.",
                Describe(request), FirstSentence(failure), state.Attempts + 1, Retry.MaxAttempts, delay.TotalSeconds,
                serverDelay != null ? " (as the server's Retry-After asks)" : string.Empty));
            await Retry.WaitAsync(delay, call.CancellationToken).ConfigureAwait(false);
            state.Waited += delay;
            return delay;
        }

        /// <summary>One attempt: send, read, parse, and the verdict with the error it would be reported as.</summary>
        private async Task<Attempt<T>> AttemptAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, CallScope call, int attempt)
        {
            ApiResponse response;
            try
            {
                response = await SendOnceAsync(request, call, attempt).ConfigureAwait(false);
            }
            catch (Exception ex) when (!(ex is OperationCanceledException && call.CancellationToken.IsCancellationRequested)
                                       && ResponseClassifier.ForException(ex) is Verdict verdict)
            {
                return new Attempt<T>(verdict, TransportErrors.From(ex, verdict, request, EndpointOf(request), TimeoutOf(request), Redactor));
            }

            var status = ResponseClassifier.ForStatus(response.StatusCode);
            if (status.Kind == VerdictKind.Success)
            {
                try
                {
                    return new Attempt<T>(parse(response));
                }
                catch (Exception ex) when (ex is System.Text.Json.JsonException || ex is FormatException || ex is InvalidDataException)
                {
                    return new Attempt<T>(ResponseClassifier.ForUnreadableAnswer(), TransportErrors.Unreadable(ex, request, response), response);
                }
            }
            var error = ApiErrorParser.ToException(request, response, Redactor, request.Authenticate ? AuthOf(request) : request.Auth);
            var serverDelay = status.Kind == VerdictKind.Fail ? null : RetryPolicy.RetryAfter(response.Headers, Time.GetUtcNow());
            return new Attempt<T>(status, error, response, serverDelay);
        }

        private async Task<bool> TryRecoverAuthAsync<T>(ApiRequest request, Attempt<T> attempt, CallScope call) =>
            attempt.Response?.StatusCode == 401 && request.Authenticate && AuthOf(request) is AuthProvider auth && attempt.Failure is EvsApiException apiError
            && await auth.TryRecoverAsync(apiError, attempt.Response, attempt.Response.SignedWith, call).ConfigureAwait(false);

        private AuthProvider? AuthOf(ApiRequest request) => request.Auth ?? Auth;

        private static void LowerConcurrency(CallScope call)
        {
            if (call.Gate?.OnThrottled() is int lowered)
            {
                call.Trace.Verbose($"The API is throttling (429): at most {lowered} request(s) in flight now; the limit rises again as requests succeed.");
            }
        }

        private async Task<ApiResponse> SendOnceAsync(ApiRequest request, CallScope call, int attempt)
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
                foreach (var header in request.Headers) message.Headers.TryAddWithoutValidation(header.Key, header.Value);
                AppliedCredential? applied = null;
                using (call.Gate == null ? null : await call.Gate.EnterAsync(call.CancellationToken).ConfigureAwait(false))
                {
                    if (request.Authenticate && AuthOf(request) is AuthProvider auth)
                    {
                        // Signed per attempt, after the gate: a request that waited or is retried carries the credential of now.
                        applied = await auth.ApplyAsync(message, body, new RequestTarget(uri, request.LogicalPath(endpoint), request.Query, request.Service), call).ConfigureAwait(false);
                    }
                    using (var deadline = Time.CreateCancellationTokenSource(TimeoutOf(request)))
                    using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(call.CancellationToken, deadline.Token))
                    {
                        var watch = Stopwatch.StartNew();
                        Interlocked.Increment(ref _requestCount);
                        try
                        {
                            using (var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false))
                            {
                                byte[] content = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
                                string? requestId = FirstHeader(response.Headers, "X-Request-Id") ?? FirstHeader(response.Headers, "X-Openstack-Request-Id");
                                var result = new ApiResponse((int)response.StatusCode, response.ReasonPhrase ?? string.Empty, content, response.Headers, requestId) { SignedWith = applied };
                                _tracer.Trace(call.Trace, request, message, uri, result, watch.Elapsed, attempt, Retry.MaxAttempts);
                                return result;
                            }
                        }
                        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !call.CancellationToken.IsCancellationRequested)
                        {
                            _tracer.TraceNoAnswer(call.Trace, request, uri, watch.Elapsed, attempt, Retry.MaxAttempts);
                            throw new RequestTimeoutException();
                        }
                        catch (Exception ex) when (ex is HttpRequestException || ex is IOException)
                        {
                            _tracer.TraceFailure(call.Trace, request, uri, watch.Elapsed, ex, attempt, Retry.MaxAttempts);
                            throw;
                        }
                    }
                }
            }
        }

        /// <summary>Reads the body, refusing more than <see cref="MaxResponseBytes"/> whether or not a length is declared.</summary>
        private async Task<byte[]> ReadBodyAsync(HttpResponseMessage response, CancellationToken cancellationToken)
        {
            long? declared = response.Content.Headers.ContentLength;
            if (declared > MaxResponseBytes)
            {
                throw new ResponseTooLargeException($"The answer is {declared} bytes, more than the {MaxResponseBytes}-byte limit.");
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
                        throw new ResponseTooLargeException($"The answer is larger than the {MaxResponseBytes}-byte limit.");
                    }
                    buffer.Write(chunk, 0, read);
                }
                return buffer.ToArray();
            }
        }

        private Uri EndpointOf(ApiRequest request) => request.Endpoint ?? (request.Service == ApiService.Iam ? IamEndpoint : EvsEndpoint);

        private TimeSpan TimeoutOf(ApiRequest request) => request.Timeout ?? Retry.Options.RequestTimeout;

        private static string Describe(ApiRequest request) => request.OperationSentence + " (" + request.Method.Method + " " + request.PathText + ")";

        private static string FirstSentence(EvsException failure)
        {
            string message = failure.Message;
            int colon = message.IndexOf(": ", StringComparison.Ordinal);
            return colon > 0 ? message.Substring(colon + 2) : message;
        }

        private static string? FirstHeader(HttpResponseHeaders headers, string name) =>
            headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;

        public void Dispose() => _http.Dispose();

        /// <summary>What one attempt produced: a result, or a verdict with the error to report.</summary>
        private sealed class Attempt<T>
        {
            public Attempt(T result)
            {
                Result = result;
                Verdict = new Verdict(VerdictKind.Success, "ok");
            }

            public Attempt(Verdict verdict, EvsException failure, ApiResponse? response = null, TimeSpan? serverDelay = null)
            {
                Verdict = verdict;
                Failure = failure;
                Response = response;
                ServerDelay = serverDelay;
            }

            public T? Result { get; }
            public Verdict Verdict { get; }
            public EvsException? Failure { get; }
            public ApiResponse? Response { get; }
            public TimeSpan? ServerDelay { get; }
        }
    }
}
