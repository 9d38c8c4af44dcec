using System.Globalization;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Common;

namespace AgentPortal.Core.Otlp;

/// <summary>OTLP attribute values as the text the portal stores: scalars as written, arrays and maps as JSON.</summary>
public static class OtlpAttributes
{
    public static string ToText(AnyValue? value) => value?.ValueCase switch
    {
        null or AnyValue.ValueOneofCase.None => "",
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString("R", CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BytesValue => Convert.ToBase64String(value.BytesValue.Span),
        _ => ToJson(value),
    };

    private static string ToJson(AnyValue value)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            Write(json, value);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void Write(Utf8JsonWriter json, AnyValue value)
    {
        switch (value.ValueCase)
        {
            case AnyValue.ValueOneofCase.StringValue: json.WriteStringValue(value.StringValue); break;
            case AnyValue.ValueOneofCase.BoolValue: json.WriteBooleanValue(value.BoolValue); break;
            case AnyValue.ValueOneofCase.IntValue: json.WriteNumberValue(value.IntValue); break;
            case AnyValue.ValueOneofCase.DoubleValue:
                if (double.IsFinite(value.DoubleValue))
                {
                    json.WriteNumberValue(value.DoubleValue);
                }
                else
                {
                    json.WriteStringValue(value.DoubleValue.ToString(CultureInfo.InvariantCulture));
                }
                break;
            case AnyValue.ValueOneofCase.BytesValue: json.WriteStringValue(Convert.ToBase64String(value.BytesValue.Span)); break;
            case AnyValue.ValueOneofCase.ArrayValue:
                json.WriteStartArray();
                foreach (var item in value.ArrayValue.Values)
                {
                    Write(json, item);
                }
                json.WriteEndArray();
                break;
            case AnyValue.ValueOneofCase.KvlistValue:
                json.WriteStartObject();
                foreach (var pair in value.KvlistValue.Values)
                {
                    json.WritePropertyName(pair.Key);
                    Write(json, pair.Value ?? new AnyValue());
                }
                json.WriteEndObject();
                break;
            default: json.WriteNullValue(); break;
        }
    }
}
