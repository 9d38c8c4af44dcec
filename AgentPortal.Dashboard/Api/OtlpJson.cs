using System.Text.Json;
using System.Text.Json.Nodes;
using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// OTLP/JSON differs from the standard protobuf JSON mapping in one place: trace and span ids are hex,
/// not base64. They are rewritten before the protobuf JSON parser reads the request; an id that is
/// not hex becomes empty so the span is rejected with a reason instead of failing the whole request.
/// </summary>
public static class OtlpJson
{
    private static readonly JsonParser s_parser = new(JsonParser.Settings.Default.WithIgnoreUnknownFields(true));
    private static readonly JsonFormatter s_formatter = new(JsonFormatter.Settings.Default);
    private static readonly HashSet<string> s_idFields = ["traceId", "spanId", "parentSpanId", "trace_id", "span_id", "parent_span_id"];

    public static ExportTraceServiceRequest Parse(ReadOnlyMemory<byte> body)
    {
        // A name twice in one object is refused while parsing (a JsonException, so a 400), rather than
        // failing later when the object is walked.
        var root = JsonNode.Parse(body.Span, documentOptions: new JsonDocumentOptions { MaxDepth = 128, AllowDuplicateProperties = false })
            ?? throw new JsonException("The body is JSON null, not an ExportTraceServiceRequest object.");
        ConvertIds(root);
        return s_parser.Parse<ExportTraceServiceRequest>(root.ToJsonString());
    }

    public static string Format(ExportTraceServiceResponse response) => s_formatter.Format(response);

    private static void ConvertIds(JsonNode node)
    {
        switch (node)
        {
            case JsonObject item:
                foreach (var (name, value) in item.ToList())
                {
                    if (s_idFields.Contains(name) && value is JsonValue id && id.TryGetValue<string>(out var hex))
                    {
                        item[name] = HexToBase64(hex);
                    }
                    else if (value is not null)
                    {
                        ConvertIds(value);
                    }
                }
                break;
            case JsonArray list:
                foreach (var child in list)
                {
                    if (child is not null)
                    {
                        ConvertIds(child);
                    }
                }
                break;
        }
    }

    private static string HexToBase64(string hex)
    {
        try
        {
            return hex.Length == 0 ? "" : Convert.ToBase64String(Convert.FromHexString(hex));
        }
        catch (FormatException)
        {
            return "";
        }
    }
}
