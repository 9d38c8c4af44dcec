using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace AgentPortal.E2E.Infrastructure;

/// <summary>Seeds agents and runs the way agents send them: the registry and trace API, and OTLP/JSON for LLM calls.</summary>
public static class SeedApi
{
    public static async Task<string> RegisterAsync(HttpClient api, string name, string type)
    {
        using var agent = JsonDocument.Parse(await (await api.PostAsJsonAsync("/agents/register", new { name, type })).Content.ReadAsStringAsync());
        return agent.RootElement.GetProperty("id").GetString()!;
    }

    /// <summary>One run through the trace API, with an LLM call to <paramref name="model"/> when given; returns its trace id.</summary>
    public static async Task<string> RunAsync(HttpClient api, string agentId, string input, string? error = null, string? model = null, string? output = null)
    {
        using var run = JsonDocument.Parse(await (await api.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input })).Content.ReadAsStringAsync());
        var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
        if (model is not null)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            var body = $$$"""
                {"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "{{{traceId}}}", "spanId": "{{{Random.Shared.NextInt64(1, long.MaxValue):x16}}}",
                 "parentSpanId": "{{{run.RootElement.GetProperty("span_id").GetString()}}}", "name": "chat {{{model}}}", "kind": 3,
                 "startTimeUnixNano": "{{{now}}}", "endTimeUnixNano": "{{{now + 200_000_000}}}",
                 "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}},
                                {"key": "gen_ai.request.model", "value": {"stringValue": "{{{model}}}"}},
                                {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 10}}]}]}]}]}
                """;
            (await api.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        }
        (await api.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = error is null ? "ok" : "error", error, output })).EnsureSuccessStatusCode();
        return traceId;
    }

    /// <summary>
    /// A run of a planner agent: a tool span holding an LLM call (GenAI messages with a tool call) and
    /// a failed HTTP call, then a second LLM call (OpenInference messages). Returns the trace id.
    /// </summary>
    public static async Task<string> RunWithToolsAsync(HttpClient api, string agentName)
    {
        var agentId = await RegisterAsync(api, agentName, "autogen");
        using var run = JsonDocument.Parse(await (await api.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "Plan a 3-day trip to Busan" })).Content.ReadAsStringAsync());
        var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
        var root = run.RootElement.GetProperty("span_id").GetString()!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        string Id() => Random.Shared.NextInt64(1, long.MaxValue).ToString("x16", System.Globalization.CultureInfo.InvariantCulture);
        string Str(string key, string value) => JsonSerializer.Serialize(new { key, value = new { stringValue = value } });
        string Int(string key, long value) => JsonSerializer.Serialize(new { key, value = new { intValue = value } });
        string SpanJson(string id, string parent, string name, long startMs, long endMs, string[] attributes, string? error = null) =>
            $$"""{"traceId": "{{traceId}}", "spanId": "{{id}}", "parentSpanId": "{{parent}}", "name": "{{name}}", "kind": 3, "startTimeUnixNano": "{{now + startMs * 1_000_000}}", "endTimeUnixNano": "{{now + endMs * 1_000_000}}", "attributes": [{{string.Join(",", attributes)}}]{{(error is null ? "" : $$""", "status": {"code": 2, "message": "{{error}}"}""")}}}""";
        var tool = Id();
        var spans = new[]
        {
            SpanJson(tool, root, "execute_tool search_flights", 10, 900, [Str("gen_ai.operation.name", "execute_tool"), Str("gen_ai.tool.name", "search_flights")]),
            SpanJson(Id(), tool, "chat gpt-4o-mini", 20, 600,
            [
                Str("gen_ai.operation.name", "chat"), Str("gen_ai.request.model", "gpt-4o-mini"), Int("gen_ai.usage.input_tokens", 420), Int("gen_ai.usage.output_tokens", 88),
                Str("gen_ai.system_instructions", """[{"type": "text", "content": "You are a travel planner."}]"""),
                Str("gen_ai.input.messages", """[{"role": "user", "parts": [{"type": "text", "content": "Plan a 3-day trip to Busan"}]}]"""),
                Str("gen_ai.output.messages", """[{"role": "assistant", "parts": [{"type": "tool_call", "id": "call_1", "name": "search_flights", "arguments": {"to": "PUS"}}], "finish_reason": "tool_calls"}]"""),
            ]),
            SpanJson(Id(), tool, "GET flights-api", 610, 880, [Str("http.request.method", "GET"), Str("url.full", "https://flights.example/search?to=PUS")], error: "upstream 502"),
            SpanJson(Id(), root, "chat gpt-4o", 950, 1900,
            [
                Str("gen_ai.operation.name", "chat"), Str("gen_ai.request.model", "gpt-4o"), Int("gen_ai.usage.input_tokens", 900), Int("gen_ai.usage.output_tokens", 350),
                Str("llm.input_messages.0.message.role", "user"), Str("llm.input_messages.0.message.content", "Summarise the plan in Korean"),
                Str("llm.output_messages.0.message.role", "assistant"), Str("llm.output_messages.0.message.content", "부산 3일 여행 계획"),
            ]),
        };
        var body = $$"""{"resourceSpans": [{"resource": {"attributes": [{{Str("service.name", "trip-planner")}}]}, "scopeSpans": [{"spans": [{{string.Join(",", spans)}}]}]}]}""";
        (await api.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = "ok", output = "A 3-day plan for Busan" })).EnsureSuccessStatusCode();
        return traceId;
    }
}
