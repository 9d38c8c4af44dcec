using System.Buffers;
using System.Text;
using System.Text.Json;

namespace AgentPortal.Core.Telemetry;

/// <summary>Attributes and events as stored in text columns: attributes as one JSON object, events as an array.</summary>
public static class SpanJson
{
    /// <summary>
    /// One buffer and writer per thread, reused: every ingested span is written here on the caller's
    /// thread, so a fresh stream, writer and key set per span would be most of ingestion's garbage.
    /// </summary>
    [ThreadStatic]
    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json)? s_threadWriter;

    public static string? WriteAttributes(IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        if (attributes.Count == 0)
        {
            return null;
        }
        var (buffer, json) = RentWriter();
        WriteAttributes(json, attributes);
        return Finish(buffer, json);
    }

    private static void WriteAttributes(Utf8JsonWriter json, IReadOnlyList<KeyValuePair<string, string>> attributes)
    {
        json.WriteStartObject();
        // Last value wins for a repeated key, as in most OpenTelemetry SDKs.
        HashSet<string>? seen = null;
        for (var i = attributes.Count - 1; i >= 0; i--)
        {
            if (!IsRepeatedLater(attributes, i, ref seen))
            {
                json.WriteString(attributes[i].Key, attributes[i].Value);
            }
        }
        json.WriteEndObject();
    }

    /// <summary>True when a later attribute has the same key. A short list is scanned; a long one uses a set.</summary>
    private static bool IsRepeatedLater(IReadOnlyList<KeyValuePair<string, string>> attributes, int index, ref HashSet<string>? seen)
    {
        const int ScanLimit = 16;
        var key = attributes[index].Key;
        if (attributes.Count <= ScanLimit)
        {
            for (var j = index + 1; j < attributes.Count; j++)
            {
                if (string.Equals(attributes[j].Key, key, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }
        seen ??= new HashSet<string>(StringComparer.Ordinal);
        return !seen.Add(key);
    }

    private static string Finish(ArrayBufferWriter<byte> buffer, Utf8JsonWriter json)
    {
        const int KeepAtMost = 1024 * 1024;
        json.Flush();
        var text = Encoding.UTF8.GetString(buffer.WrittenSpan);
        if (buffer.Capacity > KeepAtMost)
        {
            // One huge span must not pin its buffer to the thread for good.
            s_threadWriter = null;
        }
        return text;
    }

    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Json) RentWriter()
    {
        if (s_threadWriter is not { } writer)
        {
            var buffer = new ArrayBufferWriter<byte>(4096);
            writer = (buffer, new Utf8JsonWriter(buffer));
            s_threadWriter = writer;
        }
        writer.Buffer.ResetWrittenCount();
        writer.Json.Reset(writer.Buffer);
        return writer;
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
        var (buffer, json) = RentWriter();
        json.WriteStartArray();
        foreach (var spanEvent in events)
        {
            json.WriteStartObject();
            json.WriteString("name", spanEvent.Name);
            json.WriteNumber("time_unix_nano", spanEvent.TimeUnixNano);
            json.WritePropertyName("attributes");
            WriteAttributes(json, spanEvent.Attributes);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        return Finish(buffer, json);
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

    public static string? WriteLinks(IReadOnlyList<SpanLink> links)
    {
        if (links.Count == 0)
        {
            return null;
        }
        var (buffer, json) = RentWriter();
        json.WriteStartArray();
        foreach (var link in links)
        {
            json.WriteStartObject();
            json.WriteString("trace_id", link.TraceId);
            json.WriteString("span_id", link.SpanId);
            json.WritePropertyName("attributes");
            WriteAttributes(json, link.Attributes);
            json.WriteEndObject();
        }
        json.WriteEndArray();
        return Finish(buffer, json);
    }

    public static IReadOnlyList<SpanLink> ReadLinks(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return [];
        }
        using var document = JsonDocument.Parse(text);
        return [.. document.RootElement.EnumerateArray().Select(l => new SpanLink(
            l.GetProperty("trace_id").GetString() ?? "",
            l.GetProperty("span_id").GetString() ?? "",
            ReadAttributes(l.GetProperty("attributes").GetRawText())))];
    }
}
