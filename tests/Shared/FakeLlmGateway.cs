using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace AgentPortal.Tests.Shared;

/// <summary>How the fake gateway answers the next chat requests.</summary>
public enum GatewayBehaviour
{
    Answer,
    ServerError,
    RateLimited,
    Slow,
    Malformed,
    CutMidStream,
    ErrorEventMidStream,
}

/// <summary>
/// A LiteLLM proxy's OpenAI-compatible API on 127.0.0.1, as its documentation and OpenAI's API
/// reference describe it: <c>GET /models</c>, and <c>POST /chat/completions</c> answering a completion
/// object, or with <c>"stream": true</c> server-sent chunks (role, content pieces, finish reason, a
/// final usage chunk when <c>stream_options.include_usage</c> is set) ending with <c>data: [DONE]</c>;
/// errors as <c>{"error": {"message", "type", "code"}}</c>. It keeps the bodies it received.
/// </summary>
public sealed class FakeLlmGateway : IAsyncDisposable
{
    public const string Key = "sk-litellm-test-key";
    public static readonly string[] Models = ["gpt-4o-mini", "claude-3-5-sonnet", "local-llama-3"];
    public const string Version = "1.55.8";
    public static readonly string[] Pieces = ["Hello", " from", " the", " gateway."];

    private readonly WebApplication _app;
    private int _requests;

    private FakeLlmGateway(WebApplication app) => _app = app;

    public string BaseUrl { get; private set; } = "";

    public ConcurrentQueue<JsonObject> Received { get; } = new();

    public int ChatRequests => _requests;

    public GatewayBehaviour Behaviour { get; set; } = GatewayBehaviour.Answer;

    /// <summary>What a model answers when its system prompt asks for SQL (a text-to-SQL request), inside a ```sql block.</summary>
    public string SqlAnswer { get; set; } = "SELECT trace_id, name, start_unix_nano FROM spans ORDER BY start_unix_nano DESC LIMIT 10";

    /// <summary>For <see cref="GatewayBehaviour.ServerError"/> and <see cref="GatewayBehaviour.RateLimited"/>: how many requests fail before it answers.</summary>
    public int FailTimes { get; set; } = int.MaxValue;

    public int RetryAfterSeconds { get; set; } = 1;

    public TimeSpan Delay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Pause between streamed pieces, so a reader can see them arrive one by one.</summary>
    public TimeSpan PieceDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Set when a streaming request was cancelled by its caller (the connection went away).</summary>
    public TaskCompletionSource CallerLeft { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<FakeLlmGateway> StartAsync()
    {
        var app = LoopbackApp.Create();
        var gateway = new FakeLlmGateway(app);
        app.MapGet("/models", (HttpRequest request) => Authorised(request)
            ? Results.Json(new { @object = "list", data = Models.Select(id => new { id, @object = "model", created = 1_700_000_000, owned_by = "openai" }) })
            : Unauthorised());
        app.MapPost("/chat/completions", gateway.ChatAsync);
        // LiteLLM's readiness probe, which also tells its version.
        app.MapGet("/health/readiness", () => Results.Json(new { status = "connected", db = "Not connected", cache = (string?)null, litellm_version = Version }));
        gateway.BaseUrl = await LoopbackApp.StartAsync(app);
        return gateway;
    }

    private static bool Authorised(HttpRequest request) => request.Headers.Authorization.ToString() == "Bearer " + Key;

    private static IResult Unauthorised() => Error(401, "Authentication Error, Invalid proxy server token passed. valid_token=None.", "auth_error");

    private static IResult Error(int status, string message, string type) =>
        Results.Json(new { error = new { message, type, param = (string?)null, code = status.ToString(System.Globalization.CultureInfo.InvariantCulture) } }, statusCode: status);

    private async Task ChatAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        var body = (JsonObject)(await JsonNode.ParseAsync(context.Request.Body))!;
        Received.Enqueue(body);
        IResult? refusal = null;
        var model = body["model"]?.GetValue<string>() ?? "";
        if (!Authorised(context.Request))
        {
            refusal = Unauthorised();
        }
        else if (!Models.Contains(model))
        {
            refusal = Error(400, $"Invalid model name passed in model={model}. Call `/v1/models` to view available models for your key.", "invalid_request_error");
        }
        else if (Behaviour == GatewayBehaviour.ServerError && number <= FailTimes)
        {
            refusal = Error(500, "litellm.InternalServerError: upstream provider failed", "internal_server_error");
        }
        else if (Behaviour == GatewayBehaviour.RateLimited && number <= FailTimes)
        {
            context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            refusal = Error(429, "litellm.RateLimitError: rate limit reached for gpt-4o-mini", "rate_limit_error");
        }
        if (refusal is not null)
        {
            await refusal.ExecuteAsync(context);
            return;
        }
        if (Behaviour == GatewayBehaviour.Slow)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }
        if (Behaviour == GatewayBehaviour.Malformed)
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"id\": \"chatcmpl-1\", \"choices\": [");
            return;
        }
        var stream = body["stream"]?.GetValue<bool>() == true;
        if (!stream)
        {
            var asksForSql = body["messages"]?[0]?["content"]?.GetValue<string>()?.Contains("SQLite SQL", StringComparison.Ordinal) == true;
            await Results.Json(Completion(model, body["tools"] is not null, asksForSql ? "```sql\n" + SqlAnswer + "\n```" : null)).ExecuteAsync(context);
            return;
        }
        await StreamAsync(context, model, body["stream_options"]?["include_usage"]?.GetValue<bool>() == true);
    }

    private async Task StreamAsync(HttpContext context, string model, bool includeUsage)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        async Task Send(object chunk)
        {
            await response.WriteAsync("data: " + JsonSerializer.Serialize(chunk) + "\n\n");
            await response.Body.FlushAsync();
        }
        object Chunk(object delta, string? finish) =>
            new { id = "chatcmpl-stream1", @object = "chat.completion.chunk", created = 1_700_000_000, model, choices = new[] { new { index = 0, delta, finish_reason = finish } } };

        try
        {
            await Send(Chunk(new { role = "assistant", content = "" }, null));
            for (var i = 0; i < Pieces.Length; i++)
            {
                if (i == 2 && Behaviour == GatewayBehaviour.CutMidStream)
                {
                    // Let the reader take what was sent: a reset connection can discard data it has not read yet.
                    await Task.Delay(300);
                    context.Abort();
                    return;
                }
                if (i == 2 && Behaviour == GatewayBehaviour.ErrorEventMidStream)
                {
                    await response.WriteAsync("data: {\"error\": {\"message\": \"litellm.APIConnectionError: provider dropped the connection\", \"type\": \"api_error\"}}\n\n");
                    return;
                }
                await Task.Delay(PieceDelay, context.RequestAborted);
                await Send(Chunk(new { content = Pieces[i] }, null));
            }
            await Send(Chunk(new { }, "stop"));
            if (includeUsage)
            {
                await Send(new
                {
                    id = "chatcmpl-stream1",
                    @object = "chat.completion.chunk",
                    created = 1_700_000_000,
                    model,
                    choices = Array.Empty<object>(),
                    usage = new { prompt_tokens = 12, completion_tokens = 4, total_tokens = 16, prompt_tokens_details = new { cached_tokens = 2 } },
                });
            }
            await response.WriteAsync("data: [DONE]\n\n");
        }
        catch (OperationCanceledException)
        {
            CallerLeft.TrySetResult();
        }
    }

    private static object Completion(string model, bool withTools, string? content)
    {
        object message = withTools
            ? new
            {
                role = "assistant",
                content = (string?)null,
                tool_calls = new[] { new { id = "call_1", type = "function", function = new { name = "get_weather", arguments = "{\"city\":\"Seoul\"}" } } },
            }
            : new { role = "assistant", content = content ?? string.Concat(Pieces) };
        return new
        {
            id = "chatcmpl-abc123",
            @object = "chat.completion",
            created = 1_700_000_000,
            model,
            choices = new[] { new { index = 0, message, finish_reason = withTools ? "tool_calls" : "stop", logprobs = (object?)null } },
            usage = new { prompt_tokens = 12, completion_tokens = 4, total_tokens = 16, prompt_tokens_details = new { cached_tokens = 2 } },
        };
    }

    public ValueTask DisposeAsync() => LoopbackApp.StopAsync(_app);
}
