using System.Buffers;
using System.Globalization;
using System.Text.Json;
using AgentPortal.Core.Common;

namespace AgentPortal.Dashboard.Api;

/// <summary>The body cannot be read at all (not JSON, too large, wrong content type).</summary>
public sealed class RequestBodyException(int statusCode, string title, string message) : Exception(message)
{
    public int StatusCode { get; } = statusCode;

    public string Title { get; } = title;
}

/// <summary>
/// Reads a JSON object body within a size limit, then its fields one by one, collecting every
/// problem by field name so the caller learns all of them at once.
/// </summary>
public sealed class JsonRequest : IDisposable
{
    private readonly JsonDocument _document;
    private readonly FieldErrors _errors = new();

    private JsonRequest(JsonDocument document) => _document = document;

    public JsonElement Root => _document.RootElement;

    public static async Task<JsonRequest> ReadAsync(HttpRequest request, int maxBytes, bool allowEmpty, CancellationToken cancellationToken)
    {
        if (request.ContentType is { } type && !type.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            throw new RequestBodyException(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"The body is '{type}'; send JSON with Content-Type: application/json.");
        }
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }
        var buffer = new MemoryStream(request.ContentLength is { } length ? (int)length : 1024);
        var chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
        try
        {
            int read;
            while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
            {
                if (buffer.Length + read > maxBytes)
                {
                    throw TooLarge(maxBytes);
                }
                buffer.Write(chunk, 0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }

        if (buffer.Length == 0)
        {
            return allowEmpty
                ? new JsonRequest(JsonDocument.Parse("{}"))
                : throw new RequestBodyException(StatusCodes.Status400BadRequest, "Body required", "Send a JSON object body with Content-Type: application/json.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new RequestBodyException(StatusCodes.Status400BadRequest, "Malformed JSON",
                $"The body is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}). Send one JSON object.");
        }
        var kind = document.RootElement.ValueKind;
        if (kind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new RequestBodyException(StatusCodes.Status400BadRequest, "JSON object required",
                $"The body is a JSON {kind.ToString().ToLowerInvariant()}; send one JSON object such as {{\"name\": \"my-agent\"}}.");
        }
        return new JsonRequest(document);
    }

    /// <summary>A field as it came, for fields whose shape is checked by the caller; null when absent or null.</summary>
    public JsonElement? Element(string field) =>
        Root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>The whole body as a mutable JSON object, independent of this reader.</summary>
    public System.Text.Json.Nodes.JsonObject ToJsonObject() => System.Text.Json.Nodes.JsonObject.Create(Root.Clone())!;

    public bool Has(string field) => Root.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    public string? String(string field, bool required = false, int maxLength = 255)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            if (required)
            {
                Error(field, "is required.");
            }
            return null;
        }
        if (value.ValueKind != JsonValueKind.String)
        {
            Error(field, $"must be a string, not a {Kind(value)}.");
            return null;
        }
        var text = value.GetString()!;
        if (required && string.IsNullOrWhiteSpace(text))
        {
            Error(field, "must not be empty.");
            return null;
        }
        if (text.Length > maxLength)
        {
            Error(field, $"must be at most {maxLength} characters (it has {text.Length}).");
            return null;
        }
        return text;
    }

    /// <summary>Free text or any JSON value; non-strings are kept as their JSON text.</summary>
    public string? Text(string field, int maxLength)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : value.GetRawText();
        return text.Length > maxLength ? text[..maxLength] : text;
    }

    public bool? Bool(string field)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            Error(field, $"must be true or false, not a {Kind(value)}.");
            return null;
        }
        return value.GetBoolean();
    }

    /// <summary>A JSON object, returned as its JSON text.</summary>
    public string? Object(string field)
    {
        if (!Root.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Object)
        {
            Error(field, $"must be a JSON object, not a {Kind(value)}.");
            return null;
        }
        return value.GetRawText();
    }

    public delegate bool TryParse<T>(string? text, out T value);

    public T? Enum<T>(string field, TryParse<T> parse, string allowed, bool required = false) where T : struct
    {
        var text = String(field, required, maxLength: 64);
        if (text is null)
        {
            return null;
        }
        if (!parse(text, out var value))
        {
            Error(field, $"'{text}' is not allowed; use one of: {allowed}.");
            return null;
        }
        return value;
    }

    public void Error(string field, string problem) => _errors.Add(field, problem);

    public void ThrowIfInvalid() => _errors.ThrowIfAny();

    public void Dispose() => _document.Dispose();

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "boolean",
        _ => value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static RequestBodyException TooLarge(int maxBytes) =>
        new(StatusCodes.Status413PayloadTooLarge, "Body too large",
            $"The body is larger than {maxBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (Api:MaxBodyBytes). Send less, or raise the limit.");
}

/// <summary>Query-string values for the read endpoints, validated the same way.</summary>
public sealed class QueryReader(IQueryCollection query)
{
    private readonly FieldErrors _errors = new();

    public string? String(string name, int maxLength = 255)
    {
        var value = query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }
        if (value.Length > maxLength)
        {
            Error(name, $"must be at most {maxLength} characters.");
            return null;
        }
        return value;
    }

    public int Int(string name, int defaultValue, int min, int max)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return defaultValue;
        }
        if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            Error(name, $"'{text}' is not a whole number from {min} to {max}.");
            return defaultValue;
        }
        return value;
    }

    public DateTime? Time(string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0)
        {
            return null;
        }
        if (!DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value))
        {
            Error(name, $"'{text}' is not a time; use ISO 8601 such as 2026-11-22T09:00:00Z.");
            return null;
        }
        return value.UtcDateTime;
    }

    public T? Enum<T>(string name, JsonRequest.TryParse<T> parse, string allowed) where T : struct
    {
        var text = String(name, 64);
        if (text is null)
        {
            return null;
        }
        if (!parse(text, out var value))
        {
            Error(name, $"'{text}' is not allowed; use one of: {allowed}.");
            return null;
        }
        return value;
    }

    public void Error(string name, string problem) => _errors.Add(name, problem);

    public void ThrowIfInvalid() => _errors.ThrowIfAny();
}

/// <summary>Problems collected by field name, reported together as one 400.</summary>
public sealed class FieldErrors
{
    private readonly Dictionary<string, List<string>> _errors = [];

    public void Add(string field, string problem)
    {
        if (!_errors.TryGetValue(field, out var list))
        {
            _errors[field] = list = [];
        }
        list.Add(problem);
    }

    public void ThrowIfAny()
    {
        if (_errors.Count > 0)
        {
            throw new ValidationFailedException(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
        }
    }
}
