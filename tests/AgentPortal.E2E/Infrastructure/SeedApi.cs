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
}
