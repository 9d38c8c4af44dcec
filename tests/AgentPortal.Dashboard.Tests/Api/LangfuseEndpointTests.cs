using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Google.Protobuf;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>
/// The Langfuse-compatible endpoint: what Langfuse's SDKs (v3+) send — OTLP/HTTP protobuf to
/// /api/public/otel/v1/traces with HTTP Basic public key : secret key — is taken with a portal API key
/// as the secret and the key's project as the public key.
/// </summary>
public sealed class LangfuseEndpointTests : IDisposable
{
    private const string Path = "/api/public/otel/v1/traces";
    private readonly PortalAppFactory _app = new();

    [Fact]
    public async Task BasicWithTheProjectAndAnIngestKey_StoresTheSpans()
    {
        var (traceId, body) = Export();

        var response = await SendAsync(body, "default-project", PortalAppFactory.IngestKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var trace = JsonDocument.Parse(await _app.CreateApiClient().GetStringAsync($"/traces/{traceId}"));
        var span = Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray());
        Assert.Equal("GENERATION", span.GetProperty("attributes").GetProperty("langfuse.observation.type").GetString());
    }

    [Fact]
    public async Task APublicKeyThatIsNotTheKeysProject_IsRefusedSayingWhichProjectToName()
    {
        var (_, body) = Export();

        var response = await SendAsync(body, "pk-lf-1234", PortalAppFactory.IngestKey);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("'default-project'", problem.RootElement.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AWrongSecret_OrBasicOnTheOrdinaryEndpoint_IsUnauthorized()
    {
        var (_, body) = Export();

        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(body, "default-project", "ap_notARealKey0123456789abcdefXYZ")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(body, "default-project", PortalAppFactory.IngestKey, "/v1/traces")).StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(byte[] body, string publicKey, string secretKey, string path = Path)
    {
        var client = _app.CreateClientWithoutRedirects();
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/x-protobuf");
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{publicKey}:{secretKey}")));
        return await client.SendAsync(request);
    }

    private static (string TraceId, byte[] Body) Export()
    {
        var traceId = AgentRunService.NewHexId(16);
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var span = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
            Name = "generation",
            StartTimeUnixNano = now,
            EndTimeUnixNano = now + 1_000_000,
            Attributes = { new KeyValue { Key = "langfuse.observation.type", Value = new AnyValue { StringValue = "GENERATION" } } },
        };
        return (traceId, new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { span } } } } } }.ToByteArray());
    }

    public void Dispose() => _app.Dispose();
}
