using System.Net;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>
/// An agent that speaks only OpenTelemetry: its root span is its run, in each SDK's dialect, and the
/// agent of spans that name none comes from their ancestors, their run, or the service.
/// </summary>
public sealed class OpenTelemetryRunsTests : IDisposable
{
    private readonly PortalAppFactory _app = new();

    public static TheoryData<string, string, string, string> Dialects => new()
    {
        // dialect, marker attribute, its value, the agent-name attribute (or "" for service.name)
        { "GenAI conventions", "gen_ai.operation.name", "invoke_agent", "gen_ai.agent.name" },
        { "OpenInference", "openinference.span.kind", "AGENT", "agent.name" },
        { "OpenLLMetry workflow", "traceloop.span.kind", "workflow", "traceloop.workflow.name" },
        { "OpenLLMetry agent", "traceloop.span.kind", "agent", "" },
        { "Vercel AI SDK", "ai.operationId", "ai.generateText", "ai.telemetry.functionId" },
        { "Langfuse SDK", "langfuse.observation.type", "agent", "" },
    };

    [Theory]
    [MemberData(nameof(Dialects))]
    public async Task RootSpanOfAnAgent_IsItsRun_WithStatusLatencyInputOutput_AndItsCallsCountForIt(string dialect, string marker, string value, string nameKey)
    {
        var agentName = "otel-" + dialect.ToLowerInvariant().Replace(' ', '-');
        var service = nameKey == "" ? agentName : "some-service";
        var traceId = AgentRunService.NewHexId(16);
        var root = Span(traceId, "00000000000000a1", null, $"{dialect} root", 0, 2_500, error: "tool 'search' failed",
            [(marker, value), .. nameKey == "" ? [] : new[] { (nameKey, agentName) }, ("input.value", "plan a trip to Jeju"), ("output.value", "no flights found")]);
        var calls = new[]
        {
            Span(traceId, "00000000000000b1", "00000000000000a1", "chat gpt-4o", 100, 600, null, [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.usage.input_tokens", "120")]),
            Span(traceId, "00000000000000b2", "00000000000000b9", "chat gpt-4o", 800, 900, "rate limited", [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o")]),
            // The tool span between the root and the second call.
            Span(traceId, "00000000000000b9", "00000000000000a1", "execute_tool search", 700, 2_400, null, [("gen_ai.operation.name", "execute_tool")]),
        };

        await ExportAsync(service, [root, .. calls]);

        var agentId = await AgentIdAsync(agentName);
        using var stats = await GetAsync($"/agents/{agentId}/stats");
        Assert.Equal((1L, 1L, 1.0), (stats.RootElement.GetProperty("runs").GetInt64(), stats.RootElement.GetProperty("errors").GetInt64(), stats.RootElement.GetProperty("error_rate").GetDouble()));
        Assert.Equal((2L, 1L, 0.5), (stats.RootElement.GetProperty("llm_calls").GetInt64(), stats.RootElement.GetProperty("llm_errors").GetInt64(), stats.RootElement.GetProperty("llm_error_rate").GetDouble()));
        Assert.Equal(120, stats.RootElement.GetProperty("input_tokens").GetInt64());
        using var runs = await GetAsync($"/agents/{agentId}/traces");
        var run = Assert.Single(runs.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal((traceId, "00000000000000a1", "error", "tool 'search' failed"), (Text(run, "trace_id"), Text(run, "span_id"), Text(run, "status"), Text(run, "error")));
        Assert.Equal(("plan a trip to Jeju", "no flights found"), (Text(run, "input"), Text(run, "output")));
        Assert.Equal(2_500, run.GetProperty("duration_ms").GetDouble());
        Assert.Equal(2, run.GetProperty("llm_calls").GetInt64());
        using var trace = await GetAsync($"/traces/{traceId}");
        Assert.All(trace.RootElement.GetProperty("spans").EnumerateArray(), s => Assert.Equal(agentId, Text(s, "agent_id")));
    }

    [Fact]
    public async Task CallsExportedBeforeTheirRootSpan_CountInTheRun_AndARetriedExportChangesNothing()
    {
        var traceId = AgentRunService.NewHexId(16);
        var root = Span(traceId, "00000000000000a1", null, "invoke_agent late-root", 0, 3_000, null,
            [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "late-root")]);
        var call = Span(traceId, "00000000000000b1", "00000000000000a1", "chat gpt-4o", 100, 900, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.agent.name", "late-root"), ("gen_ai.usage.input_tokens", "40")]);

        // A simple span processor exports each span as it ends: the call first, the root last.
        await ExportAsync("late-service", [call]);
        await ExportAsync("late-service", [root]);
        await ExportAsync("late-service", [root]);

        var agentId = await AgentIdAsync("late-root");
        using var runs = await GetAsync($"/agents/{agentId}/traces");
        var run = Assert.Single(runs.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("ok", 1L, 40L), (Text(run, "status"), run.GetProperty("llm_calls").GetInt64(), run.GetProperty("input_tokens").GetInt64()));
        using var stats = await GetAsync($"/agents/{agentId}/stats");
        Assert.Equal((1L, 1L), (stats.RootElement.GetProperty("runs").GetInt64(), stats.RootElement.GetProperty("llm_calls").GetInt64()));
        // Prometheus counts the run once too, as the ended run of an agent of its type.
        var metrics = await _app.CreateApiClient().GetStringAsync("/metrics");
        Assert.Matches(@"(?m)^agent_tasks_total\{[^}]*agent_type=""custom""[^}]*\} 1( \d+)?$", metrics);
        Assert.Matches(@"(?m)^agent_tasks_successful_total\{[^}]*agent_type=""custom""[^}]*\} 1( \d+)?$", metrics);
    }

    [Fact]
    public async Task ARootLlmCall_StaysACall_AndAnAgentRunStartedThroughTheApi_KeepsItsOwnRoot()
    {
        var traceId = AgentRunService.NewHexId(16);
        await ExportAsync("svc", [Span(traceId, "00000000000000c1", null, "chat gpt-4o", 0, 300, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"), ("gen_ai.agent.name", "caller-only")])]);

        var agentId = await AgentIdAsync("caller-only");
        using var stats = await GetAsync($"/agents/{agentId}/stats");
        Assert.Equal((0L, 1L), (stats.RootElement.GetProperty("runs").GetInt64(), stats.RootElement.GetProperty("llm_calls").GetInt64()));

        var api = _app.CreateApiClient();
        using var started = JsonDocument.Parse(await (await api.PostAsync($"/agents/{agentId}/trace/start", Json("""{"input": "q"}"""))).Content.ReadAsStringAsync());
        var runTrace = Text(started.RootElement, "trace_id")!;
        // The agent's own SDK also opens a root span in the run's trace: the run stays the API's.
        await ExportAsync("svc", [Span(runTrace, "00000000000000d1", null, "invoke_agent caller-only", 0, 100, null,
            [("gen_ai.operation.name", "invoke_agent"), ("gen_ai.agent.name", "caller-only")])]);
        using var run = await GetAsync($"/agents/{agentId}/traces");
        var only = Assert.Single(run.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(("running", Text(started.RootElement, "span_id")), (Text(only, "status"), Text(only, "span_id")));
    }

    [Fact]
    public async Task SpansThatNameNoAgent_BelongToTheService_UnlessThatIsTurnedOff()
    {
        var traceId = AgentRunService.NewHexId(16);
        await ExportAsync("billing-bot", [Span(traceId, "00000000000000e1", null, "chat gpt-4o-mini", 0, 200, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")])]);
        var agentId = await AgentIdAsync("billing-bot");
        using var stats = await GetAsync($"/agents/{agentId}/stats");
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());

        // The name the SDKs give a service nobody named names no agent.
        var unnamed = AgentRunService.NewHexId(16);
        await ExportAsync("unknown_service:python", [Span(unnamed, "00000000000000e2", null, "chat gpt-4o-mini", 0, 200, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")])]);
        using var unnamedTrace = await GetAsync($"/traces/{unnamed}");
        Assert.Equal(JsonValueKind.Null, unnamedTrace.RootElement.GetProperty("spans")[0].GetProperty("agent_id").ValueKind);
        // Nor do the portal's own services: a chat without an agent stays without one.
        var portalChat = AgentRunService.NewHexId(16);
        await ExportAsync(Core.Otlp.PortalSpan.ChatService, [Span(portalChat, "00000000000000e3", null, "chat gpt-4o-mini", 0, 200, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")])]);
        using var portalTrace = await GetAsync($"/traces/{portalChat}");
        Assert.Equal(JsonValueKind.Null, portalTrace.RootElement.GetProperty("spans")[0].GetProperty("agent_id").ValueKind);

        using var off = new PortalAppFactory().With("Ingest:AgentFromServiceName", "false");
        var other = AgentRunService.NewHexId(16);
        await ExportAsync(off, "quiet-bot", [Span(other, "00000000000000f1", null, "chat gpt-4o-mini", 0, 200, null,
            [("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini")])]);
        using var agents = JsonDocument.Parse(await off.CreateApiClient().GetStringAsync("/agents?search=quiet-bot"));
        Assert.Empty(agents.RootElement.GetProperty("items").EnumerateArray());
        using var kept = JsonDocument.Parse(await off.CreateApiClient().GetStringAsync($"/traces/{other}"));
        Assert.Equal(JsonValueKind.Null, kept.RootElement.GetProperty("spans")[0].GetProperty("agent_id").ValueKind);
    }

    private static readonly long s_base = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;

    private static object Span(string traceId, string spanId, string? parent, string name, int startMs, int endMs, string? error, (string Key, string Value)[] attributes) => new
    {
        traceId,
        spanId,
        parentSpanId = parent,
        name,
        kind = 1,
        startTimeUnixNano = (s_base + startMs * 1_000_000L).ToString(System.Globalization.CultureInfo.InvariantCulture),
        endTimeUnixNano = (s_base + endMs * 1_000_000L).ToString(System.Globalization.CultureInfo.InvariantCulture),
        status = error is null ? (object)new { code = 1 } : new { code = 2, message = error },
        attributes = attributes.Select(a => new { key = a.Key, value = new { stringValue = a.Value } }).ToArray(),
    };

    private Task ExportAsync(string service, object[] spans) => ExportAsync(_app, service, spans);

    private static async Task ExportAsync(PortalAppFactory app, string service, object[] spans)
    {
        var body = JsonSerializer.Serialize(new
        {
            resourceSpans = new[]
            {
                new
                {
                    resource = new { attributes = new[] { new { key = "service.name", value = new { stringValue = service } } } },
                    scopeSpans = new[] { new { spans } },
                },
            },
        });
        var response = await app.CreateApiClient().PostAsync("/v1/traces", Json(body));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> AgentIdAsync(string name)
    {
        using var agents = await GetAsync($"/agents?search={Uri.EscapeDataString(name)}");
        return Text(Assert.Single(agents.RootElement.GetProperty("items").EnumerateArray(), a => Text(a, "name") == name), "id")!;
    }

    private async Task<JsonDocument> GetAsync(string path) => JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync(path));

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string? Text(JsonElement element, string name) => element.GetProperty(name).GetString();

    public void Dispose() => _app.Dispose();
}
