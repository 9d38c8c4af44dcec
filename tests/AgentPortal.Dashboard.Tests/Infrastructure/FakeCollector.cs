using System.Collections.Concurrent;
using AgentPortal.Core.Otlp.Proto.Collector;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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

    public string Url { get; private set; } = "";

    private int _requests;

    public static async Task<FakeCollector> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var collector = new FakeCollector(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            Interlocked.Increment(ref collector._requests);
            if (request.ContentType != "application/x-protobuf")
            {
                return Results.StatusCode(StatusCodes.Status415UnsupportedMediaType);
            }
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            if (collector.AnswerWith != StatusCodes.Status200OK)
            {
                return Results.StatusCode(collector.AnswerWith);
            }
            collector.Received.Enqueue(ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()));
            return Results.Bytes(new byte[0], "application/x-protobuf");
        });
        await app.StartAsync();
        collector.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/v1/traces";
        return collector;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
