using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Otlp;
using AgentPortal.Core.Pricing;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Logging;

namespace AgentPortal.Core.Llm;

/// <summary>Who is chatting: a signed-in person's name, or an API key (limited to its project).</summary>
public sealed record ChatCaller(string User, string? KeyProject);

/// <summary>
/// One chat call: an OpenAI chat request body and what the portal reads from it. The ids of the span
/// that records it are chosen up front, so a streamed answer can name its trace before it starts.
/// </summary>
public sealed class ChatRequest
{
    public required JsonObject Body { get; init; }

    public required string Model { get; init; }

    public required ChatCaller Caller { get; init; }

    /// <summary>The agent (its id or external id, as <c>metadata.agent_id</c> gives it), or none.</summary>
    public string? AgentKey { get; init; }

    /// <summary>The run the call belongs to (<c>metadata.parent_trace_id</c>), or none.</summary>
    public string? ParentTraceId { get; init; }

    public string SpanId { get; } = AgentRunService.NewHexId(8);

    private readonly string _ownTraceId = AgentRunService.NewHexId(16);

    /// <summary>The trace the call is recorded in: its run's when it names one.</summary>
    public string TraceId => OtlpTraceService.RunTraceOf(ParentTraceId, _ownTraceId);

    internal string OwnTraceId => _ownTraceId;
}

/// <summary>What one chat call cost and took, as recorded in its span.</summary>
public sealed record ChatOutcome(
    string TraceId,
    string SpanId,
    string? AgentId,
    string Model,
    long? InputTokens,
    long? OutputTokens,
    decimal? Cost,
    double LatencyMilliseconds,
    double? TimeToFirstTokenMilliseconds,
    string? Error);

/// <summary>One piece of a streamed answer: the gateway's chunk as JSON, and the text it adds.</summary>
public readonly record struct ChatPiece(string Chunk, string? Text);

/// <summary>
/// Chat through the LLM gateway for the OpenAI-compatible API and the chat page: tags the request
/// with the agent and run (<c>metadata.agent_id</c>, <c>metadata.parent_trace_id</c>, where LiteLLM
/// reads them), and records every call, finished, failed or cut off, as a GenAI client span through
/// the same ingestion as OTLP, so it shows on the agent page and the overview at once.
/// </summary>
public sealed partial class ChatService(LlmGateway gateway, OtlpTraceService ingestion, IAgentRegistry registry, PriceTable prices, TimeProvider time, ILogger<ChatService> logger)
{
    /// <summary>The service.name of the spans the portal records for chat calls.</summary>
    public const string ServiceName = PortalSpan.ChatService;

    public LlmGateway Gateway => gateway;

    /// <summary>A non-streamed completion: the gateway's answer as it came, and its recorded outcome.</summary>
    public async Task<(BinaryData Answer, ChatOutcome Outcome)> CompleteAsync(ChatRequest request, CancellationToken cancellationToken)
    {
        var body = Prepare(request, stream: false);
        var started = Stopwatch.GetTimestamp();
        var startedAt = time.GetUtcNow();
        BinaryData answer;
        try
        {
            answer = await gateway.CompleteAsync(BinaryData.FromString(body.ToJsonString()), request.Model, cancellationToken);
        }
        catch (Exception ex)
        {
            await RecordAsync(request, body, startedAt, Stopwatch.GetElapsedTime(started), null, new Answer(), Failure(ex, cancellationToken));
            throw;
        }
        var elapsed = Stopwatch.GetElapsedTime(started);
        var parsed = Answer.FromCompletion(answer);
        var outcome = await RecordAsync(request, body, startedAt, elapsed, null, parsed, null);
        return (answer, outcome);
    }

    /// <summary>
    /// A streamed completion: <paramref name="onPiece"/> gets each chunk as it arrives. The call is
    /// recorded when the stream ends, however it ends; a failure is thrown after it is recorded, with
    /// what had arrived kept in the span.
    /// </summary>
    public async Task<ChatOutcome> StreamAsync(ChatRequest request, Func<ChatPiece, ValueTask> onPiece, CancellationToken cancellationToken)
    {
        var body = Prepare(request, stream: true);
        var started = Stopwatch.GetTimestamp();
        var startedAt = time.GetUtcNow();
        TimeSpan? firstToken = null;
        var answer = new Answer();
        try
        {
            await foreach (var chunk in gateway.StreamAsync(BinaryData.FromString(body.ToJsonString()), request.Model, cancellationToken))
            {
                var text = answer.AddChunk(chunk);
                if (text is { Length: > 0 })
                {
                    firstToken ??= Stopwatch.GetElapsedTime(started);
                }
                await onPiece(new ChatPiece(chunk, text));
            }
        }
        catch (Exception ex)
        {
            await RecordAsync(request, body, startedAt, Stopwatch.GetElapsedTime(started), firstToken, answer, Failure(ex, cancellationToken));
            throw;
        }
        return await RecordAsync(request, body, startedAt, Stopwatch.GetElapsedTime(started), firstToken, answer, null);
    }

    private static string Failure(Exception ex, CancellationToken cancellationToken) => ex switch
    {
        OperationCanceledException when cancellationToken.IsCancellationRequested => "The caller disconnected or stopped the answer before it was complete.",
        LlmGatewayException gatewayError => gatewayError.Message,
        _ => ex.Message,
    };

    /// <summary>The body sent to the gateway: the caller's, with the portal's metadata merged in and usage asked for when streaming.</summary>
    private static JsonObject Prepare(ChatRequest request, bool stream)
    {
        var body = (JsonObject)request.Body.DeepClone();
        body["model"] = request.Model;
        var metadata = body["metadata"] as JsonObject ?? [];
        if (request.AgentKey is { } agent)
        {
            metadata["agent_id"] = agent;
        }
        if (request.ParentTraceId is { } parent)
        {
            metadata["parent_trace_id"] = parent;
        }
        // A gateway that exports its own spans to the portal (LiteLLM's OpenTelemetry callback) writes
        // these back as metadata.* attributes, so ingestion hangs its span under this one instead of counting the call twice.
        metadata["agentportal_trace_id"] = request.TraceId;
        metadata["agentportal_span_id"] = request.SpanId;
        body["metadata"] = metadata;
        if (stream)
        {
            body["stream"] = true;
            var streamOptions = body["stream_options"] as JsonObject ?? [];
            streamOptions["include_usage"] = true;
            body["stream_options"] = streamOptions;
        }
        else
        {
            body.Remove("stream");
            body.Remove("stream_options");
        }
        return body;
    }

    private async Task<ChatOutcome> RecordAsync(ChatRequest request, JsonObject body, DateTimeOffset startedAt, TimeSpan elapsed, TimeSpan? firstToken, Answer answer, string? error)
    {
        var span = new PortalSpan(request.OwnTraceId, request.SpanId, null, $"chat {request.Model}", startedAt, startedAt + elapsed, error)
            .Set(GenAiAttributes.Operation, "chat")
            .Set(GenAiAttributes.RequestModel, request.Model)
            .Set(GenAiAttributes.ResponseModel, answer.Model)
            .Set("gen_ai.response.id", answer.Id)
            .Set("gen_ai.response.finish_reasons", answer.FinishReason is { } finish ? $"[\"{finish}\"]" : null)
            .Set("gen_ai.usage.input_tokens", answer.InputTokens)
            .Set("gen_ai.usage.output_tokens", answer.OutputTokens)
            .Set("gen_ai.usage.cache_read.input_tokens", answer.CachedInputTokens)
            .Set("gen_ai.request.temperature", body["temperature"]?.ToJsonString())
            .Set("gen_ai.request.max_tokens", (body["max_tokens"] ?? body["max_completion_tokens"])?.ToJsonString())
            .Set(GenAiAttributes.AgentId[0], request.AgentKey)
            .Set("metadata.parent_trace_id", request.ParentTraceId)
            .Set("user.id", request.Caller.User)
            .Set("gen_ai.input.messages", body["messages"]?.ToJsonString())
            .Set("gen_ai.output.messages", answer.OutputMessages())
            .Set("agentportal.chat.streamed", body["stream"] is null ? "false" : "true")
            .Set("agentportal.chat.time_to_first_token_ms", firstToken is { } ttft ? Math.Round(ttft.TotalMilliseconds, 1) : null)
            .Set("error.type", error is null ? null : "chat_failed");
        var export = span.ToExport(ServiceName, "AgentPortal.Chat");

        string? agentId = null;
        decimal? cost = null;
        try
        {
            // The answer is already the caller's: recording it must not be cut short by their leaving.
            var result = await ingestion.ExportAsync(export, await ProjectOfAsync(request), CancellationToken.None);
            if (result.Stored is [var stored, ..])
            {
                agentId = stored.AgentId;
                cost = PriceTable.CostOf(await prices.ListAsync(CancellationToken.None), [ModelUsage.Of(stored)]).Cost;
            }
            else
            {
                LogNotRecorded(request.TraceId, result.ErrorMessage);
            }
        }
        catch (Exception ex) when (ex is TelemetryBackpressureException or ReadOnlyTelemetryStoreException or InvalidOperationException)
        {
            LogNotRecorded(request.TraceId, ex.Message);
        }
        return new ChatOutcome(request.TraceId, request.SpanId, agentId, answer.Model ?? request.Model, answer.InputTokens, answer.OutputTokens, cost,
            elapsed.TotalMilliseconds, firstToken?.TotalMilliseconds, error);
    }

    /// <summary>An API key's project; for a person, the project of the agent they chat as, else the default one.</summary>
    private async Task<string> ProjectOfAsync(ChatRequest request)
    {
        if (request.Caller.KeyProject is { } project)
        {
            return project;
        }
        if (request.AgentKey is { } key && Guid.TryParse(key, out _) && await registry.GetAsync(key, CancellationToken.None) is { } agent)
        {
            return agent.ProjectId;
        }
        return Agent.DefaultProject;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A chat call in trace {TraceId} was answered but could not be recorded: {Reason}")]
    private partial void LogNotRecorded(string traceId, string reason);

    /// <summary>What the gateway answered, read from a completion or gathered from stream chunks.</summary>
    private sealed class Answer
    {
        private readonly StringBuilder _text = new();
        private JsonNode? _message;

        public string? Id { get; private set; }

        public string? Model { get; private set; }

        public string? FinishReason { get; private set; }

        public long? InputTokens { get; private set; }

        public long? OutputTokens { get; private set; }

        public long? CachedInputTokens { get; private set; }

        public static Answer FromCompletion(BinaryData completion)
        {
            var answer = new Answer();
            var root = Parse(completion.ToString());
            answer.ReadCommon(root);
            if (root?["choices"] is JsonArray { Count: > 0 } choices && choices[0] is JsonObject choice)
            {
                answer._message = choice["message"]?.DeepClone();
                answer.FinishReason = Text(choice["finish_reason"]) ?? answer.FinishReason;
            }
            return answer;
        }

        /// <summary>Reads one stream chunk; returns the text it adds. A chunk carrying an error ends the stream with it.</summary>
        public string? AddChunk(string chunk)
        {
            var root = Parse(chunk);
            if (root?["error"] is { } error)
            {
                throw new LlmGatewayException(502, "The answer was cut off",
                    $"The LLM gateway reported an error in the middle of the answer: {Text(error["message"]) ?? error.ToJsonString()}. What arrived is kept.");
            }
            ReadCommon(root);
            if (root?["choices"] is not JsonArray { Count: > 0 } choices || choices[0] is not JsonObject choice)
            {
                return null;
            }
            FinishReason = Text(choice["finish_reason"]) ?? FinishReason;
            var text = Text(choice["delta"]?["content"]);
            _text.Append(text);
            return text;
        }

        public string? OutputMessages()
        {
            if (_message is not null)
            {
                return new JsonArray(_message.DeepClone()).ToJsonString();
            }
            return _text.Length == 0 ? null : new JsonArray(new JsonObject { ["role"] = "assistant", ["content"] = _text.ToString() }).ToJsonString();
        }

        private void ReadCommon(JsonNode? root)
        {
            Id = Text(root?["id"]) ?? Id;
            Model = Text(root?["model"]) ?? Model;
            if (root?["usage"] is JsonObject usage)
            {
                InputTokens = Number(usage["prompt_tokens"]) ?? InputTokens;
                OutputTokens = Number(usage["completion_tokens"]) ?? OutputTokens;
                CachedInputTokens = Number(usage["prompt_tokens_details"]?["cached_tokens"]) ?? CachedInputTokens;
            }
        }

        private static JsonNode? Parse(string json)
        {
            try
            {
                return JsonNode.Parse(json);
            }
            catch (JsonException ex)
            {
                throw new LlmGatewayException(502, "The gateway's answer could not be read", $"The LLM gateway sent something that is not JSON: {ex.Message}", null, ex);
            }
        }

        private static string? Text(JsonNode? node) =>
            node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        private static long? Number(JsonNode? node) =>
            node is JsonValue value && value.TryGetValue<long>(out var number) && number >= 0 ? number
            : node is JsonValue other && other.TryGetValue<double>(out var real) && real >= 0 ? (long)real
            : null;
    }
}
