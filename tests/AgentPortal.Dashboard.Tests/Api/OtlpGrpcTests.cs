using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>
/// OTLP/gRPC: the OpenTelemetry .NET SDK's gRPC exporter against the real portal process, and the
/// failure cases as raw gRPC calls (length-prefixed protobuf over HTTP/2, the status in the trailers).
/// </summary>
public class OtlpGrpcTests
{
    [Fact]
    public async Task OpenTelemetrySdk_OverGrpc_DeliversSpansThatCountInTheAgentsStats()
    {
        var (portal, grpcPort) = await StartWithGrpcAsync();
        await using var _ = portal;
        Assert.Contains($"OTLP/gRPC: http://127.0.0.1:{grpcPort}", portal.Output);
        using var client = ApiClient(portal);
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "grpc-agent", type = "custom" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString()!;

        var source = new ActivitySource("agentportal.tests.grpc-" + Guid.NewGuid().ToString("N")[..6]);
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("grpc-service"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri($"http://127.0.0.1:{grpcPort}");
                options.Protocol = OtlpExportProtocol.Grpc;
                options.Headers = $"Authorization=Bearer {PortalAppFactory.IngestKey}";
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            for (var i = 0; i < 3; i++)
            {
                using var call = source.StartActivity("chat gpt-4o", ActivityKind.Client)!;
                call.SetTag("gen_ai.operation.name", "chat");
                call.SetTag("gen_ai.request.model", "gpt-4o");
                call.SetTag("gen_ai.agent.id", agentId);
                call.SetTag("gen_ai.usage.input_tokens", 100L);
                call.SetTag("gen_ai.usage.output_tokens", 10L);
            }
            Assert.True(tracing.ForceFlush(10_000));
        }

        using var stats = JsonDocument.Parse(await client.GetStringAsync($"/agents/{agentId}/stats"));
        Assert.Equal(3, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(300, stats.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task OpenTelemetrySdk_AnAgentThatSpeaksOnlyOpenTelemetry_GetsItsRunsFromItsRootSpans()
    {
        var (portal, grpcPort) = await StartWithGrpcAsync();
        await using var _ = portal;
        using var client = ApiClient(portal);

        // The SDK's default batch processor; nothing here talks to the portal's own API.
        var source = new ActivitySource("agentportal.tests.otel-only-" + Guid.NewGuid().ToString("N")[..6]);
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("concierge"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri($"http://127.0.0.1:{grpcPort}");
                options.Protocol = OtlpExportProtocol.Grpc;
                options.Headers = $"Authorization=Bearer {PortalAppFactory.IngestKey}";
            })
            .Build())
        {
            foreach (var fails in new[] { false, true })
            {
                using var run = source.StartActivity("invoke_agent concierge", ActivityKind.Internal, parentContext: default)!;
                run.SetTag("gen_ai.operation.name", "invoke_agent");
                run.SetTag("input.value", fails ? "book a table" : "find a hotel");
                using (var call = source.StartActivity("chat gpt-4o", ActivityKind.Client)!)
                {
                    call.SetTag("gen_ai.operation.name", "chat");
                    call.SetTag("gen_ai.request.model", "gpt-4o");
                    call.SetTag("gen_ai.usage.input_tokens", 30L);
                    if (fails)
                    {
                        call.SetStatus(ActivityStatusCode.Error, "upstream timeout");
                    }
                }
                if (fails)
                {
                    run.SetStatus(ActivityStatusCode.Error, "gave up");
                }
            }
            Assert.True(tracing.ForceFlush(10_000));
        }

        using var agents = JsonDocument.Parse(await client.GetStringAsync("/agents?search=concierge"));
        var agentId = agents.RootElement.GetProperty("items")[0].GetProperty("id").GetString()!;
        using var stats = JsonDocument.Parse(await client.GetStringAsync($"/agents/{agentId}/stats"));
        var s = stats.RootElement;
        Assert.Equal((2L, 1L, 2L, 1L), (s.GetProperty("runs").GetInt64(), s.GetProperty("errors").GetInt64(), s.GetProperty("llm_calls").GetInt64(), s.GetProperty("llm_errors").GetInt64()));
        using var runs = JsonDocument.Parse(await client.GetStringAsync($"/agents/{agentId}/traces?status=error"));
        var failed = Assert.Single(runs.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("gave up", "book a table", 1L), (failed.GetProperty("error").GetString(), failed.GetProperty("input").GetString(), failed.GetProperty("llm_calls").GetInt64()));
    }

    [Fact]
    public async Task ManyLargeExportsAtOnce_OnOneConnection_AreAllStored()
    {
        // As a collector with many export workers sends: large messages in parallel streams of one HTTP/2
        // connection, together far over its 1 MiB flow-control window. Found by bench --only otlp: while
        // the message check held the bodies unread in the request pipe, Kestrel closed the connection
        // with FLOW_CONTROL_ERROR, and every export on it failed.
        var (portal, grpcPort) = await StartWithGrpcAsync();
        await using var _ = portal;
        // As Grpc.Net.Client sets up its handler.
        using var grpc = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }) { BaseAddress = new Uri($"http://127.0.0.1:{grpcPort}"), Timeout = TimeSpan.FromMinutes(1) };
        // Each export names its own agent, so the first ones wait for registration while the rest arrive.
        var exports = Enumerable.Range(0, 64).Select(i => Export([.. Enumerable.Range(0, 1_000).Select(_ =>
        {
            var span = ValidSpan();
            span.Attributes.Add(new KeyValue { Key = "metadata.agent_id", Value = new AnyValue { StringValue = $"grpc-window-agent-{i}" } });
            span.Attributes.Add(new KeyValue { Key = "gen_ai.prompt", Value = new AnyValue { StringValue = new string('p', 200) } });
            return span;
        })])).ToList();
        Assert.True(exports.Take(8).Sum(e => e.CalculateSize()) > 2 * 1024 * 1024);

        var replies = (await Task.WhenAll(Enumerable.Range(0, 32).Select(async worker =>
        {
            var mine = new List<OtlpGrpcReply>();
            for (var round = 0; round < 2; round++)
            {
                mine.Add(await ExportAsync(grpc, exports[worker * 2 + round], PortalAppFactory.IngestKey));
            }
            return mine;
        }))).SelectMany(r => r).ToList();

        Assert.All(replies, reply => Assert.Equal((0, ""), (reply.Status, reply.Message)));
        using var api = ApiClient(portal);
        foreach (var export in exports.Take(3))
        {
            var last = export.ResourceSpans[0].ScopeSpans[0].Spans[^1];
            Assert.Equal(HttpStatusCode.OK, (await api.GetAsync($"/traces/{Convert.ToHexStringLower(last.TraceId.Span)}")).StatusCode);
        }
    }

    [Fact]
    public async Task WithoutAKey_OrWithAWrongOne_IsUnauthenticated_AndNothingIsStored()
    {
        using var app = new PortalAppFactory();
        var http = app.CreateClient();

        var missing = await ExportAsync(http, Export(ValidSpan()), key: null);
        var wrong = await ExportAsync(http, Export(ValidSpan()), key: "ap_notARealKey0123456789abcdefXYZ");

        Assert.Equal((16, true), (missing.Status, missing.Message.Contains("API key", StringComparison.Ordinal)));
        Assert.Equal(16, wrong.Status);
    }

    [Fact]
    public async Task ValidAndInvalidSpans_StoreTheValidOnes_AndReportThePartialSuccess_GzipToo()
    {
        using var app = new PortalAppFactory();
        var http = app.CreateClient();
        var good = ValidSpan();
        var bad = ValidSpan();
        bad.TraceId = ByteString.CopyFrom(new byte[3]);

        var reply = await ExportAsync(http, Export(good, bad), PortalAppFactory.IngestKey, gzip: true);

        Assert.Equal(0, reply.Status);
        var response = ExportTraceServiceResponse.Parser.ParseFrom(reply.Body);
        Assert.Equal(1, response.PartialSuccess.RejectedSpans);
        Assert.Contains("trace_id must be 16 bytes", response.PartialSuccess.ErrorMessage, StringComparison.Ordinal);
        var api = app.CreateApiClient();
        using var trace = JsonDocument.Parse(await api.GetStringAsync($"/traces/{Convert.ToHexStringLower(good.TraceId.Span)}"));
        Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray());
    }

    [Fact]
    public async Task OnlyInvalidSpans_IsInvalidArgument_SayingWhy()
    {
        using var app = new PortalAppFactory();
        var bad = ValidSpan();
        bad.SpanId = ByteString.Empty;

        var reply = await ExportAsync(app.CreateClient(), Export(bad), PortalAppFactory.IngestKey);

        Assert.Equal(3, reply.Status);
        Assert.Contains("rejected", reply.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMessageOverTheSizeLimit_IsResourceExhausted()
    {
        using var app = new PortalAppFactory().With("Api:OtlpMaxBodyBytes", "4096");
        var big = ValidSpan();
        big.Attributes.Add(new KeyValue { Key = "blob", Value = new AnyValue { StringValue = new string('x', 10_000) } });

        var reply = await ExportAsync(app.CreateClient(), Export(big), PortalAppFactory.IngestKey);

        Assert.Equal(8, reply.Status);
    }

    [Fact]
    public async Task AFullWriteQueue_IsResourceExhausted_WithARetryDelay()
    {
        var store = new StalledStore(write => write is TelemetryWrite.AppendSpans);
        using var app = new PortalAppFactory()
            .With("Tracing:WriteQueueCapacity", "1")
            .WithServices(services => services.AddSingleton<ITelemetryStore>(store));
        var http = app.CreateClient();

        var committing = ExportAsync(http, Export(ValidSpan()), PortalAppFactory.IngestKey);
        await store.Stalled.WaitAsync(TimeSpan.FromSeconds(10));
        var more = Enumerable.Range(0, 4).Select(_ => ExportAsync(http, Export(ValidSpan()), PortalAppFactory.IngestKey)).ToList();
        OtlpGrpcReply? refused = null;
        for (var i = 0; i < 250 && refused is null; i++)
        {
            refused = more.Where(t => t.IsCompletedSuccessfully).Select(t => t.Result).FirstOrDefault(r => r.Status == 8);
            await Task.Delay(20);
        }
        store.Release();

        Assert.NotNull(refused);
        Assert.Contains("queue is full", refused.Message, StringComparison.Ordinal);
        var details = Google.Rpc.Status.Parser.ParseFrom(Convert.FromBase64String(Pad(refused.Trailers["grpc-status-details-bin"])));
        Assert.True(details.Details.Single().Unpack<Google.Rpc.RetryInfo>().RetryDelay.ToTimeSpan() > TimeSpan.Zero);
        Assert.Equal(0, (await committing).Status);
        await Task.WhenAll(more);
    }

    [Fact]
    public async Task ABrokenMessage_IsInvalidArgument_SayingWhatIsWrong_NotAServerFault()
    {
        using var app = new PortalAppFactory();
        var http = app.CreateClient();
        var valid = Export(ValidSpan()).ToByteArray();

        Task<OtlpGrpcReply> SendAsync(byte[] frame, string? encoding = null) => OtlpGrpcCall.SendAsync(http, frame, PortalAppFactory.IngestKey, encoding);
        static byte[] Frame(byte flag, uint length, byte[] payload) => OtlpGrpcCall.Frame(payload, flag, length);

        // Found by the fuzzer: each of these was INTERNAL or UNKNOWN.
        var cut = await SendAsync(Frame(0, (uint)valid.Length, valid[..^3]));
        var notProtobuf = await SendAsync(Frame(0, 4, [0x0A, 0xFF, 0xFF, 0xFF]));
        var compressedWithoutEncoding = await SendAsync(Frame(1, (uint)valid.Length, valid));
        var notGzip = await SendAsync(Frame(1, (uint)valid.Length, valid), "gzip");
        var good = await SendAsync(Frame(0, (uint)valid.Length, valid));

        Assert.Equal((3, "The message prefix says"), (cut.Status, cut.Message[..23]));
        Assert.Equal(3, notProtobuf.Status);
        Assert.StartsWith("The message is not an OTLP ExportTraceServiceRequest", notProtobuf.Message, StringComparison.Ordinal);
        Assert.Equal(3, compressedWithoutEncoding.Status);
        Assert.Contains("only gzip is accepted", compressedWithoutEncoding.Message, StringComparison.Ordinal);
        Assert.Equal(3, notGzip.Status);
        Assert.Equal(0, good.Status);
    }

    /// <summary>One unary gRPC call of <paramref name="export"/>, gzip-compressed when asked.</summary>
    private static async Task<OtlpGrpcReply> ExportAsync(HttpClient http, ExportTraceServiceRequest export, string? key, bool gzip = false)
    {
        var payload = export.ToByteArray();
        if (gzip)
        {
            using var compressed = new MemoryStream();
            await using (var zip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                await zip.WriteAsync(payload);
            }
            payload = compressed.ToArray();
        }
        return await OtlpGrpcCall.SendAsync(http, OtlpGrpcCall.Frame(payload, gzip ? (byte)1 : (byte)0), key, gzip ? "gzip" : null);
    }

    /// <summary>The real portal process with its OTLP/gRPC endpoint on a free loopback port (Kestrel's own HTTP/2).</summary>
    private static async Task<(DashboardProcess Portal, int GrpcPort)> StartWithGrpcAsync()
    {
        var grpcPort = LoopbackPort.Free();
        var portal = new DashboardProcess();
        portal.Environment["Bootstrap__IngestApiKey"] = PortalAppFactory.IngestKey;
        portal.Environment["Api__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}";
        try
        {
            await portal.StartAsync();
        }
        catch
        {
            await portal.DisposeAsync();
            throw;
        }
        return (portal, grpcPort);
    }

    private static HttpClient ApiClient(DashboardProcess portal)
    {
        var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", PortalAppFactory.IngestKey);
        return client;
    }

    private static string Pad(string base64) => base64.PadRight(base64.Length + (4 - base64.Length % 4) % 4, '=');

    private static Span ValidSpan()
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        return new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(16))),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
            Name = "grpc span",
            StartTimeUnixNano = now,
            EndTimeUnixNano = now + 1_000_000,
        };
    }

    private static ExportTraceServiceRequest Export(params Span[] spans) => new() { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { spans } } } } } };
}
