using System.Globalization;
using System.Text.Json;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>A tool the model asked for, with the arguments it gave (JSON text as sent).</summary>
public sealed record ToolCall(string? Id, string Name, string? Arguments);

/// <summary>
/// One turn of an LLM call's conversation: who spoke (system, user, assistant, tool), what was said,
/// the tools the assistant called, the call a tool turn answers, and why the model stopped.
/// </summary>
public sealed record ChatTurn(string Role, string? Text, IReadOnlyList<ToolCall> ToolCalls, string? ToolCallId = null, string? FinishReason = null, bool Output = false)
{
    public static ChatTurn Plain(string role, string? text, bool output = false) => new(role, text, [], Output: output);
}

/// <summary>
/// Reads the conversation of an LLM call from whichever dialect carried it, first match wins:
/// <list type="number">
/// <item>OpenTelemetry GenAI: <c>gen_ai.system_instructions</c>, <c>gen_ai.input.messages</c>, <c>gen_ai.output.messages</c>
/// (JSON messages with typed parts), as span attributes or on a span event;</item>
/// <item>the deprecated indexed form <c>gen_ai.prompt.N.*</c> / <c>gen_ai.completion.N.*</c> (LiteLLM, OpenLLMetry);</item>
/// <item>OpenInference <c>llm.input_messages.N.message.*</c> / <c>llm.output_messages.N.message.*</c>;</item>
/// <item>GenAI events (<c>gen_ai.user.message</c>, <c>gen_ai.choice</c>, …) and whole-message attributes
/// (<c>gen_ai.prompt</c> / <c>gen_ai.completion</c> as OpenAI-style JSON, the Vercel AI SDK's
/// <c>ai.prompt.messages</c> / <c>ai.response.text</c>, Langfuse's <c>langfuse.observation.input</c> / <c>output</c>);</item>
/// <item>plain input and output text (OpenInference <c>input.value</c> / <c>output.value</c>, the portal's run input and output).</item>
/// </list>
/// A value that is not the JSON it should be is shown as text, never dropped.
/// </summary>
public static class Conversation
{
    public static IReadOnlyList<ChatTurn> Of(SpanRecord span)
    {
        var attributes = Index(span.Attributes);
        var detail = span.Events.FirstOrDefault(e => e.Name == "gen_ai.client.inference.operation.details");
        return FromGenAi(detail is null ? attributes : Merge(attributes, Index(detail.Attributes)))
            ?? FromIndexed(attributes)
            ?? FromOpenInference(attributes)
            ?? FromEvents(span.Events)
            ?? FromWholeMessages(attributes)
            ?? FromPlainText(attributes);
    }

    private static Dictionary<string, string> Index(IReadOnlyList<KeyValuePair<string, string>> pairs)
    {
        var index = new Dictionary<string, string>(pairs.Count, StringComparer.Ordinal);
        foreach (var (key, value) in pairs)
        {
            index.TryAdd(key, value);
        }
        return index;
    }

    private static Dictionary<string, string> Merge(Dictionary<string, string> first, Dictionary<string, string> second)
    {
        var merged = new Dictionary<string, string>(first, StringComparer.Ordinal);
        foreach (var (key, value) in second)
        {
            merged[key] = value;
        }
        return merged;
    }

    private static List<ChatTurn>? FromGenAi(Dictionary<string, string> attributes)
    {
        var turns = new List<ChatTurn>();
        if (attributes.TryGetValue("gen_ai.system_instructions", out var system))
        {
            turns.Add(ChatTurn.Plain("system", PartsText(system)));
        }
        if (attributes.TryGetValue("gen_ai.input.messages", out var input))
        {
            turns.AddRange(JsonMessages(input, output: false));
        }
        if (attributes.TryGetValue("gen_ai.output.messages", out var output))
        {
            turns.AddRange(JsonMessages(output, output: true));
        }
        return turns.Count == 0 ? null : turns;
    }

    /// <summary>gen_ai.prompt.N / gen_ai.completion.N: .role / .content / .finish_reason / .tool_call_id / .tool_calls.M.{id,name,arguments}.</summary>
    private static List<ChatTurn>? FromIndexed(Dictionary<string, string> attributes)
    {
        var turns = new List<ChatTurn>();
        foreach (var (prefix, output) in new[] { ("gen_ai.prompt.", false), ("gen_ai.completion.", true) })
        {
            foreach (var (_, fields) in Numbered(attributes, prefix))
            {
                var calls = Numbered(fields, "tool_calls.")
                    .Select(c => new ToolCall(c.Fields.GetValueOrDefault("id"), c.Fields.GetValueOrDefault("name") ?? c.Fields.GetValueOrDefault("function.name") ?? "tool",
                        c.Fields.GetValueOrDefault("arguments") ?? c.Fields.GetValueOrDefault("function.arguments")))
                    .ToList();
                var role = fields.GetValueOrDefault("role") ?? (output ? "assistant" : "user");
                var text = fields.GetValueOrDefault("content");
                if (text is null && calls.Count == 0)
                {
                    continue;
                }
                turns.Add(new ChatTurn(role, text, calls, fields.GetValueOrDefault("tool_call_id"), fields.GetValueOrDefault("finish_reason"), output));
            }
        }
        return turns.Count == 0 ? null : turns;
    }

    /// <summary>llm.input_messages.N.message.role / .content / .contents.M.message_content.text / .tool_calls.M.tool_call.function.{name,arguments}.</summary>
    private static List<ChatTurn>? FromOpenInference(Dictionary<string, string> attributes)
    {
        var turns = new List<ChatTurn>();
        foreach (var (prefix, output) in new[] { ("llm.input_messages.", false), ("llm.output_messages.", true) })
        {
            foreach (var (_, fields) in Numbered(attributes, prefix))
            {
                var role = fields.GetValueOrDefault("message.role") ?? (output ? "assistant" : "user");
                var text = fields.GetValueOrDefault("message.content")
                    ?? JoinNonEmpty(Numbered(fields, "message.contents.").Select(c => c.Fields.GetValueOrDefault("message_content.text")));
                var calls = Numbered(fields, "message.tool_calls.")
                    .Select(c => new ToolCall(c.Fields.GetValueOrDefault("tool_call.id"), c.Fields.GetValueOrDefault("tool_call.function.name") ?? "tool",
                        c.Fields.GetValueOrDefault("tool_call.function.arguments")))
                    .ToList();
                if (text is null && calls.Count == 0)
                {
                    continue;
                }
                turns.Add(new ChatTurn(role, text, calls, fields.GetValueOrDefault("message.tool_call_id"), null, output));
            }
        }
        return turns.Count == 0 ? null : turns;
    }

    private static List<ChatTurn>? FromEvents(IReadOnlyList<SpanEvent> events)
    {
        var turns = new List<ChatTurn>();
        foreach (var e in events)
        {
            var attributes = Index(e.Attributes);
            switch (e.Name)
            {
                case "gen_ai.system.message" or "gen_ai.user.message" or "gen_ai.assistant.message" or "gen_ai.tool.message":
                    var role = attributes.GetValueOrDefault("role") ?? e.Name["gen_ai.".Length..^".message".Length];
                    turns.Add(new ChatTurn(role, attributes.GetValueOrDefault("content"), ToolCalls(attributes.GetValueOrDefault("tool_calls")), attributes.GetValueOrDefault("id")));
                    break;
                case "gen_ai.choice":
                    var message = attributes.GetValueOrDefault("message") ?? attributes.GetValueOrDefault("content");
                    var fromJson = message is null ? null : JsonMessages("[" + message + "]", output: true).FirstOrDefault();
                    turns.Add((fromJson ?? ChatTurn.Plain("assistant", message, output: true)) with { FinishReason = attributes.GetValueOrDefault("finish_reason"), Output = true });
                    break;
                case "gen_ai.content.prompt" when attributes.TryGetValue("gen_ai.prompt", out var prompt):
                    turns.AddRange(JsonMessagesOrText(prompt, output: false));
                    break;
                case "gen_ai.content.completion" when attributes.TryGetValue("gen_ai.completion", out var completion):
                    turns.AddRange(JsonMessagesOrText(completion, output: true));
                    break;
            }
        }
        return turns.Count == 0 ? null : turns;
    }

    private static List<ChatTurn>? FromWholeMessages(Dictionary<string, string> attributes)
    {
        var turns = new List<ChatTurn>();
        foreach (var (key, output) in new[]
        {
            ("gen_ai.prompt", false), ("llm.input_messages", false), ("ai.prompt.messages", false), ("langfuse.observation.input", false),
            ("gen_ai.completion", true), ("llm.output_messages", true), ("ai.response.text", true), ("langfuse.observation.output", true),
        })
        {
            if (attributes.TryGetValue(key, out var value))
            {
                turns.AddRange(JsonMessagesOrText(value, output));
            }
        }
        return turns.Count == 0 ? null : turns;
    }

    private static List<ChatTurn> FromPlainText(Dictionary<string, string> attributes)
    {
        var turns = new List<ChatTurn>();
        if ((attributes.GetValueOrDefault("input.value") ?? attributes.GetValueOrDefault(RunSpans.InputAttribute)) is { Length: > 0 } input)
        {
            turns.Add(ChatTurn.Plain("user", input));
        }
        if ((attributes.GetValueOrDefault("output.value") ?? attributes.GetValueOrDefault(RunSpans.OutputAttribute)) is { Length: > 0 } output)
        {
            turns.Add(ChatTurn.Plain("assistant", output, output: true));
        }
        return turns;
    }

    private static IEnumerable<ChatTurn> JsonMessagesOrText(string value, bool output)
    {
        var turns = JsonMessages(value, output);
        return turns.Count > 0 ? turns : [ChatTurn.Plain(output ? "assistant" : "user", value, output)];
    }

    /// <summary>
    /// A JSON array of messages, in the GenAI form (<c>parts</c> of type text, tool_call, tool_call_response)
    /// or OpenAI's (<c>content</c> as text or a list of parts, <c>tool_calls</c>). Text that is not such an
    /// array is one turn holding the text as it came.
    /// </summary>
    private static List<ChatTurn> JsonMessages(string value, bool output)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            var root = document.RootElement;
            var messages = root.ValueKind == JsonValueKind.Array ? root.EnumerateArray().ToList()
                : root.ValueKind == JsonValueKind.Object ? [root]
                : [];
            var turns = new List<ChatTurn>();
            foreach (var message in messages.Where(m => m.ValueKind == JsonValueKind.Object))
            {
                turns.Add(JsonMessage(message, output));
            }
            return turns.Count > 0 || messages.Count > 0 ? turns : [ChatTurn.Plain(output ? "assistant" : "user", value, output)];
        }
        catch (JsonException)
        {
            return [ChatTurn.Plain(output ? "assistant" : "user", value, output)];
        }
    }

    private static ChatTurn JsonMessage(JsonElement message, bool output)
    {
        var role = String(message, "role") ?? (output ? "assistant" : "user");
        var texts = new List<string>();
        var calls = new List<ToolCall>();
        string? answers = String(message, "tool_call_id");
        if (message.TryGetProperty("parts", out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray().Where(p => p.ValueKind == JsonValueKind.Object))
            {
                switch (String(part, "type"))
                {
                    case "tool_call":
                        calls.Add(new ToolCall(String(part, "id"), String(part, "name") ?? "tool", Raw(part, "arguments")));
                        break;
                    case "tool_call_response":
                        answers ??= String(part, "id");
                        texts.Add(Raw(part, "response") ?? "");
                        break;
                    default:
                        texts.Add(String(part, "content") ?? String(part, "text") ?? part.GetRawText());
                        break;
                }
            }
        }
        if (message.TryGetProperty("content", out var content))
        {
            texts.Add(content.ValueKind == JsonValueKind.String ? content.GetString()!
                : content.ValueKind == JsonValueKind.Array ? JoinNonEmpty(content.EnumerateArray().Select(p => p.ValueKind == JsonValueKind.String ? p.GetString() : String(p, "text") ?? p.GetRawText())) ?? ""
                : content.ValueKind == JsonValueKind.Null ? "" : content.GetRawText());
        }
        if (message.TryGetProperty("tool_calls", out var toolCalls))
        {
            calls.AddRange(ToolCalls(toolCalls.GetRawText()));
        }
        var finish = String(message, "finish_reason");
        return new ChatTurn(role, JoinNonEmpty(texts), calls, answers, finish, output);
    }

    /// <summary>OpenAI-style tool calls: [{id, type: function, function: {name, arguments}}].</summary>
    private static IReadOnlyList<ToolCall> ToolCalls(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return [];
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return [];
            }
            return [.. document.RootElement.EnumerateArray().Where(c => c.ValueKind == JsonValueKind.Object).Select(call =>
            {
                var function = call.TryGetProperty("function", out var f) && f.ValueKind == JsonValueKind.Object ? f : call;
                return new ToolCall(String(call, "id"), String(function, "name") ?? "tool", Raw(function, "arguments"));
            })];
        }
        catch (JsonException)
        {
            return [new ToolCall(null, "tool", json)];
        }
    }

    /// <summary>The text parts of system instructions ([{type: text, content}]), or the value as it came when it is not that.</summary>
    private static string PartsText(string value)
    {
        try
        {
            using var document = JsonDocument.Parse(value);
            if (document.RootElement.ValueKind == JsonValueKind.Array)
            {
                return JoinNonEmpty(document.RootElement.EnumerateArray().Select(part => part.ValueKind switch
                {
                    JsonValueKind.String => part.GetString(),
                    JsonValueKind.Object => String(part, "content") ?? String(part, "text") ?? part.GetRawText(),
                    _ => part.GetRawText(),
                })) ?? value;
            }
        }
        catch (JsonException)
        {
        }
        return value;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>A property as text: a JSON string's value, or any other JSON as written.</summary>
    private static string? Raw(JsonElement element, string name) =>
        !element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? null
        : value.ValueKind == JsonValueKind.String ? value.GetString() : value.GetRawText();

    private static string? JoinNonEmpty(IEnumerable<string?> texts)
    {
        var parts = texts.Where(t => !string.IsNullOrEmpty(t)).ToList();
        return parts.Count == 0 ? null : string.Join("\n", parts);
    }

    /// <summary>The fields of prefix.N.field keys, grouped by N in order.</summary>
    private static List<(int Index, Dictionary<string, string> Fields)> Numbered(Dictionary<string, string> attributes, string prefix)
    {
        var groups = new SortedDictionary<int, Dictionary<string, string>>();
        foreach (var (key, value) in attributes)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }
            var rest = key.AsSpan(prefix.Length);
            var dot = rest.IndexOf('.');
            if (dot <= 0 || !int.TryParse(rest[..dot], NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }
            if (!groups.TryGetValue(index, out var fields))
            {
                groups[index] = fields = new Dictionary<string, string>(StringComparer.Ordinal);
            }
            fields[rest[(dot + 1)..].ToString()] = value;
        }
        return [.. groups.Select(g => (g.Key, g.Value))];
    }
}
