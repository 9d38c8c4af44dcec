using System.Diagnostics;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Otlp;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Proto = AgentPortal.Core.Otlp.Proto;

namespace AgentPortal.Bench;

/// <summary>
/// Ingest of LLM calls made inside runs started through the API, whose spans name no agent: each must
/// be linked to its run and the run's agent. Beside it, the same calls naming their agent, so the
/// figure reads as the cost of linking. Spans are checked after the run: every call counted in its run.
/// </summary>
internal static class RunLinkBench
{
    private const int SpansPerExport = 1_000;
    private const int RunsPerExport = 10;
    private const int Senders = 8;

    public static async Task<List<Figure>> RunAsync(string work, int spans)
    {
        var folder = Path.Combine(work, "run-link");
        Directory.CreateDirectory(folder);
        var contexts = new PortalDbContextFactory(Microsoft.Extensions.Options.Options.Create(new StorageOptions()), new PortalPaths(folder), NullLoggerFactory.Instance);
        await using (var db = contexts.CreateDbContext())
        {
            await db.Database.MigrateAsync();
        }
        var registry = new AgentRegistry(contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);
        await using var store = new SqliteTelemetryStore(Path.Combine(folder, "telemetry.db"));
        await store.InitializeAsync(CancellationToken.None);
        var writer = new TelemetryWriter(store, Microsoft.Extensions.Options.Options.Create(new TracingOptions()), NullLogger<TelemetryWriter>.Instance);
        await writer.StartAsync(CancellationToken.None);
        var forwarder = new SpanForwarder(Microsoft.Extensions.Options.Options.Create(new ForwardingOptions()), TimeProvider.System, NullLogger<SpanForwarder>.Instance);
        using var provider = new ServiceCollection().AddOptions().AddLogging().AddMetrics().BuildServiceProvider();
        var metrics = new PortalMetrics(provider.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), writer, forwarder, new OpenConnections());
        var otlp = ActivatorUtilities.CreateInstance<OtlpTraceService>(provider, registry, (ITelemetryStore)store, writer, forwarder, metrics);
        var agent = (await registry.RegisterOrGetAsync(new RegisterAgentRequest { Name = "bench-run-agent", Type = AgentType.Custom }, CancellationToken.None)).Agent;

        var exportCount = spans / SpansPerExport;
        var runs = new List<RunStart>();
        for (var i = 0; i < (exportCount + 2) * RunsPerExport; i++)
        {
            var run = new RunStart
            {
                TraceId = AgentRunService.NewHexId(16),
                SpanId = AgentRunService.NewHexId(8),
                AgentId = agent.Id,
                AgentName = agent.Name,
                ProjectId = agent.ProjectId,
                StartedUnixNano = AgentRunService.ToUnixNano(DateTime.UtcNow),
            };
            await writer.WriteAsync(new TelemetryWrite.StartRun(run));
            runs.Add(run);
        }

        var figures = new List<Figure>();
        foreach (var named in new[] { true, false })
        {
            var exports = Enumerable.Range(0, exportCount + 2).Select(e => Export(runs.Skip(e * RunsPerExport).Take(RunsPerExport).ToList(), named ? agent.Id : null)).ToList();
            // Two untimed exports first, for the runtime to compile the ingest path.
            foreach (var warm in exports.Take(2))
            {
                await otlp.ExportAsync(warm, agent.ProjectId, CancellationToken.None);
            }
            var next = 1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Senders).Select(async _ =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < exports.Count)
                {
                    await otlp.ExportAsync(exports[index], agent.ProjectId, CancellationToken.None);
                }
            }));
            var perSecond = exportCount * SpansPerExport / clock.Elapsed.TotalSeconds;
            figures.Add(new Figure($"OTLP in-process, calls in API runs {(named ? "naming their agent" : "linked to their run's agent")} (SQLite, {Senders} senders)", Stats.PerSecond(perSecond)));
        }
        await writer.StopAsync(CancellationToken.None);

        // Each run got its calls twice (once per pass), and the unnamed calls took the run's agent.
        var sample = runs[RunsPerExport * 3];
        var stored = await store.GetRunAsync(sample.TraceId, CancellationToken.None);
        var trace = await store.GetTraceAsync(sample.TraceId, CancellationToken.None);
        var perRun = SpansPerExport / RunsPerExport * 2;
        if (stored!.LlmCalls != perRun || trace.Count != perRun || trace.Any(s => s.AgentId != agent.Id))
        {
            throw new InvalidOperationException($"Run {sample.TraceId}: {stored.LlmCalls} calls counted and {trace.Count} spans stored, expected {perRun}, all of agent {agent.Id}.");
        }
        return figures;
    }

    private static Proto.Collector.ExportTraceServiceRequest Export(List<RunStart> runs, string? agentId)
    {
        var scope = new Proto.Trace.ScopeSpans();
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        for (var i = 0; i < SpansPerExport; i++)
        {
            var run = runs[i % runs.Count];
            var span = new Proto.Trace.Span
            {
                TraceId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(run.TraceId)),
                SpanId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
                ParentSpanId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(run.SpanId)),
                Name = "chat gpt-4o-mini",
                Kind = Proto.Trace.Span.Types.SpanKind.Client,
                StartTimeUnixNano = start + (ulong)i,
                EndTimeUnixNano = start + (ulong)i + 350_000_000,
            };
            var attributes = new List<(string, string)> { ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", "120"), ("gen_ai.usage.output_tokens", "40") };
            if (agentId is not null)
            {
                attributes.Add(("gen_ai.agent.id", agentId));
            }
            foreach (var (key, value) in attributes)
            {
                span.Attributes.Add(new Proto.Common.KeyValue { Key = key, Value = new Proto.Common.AnyValue { StringValue = value } });
            }
            scope.Spans.Add(span);
        }
        var resource = new Proto.Resource.Resource();
        resource.Attributes.Add(new Proto.Common.KeyValue { Key = "service.name", Value = new Proto.Common.AnyValue { StringValue = "bench-agent-service" } });
        return new Proto.Collector.ExportTraceServiceRequest { ResourceSpans = { new Proto.Trace.ResourceSpans { Resource = resource, ScopeSpans = { scope } } } };
    }
}
