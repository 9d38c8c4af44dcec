using System.Text.Json;
using System.Text.RegularExpressions;

namespace AgentPortal.Core.Otlp;

/// <summary>
/// LiteLLM may pass user metadata as one attribute, <c>metadata.requester_metadata</c>, holding either
/// JSON or a Python dict's repr (<c>{'agent_id': 'a1', 'n': 1}</c>). Reads top-level string values from either.
/// </summary>
public static partial class RequesterMetadata
{
    public static string? Find(string? text, string key)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty(key, out var value))
            {
                return value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind is JsonValueKind.Number ? value.GetRawText() : null;
            }
            return null;
        }
        catch (JsonException)
        {
            // Python repr: 'key': 'value' or "key": "value" pairs.
            foreach (Match match in PythonPair().Matches(text))
            {
                if (match.Groups["key"].Value == key)
                {
                    return match.Groups["value"].Value;
                }
            }
            return null;
        }
    }

    [GeneratedRegex("""['"](?<key>[^'"]+)['"]\s*:\s*['"](?<value>[^'"]*)['"]""")]
    private static partial Regex PythonPair();
}
