using System.Net;
using System.Net.Http.Headers;
using System.Threading.Channels;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Health;
using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Otlp;

/// <summary>
/// Sends accepted spans on to an upstream OpenTelemetry collector over OTLP/HTTP protobuf. The exports
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
        _http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        foreach (var (key, value) in _options.ParseHeaders())
        {
            _http.DefaultRequestHeaders.TryAddWithoutValidation(key, value);
        }
    }

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
        var body = export.ToByteArray();
        var spans = export.ResourceSpans.Sum(r => r.ScopeSpans.Sum(s => s.Spans.Count));
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            string? failure;
            bool retryable;
            try
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
                using var response = await _http.PostAsync(_options.Endpoint, content, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    Interlocked.Add(ref _forwardedSpans, spans);
                    return;
                }
                failure = $"the collector answered {(int)response.StatusCode}";
                retryable = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                failure = ex.Message;
                retryable = true;
            }

            _lastError = failure;
            if (!retryable || attempt >= _options.MaxAttempts)
            {
                Interlocked.Increment(ref _failedExports);
                LogFailed(spans, attempt, failure);
                return;
            }
            Interlocked.Increment(ref _retries);
            await Task.Delay(delay, _time, stoppingToken);
            delay *= 2;
        }
    }

    public override void Dispose()
    {
        _http.Dispose();
        base.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Forwarding {Spans} spans failed after {Attempts} attempts: {Reason}")]
    private partial void LogFailed(int spans, int attempts, string reason);
}
