using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Google.Protobuf;
using ProtoResource = AgentPortal.Core.Otlp.Proto.Resource.Resource;

namespace AgentPortal.Dashboard.Tests.Api;

public class OtlpApiTests : IClassFixture<PortalAppFactory>
{
    private readonly PortalAppFactory _app;
    private readonly HttpClient _client;

    public OtlpApiTests(PortalAppFactory app)
    {
        _app = app;
        _client = app.CreateApiClient();
    }

    [Fact]
    public async Task Json_WithANameTwiceInOneObject_Is400SayingSo_NotA500()
    {
        // Found by the fuzzer: the duplicate failed only when the object was walked, as a 500.
        const string body = """{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a","name":"b"}]}]}]}""";

        var response = await _client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains("name", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LiteLlmShapedJson_WithParentTraceIdAndPythonDictMetadata_LinksToTheRun()
    {
        var (agentId, runTraceId, rootSpanId) = await StartRunAsync("litellm-agent");
        var litellmTrace = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var body = $$$"""
            {"resourceSpans": [{
              "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "litellm"}}]},
              "scopeSpans": [{"scope": {"name": "litellm"}, "spans": [
                {"traceId": "{{{litellmTrace}}}", "spanId": "1111111111111111", "name": "litellm_request", "kind": 3,
                 "startTimeUnixNano": "{{{now}}}", "endTimeUnixNano": "{{{now + 900_000_000}}}",
                 "attributes": [
                   {"key": "gen_ai.system", "value": {"stringValue": "openai"}},
                   {"key": "gen_ai.request.model", "value": {"stringValue": "gpt-4o"}},
                   {"key": "gen_ai.usage.prompt_tokens", "value": {"intValue": "200"}},
                   {"key": "gen_ai.usage.completion_tokens", "value": {"intValue": 25}},
                   {"key": "gen_ai.cost.total_cost", "value": {"doubleValue": 0.00075}},
                   {"key": "metadata.requester_metadata", "value": {"stringValue": "{'agent_id': '{{{agentId}}}', 'parent_trace_id': '{{{runTraceId}}}', 'user': 'kim'}"}}
                 ],
                 "status": {"code": 1}},
                {"traceId": "{{{litellmTrace}}}", "spanId": "2222222222222222", "parentSpanId": "1111111111111111", "name": "raw_gen_ai_request",
                 "startTimeUnixNano": "{{{now + 1000}}}", "endTimeUnixNano": "{{{now + 800_000_000}}}", "attributes": [],
                 "links": [{"traceId": "{{{runTraceId}}}", "spanId": "{{{rootSpanId}}}", "attributes": [{"key": "link.reason", "value": {"stringValue": "caused by"}}]},
                           {"traceId": "", "spanId": "", "attributes": []}]}
              ]}]
            }]}
            """;

        var response = await _client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.DoesNotContain("partialSuccess", await response.Content.ReadAsStringAsync());
        await EndRunAsync(agentId, runTraceId);

        using var trace = JsonDocument.Parse(await _client.GetStringAsync($"/traces/{runTraceId}"));
        var spans = trace.RootElement.GetProperty("spans").EnumerateArray().ToDictionary(s => s.GetProperty("span_id").GetString()!);
        Assert.Equal(3, spans.Count);
        Assert.Equal(rootSpanId, spans["1111111111111111"].GetProperty("parent_span_id").GetString());
        Assert.Equal("1111111111111111", spans["2222222222222222"].GetProperty("parent_span_id").GetString());
        // Its link is kept; a link with no ids points nowhere and is left out.
        var link = Assert.Single(spans["2222222222222222"].GetProperty("links").EnumerateArray());
        Assert.Equal((runTraceId, rootSpanId, "caused by"), (link.GetProperty("trace_id").GetString(), link.GetProperty("span_id").GetString(), link.GetProperty("attributes").GetProperty("link.reason").GetString()));
        Assert.Equal(litellmTrace, spans["1111111111111111"].GetProperty("attributes").GetProperty("agentportal.original_trace_id").GetString());
        Assert.Equal(200, spans["1111111111111111"].GetProperty("input_tokens").GetInt64());
        Assert.Equal("openai", spans["1111111111111111"].GetProperty("provider").GetString());
        Assert.Equal(1, trace.RootElement.GetProperty("run").GetProperty("llm_calls").GetInt64());

        using var stats = JsonDocument.Parse(await _client.GetStringAsync($"/agents/{agentId}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(200, stats.RootElement.GetProperty("input_tokens").GetInt64());
        Assert.Equal(25, stats.RootElement.GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public async Task AgentSeenOnlyInSpans_IsRegisteredFromTelemetry()
    {
        var name = "Support flow " + Guid.NewGuid().ToString("N")[..6];
        var externalId = "flow-" + Guid.NewGuid().ToString("N")[..8];
        var request = Export(Span(NewTraceId(), "chat gpt-4o", ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o"),
            ("gen_ai.agent.id", externalId), ("gen_ai.agent.name", name), ("gen_ai.usage.input_tokens", "7")), service: "langflow-runtime");

        var response = await PostProtobufAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var list = JsonDocument.Parse(await _client.GetStringAsync($"/agents?search={Uri.EscapeDataString(externalId)}"));
        var agent = Assert.Single(list.RootElement.GetProperty("items").EnumerateArray());
        Assert.Equal(name, agent.GetProperty("name").GetString());
        Assert.Equal("langflow", agent.GetProperty("type").GetString());
        Assert.Equal("telemetry", agent.GetProperty("registered_via").GetString());
        Assert.Equal(externalId, agent.GetProperty("external_id").GetString());
        using var stats = JsonDocument.Parse(await _client.GetStringAsync($"/agents/{agent.GetProperty("id").GetString()}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(7, stats.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task TenThousandSpansInOneRequest_AreAllStored()
    {
        var agentName = "bulk-" + Guid.NewGuid().ToString("N")[..6];
        var request = new ExportTraceServiceRequest();
        var scope = new ScopeSpans();
        for (var i = 0; i < 10_000; i++)
        {
            scope.Spans.Add(Span(NewTraceId(), "chat", ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", "gpt-4o-mini"),
                ("metadata.agent_id", agentName), ("gen_ai.usage.input_tokens", "3"), ("gen_ai.usage.output_tokens", "1")));
        }
        request.ResourceSpans.Add(new ResourceSpans { ScopeSpans = { scope } });

        var response = await PostProtobufAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Null(reply.PartialSuccess);
        using var list = JsonDocument.Parse(await _client.GetStringAsync($"/agents?search={agentName}"));
        var id = Assert.Single(list.RootElement.GetProperty("items").EnumerateArray()).GetProperty("id").GetString();
        using var stats = JsonDocument.Parse(await _client.GetStringAsync($"/agents/{id}/stats"));
        Assert.Equal(10_000, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(30_000, stats.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task MixedBatch_KeepsTheValidSpans_AndReportsTheRejectedOnesWithReasons()
    {
        var good = Span(NewTraceId(), "good");
        var badTrace = Span(NewTraceId(), "bad trace");
        badTrace.TraceId = ByteString.CopyFrom(new byte[16]);
        var badSpan = Span(NewTraceId(), "bad span id");
        badSpan.SpanId = ByteString.CopyFrom(new byte[] { 1, 2, 3 });
        var huge = Span(NewTraceId(), "huge", ("gen_ai.prompt", new string('x', 70_000)));
        var backwards = Span(NewTraceId(), "backwards");
        backwards.EndTimeUnixNano = backwards.StartTimeUnixNano - 1;
        var request = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { good, badTrace, badSpan, huge, backwards } } } } } };

        var response = await PostProtobufAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(4, reply.PartialSuccess.RejectedSpans);
        Assert.Contains("trace_id must be 16 bytes", reply.PartialSuccess.ErrorMessage);
        Assert.Contains("span_id must be 8 bytes", reply.PartialSuccess.ErrorMessage);
        Assert.Contains("attribute 'gen_ai.prompt' is larger than", reply.PartialSuccess.ErrorMessage);
        Assert.Contains("end_time_unix_nano is before", reply.PartialSuccess.ErrorMessage);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/traces/{Convert.ToHexStringLower(good.TraceId.Span)}")).StatusCode);
    }

    [Fact]
    public async Task JsonWithInvalidHexIds_RejectsThoseSpansOnly()
    {
        var goodTrace = NewTraceId();
        var body = $$$"""
            {"resourceSpans": [{"scopeSpans": [{"spans": [
              {"traceId": "{{{goodTrace}}}", "spanId": "abcdefabcdefabcd", "name": "ok", "startTimeUnixNano": "1", "endTimeUnixNano": "2"},
              {"traceId": "not-hex", "spanId": "abcdefabcdefabcd", "name": "broken", "startTimeUnixNano": "1", "endTimeUnixNano": "2"}
            ]}]}]}
            """;

        var response = await _client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reply = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("1", reply.RootElement.GetProperty("partialSuccess").GetProperty("rejectedSpans").GetString());
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/traces/{goodTrace}")).StatusCode);
    }

    [Fact]
    public async Task GzipBody_IsAccepted()
    {
        var traceId = NewTraceId();
        var bytes = Export(Span(traceId, "zipped")).ToByteArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
        {
            await gzip.WriteAsync(bytes);
        }
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _client.GetAsync($"/traces/{traceId}")).StatusCode);
    }

    [Fact]
    public async Task GzipBody_ThatInflatesFarBeyondItsSentLength_IsReadWhole()
    {
        var traceId = NewTraceId();
        var scope = new ScopeSpans();
        for (var i = 0; i < 2_000; i++)
        {
            scope.Spans.Add(Span(traceId, "step " + i, ("gen_ai.prompt", new string('q', 200))));
        }
        var bytes = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } }.ToByteArray();
        using var compressed = new MemoryStream();
        await using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            await gzip.WriteAsync(bytes);
        }
        Assert.True(bytes.Length > 4 * compressed.Length && bytes.Length > 256 * 1024, "the test body must inflate well past its sent length");
        var content = new ByteArrayContent(compressed.ToArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        content.Headers.ContentEncoding.Add("gzip");

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var trace = JsonDocument.Parse(await _client.GetStringAsync($"/traces/{traceId}"));
        Assert.Equal(2_000, trace.RootElement.GetProperty("spans").GetArrayLength());
    }

    [Fact]
    public async Task BodyWithoutAContentLength_IsReadWhole()
    {
        var traceId = NewTraceId();
        var scope = new ScopeSpans();
        for (var i = 0; i < 500; i++)
        {
            scope.Spans.Add(Span(traceId, "chunk " + i, ("gen_ai.prompt", new string('c', 100))));
        }
        var bytes = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } }.ToByteArray();
        var content = new StreamContent(new UnknownLengthStream(bytes));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.Null(content.Headers.ContentLength);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var trace = JsonDocument.Parse(await _client.GetStringAsync($"/traces/{traceId}"));
        Assert.Equal(500, trace.RootElement.GetProperty("spans").GetArrayLength());
    }

    [Theory]
    [InlineData("application/x-protobuf", new byte[] { 0x0A, 0xFF, 0xFF, 0xFF }, HttpStatusCode.BadRequest, "not a valid protobuf")]
    [InlineData("application/json", new byte[] { (byte)'{', (byte)'x' }, HttpStatusCode.BadRequest, "not a valid OTLP/JSON")]
    [InlineData("text/plain", new byte[] { 1 }, HttpStatusCode.UnsupportedMediaType, "application/x-protobuf")]
    [InlineData("application/x-protobuf", new byte[0], HttpStatusCode.BadRequest, "body is empty")]
    public async Task UnreadableExports_Return4xxWithAReason(string contentType, byte[] body, HttpStatusCode status, string reason)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);

        var response = await _client.PostAsync("/v1/traces", content);

        Assert.Equal(status, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains(reason, problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AllSpansInvalid_Returns400WithTheReasons()
    {
        var bad = Span(NewTraceId(), "bad");
        bad.SpanId = ByteString.Empty;

        var response = await PostProtobufAsync(Export(bad));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("span_id must be 8 bytes", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WithoutAKey_Returns401()
    {
        var content = new ByteArrayContent(Export(Span(NewTraceId(), "x")).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");

        var response = await _app.CreateClientWithoutRedirects().PostAsync("/v1/traces", content);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private async Task<(string AgentId, string TraceId, string RootSpanId)> StartRunAsync(string name)
    {
        using var agent = JsonDocument.Parse(await (await _client.PostAsJsonAsync("/agents/register", new { name = name + "-" + Guid.NewGuid().ToString("N")[..6], type = "vanna" })).Content.ReadAsStringAsync());
        var id = agent.RootElement.GetProperty("id").GetString()!;
        using var run = JsonDocument.Parse(await (await _client.PostAsJsonAsync($"/agents/{id}/trace/start", new { input = "q" })).Content.ReadAsStringAsync());
        return (id, run.RootElement.GetProperty("trace_id").GetString()!, run.RootElement.GetProperty("span_id").GetString()!);
    }

    private async Task EndRunAsync(string agentId, string traceId) =>
        Assert.Equal(HttpStatusCode.OK, (await _client.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId })).StatusCode);

    private Task<HttpResponseMessage> PostProtobufAsync(ExportTraceServiceRequest request)
    {
        var content = new ByteArrayContent(request.ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return _client.PostAsync("/v1/traces", content);
    }

    private static string NewTraceId() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private static ExportTraceServiceRequest Export(Span span, string? service = null)
    {
        var resource = new ProtoResource();
        if (service is not null)
        {
            resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = service } });
        }
        return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { Resource = resource, ScopeSpans = { new ScopeSpans { Spans = { span } } } } } };
    }

    private static Span Span(string traceId, string name, params (string Key, string Value)[] attributes)
    {
        var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16])),
            Name = name,
            Kind = AgentPortal.Core.Otlp.Proto.Trace.Span.Types.SpanKind.Client,
            StartTimeUnixNano = start,
            EndTimeUnixNano = start + 250_000_000,
        };
        foreach (var (key, value) in attributes)
        {
            span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = value } });
        }
        return span;
    }

    /// <summary>A body whose length is not known up front, as a streaming sender's is (chunked transfer).</summary>
    private sealed class UnknownLengthStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
