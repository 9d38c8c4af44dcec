using System.Text.Json;

namespace AgentPortal.Core.Otlp;

/// <summary>
/// Langfuse's SDKs put an observation's usage and cost in one JSON attribute each
/// (<c>langfuse.observation.usage_details</c>: {"input": 120, "output": 30, …};
/// <c>langfuse.observation.cost_details</c>: {"total": 0.0012, …}). Anything that is not such an object reads as absent.
/// </summary>
public static class LangfuseUsage
{
    public static long? Tokens(string? json, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (Read(json, key) is { } value && value >= 0 && value <= long.MaxValue)
            {
                return (long)value;
            }
        }
        return null;
    }

    /// <summary>The total cost, or the sum of the parts when no total is given.</summary>
    public static double? Total(string? json)
    {
        if (Read(json, "total") is { } total)
        {
            return total >= 0 ? total : null;
        }
        var parts = Parse(json)?.Values.Where(v => v >= 0).ToList();
        return parts is { Count: > 0 } ? parts.Sum() : null;
    }

    private static double? Read(string? json, string key) => Parse(json) is { } values && values.TryGetValue(key, out var value) ? value : null;

    private static Dictionary<string, double>? Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || json.TrimStart()[0] != '{')
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out var number) && double.IsFinite(number))
                .ToDictionary(p => p.Name, p => p.Value.GetDouble(), StringComparer.Ordinal);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
