using System.Text.Json;

namespace AgentPortal.Core.Telemetry;

/// <summary>Attributes and events as stored in text columns: attributes as one JSON object, events as an array.</summary>
public static class SpanJson
{
    public static string? WriteAttributes(IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            // Last value wins for a repeated key, as in most OpenTelemetry SDKs.
            for (var i = attributes.Count - 1; i >= 0; i--)
            {
                if (seen.Add(attributes[i].Key))
                {
                    json.WriteString(attributes[i].Key, attributes[i].Value);
                }
            }
            json.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyList<KeyValuePair<string, string>> ReadAttributes(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        using var document = JsonDocument.Parse(text);
        var result = new List<KeyValuePair<string, string>>();
        foreach (var property in document.RootElement.EnumerateObject())
        {
            result.Add(new(property.Name, property.Value.GetString() ?? ""));
        }
        result.Reverse();
        return result;
    }

    public static string? WriteEvents(IReadOnlyList<SpanEvent> events)
    {
        if (events.Count == 0)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            foreach (var spanEvent in events)
            {
                json.WriteStartObject();
                json.WriteString("name", spanEvent.Name);
                json.WriteNumber("time_unix_nano", spanEvent.TimeUnixNano);
                json.WritePropertyName("attributes");
                json.WriteRawValue(WriteAttributes(spanEvent.Attributes) ?? "{}");
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static IReadOnlyList<SpanEvent> ReadEvents(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.EnumerateArray().Select(e => new SpanEvent(
            e.GetProperty("name").GetString() ?? "",
            e.GetProperty("time_unix_nano").GetInt64(),
            ReadAttributes(e.GetProperty("attributes").GetRawText())))];
    }
}
