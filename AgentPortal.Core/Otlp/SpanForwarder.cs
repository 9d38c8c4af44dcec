using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Health;
using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;
using Google.Rpc;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Otlp;

/// <summary>
/// Sends accepted spans on to an upstream OpenTelemetry collector over OTLP/HTTP protobuf or OTLP/gRPC
/// (<see cref="ForwardingOptions.Protocol"/>). The exports
/// received are forwarded as they came (same ids, attribute types and resources), through a bounded
/// queue with retry and backoff. It never slows ingestion: a full queue drops the export and counts it.
/// The OpenTelemetry exporter package cannot carry spans that were not recorded in this process
/// (their ids are fixed by the sender), so the messages are encoded with the portal's own OTLP classes.
/// </summary>
public sealed partial class SpanForwarder : BackgroundService, IDependencyCheck
{
    private readonly ForwardingOptions _options;
    private readonly Channel<ExportTraceServiceRequest> _queue;
    private readonly HttpClient _http;
    private readonly GrpcChannel? _channel;
    private readonly TraceService.TraceServiceClient? _grpc;
    private readonly Metadata _metadata = [];
    private readonly TimeProvider _time;
    private readonly ILogger<SpanForwarder> _logger;
    private long _forwardedSpans;
    private long _failedExports;
    private long _droppedExports;
    private long _retries;
    private string? _lastError;

    public SpanForwarder(IOptions<ForwardingOptions> options, TimeProvider time, ILogger<SpanForwarder> logger)
    {
        _options = options.Value;
        _time = time;
        _logger = logger;
        _queue = Channel.CreateBounded<ExportTraceServiceRequest>(new BoundedChannelOptions(_options.QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _http = new HttpClient { Timeout = s_timeout };
        if (_options.Enabled && _options.UsesGrpc)
        {
            // HTTP/2 (h2c for http://), opening more connections past a connection's stream limit.
            _channel = GrpcChannel.ForAddress(_options.Endpoint!, new GrpcChannelOptions { HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true } });
            _grpc = new TraceService.TraceServiceClient(_channel);
        }
        foreach (var (key, value) in _options.ParseHeaders())
        {
            if (_grpc is null)
            {
                _http.DefaultRequestHeaders.TryAddWithoutValidation(key, value);
            }
            else
            {
                _metadata.Add(key.ToLowerInvariant(), value);
            }
        }
    }

    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    public bool Enabled => _options.Enabled;

    public long ForwardedSpans => Interlocked.Read(ref _forwardedSpans);

    public long FailedExports => Interlocked.Read(ref _failedExports);

    public long DroppedExports => Interlocked.Read(ref _droppedExports);

    public long Retries => Interlocked.Read(ref _retries);

    public string Name => "otlp-forwarding";

    public bool Required => false;

    public bool Configured => Enabled;

    /// <summary>Queues an export without waiting; false (and counted) when the queue is full or forwarding is off.</summary>
    public bool TryForward(ExportTraceServiceRequest export)
    {
        if (!Enabled || export.ResourceSpans.Count == 0)
        {
            return false;
        }
        if (_queue.Writer.TryWrite(export))
        {
            return true;
        }
        Interlocked.Increment(ref _droppedExports);
        return false;
    }

    /// <summary>Forwards a span the portal made itself (the root span of an agent run).</summary>
    public bool TryForward(Telemetry.SpanRecord span)
    {
        if (!Enabled)
        {
            return false;
        }
        var proto = new Proto.Trace.Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(span.TraceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(span.SpanId)),
            Name = span.Name,
            Kind = (Proto.Trace.Span.Types.SpanKind)(int)span.Kind,
            StartTimeUnixNano = (ulong)span.StartTimeUnixNano,
            EndTimeUnixNano = (ulong)(span.StartTimeUnixNano + span.DurationNanos),
            Status = new Proto.Trace.Status { Code = (Proto.Trace.Status.Types.StatusCode)(int)span.Status, Message = span.StatusMessage ?? "" },
        };
        if (span.ParentSpanId is { } parent)
        {
            proto.ParentSpanId = ByteString.CopyFrom(Convert.FromHexString(parent));
        }
        foreach (var (key, value) in span.Attributes)
        {
            proto.Attributes.Add(new Proto.Common.KeyValue { Key = key, Value = new Proto.Common.AnyValue { StringValue = value } });
        }
        var resource = new Proto.Resource.Resource();
        resource.Attributes.Add(new Proto.Common.KeyValue { Key = "service.name", Value = new Proto.Common.AnyValue { StringValue = span.ServiceName ?? "agentportal" } });
        return TryForward(new ExportTraceServiceRequest
        {
            ResourceSpans = { new Proto.Trace.ResourceSpans { Resource = resource, ScopeSpans = { new Proto.Trace.ScopeSpans { Spans = { proto } } } } },
        });
    }

    public Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
    {
        var error = FailedExports + DroppedExports > 0
                ? $"{FailedExports} exports failed and {DroppedExports} were dropped since start (forwarded {ForwardedSpans} spans); last error: {_lastError ?? "none"}"
                : null;
        return Task.FromResult(new DependencyStatus(Name, error is null, Required, TimeSpan.Zero, error));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
        {
            return;
        }
        try
        {
            await foreach (var export in _queue.Reader.ReadAllAsync(stoppingToken))
            {
                await SendAsync(export, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still queued is not forwarded; the spans are stored in the portal.
        }
    }

    private async Task SendAsync(ExportTraceServiceRequest export, CancellationToken stoppingToken)
    {
        var body = _grpc is null ? export.ToByteArray() : null;
        var spans = export.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count));
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            var outcome = _grpc is null ? await SendHttpAsync(body!, stoppingToken) : await SendGrpcAsync(_grpc, export, stoppingToken);
            if (outcome.Failure is null)
            {
                Interlocked.Add(ref _forwardedSpans, spans);
                return;
            }

            _lastError = outcome.Failure;
            if (!outcome.Retryable || attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _failedExports);
                LogFailed(spans, attempt, outcome.Failure);
                return;
            }
            Interlocked.Increment(ref _retries);
            // A collector that says when to come back is waited for that long, within reason.
            await Task.Delay(outcome.RetryAfter is { } after && after > delay ? TimeSpan.FromTicks(Math.Min(after.Ticks, s_maxRetryDelay.Ticks)) : delay, _time, stoppingToken);
            delay *= 2;
        }
    }

    private static readonly TimeSpan s_maxRetryDelay = TimeSpan.FromSeconds(30);

    /// <summary>One attempt's result: no failure when the collector took the export.</summary>
    private readonly record struct Attempt(string? Failure, bool Retryable, TimeSpan? RetryAfter = null)
    {
        public static Attempt Sent => default;
    }

    private async Task<Attempt> SendHttpAsync(byte[] body, CancellationToken stoppingToken)
    {
        try
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using var response = await _http.PostAsync(_options.Endpoint, content, stoppingToken);
            if (response.IsSuccessStatusCode)
            {
                return Attempt.Sent;
            }
            var retryable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500;
            return new Attempt($"the collector answered {(int)response.StatusCode}", retryable, response.Headers.RetryAfter?.Delta);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
        {
            return new Attempt(ex.Message, Retryable: true);
        }
    }

    private async Task<Attempt> SendGrpcAsync(TraceService.TraceServiceClient client, ExportTraceServiceRequest export, CancellationToken stoppingToken)
    {
        try
        {
            await client.ExportAsync(export, _metadata, DateTime.UtcNow + s_timeout, stoppingToken);
            return Attempt.Sent;
        }
        catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
        {
            // The OTLP specification's retryable codes; RESOURCE_EXHAUSTED only when the server says when to retry.
            var retryInfo = ex.GetRpcStatus()?.GetDetail<RetryInfo>();
            var retryable = ex.StatusCode is StatusCode.Cancelled or StatusCode.DeadlineExceeded or StatusCode.Aborted or StatusCode.OutOfRange
                or StatusCode.Unavailable or StatusCode.DataLoss || (ex.StatusCode == StatusCode.ResourceExhausted && retryInfo is not null);
            return new Attempt($"the collector answered {ex.StatusCode}: {ex.Status.Detail}", retryable, retryInfo?.RetryDelay?.ToTimeSpan());
        }
    }

    public override void Dispose()
    {
        _channel?.Dispose();
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Spans} spans failed after {Attempts} attempts: {Reason}")]
    private partial void LogFailed(int spans, int attempts, string reason);
}
