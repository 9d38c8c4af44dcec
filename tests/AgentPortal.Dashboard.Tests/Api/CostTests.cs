using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Google.Protobuf;

namespace AgentPortal.Dashboard.Tests.Api;

public class CostTests : IClassFixture<PortalAppFactory>
{
    private readonly PortalAppFactory _app;
    private readonly HttpClient _client;

    public CostTests(PortalAppFactory app)
    {
        _app = app;
        _client = app.CreateApiClient();
    }

    [Fact]
    public async Task Stats_PriceTokensWithTheShippedTable_ListUnpricedModels_AndKeepReportedCost()
    {
        var agent = "costed-" + Guid.NewGuid().ToString("N")[..6];
        await SendAsync(Call(agent, "gpt-4o-mini", 1_000, 500, reportedCost: "0.0004"), Call(agent, "my-local-llm", 300, 30));

        using var stats = await StatsAsync(agent);

        // 1,000 x 0.15 + 500 x 0.60 per million tokens
        Assert.Equal(0.00045m, stats.RootElement.GetProperty("cost").GetDecimal());
        Assert.Equal("USD", stats.RootElement.GetProperty("cost_currency").GetString());
        Assert.Equal(["my-local-llm"], stats.RootElement.GetProperty("unpriced_models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(0.0004, stats.RootElement.GetProperty("reported_cost").GetDouble(), 9);
    }

    [Fact]
    public async Task Stats_OnlyUnpricedModels_ShowNoPriceNotZero()
    {
        var agent = "unpriced-" + Guid.NewGuid().ToString("N")[..6];
        await SendAsync(Call(agent, "homegrown-7b", 10, 10));

        using var stats = await StatsAsync(agent);

        Assert.Equal(JsonValueKind.Null, stats.RootElement.GetProperty("cost").ValueKind);
        Assert.Equal(JsonValueKind.Null, stats.RootElement.GetProperty("reported_cost").ValueKind);
    }

    [Fact]
    public async Task TraceList_PricesEachRun_AndNamesItsUnpricedModels()
    {
        var agent = "per-run-" + Guid.NewGuid().ToString("N")[..6];
        await SendAsync(Call(agent, "gpt-4o-mini", 1, 1));
        var id = await AgentIdAsync(agent);
        using var started = JsonDocument.Parse(await (await _client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "priced" })).Content.ReadAsStringAsync());
        var traceId = started.RootElement.GetProperty("trace_id").GetString()!;
        using var bare = JsonDocument.Parse(await (await _client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "no calls" })).Content.ReadAsStringAsync());
        await SendAsync(Call(agent, "gpt-4o-mini", 1_000, 500, parentTraceId: traceId), Call(agent, "my-local-llm", 300, 30, parentTraceId: traceId));

        using var list = JsonDocument.Parse(await _client.GetStringAsync($"/agents/{id}/traces"));
        using var trace = JsonDocument.Parse(await _client.GetStringAsync($"/traces/{traceId}"));

        var runs = list.RootElement.GetProperty("items").EnumerateArray().ToDictionary(r => r.GetProperty("trace_id").GetString()!);
        var priced = runs[traceId];
        Assert.Equal(2, priced.GetProperty("llm_calls").GetInt64());
        Assert.Equal(0.00045m, priced.GetProperty("cost").GetDecimal());
        Assert.Equal(["my-local-llm"], priced.GetProperty("unpriced_models").EnumerateArray().Select(m => m.GetString()));
        var none = runs[bare.RootElement.GetProperty("trace_id").GetString()!];
        Assert.Equal(JsonValueKind.Null, none.GetProperty("cost").ValueKind);
        Assert.Empty(none.GetProperty("unpriced_models").EnumerateArray());
        Assert.Equal(0.00045m, trace.RootElement.GetProperty("run").GetProperty("cost").GetDecimal());
    }

    [Fact]
    public async Task PriceChange_RepricesHistory_FromItsEffectiveDate()
    {
        var agent = "repriced-" + Guid.NewGuid().ToString("N")[..6];
        var model = "acme-" + Guid.NewGuid().ToString("N")[..6];
        await SendAsync(Call(agent, model, 2_000_000, 1_000_000));
        using (var before = await StatsAsync(agent))
        {
            Assert.Equal(JsonValueKind.Null, before.RootElement.GetProperty("cost").ValueKind);
        }
        var admin = await _app.CreateAdminClientAsync();

        var set = await admin.PutAsJsonAsync("/admin/prices", new { model, input_per_million = 1.5, output_per_million = 4, effective_from = "2020-01-01T00:00:00Z" });

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using (var after = await StatsAsync(agent))
        {
            Assert.Equal(7.0m, after.RootElement.GetProperty("cost").GetDecimal());
        }
        using var list = JsonDocument.Parse(await admin.GetStringAsync("/admin/prices"));
        Assert.Contains(list.RootElement.EnumerateArray(), p => p.GetProperty("model").GetString() == model && p.GetProperty("input_per_million").GetDecimal() == 1.5m);
        Assert.Contains(list.RootElement.EnumerateArray(), p => p.GetProperty("model").GetString() == "gpt-4o-mini");
    }

    [Fact]
    public async Task Prices_AreForAdministratorsOnly_AndBadPricesAreExplained()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await _client.GetAsync("/admin/prices")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await _app.CreateClientWithoutRedirects().GetAsync("/admin/prices")).StatusCode);
        var admin = await _app.CreateAdminClientAsync();

        var bad = await admin.PutAsJsonAsync("/admin/prices", new { model = "", input_per_million = "cheap", output_per_million = -1 });

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var problem = JsonDocument.Parse(await bad.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("model", out _));
        Assert.Contains("not a number", errors.GetProperty("input_per_million")[0].GetString());
    }

    private async Task<JsonDocument> StatsAsync(string agentName) =>
        JsonDocument.Parse(await _client.GetStringAsync($"/agents/{await AgentIdAsync(agentName)}/stats"));

    private async Task<string> AgentIdAsync(string agentName)
    {
        using var list = JsonDocument.Parse(await _client.GetStringAsync($"/agents?search={agentName}"));
        return Assert.Single(list.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString()!;
    }

    private async Task SendAsync(params Span[] spans)
    {
        var request = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { spans } } } } } };
        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsync("/v1/traces", content)).StatusCode);
    }

    private static Span Call(string agent, string model, long input, long output, string? reportedCost = null, string? parentTraceId = null)
    {
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
            SpanId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()[..8]),
            Name = "chat " + model,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 1_000_000,
        };
        void Add(string key, AnyValue value) => span.Attributes.Add(new KeyValue { Key = key, Value = value });
        Add("gen_ai.operation.name", new AnyValue { StringValue = "chat" });
        Add("gen_ai.request.model", new AnyValue { StringValue = model });
        Add("gen_ai.usage.input_tokens", new AnyValue { IntValue = input });
        Add("gen_ai.usage.output_tokens", new AnyValue { IntValue = output });
        Add("metadata.agent_id", new AnyValue { StringValue = agent });
        if (parentTraceId is not null)
        {
            Add("metadata.parent_trace_id", new AnyValue { StringValue = parentTraceId });
        }
        if (reportedCost is not null)
        {
            Add("gen_ai.cost.total_cost", new AnyValue { DoubleValue = double.Parse(reportedCost, System.Globalization.CultureInfo.InvariantCulture) });
        }
        return span;
    }
}
