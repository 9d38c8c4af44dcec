using System.Net;
using System.Text;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>Each agent SDK's attribute dialect, as its documentation names the attributes, mapped at ingest to the same fields.</summary>
public sealed class SdkDialectTests : IDisposable
{
    private readonly PortalAppFactory _app = new();

    [Fact]
    public async Task OpenInference_ModelProviderTokensCachedAndKind()
    {
        var span = await IngestAsync(
            ("openinference.span.kind", "LLM"), ("llm.model_name", "gpt-4o"), ("llm.provider", "openai"),
            ("llm.token_count.prompt", 120), ("llm.token_count.completion", 30), ("llm.token_count.total", 150),
            ("llm.token_count.prompt_details.cache_read", 40), ("agent.name", "oi-researcher"), ("session.id", "s-1"), ("user.id", "kim"),
            ("input.value", "What is RAG?"), ("output.value", "Retrieval-augmented generation."));

        Assert.Equal(("chat", "openai", "gpt-4o"), (Text(span, "operation"), Text(span, "provider"), Text(span, "request_model")));
        Assert.Equal((120L, 30L), (span.GetProperty("input_tokens").GetInt64(), span.GetProperty("output_tokens").GetInt64()));
        Assert.Equal("oi-researcher", await AgentNameAsync(span));
    }

    [Fact]
    public async Task OpenLlmetry_LegacyUsageRequestTypeAndWorkflow()
    {
        var span = await IngestAsync(
            ("llm.request.type", "chat"), ("gen_ai.system", "Anthropic"), ("gen_ai.request.model", "claude-3-5-sonnet"),
            ("gen_ai.usage.prompt_tokens", 200), ("gen_ai.usage.completion_tokens", 25),
            ("traceloop.entity.name", "summarise"), ("traceloop.workflow.name", "ll-digest"), ("traceloop.span.kind", "task"));

        Assert.Equal(("chat", "Anthropic", "claude-3-5-sonnet"), (Text(span, "operation"), Text(span, "provider"), Text(span, "request_model")));
        Assert.Equal(200, span.GetProperty("input_tokens").GetInt64());
        Assert.Equal("ll-digest", await AgentNameAsync(span));
    }

    [Fact]
    public async Task VercelAiSdk_TheProviderCallIsTheLlmCall_AndItsWrapperIsNot()
    {
        var traceId = Core.Telemetry.AgentRunService.NewHexId(16);
        var outer = await IngestAsync(traceId, "0000000000000001", null,
            ("ai.operationId", "ai.generateText"), ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.chat"),
            ("ai.usage.promptTokens", 50), ("ai.usage.completionTokens", 5), ("ai.telemetry.functionId", "vercel-helper"));
        var inner = await IngestAsync(traceId, "0000000000000002", "0000000000000001",
            ("ai.operationId", "ai.generateText.doGenerate"), ("ai.model.id", "gpt-4o-mini"), ("ai.model.provider", "openai.chat"),
            ("ai.response.model", "gpt-4o-mini-2024-07-18"), ("ai.usage.promptTokens", 50), ("ai.usage.completionTokens", 5), ("ai.telemetry.functionId", "vercel-helper"));

        Assert.Equal(("chat", "openai", "gpt-4o-mini-2024-07-18"), (Text(inner, "operation"), Text(inner, "provider"), Text(inner, "response_model")));
        Assert.Equal("ai.generateText", Text(outer, "operation"));
        using var stats = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/agents/{Text(inner, "agent_id")}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(50, stats.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task LangfuseSdk_ObservationTypeUsageAndCostDetails()
    {
        var span = await IngestAsync(
            ("langfuse.observation.type", "GENERATION"), ("gen_ai.request.model", "gpt-4.1"),
            ("langfuse.observation.usage_details", """{"input": 300, "output": 40, "cache_read_input_tokens": 100}"""),
            ("langfuse.observation.cost_details", """{"input": 0.0006, "output": 0.00032}"""),
            ("langfuse.trace.name", "lf-trace"), ("langfuse.session.id", "s-9"), ("langfuse.user.id", "lee"), ("gen_ai.agent.name", "lf-agent"));

        Assert.Equal("chat", Text(span, "operation"));
        Assert.Equal((300L, 40L, 100L), (span.GetProperty("input_tokens").GetInt64(), span.GetProperty("output_tokens").GetInt64(), span.GetProperty("cached_input_tokens").GetInt64()));
        using var stats = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/agents/{Text(span, "agent_id")}/stats"));
        Assert.Equal(0.00092, stats.RootElement.GetProperty("reported_cost").GetDouble(), precision: 6);
    }

    [Theory]
    [InlineData("""{"input": "many"}""")]
    [InlineData("""[1, 2]""")]
    [InlineData("""not json""")]
    public async Task LangfuseUsageThatIsNotAnObjectOfNumbers_ReadsAsNoTokens(string usage)
    {
        var span = await IngestAsync(("langfuse.observation.type", "GENERATION"), ("gen_ai.request.model", "gpt-4.1"), ("langfuse.observation.usage_details", usage));

        Assert.Equal(JsonValueKind.Null, span.GetProperty("input_tokens").ValueKind);
    }

    private Task<JsonElement> IngestAsync(params (string Key, object Value)[] attributes) =>
        IngestAsync(Core.Telemetry.AgentRunService.NewHexId(16), Core.Telemetry.AgentRunService.NewHexId(8), null, attributes);

    private async Task<JsonElement> IngestAsync(string traceId, string spanId, string? parent, params (string Key, object Value)[] attributes)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var span = new Dictionary<string, object?>
        {
            ["traceId"] = traceId,
            ["spanId"] = spanId,
            ["parentSpanId"] = parent,
            ["name"] = "dialect span",
            ["kind"] = 3,
            ["startTimeUnixNano"] = now.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["endTimeUnixNano"] = (now + 5_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["attributes"] = attributes.Select(a => new { key = a.Key, value = a.Value is int n ? (object)new { intValue = n } : new { stringValue = (string)a.Value } }).ToArray(),
        };
        var body = JsonSerializer.Serialize(new { resourceSpans = new[] { new { scopeSpans = new[] { new { spans = new[] { span } } } } } });
        var api = _app.CreateApiClient();
        var response = await api.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var trace = JsonDocument.Parse(await api.GetStringAsync($"/traces/{traceId}"));
        return trace.RootElement.GetProperty("spans").EnumerateArray().Single(s => s.GetProperty("span_id").GetString() == spanId).Clone();
    }

    private async Task<string?> AgentNameAsync(JsonElement span)
    {
        var agentId = Text(span, "agent_id");
        Assert.NotNull(agentId);
        using var agent = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/agents/{agentId}"));
        return agent.RootElement.GetProperty("name").GetString();
    }

    private static string? Text(JsonElement span, string name) => span.GetProperty(name).GetString();

    public void Dispose() => _app.Dispose();
}
