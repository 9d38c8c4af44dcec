using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;

namespace AgentPortal.Dashboard.Tests.Api;

public class ForwardingTests
{
    [Fact]
    public async Task AcceptedSpans_AreForwardedAsReceived_RejectedOnesAreNot_AndRunRootsToo()
    {
        await using var collector = await FakeCollector.StartAsync();
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Url).With("Forwarding:Headers", "x-collector-token=abc");
        var client = app.CreateApiClient();
        var good = Span("good", ("gen_ai.usage.input_tokens", new AnyValue { IntValue = 12 }));
        var bad = Span("bad");
        bad.SpanId = ByteString.Empty;

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, good, bad)).StatusCode);
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "forwarded", type = "custom" })).Content.ReadAsStringAsync());
        var id = agent.RootElement.GetProperty("id").GetString();
        using var run = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{id}/trace/start", new { })).Content.ReadAsStringAsync());
        var runTrace = run.RootElement.GetProperty("trace_id").GetString()!;
        await client.PostAsJsonAsync($"/agents/{id}/trace/end", new { trace_id = runTrace });

        await WaitUntilAsync(() => collector.Received.Count >= 2);
        var spans = collector.Received.SelectMany(r => r.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans).ToList();
        Assert.Equal(2, spans.Count);
        var forwarded = spans.Single(s => s.Name == "good");
        Assert.Equal(good.TraceId, forwarded.TraceId);
        Assert.Equal(good.SpanId, forwarded.SpanId);
        Assert.Equal(12, forwarded.Attributes.Single(a => a.Key == "gen_ai.usage.input_tokens").Value.IntValue);
        Assert.Equal(runTrace, Convert.ToHexStringLower(spans.Single(s => s.Name.StartsWith("invoke_agent", StringComparison.Ordinal)).TraceId.Span));
    }

    [Fact]
    public async Task CollectorDown_IngestionGoesOn_AndTheFailuresAreVisibleInReadiness()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.AnswerWith = StatusCodes.Status503ServiceUnavailable;
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Url).With("Forwarding:MaxAttempts", "2");
        var client = app.CreateApiClient();
        var span = Span("kept");

        var response = await PostAsync(client, span);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{Convert.ToHexStringLower(span.TraceId.Span)}")).StatusCode);
        await WaitUntilAsync(() => collector.Requests >= 2);
        JsonElement forwarding = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            using var ready = JsonDocument.Parse(await client.GetStringAsync("/ready"));
            Assert.Equal("ready", ready.RootElement.GetProperty("status").GetString());
            forwarding = ready.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "otlp-forwarding").Clone();
            if (forwarding.GetProperty("status").GetString() == "down")
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.Equal("down", forwarding.GetProperty("status").GetString());
        Assert.False(forwarding.GetProperty("required").GetBoolean());
        Assert.Contains("1 exports failed", forwarding.GetProperty("error").GetString());
        Assert.Contains("503", forwarding.GetProperty("error").GetString());
    }

    [Fact]
    public async Task CollectorAsksToWait_WithRetryAfter_TheNextAttemptWaitsThatLong()
    {
        await using var collector = await FakeCollector.StartAsync();
        collector.AnswerWith = StatusCodes.Status429TooManyRequests;
        collector.RetryAfterSeconds = 1;
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Url).With("Forwarding:MaxAttempts", "2");
        var client = app.CreateApiClient();

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, Span("wait"))).StatusCode);

        await WaitUntilAsync(() => collector.Requests >= 2);
        var times = collector.RequestTimes.ToArray();
        Assert.Equal(2, times.Length);
        // The first backoff alone would be 250 ms.
        Assert.True(times[1] - times[0] >= TimeSpan.FromMilliseconds(950), $"retried after {(times[1] - times[0]).TotalMilliseconds} ms");
    }

    [Fact]
    public async Task OverGrpc_AcceptedSpansAreForwardedAsReceived_WithTheHeadersAsMetadata()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Address).With("Forwarding:Protocol", "grpc")
            .With("Forwarding:Headers", "X-Collector-Token=abc%20def");
        var client = app.CreateApiClient();
        var good = Span("good", ("gen_ai.usage.input_tokens", new AnyValue { IntValue = 12 }));

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, good)).StatusCode);

        await WaitUntilAsync(() => !collector.Received.IsEmpty);
        var (request, headers) = Assert.Single(collector.Received);
        var forwarded = request.ResourceSpans.Single().ScopeSpans.Single().Spans.Single();
        Assert.Equal(good.TraceId, forwarded.TraceId);
        Assert.Equal(good.SpanId, forwarded.SpanId);
        Assert.Equal(12, forwarded.Attributes.Single(a => a.Key == "gen_ai.usage.input_tokens").Value.IntValue);
        Assert.Equal("abc def", headers.GetValue("x-collector-token"));
    }

    [Fact]
    public async Task OverGrpc_UnavailableIsRetried_ThenCountedAsFailedInReadiness_WhileIngestionGoesOn()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        collector.AnswerWith = Grpc.Core.StatusCode.Unavailable;
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Address).With("Forwarding:Protocol", "grpc").With("Forwarding:MaxAttempts", "3");
        var client = app.CreateApiClient();
        var span = Span("kept");

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, span)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{Convert.ToHexStringLower(span.TraceId.Span)}")).StatusCode);

        var forwarding = await WaitForForwardingDownAsync(client);
        Assert.Equal(3, collector.Calls);
        Assert.Contains("1 exports failed", forwarding.GetProperty("error").GetString());
        Assert.Contains("Unavailable", forwarding.GetProperty("error").GetString());
    }

    [Fact]
    public async Task OverGrpc_ResourceExhaustedIsRetriedOnlyWhenTheCollectorSaysWhen()
    {
        await using var collector = await FakeGrpcCollector.StartAsync();
        collector.AnswerWith = Grpc.Core.StatusCode.ResourceExhausted;
        using var app = new PortalAppFactory().With("Forwarding:Endpoint", collector.Address).With("Forwarding:Protocol", "grpc").With("Forwarding:MaxAttempts", "3");
        var client = app.CreateApiClient();

        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, Span("no retry info"))).StatusCode);
        await WaitForForwardingDownAsync(client);
        Assert.Equal(1, collector.Calls);

        collector.RetryDelay = TimeSpan.FromMilliseconds(300);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(client, Span("with retry info"))).StatusCode);
        await WaitUntilAsync(() => collector.Calls >= 4);
        Assert.Equal(4, collector.Calls);
        // Two waits of at least the 300 ms asked for (longer than the first backoff of 250 ms).
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(600), $"retried after {clock.Elapsed.TotalMilliseconds} ms");
    }

    [Theory]
    [InlineData("Forwarding:Protocol", "http/json", "Forwarding:Protocol")]
    [InlineData("Forwarding:Endpoint", "http://collector:4317/v1/traces", "has a path, and an OTLP/gRPC address takes none")]
    [InlineData("Forwarding:Headers", "grpc-trace-bin=abc", "cannot be a gRPC metadata key")]
    public void OverGrpc_BadSettings_StopStartWithWhatToFix(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Forwarding:Endpoint"] = "http://collector:4317",
            ["Forwarding:Protocol"] = "grpc",
            [key] = value,
        };
        var result = new ValidateForwardingOptions().Validate(null, Bind(settings));
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage);
        Assert.DoesNotContain("abc", result.FailureMessage);
    }

    private static ForwardingOptions Bind(Dictionary<string, string?> settings)
    {
        var options = new ForwardingOptions();
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(ForwardingOptions.SectionName).Bind(options);
        return options;
    }

    private static async Task<JsonElement> WaitForForwardingDownAsync(HttpClient client)
    {
        JsonElement forwarding = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var ready = JsonDocument.Parse(await client.GetStringAsync("/ready"));
            forwarding = ready.RootElement.GetProperty("dependencies").EnumerateArray().Single(d => d.GetProperty("name").GetString() == "otlp-forwarding").Clone();
            if (forwarding.GetProperty("status").GetString() == "down")
            {
                break;
            }
            await Task.Delay(100);
        }
        Assert.Equal("down", forwarding.GetProperty("status").GetString());
        return forwarding;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 200 && !condition(); i++)
        {
            await Task.Delay(50);
        }
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, params Span[] spans)
    {
        var request = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { spans } } } } } };
        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return client.PostAsync("/v1/traces", content);
    }

    private static Span Span(string name, params (string Key, AnyValue Value)[] attributes)
    {
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()),
            SpanId = ByteString.CopyFrom(Guid.NewGuid().ToByteArray()[..8]),
            Name = name,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 1_000,
        };
        foreach (var (key, value) in attributes)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = value });
        }
        return span;
    }
}
