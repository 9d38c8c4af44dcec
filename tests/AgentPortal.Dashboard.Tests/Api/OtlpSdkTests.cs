using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Tests.Shared;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>The OpenTelemetry .NET SDK and its OTLP exporter, unchanged, sending to the real portal process.</summary>
public class OtlpSdkTests
{
    private const string Key = "ap_sdkTestIngestKey0123456789abcdef";

    [Fact]
    public async Task OpenTelemetrySdk_GenAiSpansInARun_AreCountedExactlyInTheAgentsStats()
    {
        await using var portal = new DashboardProcess();
        portal.Environment["Bootstrap__IngestApiKey"] = Key;
        await portal.StartAsync();
        using var client = new HttpClient { BaseAddress = portal.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new("Bearer", Key);
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "sdk-agent", type = "vanna" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString()!;
        using var run = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "q" })).Content.ReadAsStringAsync());
        var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
        var rootSpanId = run.RootElement.GetProperty("span_id").GetString()!;
        var source = new ActivitySource("agentportal.tests.sdk-" + Guid.NewGuid().ToString("N")[..6]);
        using (var tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(source.Name)
            .SetResourceBuilder(ResourceBuilder.CreateDefault().AddService("vanna-service"))
            .AddOtlpExporter(options =>
            {
                options.Endpoint = new Uri(portal.BaseAddress!, "/v1/traces");
                options.Protocol = OtlpExportProtocol.HttpProtobuf;
                options.Headers = $"Authorization=Bearer {Key}";
                options.ExportProcessorType = ExportProcessorType.Simple;
            })
            .Build())
        {
            var parent = new ActivityContext(ActivityTraceId.CreateFromString(traceId), ActivitySpanId.CreateFromString(rootSpanId), ActivityTraceFlags.Recorded);
            foreach (var (model, input, output) in new[] { ("gpt-4o", 120L, 30L), ("gpt-4o-mini", 80L, 12L), ("gpt-4o", 40L, 8L) })
            {
                using var call = source.StartActivity($"chat {model}", ActivityKind.Client, parent)!;
                call.SetTag("gen_ai.operation.name", "chat");
                call.SetTag("gen_ai.provider.name", "openai");
                call.SetTag("gen_ai.request.model", model);
                call.SetTag("gen_ai.response.model", model);
                call.SetTag("gen_ai.usage.input_tokens", input);
                call.SetTag("gen_ai.usage.output_tokens", output);
            }
            Assert.True(tracing.ForceFlush(10_000));
        }
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId })).StatusCode);

        using var stats = JsonDocument.Parse(await client.GetStringAsync($"/agents/{agentId}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("runs").GetInt64());
        Assert.Equal(3, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(240, stats.RootElement.GetProperty("input_tokens").GetInt64());
        Assert.Equal(50, stats.RootElement.GetProperty("output_tokens").GetInt64());
        using var trace = JsonDocument.Parse(await client.GetStringAsync($"/traces/{traceId}"));
        var calls = trace.RootElement.GetProperty("spans").EnumerateArray().Where(s => !s.GetProperty("is_run_root").GetBoolean()).ToList();
        Assert.Equal(3, calls.Count);
        Assert.All(calls, c =>
        {
            Assert.Equal(rootSpanId, c.GetProperty("parent_span_id").GetString());
            Assert.Equal("vanna-service", c.GetProperty("service_name").GetString());
            Assert.Equal(agentId, c.GetProperty("agent_id").GetString());
        });
    }

}
