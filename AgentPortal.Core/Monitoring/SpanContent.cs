using System.Text;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>
/// What a span said and answered, read from the attribute names the common emitters use: the
/// portal's own run input/output, the GenAI conventions' messages, LiteLLM's indexed
/// <c>gen_ai.prompt.N.*</c> / <c>gen_ai.completion.N.*</c>, and OpenInference's <c>input.value</c>.
/// </summary>
public static class SpanContent
{
    private static readonly string[] s_inputKeys = [RunSpans.InputAttribute, "gen_ai.input.messages", "gen_ai.prompt", "input.value", "llm.input_messages"];
    private static readonly string[] s_outputKeys = [RunSpans.OutputAttribute, "gen_ai.output.messages", "gen_ai.completion", "output.value", "llm.output_messages"];

    public static string? Input(SpanRecord span) => Read(span, s_inputKeys, "gen_ai.prompt.");

    public static string? Output(SpanRecord span) => Read(span, s_outputKeys, "gen_ai.completion.");

    /// <summary>The status message and every exception event's type and message, in order.</summary>
    public static IReadOnlyList<string> Errors(SpanRecord span)
    {
        var errors = new List<string>();
        if (span.Status == SpanStatusCode.Error)
        {
            errors.Add(span.StatusMessage ?? span.Attributes.FirstOrDefault(a => a.Key == "error.type").Value ?? "failed (no message)");
        }
        foreach (var exception in span.Events.Where(e => e.Name == "exception"))
        {
            var type = exception.Attributes.FirstOrDefault(a => a.Key == "exception.type").Value;
            var message = exception.Attributes.FirstOrDefault(a => a.Key == "exception.message").Value;
            var text = type is null ? message : message is null ? type : $"{type}: {message}";
            if (text is not null && !errors.Contains(text))
            {
                errors.Add(text);
            }
        }
        return errors;
    }

    private static string? Read(SpanRecord span, string[] keys, string indexedPrefix)
    {
        foreach (var key in keys)
        {
            var value = span.Attributes.FirstOrDefault(a => a.Key == key).Value;
            if (!string.IsNullOrEmpty(value))
            {
                return value;
            }
        }
        // gen_ai.prompt.0.role = user, gen_ai.prompt.0.content = ... → "user: ..."
        var indexed = span.Attributes
            .Where(a => a.Key.StartsWith(indexedPrefix, StringComparison.Ordinal))
            .Select(a => (Parts: a.Key[indexedPrefix.Length..].Split('.', 2), a.Value))
            .Where(p => p.Parts.Length == 2 && int.TryParse(p.Parts[0], out _))
            .GroupBy(p => int.Parse(p.Parts[0], System.Globalization.CultureInfo.InvariantCulture))
            .OrderBy(g => g.Key)
            .ToList();
        if (indexed.Count == 0)
        {
            return null;
        }
        var text = new StringBuilder();
        foreach (var message in indexed)
        {
            var role = message.FirstOrDefault(p => p.Parts[1] == "role").Value;
            var content = message.FirstOrDefault(p => p.Parts[1] == "content").Value;
            if (content is null)
            {
                continue;
            }
            text.Append(text.Length > 0 ? "\n\n" : "").Append(role is null ? "" : role + ": ").Append(content);
        }
        return text.Length == 0 ? null : text.ToString();
    }
}
