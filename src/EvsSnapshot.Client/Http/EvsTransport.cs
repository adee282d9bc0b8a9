using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using EvsSnapshot.Client.Auth;
using EvsSnapshot.Client.Errors;
using EvsSnapshot.Client.Http.Pacing;

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
        private readonly PacerRegistry _pacers;
        private PacerSet? _pacerSet;
        private long _requestCount;

        public EvsTransport(Uri evsEndpoint, Uri iamEndpoint, RetryOptions retry, bool skipCertificateCheck, HttpMessageHandler? handler = null, TimeProvider? time = null,
            ProxySettings? proxy = null, PacerRegistry? pacers = null, RateCap? rateCap = null)
        {
            EvsEndpoint = evsEndpoint;
            IamEndpoint = iamEndpoint;
            Time = time ?? TimeProvider.System;
            _pacers = pacers ?? PacerRegistry.Shared;
            RateCap = rateCap;
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

        /// <summary>The context's -MaxRequestRate (null: none); a caller's own cap replaces it.</summary>
        public RateCap? RateCap { get; }

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

        /// <summary>
        /// Sends until the answer is good, the failure is final, or a budget is spent. A throttled request (429) is
        /// not a failed attempt: it waits for the pacer and is sent again for as long as the gateway lets some
        /// request of its budget through (<see cref="ThrottleWaitAsync"/>).
        /// </summary>
        public async Task<T> SendAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, CallScope call, RetryState? state = null)
        {
            state ??= new RetryState();
            var pacer = PacerFor(request);
            var started = pacer.Now;
            bool authRecovered = false;
            while (true)
            {
                call.CancellationToken.ThrowIfCancellationRequested();
                state.Attempts++;
                var attempt = await AttemptAsync(request, parse, call, state.Attempts, pacer).ConfigureAwait(false);
                if (attempt.Verdict.Throttled)
                {
                    state.Attempts--;
                    if (!await ThrottleWaitAsync(request, attempt.Failure!, attempt.SentAt, attempt.ServerDelay, pacer, started, call).ConfigureAwait(false)) throw attempt.Failure!;
                    continue;
                }
                if (attempt.Verdict.Kind == VerdictKind.Success || attempt.Response != null) Report(call, pacer.OnAdmitted()); // the gateway let it through
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
                if (attempt.Verdict.Overloaded) LowerConcurrency(call, attempt.Verdict);
                switch (ResponseClassifier.Resolve(attempt.Verdict, request.Idempotent))
                {
                    case VerdictKind.Fail: throw attempt.Failure!;
                    case VerdictKind.Ambiguous: throw new AmbiguousOutcomeException(attempt.Failure!);
                }
                if (request.SingleAttempt) throw attempt.Failure!;
                var delay = await WaitBeforeRetryAsync(request, attempt.Failure!, attempt.ServerDelay, state, call).ConfigureAwait(false);
                if (delay == null) throw attempt.Failure!;
            }
        }

        /// <summary>Waits the backoff for the next attempt, or returns null when the attempt or time budget is spent.</summary>
        internal async Task<TimeSpan?> WaitBeforeRetryAsync(ApiRequest request, EvsException failure, TimeSpan? serverDelay, RetryState state, CallScope call)
        {
            var decision = Retry.Decide(state, serverDelay);
            if (decision.Delay == null)
            {
                if (Retry.Options.MaxRetryCount > 0) call.Trace.Verbose($"Giving up: {Describe(request)} {decision.GiveUpReason}.");
                return null;
            }
            var delay = decision.Delay.Value;
            call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture,
                "{0} failed: {1} Retrying: attempt {2} of {3} in {4:0.00} s{5}.",
                Describe(request), FirstSentence(failure), state.Attempts + 1, Retry.MaxAttempts, delay.TotalSeconds,
                serverDelay != null ? " (as the server's Retry-After asks)" : string.Empty));
            await Retry.WaitAsync(delay, call.CancellationToken).ConfigureAwait(false);
            state.Waited += delay;
            return delay;
        }

        /// <summary>
        /// After a 429: tells the pacer the policy and any Retry-After (it lowered the rate on the status line already),
        /// then decides whether to send again. It gives up only when no request of this budget has got through for the
        /// retry time budget (at least a quarter more than the policy's window, which a spent window may need to turn) since this call
        /// started, or when the server's Retry-After would take it past that.
        /// </summary>
        private async Task<bool> ThrottleWaitAsync(ApiRequest request, EvsException failure, TimeSpan sentAt, TimeSpan? serverDelay, RatePacer pacer, TimeSpan started, CallScope call)
        {
            var policy = ThrottlePolicy.Parse((failure as EvsApiException)?.ApiMessage);
            Report(call, pacer.OnThrottled(sentAt, policy, serverDelay, seen: true));
            var budget = Retry.Options.MaxTotalDelay;
            var windowBudget = TimeSpan.FromTicks(pacer.PolicyWindow.Ticks / 4 * 5);
            if (windowBudget > budget) budget = windowBudget;
            var admitted = pacer.LastAdmittedAt;
            var stalled = pacer.Now - (admitted > started ? admitted.Value : started);
            var wait = serverDelay ?? TimeSpan.Zero;
            if (stalled + wait >= budget)
            {
                call.Trace.Verbose(serverDelay != null && wait >= budget
                    ? string.Format(CultureInfo.InvariantCulture, "Giving up: {0} was throttled and the next wait ({1:0.0} s) would exceed the retry time budget of {2:0} s.", Describe(request), wait.TotalSeconds, budget.TotalSeconds)
                    : string.Format(CultureInfo.InvariantCulture, "Giving up: {0} was throttled, and no {1} request has got through for {2:0.0} s (the retry time budget is {3:0} s).", Describe(request), pacer.Calls, stalled.TotalSeconds, budget.TotalSeconds));
                return false;
            }
            if (call.Notices.TryReport(Time.GetUtcNow(), out int suppressed))
            {
                call.Trace.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} was throttled (429): sending it again {1}{2}.",
                    Describe(request),
                    serverDelay != null ? string.Format(CultureInfo.InvariantCulture, "in {0:0.00} s at the earliest (as the server's Retry-After asks)", wait.TotalSeconds) : "when the pacer allows (a throttled request is not a failed attempt)",
                    suppressed > 0 ? string.Format(CultureInfo.InvariantCulture, "; {0} more throttled since the last such message", suppressed) : string.Empty));
            }
            await Task.Yield(); // the pacer holds the next turn; the re-send waits for it like any request
            return true;
        }

        private static void Report(CallScope call, PacerChange? change)
        {
            if (change != null) call.Trace.Verbose(PacerMessages.Describe(change));
        }

        /// <summary>One attempt: send, read, parse, and the verdict with the error it would be reported as.</summary>
        private async Task<Attempt<T>> AttemptAsync<T>(ApiRequest request, Func<ApiResponse, T> parse, CallScope call, int attempt, RatePacer pacer)
        {
            ApiResponse response;
            try
            {
                response = await SendOnceAsync(request, call, attempt, pacer).ConfigureAwait(false);
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
                    return new Attempt<T>(ResponseClassifier.ForUnreadableAnswer(), TransportErrors.Unreadable(ex, request, response, Redactor), response);
                }
            }
            var error = ApiErrorParser.ToException(request, response, Redactor, request.Authenticate ? AuthOf(request) : request.Auth);
            var serverDelay = status.Kind == VerdictKind.Fail ? null : RetryPolicy.RetryAfter(response.Headers, Time.GetUtcNow());
            return new Attempt<T>(status, error, response, serverDelay) { SentAt = response.SentAt };
        }

        private async Task<bool> TryRecoverAuthAsync<T>(ApiRequest request, Attempt<T> attempt, CallScope call) =>
            attempt.Response?.StatusCode == 401 && request.Authenticate && AuthOf(request) is AuthProvider auth && attempt.Failure is EvsApiException apiError
            && await auth.TryRecoverAsync(apiError, attempt.Response, attempt.Response.SignedWith, call).ConfigureAwait(false);

        private AuthProvider? AuthOf(ApiRequest request) => request.Auth ?? Auth;

        private static void LowerConcurrency(CallScope call, Verdict verdict)
        {
            if (call.Gate?.OnOverloaded() is int lowered)
            {
                call.Trace.Verbose($"The service is overloaded ({verdict.Reason}): at most {lowered} request(s) in flight now; the limit rises again as requests succeed.");
            }
        }

        /// <summary>
        /// The pacer of the budget this request counts against: its credential, endpoint, service and class. Cached
        /// for the current credential (a refreshed credential with a new key gets its own pacers).
        /// </summary>
        private RatePacer PacerFor(ApiRequest request)
        {
            string key = AuthOf(request)?.CredentialKey ?? "anonymous";
            var set = _pacerSet;
            if (set == null || !string.Equals(set.Key, key, StringComparison.Ordinal))
            {
                set = new PacerSet(key);
                _pacerSet = set;
            }
            int slot = (request.Service == ApiService.Iam ? 2 : 0) + (request.Method == HttpMethod.Get ? 0 : 1);
            return set.Pacers[slot] ??= _pacers.For(key, EndpointOf(request), request.Service,
                request.Method == HttpMethod.Get ? RequestClass.Read : RequestClass.Write, Time);
        }

        /// <summary>The rates Get-EvsContext shows: this credential's EVS write and read budgets.</summary>
        public RequestRate[] DescribeRates()
        {
            string key = Auth?.CredentialKey ?? "anonymous";
            return new[]
            {
                _pacers.For(key, EvsEndpoint, ApiService.Evs, RequestClass.Write, Time).Describe(),
                _pacers.For(key, EvsEndpoint, ApiService.Evs, RequestClass.Read, Time).Describe(),
            };
        }

        /// <summary>
        /// Waits for a turn of the budget's pacer, then for a slot of the caller's gate, then for the user's cap; returns
        /// the slot. The turn comes first, so a request waiting for a turn never holds a slot a request of another
        /// budget (a waiter's poll) could use; a turn granted before the pacer slowed down (while this request waited
        /// for its slot) is stale and taken again, so an unpaced backlog cannot burst out after the first 429. The cap
        /// comes last, right before sending, so its rate holds exactly.
        /// </summary>
        private async Task<IDisposable?> WaitToSendAsync(RatePacer pacer, CallScope call)
        {
            var cancellationToken = call.CancellationToken;
            while (true)
            {
                await pacer.WaitTurnAsync(cancellationToken).ConfigureAwait(false);
                long decreases = pacer.Decreases;
                var slot = call.Gate == null ? null : await call.Gate.EnterAsync(cancellationToken).ConfigureAwait(false);
                if (pacer.Decreases != decreases)
                {
                    slot?.Dispose();
                    continue;
                }
                var cap = call.RateCap ?? RateCap;
                if (cap == null) return slot;
                try
                {
                    await cap.WaitTurnAsync(cancellationToken).ConfigureAwait(false);
                    return slot;
                }
                catch
                {
                    slot?.Dispose();
                    throw;
                }
            }
        }

        private sealed class PacerSet
        {
            public PacerSet(string key) { Key = key; }
            public string Key { get; }
            public RatePacer?[] Pacers { get; } = new RatePacer?[4];
        }

        private async Task<ApiResponse> SendOnceAsync(ApiRequest request, CallScope call, int attempt, RatePacer pacer)
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
                using (await WaitToSendAsync(pacer, call).ConfigureAwait(false))
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
                        var sentAt = pacer.OnSent();
                        try
                        {
                            using (var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false))
                            {
                                // Still holding the slot: the request it goes to next must find the budget paced.
                                if ((int)response.StatusCode == 429) pacer.OnThrottleSeen(sentAt);
                                byte[] content = await ReadBodyAsync(response, timeout.Token).ConfigureAwait(false);
                                string? requestId = FirstHeader(response.Headers, "X-Request-Id") ?? FirstHeader(response.Headers, "X-Openstack-Request-Id");
                                var result = new ApiResponse((int)response.StatusCode, response.ReasonPhrase ?? string.Empty, content, response.Headers, requestId) { SignedWith = applied, SentAt = sentAt };
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

            /// <summary>When the request went out, on its pacer's clock.</summary>
            public TimeSpan SentAt { get; set; }
            public EvsException? Failure { get; }
            public ApiResponse? Response { get; }
            public TimeSpan? ServerDelay { get; }
        }
    }
}
