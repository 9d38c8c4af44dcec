using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Core.Security;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentPortal.Dashboard.Tests.Reliability;

/// <summary>
/// A seeded fuzzer: over 10,000 malformed and hostile requests to every endpoint that takes input
/// (the JSON APIs, OTLP/HTTP JSON, protobuf and gzip, OTLP/gRPC, the Langfuse endpoint, chat, the
/// admin price API, query strings of the API and the pages, headers and the sign-in form): broken
/// and truncated bodies, wrong types, huge strings and numbers, deep nesting, invalid UTF-8, NUL
/// bytes, SQL and ClickHouse injection strings, forged keys, oversized and zip-bomb bodies. Every
/// answer must be below 500, and an API's 4xx a problem detail; afterwards the portal still serves.
/// A failing request is printed with the seed, so it can be replayed and kept as a regression test.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Requests = 10_500;

    private static readonly string[] s_hostile =
    [
        "' OR 1=1 --", "'); DROP TABLE spans; --", "\\'; SELECT * FROM system.users FORMAT JSON --", "1; DELETE FROM agents",
        "\0", "a\0b", "\u202Etxt.exe", "<script>alert(1)</script>", "{{7*7}}", "${jndi:ldap://127.0.0.1/x}", "../../etc/passwd",
        "%00%27", "데이터 에이전트", "🤖", "\uFFFE", "\\", "\"", "\t\r\n", "", " ", new string('x', 70_000), new string('é', 5_000),
    ];

    private static readonly string[] s_fields =
    [
        "name", "type", "project_id", "external_id", "config", "monitoring_enabled", "status", "input", "output", "error", "trace_id",
        "metadata", "model", "messages", "role", "content", "stream", "max_tokens", "temperature", "prices", "input_per_million",
        "resourceSpans", "scopeSpans", "spans", "traceId", "spanId", "attributes", "key", "value", "stringValue", "startTimeUnixNano",
    ];

    private FakeLlmGateway _gateway = null!;
    private FakeRunners _runners = null!;
    private PortalAppFactory _app = null!;
    private HttpClient _ingest = null!;
    private HttpClient _read = null!;
    private HttpClient _chat = null!;
    private HttpClient _admin = null!;
    private HttpClient _anonymous = null!;
    private string _agentId = "";
    private string _traceId = "";
    private string _chatKey = "";

    public async Task InitializeAsync()
    {
        _gateway = await FakeLlmGateway.StartAsync();
        _runners = await FakeRunners.StartAsync();
        // Every dependency configured (on loopback fakes), so an answer of 503 can only mean a failure.
        _app = new PortalAppFactory()
            .With("Llm:BaseUrl", _gateway.BaseUrl).With("Llm:ApiKey", FakeLlmGateway.Key)
            .With("Integrations:Langflow:Url", _runners.BaseUrl).With("Integrations:Langflow:ApiKey", FakeRunners.LangflowKey)
            .With("Integrations:Flowise:Url", _runners.BaseUrl).With("Integrations:Flowise:ApiKey", FakeRunners.FlowiseKey)
            .With("Integrations:AutoGen:Url", _runners.BaseUrl)
            .With("Security:IngestRequestsPerSecond", "0");
        _ingest = _app.CreateApiClient();
        var keys = _app.Services.GetRequiredService<ApiKeyService>();
        _read = _app.CreateApiClient((await keys.CreateAsync("default-project", ApiKeyScopes.Read, "fuzz read", CancellationToken.None)).Secret);
        _chatKey = (await keys.CreateAsync("default-project", ApiKeyScopes.Chat | ApiKeyScopes.Read, "fuzz chat", CancellationToken.None)).Secret;
        _chat = _app.CreateApiClient(_chatKey);
        _admin = await _app.CreateAdminClientAsync();
        _anonymous = _app.CreateClientWithoutRedirects();
        using var agent = JsonDocument.Parse(await (await _ingest.PostAsJsonAsync("/agents/register", new { name = "fuzz-target", type = "custom" })).Content.ReadAsStringAsync());
        _agentId = agent.RootElement.GetProperty("id").GetString()!;
        using var run = JsonDocument.Parse(await (await _ingest.PostAsJsonAsync($"/agents/{_agentId}/trace/start", new { input = "fuzz" })).Content.ReadAsStringAsync());
        _traceId = run.RootElement.GetProperty("trace_id").GetString()!;
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _gateway.DisposeAsync();
        await _runners.DisposeAsync();
    }

    [Fact]
    public async Task TenThousandHostileRequests_GetOnly4xxProblemDetails_AndThePortalStillServes()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var generators = Generators();
        var failures = new List<string>();
        var byStatus = new SortedDictionary<int, int>();
        for (var i = 0; i < Requests && failures.Count < 20; i++)
        {
            var (name, make) = generators[random.Next(generators.Count)];
            var (client, request, isApi) = make(random);
            using (request)
            {
                var description = $"#{i} {name}: {request.Method} {Truncate(request.RequestUri?.ToString() ?? "", 200)}";
                HttpResponseMessage response;
                try
                {
                    response = await client.SendAsync(request);
                }
                catch (Exception ex) when (ex is HttpRequestException or InvalidOperationException)
                {
                    failures.Add($"{description} threw {ex.GetType().Name}: {ex.Message}");
                    continue;
                }
                using (response)
                {
                    var body = await response.Content.ReadAsStringAsync();
                    var status = (int)response.StatusCode;
                    byStatus[status] = byStatus.GetValueOrDefault(status) + 1;
                    var trailers = response.TrailingHeaders.Concat(response.Headers).ToList();
                    var grpcStatus = trailers.FirstOrDefault(h => h.Key == "grpc-status").Value?.FirstOrDefault();
                    if (status >= 500 || grpcStatus is "2" or "13")
                    {
                        var grpcMessage = trailers.FirstOrDefault(h => h.Key == "grpc-message").Value?.FirstOrDefault();
                        failures.Add($"{description} answered {status} (grpc-status {grpcStatus} {grpcMessage}): {Truncate(body, 400)}");
                    }
                    else if (isApi && status >= 400 && status != 413 && response.Content.Headers.ContentType?.MediaType != "application/problem+json")
                    {
                        failures.Add($"{description} answered {status} without a problem detail ({response.Content.Headers.ContentType}): {Truncate(body, 200)}");
                    }
                }
            }
        }
        output.WriteLine($"requests {Requests}, answers by status: {string.Join(", ", byStatus.Select(s => $"{s.Key}×{s.Value}"))}; failures {failures.Count}");
        foreach (var failure in failures)
        {
            output.WriteLine(failure);
        }

        Assert.True(failures.Count == 0, $"seed {seed}:\n" + string.Join("\n", failures));
        Assert.Equal(HttpStatusCode.OK, (await _ingest.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _ingest.PostAsJsonAsync($"/agents/{_agentId}/trace/end", new { trace_id = _traceId, status = "ok" })).StatusCode);
    }

    private delegate (HttpClient Client, HttpRequestMessage Request, bool IsApi) Generator(Random random);

    private List<(string Name, Generator Make)> Generators() =>
    [
        ("register", r => (_ingest, Json(HttpMethod.Post, "/agents/register", Body(r, new { name = "a", type = "custom" })), true)),
        ("patch agent", r => (_ingest, Json(HttpMethod.Patch, $"/agents/{Id(r)}", Body(r, new { monitoring_enabled = false, name = "b" })), true)),
        ("trace start", r => (_ingest, Json(HttpMethod.Post, $"/agents/{Id(r)}/trace/start", Body(r, new { input = "q", metadata = new { k = "v" } })), true)),
        ("trace end", r => (_ingest, Json(HttpMethod.Post, $"/agents/{Id(r)}/trace/end", Body(r, new { trace_id = _traceId, status = "error", error = "e" })), true)),
        ("otlp json", r => (_ingest, Raw(HttpMethod.Post, "/v1/traces", Encoding.UTF8.GetBytes(Body(r, ValidOtlpJson())), r.Next(4) == 0 ? "application/x-protobuf" : "application/json", r), true)),
        ("otlp protobuf", r => (_ingest, Raw(HttpMethod.Post, "/v1/traces", Mutate(r, ValidOtlp().ToByteArray()), r.Next(6) == 0 ? "application/json" : "application/x-protobuf", r), true)),
        ("otlp zip bomb", r => (_ingest, ZipBomb(r), true)),
        ("langfuse", r => (_anonymous, Langfuse(r), true)),
        ("grpc", r => (_ingest, Grpc(r), false)),
        ("chat", r => (_chat, Json(HttpMethod.Post, r.Next(2) == 0 ? "/chat/completions" : "/chat/stream", Body(r, new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "hi" } } })), true)),
        ("runner", r => (_chat, Json(HttpMethod.Post, $"/runners/{Pick(r, "langflow", "flowise", "autogen", "x")}/{Id(r)}/run", Body(r, new { input = "q" })), true)),
        ("prices", r => (_admin, Json(HttpMethod.Put, "/admin/prices/", Body(r, new[] { new { model = "m", input_per_million = 1.0, output_per_million = 2.0 } })), true)),
        ("price import", r => (_admin, Json(HttpMethod.Post, "/admin/prices/import", Body(r, new Dictionary<string, object> { ["gpt-x"] = new { input_cost_per_token = 0.000001 } })), true)),
        ("api query", r => (_read, new HttpRequestMessage(HttpMethod.Get, Pick(r,
            $"/agents/?page={Q(r)}&page_size={Q(r)}&q={Q(r)}&status={Q(r)}&type={Q(r)}&project_id={Q(r)}",
            $"/agents/{Id(r)}/stats?from={Q(r)}&to={Q(r)}",
            $"/agents/{Id(r)}/traces?page={Q(r)}&page_size={Q(r)}&status={Q(r)}&model={Q(r)}&search={Q(r)}&name={Q(r)}&session={Q(r)}&user={Q(r)}&from={Q(r)}",
            $"/agents/{Id(r)}/errors?from={Q(r)}&to={Q(r)}&limit={Q(r)}",
            $"/traces/{Id(r)}",
            $"/observability/usage?from={Q(r)}&to={Q(r)}&group_by={Q(r)}&project_id={Q(r)}",
            $"/observability/models?from={Q(r)}&to={Q(r)}",
            $"/models/?{Q(r)}={Q(r)}")), true)),
        ("page query", r => (_admin, new HttpRequestMessage(HttpMethod.Get, Pick(r,
            $"/?range={Q(r)}&from={Q(r)}&to={Q(r)}",
            $"/monitoring/traces?model={Q(r)}&name={Q(r)}&agent={Q(r)}&status={Q(r)}&page={Q(r)}&search={Q(r)}&session={Q(r)}&user={Q(r)}&range={Q(r)}",
            $"/monitoring/agents/{Id(r)}?status={Q(r)}&range={Q(r)}&from={Q(r)}",
            $"/monitoring/traces/{Id(r)}",
            $"/monitoring/compare?agents={Q(r)}&range={Q(r)}",
            $"/registry?q={Q(r)}&page={Q(r)}",
            $"/admin/audit?area={Q(r)}",
            $"/alerts/{Id(r)}",
            $"/account/manage?required={Q(r)}")), false)),
        ("forged key", r => (_anonymous, Forged(r), true)),
        ("sign-in form", r => (_anonymous, SignInForm(r), false)),
    ];

    /// <summary>
    /// A path segment: the agent's id or a hostile one. Never empty (that is another route) and without
    /// NUL, which the test client refuses to send (Kestrel answers 400 to it).
    /// </summary>
    private string Id(Random r) => r.Next(3) == 0 ? _agentId : Uri.EscapeDataString(Hostile(r).Replace("\0", "0", StringComparison.Ordinal) is { Length: > 0 } id && !string.IsNullOrWhiteSpace(id) ? id : "x");

    private static string Q(Random r) => Uri.EscapeDataString(r.Next(4) switch
    {
        0 => Hostile(r),
        1 => r.Next(-5, 5).ToString(System.Globalization.CultureInfo.InvariantCulture),
        2 => Pick(r, "9999999999999999999999", "-1", "1e308", "NaN", "2026-13-45T99:99", "2026-12-01T10:00:00Z", "true", "[]", "{}", "0x10", "ok", "error"),
        _ => RandomText(r, r.Next(0, 40)),
    });

    private static string Hostile(Random r) => s_hostile[r.Next(s_hostile.Length)];

    private static string Pick(Random r, params string[] options) => options[r.Next(options.Length)];

    /// <summary>A valid body, or one of many ways to break it.</summary>
    private static string Body(Random r, object valid)
    {
        var json = JsonSerializer.Serialize(valid);
        return r.Next(9) switch
        {
            0 => json[..r.Next(json.Length)],
            1 => RandomJson(r, 0),
            2 => new string('[', r.Next(1, 20_000)) + new string(']', r.Next(0, 3)),
            3 => "{" + string.Join(",", Enumerable.Range(0, r.Next(1, 8)).Select(_ => $"\"{s_fields[r.Next(s_fields.Length)]}\":{RandomJson(r, 2)}")) + "}",
            4 => json.Replace("\"a\"", JsonSerializer.Serialize(Hostile(r)), StringComparison.Ordinal).Replace("\"q\"", JsonSerializer.Serialize(Hostile(r)), StringComparison.Ordinal),
            5 => Encoding.Latin1.GetString(Mutate(r, Encoding.UTF8.GetBytes(json))),
            6 => "",
            7 => json.Replace("1", "1e400", StringComparison.Ordinal).Replace("false", "\"no\"", StringComparison.Ordinal).Replace("2", "-99999999999999999999", StringComparison.Ordinal),
            _ => json,
        };
    }

    private static string RandomJson(Random r, int depth) => (depth > 4 ? r.Next(4) : r.Next(8)) switch
    {
        0 => JsonSerializer.Serialize(Hostile(r)),
        1 => Pick(r, "0", "-1", "1e308", "123456789012345678901234567890", "0.1", "-0"),
        2 => Pick(r, "true", "false", "null"),
        3 => JsonSerializer.Serialize(RandomText(r, r.Next(0, 30))),
        4 or 5 => "[" + string.Join(",", Enumerable.Range(0, r.Next(0, 4)).Select(_ => RandomJson(r, depth + 1))) + "]",
        _ => "{" + string.Join(",", Enumerable.Range(0, r.Next(0, 5)).Select(_ => $"\"{s_fields[r.Next(s_fields.Length)]}\":{RandomJson(r, depth + 1)}")) + "}",
    };

    private static string RandomText(Random r, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append((char)(r.Next(3) == 0 ? r.Next(0, 0xD7FF) : r.Next(0x20, 0x7F)));
        }
        return text.ToString();
    }

    /// <summary>Bytes truncated, flipped, or with invalid UTF-8 and NULs spliced in.</summary>
    private static byte[] Mutate(Random r, byte[] bytes)
    {
        var copy = bytes.ToList();
        switch (r.Next(5))
        {
            case 0:
                return [.. copy.Take(r.Next(copy.Count + 1))];
            case 1:
                for (var i = 0; i < 1 + r.Next(10) && copy.Count > 0; i++)
                {
                    copy[r.Next(copy.Count)] = (byte)r.Next(256);
                }
                return [.. copy];
            case 2:
                copy.InsertRange(r.Next(copy.Count + 1), [0xFF, 0xFE, 0x00, 0xC3, 0x28, 0xED, 0xA0, 0x80]);
                return [.. copy];
            case 3:
                var noise = new byte[r.Next(1, 4096)];
                r.NextBytes(noise);
                return noise;
            default:
                return bytes;
        }
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, string body) => new(method, path)
    {
        Content = new StringContent(body, Encoding.UTF8, "application/json"),
    };

    private static HttpRequestMessage Raw(HttpMethod method, string path, byte[] body, string contentType, Random r)
    {
        var gzip = r.Next(5) == 0;
        var content = new ByteArrayContent(gzip ? Gzip(body) : body);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (gzip || r.Next(12) == 0)
        {
            content.Headers.ContentEncoding.Add(Pick(r, "gzip", "gzip", "br", "deflate", "x-unknown"));
        }
        return new HttpRequestMessage(method, path) { Content = content };
    }

    private static byte[] Gzip(byte[] bytes)
    {
        using var buffer = new MemoryStream();
        using (var zip = new GZipStream(buffer, CompressionLevel.Fastest))
        {
            zip.Write(bytes);
        }
        return buffer.ToArray();
    }

    // One zip bomb, made once: 64 MiB of zeros gzip to about 64 KiB.
    private static readonly Lazy<byte[]> s_bomb = new(() => Gzip(new byte[64 * 1024 * 1024]));

    private static HttpRequestMessage ZipBomb(Random r)
    {
        var content = new ByteArrayContent(r.Next(2) == 0 ? s_bomb.Value : new byte[r.Next(8, 20) * 1024 * 1024]);
        content.Headers.ContentType = new MediaTypeHeaderValue(Pick(r, "application/x-protobuf", "application/json"));
        if (content.Headers.ContentLength < 1024 * 1024)
        {
            content.Headers.ContentEncoding.Add("gzip");
        }
        return new HttpRequestMessage(HttpMethod.Post, "/v1/traces") { Content = content };
    }

    private static HttpRequestMessage Langfuse(Random r)
    {
        var request = Raw(HttpMethod.Post, "/api/public/otel/v1/traces", r.Next(2) == 0 ? Mutate(r, ValidOtlp().ToByteArray()) : Encoding.UTF8.GetBytes(Body(r, ValidOtlpJson())),
            r.Next(2) == 0 ? "application/x-protobuf" : "application/json", r);
        var credentials = r.Next(4) switch
        {
            0 => Convert.ToBase64String(Encoding.UTF8.GetBytes($"default-project:{PortalAppFactory.IngestKey}")),
            1 => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Hostile(r)}:{Hostile(r)}")),
            2 => "!!!not-base64!!!",
            _ => Convert.ToBase64String(Encoding.UTF8.GetBytes("no-colon")),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Basic " + credentials);
        return request;
    }

    private static HttpRequestMessage Grpc(Random r)
    {
        var payload = Mutate(r, ValidOtlp().ToByteArray());
        var flag = (byte)(r.Next(6) == 0 ? 1 : 0);
        var frame = OtlpGrpcCall.Frame(payload, flag, r.Next(6) == 0 ? (uint?)r.Next() : null);
        var body = r.Next(8) == 0 ? frame[..r.Next(frame.Length)] : frame;
        return OtlpGrpcCall.Request(body, key: null, encoding: r.Next(5) == 0 ? Pick(r, "gzip", "identity", "snappy") : null);
    }

    private static HttpRequestMessage Forged(Random r)
    {
        var request = Json(HttpMethod.Post, "/agents/register", """{"name":"forged","type":"custom"}""");
        var key = r.Next(5) switch
        {
            0 => "ap_" + RandomText(r, 40).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal),
            1 => PortalAppFactory.IngestKey[..^1] + "X",
            2 => new string('a', 20_000),
            3 => "' OR 1=1 --",
            _ => "",
        };
        var header = r.Next(3) switch
        {
            0 => ("Authorization", "Bearer " + key),
            1 => ("x-api-key", key),
            _ => ("Authorization", Pick(r, "Bearer", "Basic", "Digest abc", "Bearer  ", "bearer " + key)),
        };
        request.Headers.TryAddWithoutValidation(header.Item1, Sanitize(header.Item2));
        return request;
    }

    private static HttpRequestMessage SignInForm(Random r)
    {
        var fields = new Dictionary<string, string>
        {
            ["_handler"] = Pick(r, "login", "", Hostile(r)),
            ["Input.Email"] = Hostile(r),
            ["Input.Password"] = Hostile(r),
        };
        if (r.Next(2) == 0)
        {
            fields["__RequestVerificationToken"] = RandomText(r, 50);
        }
        return new HttpRequestMessage(HttpMethod.Post, "/account/login") { Content = new FormUrlEncodedContent(fields) };
    }

    /// <summary>Header values cannot carry line breaks or control characters on the wire; the rest is sent as is.</summary>
    private static string Sanitize(string value) => new([.. value.Where(c => c >= 0x20 && c < 0x7F)]);

    private static ExportTraceServiceRequest ValidOtlp()
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        return new ExportTraceServiceRequest
        {
            ResourceSpans =
            {
                new ResourceSpans
                {
                    Resource = new() { Attributes = { new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "fuzz" } } } },
                    ScopeSpans =
                    {
                        new ScopeSpans
                        {
                            Spans =
                            {
                                new Span
                                {
                                    TraceId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(16))),
                                    SpanId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
                                    Name = "chat gpt-4o",
                                    StartTimeUnixNano = now,
                                    EndTimeUnixNano = now + 1_000,
                                    Attributes =
                                    {
                                        new KeyValue { Key = "gen_ai.request.model", Value = new AnyValue { StringValue = "gpt-4o" } },
                                        new KeyValue { Key = "gen_ai.agent.name", Value = new AnyValue { StringValue = "fuzz-target" } },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        };
    }

    private static object ValidOtlpJson() => JsonSerializer.Deserialize<JsonElement>(JsonFormatter.Default.Format(ValidOtlp()));

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length] + "…";
}
