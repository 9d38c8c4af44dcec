using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>Optional export of every accepted span to an upstream OpenTelemetry collector (OTLP/HTTP protobuf or OTLP/gRPC).</summary>
public sealed class ForwardingOptions
{
    public const string SectionName = "Forwarding";

    /// <summary>OTLP/HTTP with protobuf bodies; the name is the OpenTelemetry SDKs' <c>OTEL_EXPORTER_OTLP_PROTOCOL</c> value.</summary>
    public const string HttpProtobuf = "http/protobuf";

    /// <summary>OTLP/gRPC (TraceService/Export over HTTP/2).</summary>
    public const string Grpc = "grpc";

    /// <summary>
    /// The collector's traces URL, e.g. http://otel-collector:4318/v1/traces, or with <see cref="Protocol"/>
    /// <c>grpc</c> its gRPC address, e.g. http://otel-collector:4317. Empty turns forwarding off.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary><c>http/protobuf</c> (default) or <c>grpc</c>.</summary>
    public string Protocol { get; set; } = HttpProtobuf;

    /// <summary>
    /// Extra request headers (gRPC metadata with <see cref="Protocol"/> <c>grpc</c>) as comma-separated
    /// key=value pairs, e.g. "Authorization=Bearer abc". Never logged.
    /// </summary>
    public string? Headers { get; set; }

    /// <summary>Exports waiting to be sent; beyond this, new exports are dropped and counted (ingestion is never blocked).</summary>
    public int QueueCapacity { get; set; } = 1_000;

    /// <summary>Attempts per export for network errors, 429 and 5xx answers, with exponential backoff.</summary>
    public int MaxAttempts { get; set; } = 5;

    public bool Enabled => !string.IsNullOrWhiteSpace(Endpoint);

    public bool UsesGrpc => string.Equals(Protocol, Grpc, StringComparison.OrdinalIgnoreCase);

    public IEnumerable<KeyValuePair<string, string>> ParseHeaders() =>
        (Headers ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(pair => pair.Split('=', 2))
            .Where(parts => parts.Length == 2 && parts[0].Trim().Length > 0)
            .Select(parts => new KeyValuePair<string, string>(parts[0].Trim(), Uri.UnescapeDataString(parts[1].Trim())));
}

public sealed class ValidateForwardingOptions : IValidateOptions<ForwardingOptions>
{
    public ValidateOptionsResult Validate(string? name, ForwardingOptions options)
    {
        var problems = new ConfigurationProblems();
        var grpc = options.UsesGrpc;
        if (!grpc && !string.Equals(options.Protocol, ForwardingOptions.HttpProtobuf, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("Forwarding:Protocol", $"{ConfigurationProblems.Quote(options.Protocol)} is not an OTLP protocol AgentPortal sends.", "http/protobuf or grpc", ForwardingOptions.HttpProtobuf);
        }
        var url = Uri.TryCreate(options.Endpoint, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps) ? parsed : null;
        if (options.Enabled && url is null)
        {
            problems.Add("Forwarding:Endpoint", $"{ConfigurationProblems.Quote(options.Endpoint)} is not an http(s) URL.",
                grpc ? "the collector's OTLP/gRPC address, or empty to turn forwarding off" : "the collector's OTLP/HTTP traces URL, or empty to turn forwarding off",
                grpc ? "http://otel-collector:4317" : "http://otel-collector:4318/v1/traces");
        }
        else if (options.Enabled && grpc && url is not null && (url.AbsolutePath != "/" || url.Query.Length > 0))
        {
            // gRPC names the method in the path itself; a path here is an OTLP/HTTP URL given to the wrong protocol.
            problems.Add("Forwarding:Endpoint", $"{ConfigurationProblems.Quote(options.Endpoint)} has a path, and an OTLP/gRPC address takes none.",
                "scheme, host and port only (the collector's gRPC port, 4317 by default)", "http://otel-collector:4317");
        }
        if (options.Headers is { } headers && headers.Split(',', StringSplitOptions.RemoveEmptyEntries).Any(pair => !pair.Contains('=', StringComparison.Ordinal)))
        {
            problems.Add("Forwarding:Headers", "has an entry without '=' (its value is not shown).", "comma-separated key=value pairs", "Authorization=Bearer%20token");
        }
        else if (grpc && options.ParseHeaders().FirstOrDefault(h => !IsGrpcMetadataKey(h.Key)) is { Key: { } bad })
        {
            problems.Add("Forwarding:Headers", $"{ConfigurationProblems.Quote(bad)} cannot be a gRPC metadata key (its value is not shown).",
                "keys of letters, digits, '-', '_' and '.', not ending in -bin", "authorization=Bearer%20token");
        }
        if (options.QueueCapacity is < 1 or > 1_000_000)
        {
            problems.Add("Forwarding:QueueCapacity", $"{options.QueueCapacity} is out of range.", "1 to 1000000", "1000");
        }
        if (options.MaxAttempts is < 1 or > 20)
        {
            problems.Add("Forwarding:MaxAttempts", $"{options.MaxAttempts} is out of range.", "1 to 20", "5");
        }
        return problems.ToResult();
    }

    /// <summary>gRPC metadata keys are ASCII letters, digits, '-', '_' and '.'; '-bin' keys carry bytes, which text settings cannot give.</summary>
    private static bool IsGrpcMetadataKey(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && !key.EndsWith("-bin", StringComparison.OrdinalIgnoreCase);
}
