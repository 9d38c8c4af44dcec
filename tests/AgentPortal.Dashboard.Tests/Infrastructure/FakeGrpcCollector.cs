using System.Collections.Concurrent;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Tests.Shared;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>
/// An OpenTelemetry collector's OTLP/gRPC traces receiver on 127.0.0.1 (HTTP/2 without TLS, as a
/// collector's port 4317 serves it): it keeps what it receives with the metadata it came with, and can
/// be told to fail with a gRPC status, as a collector that is down or overloaded does.
/// </summary>
public sealed class FakeGrpcCollector : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _calls;

    private FakeGrpcCollector(WebApplication app) => _app = app;

    public ConcurrentQueue<(ExportTraceServiceRequest Request, Metadata Headers)> Received { get; } = new();

    public int Calls => _calls;

    /// <summary>The status to fail with; <see cref="StatusCode.OK"/> accepts.</summary>
    public StatusCode AnswerWith { get; set; } = StatusCode.OK;

    /// <summary>When set, a failure carries a google.rpc.RetryInfo asking the client to wait this long.</summary>
    public TimeSpan? RetryDelay { get; set; }

    /// <summary>The address to configure, e.g. http://127.0.0.1:40123.</summary>
    public string Address { get; private set; } = "";

    public static async Task<FakeGrpcCollector> StartAsync()
    {
        var app = LoopbackApp.Create(builder =>
        {
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2));
            builder.Services.AddGrpc();
            builder.Services.AddSingleton<Receiver.Owner>();
        });
        var collector = new FakeGrpcCollector(app);
        app.Services.GetRequiredService<Receiver.Owner>().Collector = collector;
        app.MapGrpcService<Receiver>();
        collector.Address = await LoopbackApp.StartAsync(app);
        return collector;
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);

    private sealed class Receiver(Receiver.Owner owner) : TraceService.TraceServiceBase
    {
        public sealed class Owner
        {
            public FakeGrpcCollector? Collector { get; set; }
        }

        public override Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
        {
            var collector = owner.Collector!;
            Interlocked.Increment(ref collector._calls);
            if (collector.AnswerWith != StatusCode.OK)
            {
                var status = new Google.Rpc.Status { Code = (int)collector.AnswerWith, Message = "the collector is told to fail" };
                if (collector.RetryDelay is { } delay)
                {
                    status.Details.Add(Any.Pack(new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) }));
                }
                throw status.ToRpcException();
            }
            collector.Received.Enqueue((request, context.RequestHeaders));
            return Task.FromResult(new ExportTraceServiceResponse());
        }
    }
}
