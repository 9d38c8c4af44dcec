using System.Security.Claims;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Llm;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// The OpenAI-compatible chat API: <c>POST /chat/completions</c> (streamed when the body says
/// <c>"stream": true</c>) and <c>POST /chat/stream</c> (always streamed). An unmodified OpenAI SDK whose
/// base URL is the portal works against it. Each call goes through the portal's LLM gateway and is
/// recorded as a GenAI span of the agent named by <c>metadata.agent_id</c> (or <c>x-agent-id</c>).
/// </summary>
public static class ChatApi
{
    /// <summary>The response header naming the trace a chat call was recorded in.</summary>
    public const string TraceHeader = "x-agentportal-trace-id";

    public const string AgentHeader = "x-agent-id";

    private static readonly string[] s_roles = ["system", "developer", "user", "assistant", "tool", "function"];

    public static IEndpointRouteBuilder MapChatApi(this IEndpointRouteBuilder app)
    {
        var chat = app.MapMachineApi("/chat");
        chat.MapPost("/completions", (HttpContext context, ChatService service, IOptions<ApiOptions> api) => ChatAsync(context, service, api, alwaysStream: false))
            .RequireAuthorization(ApiAuthentication.ChatPolicy);
        chat.MapPost("/stream", (HttpContext context, ChatService service, IOptions<ApiOptions> api) => ChatAsync(context, service, api, alwaysStream: true))
            .RequireAuthorization(ApiAuthentication.ChatPolicy);
        // OpenAI's model list, so an SDK's models.list() against the portal shows what the gateway offers.
        app.MapMachineApi("/models").MapGet("/", ListModelsAsync).RequireAuthorization(ApiAuthentication.ChatPolicy);
        return app;
    }

    private static async Task<IResult> ListModelsAsync(LlmGateway gateway, TimeProvider time, CancellationToken cancellationToken)
    {
        var models = await gateway.ListModelsAsync(cancellationToken);
        var created = time.GetUtcNow().ToUnixTimeSeconds();
        return TypedResults.Json(new { @object = "list", data = models.Select(id => new { id, @object = "model", created, owned_by = "agentportal" }) });
    }

    private static async Task<IResult> ChatAsync(HttpContext context, ChatService service, IOptions<ApiOptions> api, bool alwaysStream)
    {
        if (!service.Gateway.Enabled)
        {
            throw LlmGatewayException.NotConfigured();
        }
        var (request, stream) = await ReadAsync(context, service.Gateway.DefaultModel, api.Value.ChatMaxBodyBytes);
        // Named on failures too: a refused or failed call is recorded in that trace as well.
        context.Response.Headers[TraceHeader] = request.TraceId;
        if (!stream && !alwaysStream)
        {
            var (answer, _) = await service.CompleteAsync(request, context.RequestAborted);
            return TypedResults.Bytes(answer.ToMemory(), "application/json");
        }
        await StreamAsync(context, service, request);
        return TypedResults.Empty;
    }

    /// <summary>
    /// Server-sent events as OpenAI sends them, ending with <c>data: [DONE]</c>. The response starts with
    /// the first piece, so a gateway that refuses the call still answers with a status and problem
    /// details; a stream that breaks later ends with an OpenAI-shaped error event instead of [DONE].
    /// </summary>
    private static async Task StreamAsync(HttpContext context, ChatService service, ChatRequest request)
    {
        var response = context.Response;
        var started = false;
        async ValueTask Begin()
        {
            if (started)
            {
                return;
            }
            started = true;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(context.RequestAborted);
        }
        async ValueTask Write(string data)
        {
            await Begin();
            await response.WriteAsync("data: " + data + "\n\n", Encoding.UTF8, context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }

        try
        {
            await service.StreamAsync(request, piece => Write(piece.Chunk), context.RequestAborted);
        }
        catch (LlmGatewayException ex) when (started)
        {
            await response.WriteAsync("data: " + ErrorEvent(ex) + "\n\n", Encoding.UTF8, context.RequestAborted);
            return;
        }
        await Write("[DONE]");
    }

    private static string ErrorEvent(LlmGatewayException ex) => JsonSerializer.Serialize(new
    {
        error = new { message = ex.Message, type = "stream_error", code = ex.StatusCode },
    });

    private static async Task<(ChatRequest Request, bool Stream)> ReadAsync(HttpContext context, string? defaultModel, int maxBytes)
    {
        using var body = await JsonRequest.ReadAsync(context.Request, maxBytes, allowEmpty: false, context.RequestAborted);
        var model = body.String("model", maxLength: 255) ?? defaultModel;
        if (model is null && !body.Has("model"))
        {
            body.Error("model", "is required: name one of the gateway's models (GET /observability/models lists them); no Llm:DefaultModel is set.");
        }
        CheckMessages(body);
        var stream = body.Bool("stream") ?? false;

        string? agentKey = null;
        string? parentTraceId = null;
        if (body.Element("metadata") is { } metadata)
        {
            if (metadata.ValueKind != JsonValueKind.Object)
            {
                body.Error("metadata", "must be an object of strings, e.g. {\"agent_id\": \"my-agent\"}.");
            }
            else
            {
                agentKey = MetadataString(body, metadata, "agent_id", 255);
                parentTraceId = MetadataString(body, metadata, "parent_trace_id", 32);
                if (parentTraceId is not null && !AgentRunService.IsHexId(parentTraceId.ToLowerInvariant(), 32))
                {
                    body.Error("metadata.parent_trace_id", "must be a run's trace id: 32 hex characters, as POST /agents/{id}/trace/start returned.");
                }
            }
        }
        if (context.Request.Headers[AgentHeader].ToString() is { Length: > 0 } header)
        {
            if (agentKey is not null && agentKey != header)
            {
                body.Error(AgentHeader, $"names agent '{header}' but metadata.agent_id names '{agentKey}'; give one.");
            }
            else if (header.Length > 255)
            {
                body.Error(AgentHeader, "must be at most 255 characters.");
            }
            agentKey ??= header;
        }
        body.ThrowIfInvalid();

        var user = context.User;
        var caller = user.IsApiKeyCaller()
            ? new ChatCaller("apikey:" + (user.Identity?.Name ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value), user.CallerProject())
            : new ChatCaller(user.Identity?.Name ?? user.FindFirst(ClaimTypes.NameIdentifier)!.Value, null);
        return (new ChatRequest
        {
            Body = body.ToJsonObject(),
            Model = model!,
            Caller = caller,
            AgentKey = agentKey,
            ParentTraceId = parentTraceId?.ToLowerInvariant(),
        }, stream);
    }

    private static void CheckMessages(JsonRequest body)
    {
        if (body.Element("messages") is not { } messages)
        {
            body.Error("messages", "is required: a list of messages such as [{\"role\": \"user\", \"content\": \"Hello\"}].");
            return;
        }
        if (messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            body.Error("messages", "must be a non-empty list of messages such as [{\"role\": \"user\", \"content\": \"Hello\"}].");
            return;
        }
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                body.Error($"messages[{index}]", "must be an object with a string 'role'.");
            }
            else if (!s_roles.Contains(role.GetString()))
            {
                body.Error($"messages[{index}].role", $"'{role.GetString()}' is not a role; use one of: {string.Join(", ", s_roles)}.");
            }
            index++;
        }
    }

    private static string? MetadataString(JsonRequest body, JsonElement metadata, string field, int maxLength)
    {
        if (!metadata.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { Length: > 0 } text)
        {
            body.Error("metadata." + field, "must be a non-empty string.");
            return null;
        }
        if (text.Length > maxLength)
        {
            body.Error("metadata." + field, $"must be at most {maxLength} characters.");
            return null;
        }
        return text;
    }
}
