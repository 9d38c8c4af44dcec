using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>The machine-facing HTTP API.</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest JSON body accepted by the registry and run endpoints; larger ones get 413.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest OTLP/HTTP export accepted, measured after gzip decompression; larger ones get 413.</summary>
    public int OtlpMaxBodyBytes { get; set; } = 64 * 1024 * 1024;

    /// <summary>Largest chat request accepted by /chat/completions and /chat/stream (long conversations, images); larger ones get 413.</summary>
    public int ChatMaxBodyBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// Where OTLP/gRPC is received (HTTP/2 without TLS, its own port as collectors expect: 4317); empty turns it off.
    /// </summary>
    public string OtlpGrpcUrl { get; set; } = DefaultOtlpGrpcUrl;

    public const string DefaultOtlpGrpcUrl = "http://0.0.0.0:4317";

    /// <summary>A second header that may carry the API key besides Authorization: Bearer.</summary>
    public string ApiKeyHeader { get; set; } = "x-api-key";
}

public sealed class ValidateApiOptions : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.MaxBodyBytes is < 1024 or > 256 * 1024 * 1024)
        {
            problems.Add("Api:MaxBodyBytes", $"{options.MaxBodyBytes} is out of range.", "1024 to 268435456 bytes", "1048576");
        }
        if (options.OtlpMaxBodyBytes is < 1024 or > 1024 * 1024 * 1024)
        {
            problems.Add("Api:OtlpMaxBodyBytes", $"{options.OtlpMaxBodyBytes} is out of range.", "1024 to 1073741824 bytes", "67108864");
        }
        if (options.ChatMaxBodyBytes is < 1024 or > 256 * 1024 * 1024)
        {
            problems.Add("Api:ChatMaxBodyBytes", $"{options.ChatMaxBodyBytes} is out of range.", "1024 to 268435456 bytes", "16777216");
        }
        if (!string.IsNullOrWhiteSpace(options.OtlpGrpcUrl)
            && !(Uri.TryCreate(options.OtlpGrpcUrl, UriKind.Absolute, out var grpc) && grpc.Scheme == Uri.UriSchemeHttp && grpc.AbsolutePath == "/"
                 && options.OtlpGrpcUrl.Contains($":{grpc.Port}", StringComparison.Ordinal)))
        {
            problems.Add("Api:OtlpGrpcUrl", $"{ConfigurationProblems.Quote(options.OtlpGrpcUrl)} is not an http:// address with a port.", "http://host:port, or empty to turn OTLP/gRPC off", ApiOptions.DefaultOtlpGrpcUrl);
        }
        if (string.IsNullOrWhiteSpace(options.ApiKeyHeader) || !options.ApiKeyHeader.All(c => char.IsAsciiLetterOrDigit(c) || c == '-'))
        {
            problems.Add("Api:ApiKeyHeader", $"{ConfigurationProblems.Quote(options.ApiKeyHeader)} is not a header name.", "letters, digits and dashes", "x-api-key");
        }
        return problems.ToResult();
    }
}
