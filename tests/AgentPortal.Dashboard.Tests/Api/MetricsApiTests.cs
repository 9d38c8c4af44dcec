using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>
/// Runs alone: OpenTelemetry listens to meters by name, so portals that other tests start in this process
/// at the same time would add their runs and spans to the counts checked here.
/// </summary>
[CollectionDefinition(nameof(MetricsApiTests), DisableParallelization = true)]
public sealed class MetricsCollection;

/// <summary>GET /metrics: the whole Prometheus exposition parsed, its names, types, labels and buckets checked.</summary>
[Collection(nameof(MetricsApiTests))]
public sealed partial class MetricsApiTests
{
    private static readonly Dictionary<string, string> s_expected = new()
    {
        ["agent_tasks_total"] = "counter",
        ["agent_tasks_successful_total"] = "counter",
        ["agent_task_duration_seconds"] = "histogram",
        ["agent_calls_total"] = "counter",
        ["token_usage_total"] = "counter",
        ["model_latency_seconds"] = "histogram",
        ["http_requests_total"] = "counter",
        ["http_request_duration_seconds"] = "histogram",
        ["database_connections_active"] = "gauge",
        ["system_cpu_usage_percent"] = "gauge",
        ["system_memory_usage_percent"] = "gauge",
        ["ingestion_spans_accepted_total"] = "counter",
        ["ingestion_spans_rejected_total"] = "counter",
        ["ingestion_queue_depth"] = "gauge",
        ["ingestion_spans_forwarded_total"] = "counter",
        ["alert_rules"] = "gauge",
    };

    /// <summary>The metric families the exposition is checked to hold, for the deployment files' own checks.</summary>
    internal static IReadOnlyDictionary<string, string> Families => s_expected;

    [Fact]
    public async Task Exposition_HasEveryMetric_WithItsType_LabelsByRouteTemplate_AndSecondBuckets()
    {
        using var app = new PortalAppFactory();
        var api = app.CreateApiClient();
        var agentId = await RunWithAnLlmCallAsync(api);

        var text = await api.GetStringAsync("/metrics");
        var (types, samples) = Parse(text);

        foreach (var (name, type) in s_expected)
        {
            Assert.True(types.TryGetValue(name, out var found), $"{name} is not in the exposition");
            Assert.Equal(type, found);
        }
        Assert.Equal(1, Value(samples, "agent_tasks_total", ("agent_type", "vanna")));
        Assert.Equal(1, Value(samples, "agent_tasks_successful_total", ("agent_type", "vanna")));
        Assert.Equal(1, Value(samples, "agent_calls_total", ("model", "gpt-4o")));
        Assert.Equal(120, Value(samples, "token_usage_total", ("model", "gpt-4o"), ("direction", "input")));
        Assert.Equal(30, Value(samples, "token_usage_total", ("model", "gpt-4o"), ("direction", "output")));
        Assert.Equal(1, Value(samples, "ingestion_spans_rejected_total"));
        Assert.Equal(1, Value(samples, "http_requests_total", ("method", "POST"), ("path", "/agents/{id}/trace/start"), ("status", "201")));
        // Route templates, never raw paths: no id ever becomes a label.
        Assert.DoesNotContain(samples, s => s.Name == "http_requests_total" && s.Labels["path"].Contains(agentId, StringComparison.Ordinal));
        var buckets = samples.Where(s => s.Name == "agent_task_duration_seconds_bucket").Select(s => s.Labels["le"]).ToList();
        Assert.Equal([.. PortalMetrics.SecondBuckets.Select(b => b.ToString(CultureInfo.InvariantCulture)), "+Inf"], buckets);
        Assert.InRange(Value(samples, "system_memory_usage_percent"), 0, 100);
    }

    [Fact]
    public async Task WithoutAToken_TheEndpointWantsAReadKey()
    {
        using var app = new PortalAppFactory();

        var anonymous = await app.CreateClientWithoutRedirects().GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.CreateApiClient().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task WithMetricsToken_PrometheusSendsIt_AndNothingElseGetsIn()
    {
        using var app = new PortalAppFactory().With("Metrics:Token", "scrape-token-0123456789");
        var client = app.CreateClientWithoutRedirects();

        var without = await client.GetAsync("/metrics");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Authorization = new("Bearer", "scrape-token-0123456789");
        var with = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, without.StatusCode);
        Assert.Contains("Metrics__Token", await without.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, with.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.CreateApiClient().GetAsync("/metrics")).StatusCode);
    }

    private static async Task<string> RunWithAnLlmCallAsync(HttpClient api)
    {
        using var agent = JsonDocument.Parse(await (await api.PostAsJsonAsync("/agents/register", new { name = "metered", type = "vanna" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString()!;
        using var run = JsonDocument.Parse(await (await api.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { })).Content.ReadAsStringAsync());
        var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var body = $$$"""
            {"resourceSpans": [{"scopeSpans": [{"spans": [
              {"traceId": "{{{traceId}}}", "spanId": "00000000000000a1", "parentSpanId": "{{{run.RootElement.GetProperty("span_id").GetString()}}}", "name": "chat gpt-4o",
               "startTimeUnixNano": "{{{now}}}", "endTimeUnixNano": "{{{now + 300_000_000}}}",
               "attributes": [{"key": "gen_ai.operation.name", "value": {"stringValue": "chat"}}, {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                              {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 120}}, {"key": "gen_ai.usage.output_tokens", "value": {"intValue": 30}}]},
              {"traceId": "{{{traceId}}}", "spanId": "", "name": "broken", "startTimeUnixNano": "{{{now}}}", "endTimeUnixNano": "{{{now}}}"}]}]}]}
            """;
        (await api.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();
        (await api.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId })).EnsureSuccessStatusCode();
        return agentId;
    }

    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>The text format, line by line: # TYPE lines, samples (name, optional {labels}, value, optional timestamp), nothing else but # HELP, # EOF and blanks.</summary>
    private static (Dictionary<string, string> Types, List<Sample> Samples) Parse(string text)
    {
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith("# HELP ", StringComparison.Ordinal) || line == "# EOF")
            {
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.Equal(4, parts.Length);
                Assert.Contains(parts[3], new[] { "counter", "gauge", "histogram", "summary", "untyped" });
                types[parts[2]] = parts[3];
                continue;
            }
            var match = SampleLine().Match(line);
            Assert.True(match.Success, $"Not a sample line: {line}");
            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value, StringComparer.Ordinal);
            samples.Add(new Sample(match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return (types, samples);
    }

    private static double Value(List<Sample> samples, string name, params (string Key, string Value)[] labels) =>
        samples.Single(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).Value;

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>[-+]?([0-9.eE+-]+|Inf|NaN))( [0-9]+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
