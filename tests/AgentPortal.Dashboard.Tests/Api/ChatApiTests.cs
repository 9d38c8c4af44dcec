using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Security;
using AgentPortal.Dashboard.Api;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Extensions.DependencyInjection;
using OpenAI;
using OpenAI.Chat;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>
/// The OpenAI-compatible chat API against a loopback gateway that speaks LiteLLM's API: the OpenAI
/// .NET SDK pointed at the portal completes and streams chats, each call is recorded as a GenAI span
/// of its agent and run, and each way the gateway can fail becomes a clear status and message.
/// </summary>
public sealed class ChatApiTests : IAsyncLifetime
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _traceIds = new();
    private FakeLlmGateway _gateway = null!;
    private PortalAppFactory _app = null!;
    private string _chatKey = "";

    public async Task InitializeAsync()
    {
        _gateway = await FakeLlmGateway.StartAsync();
        _app = Portal(_gateway.BaseUrl, FakeLlmGateway.Key);
        _chatKey = await CreateKeyAsync(_app, ApiKeyScopes.Chat | ApiKeyScopes.Read);
    }

    public async Task DisposeAsync()
    {
        _app.Dispose();
        await _gateway.DisposeAsync();
    }

    private static PortalAppFactory Portal(string baseUrl, string key, string timeout = "00:00:10") => new PortalAppFactory()
        .With("Llm:BaseUrl", baseUrl)
        .With("Llm:ApiKey", key)
        .With("Llm:Timeout", timeout)
        .With("Llm:MaxRetryDelay", "00:00:02");

    private static async Task<string> CreateKeyAsync(PortalAppFactory app, ApiKeyScopes scopes)
    {
        _ = app.Server;
        var created = await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", scopes, "chat test", CancellationToken.None);
        return created.Secret;
    }

    /// <summary>The OpenAI SDK with the portal as its base URL, exactly as a team would point it.</summary>
    private ChatClient SdkClient(string model = "gpt-4o-mini") => new(model, new ApiKeyCredential(_chatKey), new OpenAIClientOptions
    {
        Endpoint = _app.Server.BaseAddress,
        Transport = new HttpClientPipelineTransport(_app.CreateDefaultClient(new TraceCapture(_traceIds))),
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
    });

    [Fact]
    public async Task TheOpenAiSdk_CompletesAChatThroughThePortal_AndTheCallIsTheAgentsSpan()
    {
        var options = new ChatCompletionOptions { Temperature = 0.2f };
        options.Metadata["agent_id"] = "support-bot";

        var result = await SdkClient().CompleteChatAsync([new UserChatMessage("Say hello")], options);

        Assert.Equal("Hello from the gateway.", result.Value.Content[0].Text);
        Assert.Equal(12, result.Value.Usage.InputTokenCount);
        var sent = Assert.Single(_gateway.Received);
        Assert.Equal("support-bot", sent["metadata"]!["agent_id"]!.GetValue<string>());
        Assert.True(result.GetRawResponse().Headers.TryGetValue(ChatApi.TraceHeader, out var traceId));

        var span = await SingleSpanAsync(traceId!);
        Assert.Equal("chat gpt-4o-mini", span.GetProperty("name").GetString());
        Assert.Equal("client", span.GetProperty("kind").GetString());
        Assert.Equal("chat", span.GetProperty("operation").GetString());
        Assert.Equal(12, span.GetProperty("input_tokens").GetInt64());
        Assert.Equal(4, span.GetProperty("output_tokens").GetInt64());
        Assert.Equal("ok", span.GetProperty("status").GetString());
        Assert.StartsWith("apikey:", span.GetProperty("attributes").GetProperty("user.id").GetString());
        Assert.Contains("Say hello", span.GetProperty("attributes").GetProperty("gen_ai.input.messages").GetString());
        var agentId = span.GetProperty("agent_id").GetString();
        using var agent = JsonDocument.Parse(await ReadClient().GetStringAsync($"/agents/{agentId}"));
        Assert.Equal("support-bot", agent.RootElement.GetProperty("name").GetString());
    }

    [Fact]
    public async Task TheOpenAiSdk_StreamsAChatPieceByPiece_WithUsage_AndTheSpanHasTheWholeAnswer()
    {
        var text = new StringBuilder();
        var pieces = 0;
        ChatTokenUsage? usage = null;
        await foreach (var update in SdkClient().CompleteChatStreamingAsync([new UserChatMessage("Say hello")]))
        {
            foreach (var part in update.ContentUpdate.Where(p => p.Text.Length > 0))
            {
                text.Append(part.Text);
                pieces++;
            }
            usage ??= update.Usage;
        }

        Assert.Equal("Hello from the gateway.", text.ToString());
        Assert.Equal(FakeLlmGateway.Pieces.Length, pieces);
        Assert.Equal(4, usage!.OutputTokenCount);
        var sent = Assert.Single(_gateway.Received);
        Assert.True(sent["stream_options"]!["include_usage"]!.GetValue<bool>());

        var span = await OnlyChatSpanAsync();
        Assert.Equal("ok", span.GetProperty("status").GetString());
        Assert.Contains("Hello from the gateway.", span.GetProperty("attributes").GetProperty("gen_ai.output.messages").GetString());
        Assert.True(span.GetProperty("attributes").TryGetProperty("agentportal.chat.time_to_first_token_ms", out _));
    }

    [Fact]
    public async Task TheGatewaysOwnSpanOfTheCall_HangsUnderThePortalsSpan_AndIsNotCountedTwice()
    {
        var options = new ChatCompletionOptions();
        options.Metadata["agent_id"] = "support-bot";
        var result = await SdkClient().CompleteChatAsync([new UserChatMessage("Say hello")], options);
        result.GetRawResponse().Headers.TryGetValue(ChatApi.TraceHeader, out var traceId);
        var metadata = Assert.Single(_gateway.Received)["metadata"]!;

        // What LiteLLM's OpenTelemetry callback exports for that request: its own trace, the request metadata as metadata.*.
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var litellmSpan = new AgentPortal.Core.Otlp.Proto.Trace.Span
        {
            TraceId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(AgentPortal.Core.Telemetry.AgentRunService.NewHexId(16))),
            SpanId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(AgentPortal.Core.Telemetry.AgentRunService.NewHexId(8))),
            Name = "litellm_request",
            StartTimeUnixNano = now,
            EndTimeUnixNano = now + 1_000_000,
        };
        foreach (var (key, value) in new[]
        {
            ("gen_ai.request.model", "gpt-4o-mini"), ("gen_ai.usage.input_tokens", "12"), ("gen_ai.usage.output_tokens", "4"),
            ("metadata.agent_id", "support-bot"),
            ("metadata.agentportal_span_id", metadata["agentportal_span_id"]!.GetValue<string>()),
            ("metadata.agentportal_trace_id", metadata["agentportal_trace_id"]!.GetValue<string>()),
        })
        {
            litellmSpan.Attributes.Add(new AgentPortal.Core.Otlp.Proto.Common.KeyValue { Key = key, Value = new AgentPortal.Core.Otlp.Proto.Common.AnyValue { StringValue = value } });
        }
        var export = new AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest
        {
            ResourceSpans = { new AgentPortal.Core.Otlp.Proto.Trace.ResourceSpans { ScopeSpans = { new AgentPortal.Core.Otlp.Proto.Trace.ScopeSpans { Spans = { litellmSpan } } } } },
        };
        var content = new ByteArrayContent(Google.Protobuf.MessageExtensions.ToByteArray(export));
        content.Headers.ContentType = new("application/x-protobuf");
        Assert.Equal(HttpStatusCode.OK, (await _app.CreateApiClient().PostAsync("/v1/traces", content)).StatusCode);

        using var trace = JsonDocument.Parse(await ReadClient().GetStringAsync($"/traces/{traceId}"));
        var spans = trace.RootElement.GetProperty("spans").EnumerateArray().ToList();
        Assert.Equal(2, spans.Count);
        var portalSpan = spans.Single(s => s.GetProperty("operation").GetString() == "chat");
        var gatewaySpan = spans.Single(s => s.GetProperty("name").GetString() == "litellm_request");
        Assert.Equal(portalSpan.GetProperty("span_id").GetString(), gatewaySpan.GetProperty("parent_span_id").GetString());
        using var stats = JsonDocument.Parse(await ReadClient().GetStringAsync($"/agents/{portalSpan.GetProperty("agent_id").GetString()}/stats"));
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(12, stats.RootElement.GetProperty("input_tokens").GetInt64());
    }

    [Fact]
    public async Task TheOpenAiSdk_ListsTheGatewaysModels_ThroughThePortal()
    {
        var client = new OpenAI.Models.OpenAIModelClient(new ApiKeyCredential(_chatKey), new OpenAIClientOptions
        {
            Endpoint = _app.Server.BaseAddress,
            Transport = new HttpClientPipelineTransport(_app.CreateClient()),
        });

        var models = await client.GetModelsAsync();

        Assert.Equal(FakeLlmGateway.Models.Order(StringComparer.Ordinal), models.Value.Select(m => m.Id));
    }

    [Fact]
    public async Task ToolCalls_PassThroughBothWays()
    {
        var options = new ChatCompletionOptions();
        options.Tools.Add(ChatTool.CreateFunctionTool("get_weather", "The weather in a city", BinaryData.FromString("""{"type":"object","properties":{"city":{"type":"string"}}}""")));

        var result = await SdkClient().CompleteChatAsync([new UserChatMessage("Weather in Seoul?")], options);

        Assert.Equal(ChatFinishReason.ToolCalls, result.Value.FinishReason);
        Assert.Equal("get_weather", Assert.Single(result.Value.ToolCalls).FunctionName);
        Assert.Equal("get_weather", Assert.Single(_gateway.Received)["tools"]![0]!["function"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task ChatStream_AlwaysStreams_ServerSentEventsEndingWithDone()
    {
        var response = await ChatClientWithKey().PostAsync("/chat/stream", Json(new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Hi" } } }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", events[^1]);
        Assert.All(events[..^1], e => Assert.StartsWith("data: {", e));
    }

    [Fact]
    public async Task ASignedInPerson_IsTheRecordedUser_AndAParentTraceJoinsTheRun()
    {
        var admin = await _app.CreateAdminClientAsync();
        var ingest = _app.CreateApiClient();
        var registered = await (await ingest.PostAsync("/agents/register", Json(new { name = "vanna-sales", type = "vanna" }))).Content.ReadFromJsonAsync<JsonElement>();
        var agentId = registered.GetProperty("id").GetString();
        var run = await (await ingest.PostAsync($"/agents/{agentId}/trace/start", Json(new { input = "latest rows" }))).Content.ReadFromJsonAsync<JsonElement>();
        var runTrace = run.GetProperty("trace_id").GetString()!;

        var response = await admin.PostAsync("/chat/completions", Json(new
        {
            model = "gpt-4o-mini",
            messages = new[] { new { role = "user", content = "SQL please" } },
            metadata = new { agent_id = agentId, parent_trace_id = runTrace },
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(runTrace, response.Headers.GetValues(ChatApi.TraceHeader).Single());
        using var trace = JsonDocument.Parse(await ReadClient().GetStringAsync($"/traces/{runTrace}"));
        // The run is still open: its root span is written when it ends, and the call already hangs under it.
        var chat = Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray());
        Assert.Equal(run.GetProperty("span_id").GetString(), chat.GetProperty("parent_span_id").GetString());
        Assert.Equal(agentId, chat.GetProperty("agent_id").GetString());
        Assert.Equal(PortalAppFactory.AdminEmail, chat.GetProperty("attributes").GetProperty("user.id").GetString());
    }

    [Fact]
    public async Task AKeyWithoutTheChatScope_IsForbidden_AndNoKeyIsUnauthorized()
    {
        var body = new { model = "gpt-4o-mini", messages = new[] { new { role = "user", content = "Hi" } } };

        var withIngestKey = await _app.CreateApiClient().PostAsync("/chat/completions", Json(body));
        var anonymous = await _app.CreateClientWithoutRedirects().PostAsync("/chat/completions", Json(body));

        Assert.Equal(HttpStatusCode.Forbidden, withIngestKey.StatusCode);
        Assert.Contains("chat", await withIngestKey.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Empty(_gateway.Received);
    }

    [Fact]
    public async Task ABadBody_IsRefusedFieldByField_BeforeTheGatewayIsCalled()
    {
        var response = await ChatClientWithKey().PostAsync("/chat/completions", Json(new
        {
            model = "gpt-4o-mini",
            messages = new object[] { new { role = "wizard", content = "Hi" }, "not a message" },
            metadata = new { parent_trace_id = "not-a-trace" },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("messages[0].role", out _));
        Assert.True(errors.TryGetProperty("messages[1]", out _));
        Assert.True(errors.TryGetProperty("metadata.parent_trace_id", out _));
        Assert.Empty(_gateway.Received);
    }

    [Fact]
    public async Task AnUnknownModel_Is400_NamingItAndListingTheGatewaysModels()
    {
        var problem = await ProblemAsync(HttpStatusCode.BadRequest, new { model = "gpt-9", messages = s_hello });

        Assert.Contains("'gpt-9'", problem);
        Assert.Contains("gpt-4o-mini", problem);
        Assert.Contains("claude-3-5-sonnet", problem);
    }

    [Fact]
    public async Task AGatewayThatRefusesThePortalsKey_Is502SayingSo_WithoutShowingTheKey()
    {
        using var app = Portal(_gateway.BaseUrl, "sk-wrong-key");
        _chatKey = await CreateKeyAsync(app, ApiKeyScopes.Chat);

        var problem = await ProblemAsync(HttpStatusCode.BadGateway, new { model = "gpt-4o-mini", messages = s_hello }, app);

        Assert.Contains("refused the portal's key", problem);
        Assert.Contains("Llm:ApiKey", problem);
        Assert.DoesNotContain("sk-wrong-key", problem);
    }

    [Fact]
    public async Task AGatewayThatIsDown_Is502NamingWhatWasTried()
    {
        var closedPort = _gateway.BaseUrl;
        await _gateway.DisposeAsync();
        _gateway = await FakeLlmGateway.StartAsync();

        using var app = Portal(closedPort, FakeLlmGateway.Key).With("Llm:MaxRetries", "1");
        _chatKey = await CreateKeyAsync(app, ApiKeyScopes.Chat);
        var problem = await ProblemAsync(HttpStatusCode.BadGateway, new { model = "gpt-4o-mini", messages = s_hello }, app);

        Assert.Contains("could not be reached", problem);
        Assert.Contains(closedPort, problem);
        Assert.Contains("tried 2 times", problem);
    }

    [Fact]
    public async Task A500_IsRetried_AndAnswersWhenTheGatewayRecovers()
    {
        _gateway.Behaviour = GatewayBehaviour.ServerError;
        _gateway.FailTimes = 2;

        var response = await ChatClientWithKey().PostAsync("/chat/completions", Json(new { model = "gpt-4o-mini", messages = s_hello }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, _gateway.ChatRequests);
    }

    [Fact]
    public async Task A500ThatDoesNotGoAway_Is502WithTheGatewaysMessage_AndAFailedLlmCallOfTheAgent()
    {
        _gateway.Behaviour = GatewayBehaviour.ServerError;

        var problem = await ProblemAsync(HttpStatusCode.BadGateway, new { model = "gpt-4o-mini", messages = s_hello, metadata = new { agent_id = "flaky-bot" } });

        Assert.Contains("upstream provider failed", problem);
        Assert.Equal(3, _gateway.ChatRequests);
        var span = await OnlyChatSpanAsync();
        Assert.Equal("error", span.GetProperty("status").GetString());
        Assert.Contains("upstream provider failed", span.GetProperty("status_message").GetString());
        // The agent has no runs, yet its failed call shows in its LLM-call error rate.
        using var stats = JsonDocument.Parse(await ReadClient().GetStringAsync($"/agents/{span.GetProperty("agent_id").GetString()}/stats"));
        Assert.Equal(0, stats.RootElement.GetProperty("runs").GetInt64());
        Assert.Equal(1, stats.RootElement.GetProperty("llm_calls").GetInt64());
        Assert.Equal(1, stats.RootElement.GetProperty("llm_errors").GetInt64());
        Assert.Equal(1.0, stats.RootElement.GetProperty("llm_error_rate").GetDouble());
    }

    [Fact]
    public async Task A429WithAShortRetryAfter_IsWaitedOutAndRetried()
    {
        _gateway.Behaviour = GatewayBehaviour.RateLimited;
        _gateway.FailTimes = 1;
        _gateway.RetryAfterSeconds = 1;

        var response = await ChatClientWithKey().PostAsync("/chat/completions", Json(new { model = "gpt-4o-mini", messages = s_hello }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, _gateway.ChatRequests);
    }

    [Fact]
    public async Task A429WithALongRetryAfter_IsPassedOnAtOnce()
    {
        _gateway.Behaviour = GatewayBehaviour.RateLimited;
        _gateway.RetryAfterSeconds = 30;

        var response = await ChatClientWithKey().PostAsync("/chat/completions", Json(new { model = "gpt-4o-mini", messages = s_hello }));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(30), response.Headers.RetryAfter!.Delta);
        Assert.Contains("rate limit", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, _gateway.ChatRequests);
    }

    [Fact]
    public async Task AGatewaySlowerThanTheTimeout_Is504()
    {
        using var app = Portal(_gateway.BaseUrl, FakeLlmGateway.Key, timeout: "00:00:01");
        _chatKey = await CreateKeyAsync(app, ApiKeyScopes.Chat);
        _gateway.Behaviour = GatewayBehaviour.Slow;

        var problem = await ProblemAsync(HttpStatusCode.GatewayTimeout, new { model = "gpt-4o-mini", messages = s_hello }, app);

        Assert.Contains("within 1 s", problem);
        Assert.Equal(1, _gateway.ChatRequests);
    }

    [Fact]
    public async Task AMalformedAnswer_Is502()
    {
        _gateway.Behaviour = GatewayBehaviour.Malformed;

        var problem = await ProblemAsync(HttpStatusCode.BadGateway, new { model = "gpt-4o-mini", messages = s_hello });

        Assert.Contains("not JSON", problem);
    }

    [Theory]
    [InlineData(GatewayBehaviour.CutMidStream)]
    [InlineData(GatewayBehaviour.ErrorEventMidStream)]
    public async Task AStreamCutMidway_EndsWithAnErrorEvent_AndTheSpanKeepsThePartialAnswerAsAnError(GatewayBehaviour behaviour)
    {
        _gateway.Behaviour = behaviour;

        var response = await ChatClientWithKey().PostAsync("/chat/stream", Json(new { model = "gpt-4o-mini", messages = s_hello }));
        var events = (await response.Content.ReadAsStringAsync()).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain("data: [DONE]", events);
        using var error = JsonDocument.Parse(events[^1]["data: ".Length..]);
        Assert.Equal("stream_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        var span = await OnlyChatSpanAsync();
        Assert.Equal("error", span.GetProperty("status").GetString());
        Assert.Contains(behaviour == GatewayBehaviour.CutMidStream ? "stream broke" : "provider dropped the connection", span.GetProperty("status_message").GetString());
        Assert.Contains("Hello from", span.GetProperty("attributes").GetProperty("gen_ai.output.messages").GetString());
    }

    [Fact]
    public async Task ACallerThatDisconnects_CancelsTheUpstreamCall_AndTheSpanSaysSo()
    {
        _gateway.PieceDelay = TimeSpan.FromSeconds(2);
        using var cancel = new CancellationTokenSource();
        var client = ChatClientWithKey();
        var request = new HttpRequestMessage(HttpMethod.Post, "/chat/stream") { Content = Json(new { model = "gpt-4o-mini", messages = s_hello }) };

        var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
        var stream = await response.Content.ReadAsStreamAsync(cancel.Token);
        var first = new byte[64];
        _ = await stream.ReadAsync(first, cancel.Token);
        await cancel.CancelAsync();
        response.Dispose();

        await _gateway.CallerLeft.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var span = await OnlyChatSpanAsync();
        Assert.Equal("error", span.GetProperty("status").GetString());
        Assert.Contains("disconnected", span.GetProperty("status_message").GetString());
    }

    [Fact]
    public async Task WithoutAGateway_ChatIs503SayingWhichSettingToSet()
    {
        using var app = new PortalAppFactory();
        _chatKey = await CreateKeyAsync(app, ApiKeyScopes.Chat);

        var problem = await ProblemAsync(HttpStatusCode.ServiceUnavailable, new { model = "gpt-4o-mini", messages = s_hello }, app);

        Assert.Contains("Llm:BaseUrl", problem);
    }

    private static readonly object[] s_hello = [new { role = "user", content = "Hi" }];

    private HttpClient ChatClientWithKey(PortalAppFactory? app = null)
    {
        var client = (app ?? _app).CreateDefaultClient(new TraceCapture(_traceIds));
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _chatKey);
        return client;
    }

    private HttpClient ReadClient() => _app.CreateApiClient();

    private async Task<string> ProblemAsync(HttpStatusCode expected, object body, PortalAppFactory? app = null)
    {
        var response = await ChatClientWithKey(app).PostAsync("/chat/completions", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        return text;
    }

    private async Task<JsonElement> SingleSpanAsync(string traceId)
    {
        using var trace = JsonDocument.Parse(await ReadClient().GetStringAsync($"/traces/{traceId}"));
        return Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray()).Clone();
    }

    /// <summary>The span of the last chat call, in the trace its response named (recording a disconnected call may finish after the test sees it).</summary>
    private async Task<JsonElement> OnlyChatSpanAsync()
    {
        var traceId = Assert.Single(_traceIds);
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var response = await ReadClient().GetAsync($"/traces/{traceId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var trace = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                return Assert.Single(trace.RootElement.GetProperty("spans").EnumerateArray()).Clone();
            }
            await Task.Delay(100);
        }
        throw new Xunit.Sdk.XunitException($"No chat span was recorded in trace {traceId}.");
    }

    /// <summary>Keeps the trace id each chat response names.</summary>
    private sealed class TraceCapture(System.Collections.Concurrent.ConcurrentQueue<string> traceIds) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (response.Headers.TryGetValues(ChatApi.TraceHeader, out var values))
            {
                traceIds.Enqueue(values.Single());
            }
            return response;
        }
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");
}
