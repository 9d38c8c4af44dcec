using System.Collections.Concurrent;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Tests.Shared;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>
/// An OpenTelemetry collector's OTLP/HTTP traces receiver on 127.0.0.1: it keeps what it receives,
/// and can be told to fail, as a collector that is down or overloaded does.
/// </summary>
public sealed class FakeCollector : IAsyncDisposable
{
    private readonly WebApplication _app;

    private FakeCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<ExportTraceServiceRequest> Received { get; } = new();

    public int Requests => _requests;

    /// <summary>The status to answer with; 200 accepts.</summary>
    public int AnswerWith { get; set; } = StatusCodes.Status200OK;

    /// <summary>When set, a failure answer carries <c>Retry-After</c> with this many seconds.</summary>
    public int? RetryAfterSeconds { get; set; }

    /// <summary>When each request came, to see how long the sender waited between attempts.</summary>
    public ConcurrentQueue<DateTimeOffset> RequestTimes { get; } = new();

    public string Url { get; private set; } = "";

    private int _requests;

    public static async Task<FakeCollector> StartAsync()
    {
        var app = LoopbackApp.Create();
        var collector = new FakeCollector(app);
        app.MapPost("/v1/traces", async (HttpRequest request, HttpResponse response) =>
        {
            collector.RequestTimes.Enqueue(DateTimeOffset.UtcNow);
            Interlocked.Increment(ref collector._requests);
            if (request.ContentType != "application/x-protobuf")
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (collector.AnswerWith != StatusCodes.Status200OK)
            {
                if (collector.RetryAfterSeconds is { } seconds)
                {
                    response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                }
                return Results.StatusCode(collector.AnswerWith);
            }
            collector.Received.Enqueue(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
            return Results.Bytes(new byte[0], "application/x-protobuf");
        });
        collector.Url = await LoopbackApp.StartAsync(app) + "/v1/traces";
        return collector;
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
