using System.Buffers;
using System.IO.Compression;
using System.Security.Claims;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Otlp;
using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>OTLP/HTTP trace receiver: protobuf or JSON, optionally gzip, answered in the request's encoding.</summary>
public static class OtlpApi
{
    public const string ProtobufContentType = "application/x-protobuf";
    public const string JsonContentType = "application/json";

    public static IEndpointRouteBuilder MapOtlpApi(this IEndpointRouteBuilder app)
    {
        app.MapMachineApi("/v1").MapPost("/traces", ExportAsync).RequireAuthorization(ApiAuthentication.IngestPolicy).WithMetadata(new Hosting.IngestRateLimitMetadata());
        // Langfuse's SDKs (v3+, OpenTelemetry-based) export here; only the host changes for a team that moves.
        app.MapMachineApi($"{ApiAuthentication.LangfusePrefix}/v1").MapPost("/traces", ExportAsync).RequireAuthorization(ApiAuthentication.IngestPolicy).WithMetadata(new Hosting.IngestRateLimitMetadata());
        return app;
    }

    internal static async Task<IResult> ExportAsync(
        HttpRequest request, ClaimsPrincipal user, OtlpTraceService otlp, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        var mediaType = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        var isProtobuf = mediaType is ProtobufContentType or "application/protobuf";
        if (!isProtobuf && mediaType != JsonContentType)
        {
            throw new RequestBodyException(StatusCodes.Status415UnsupportedMediaType, "Unsupported content type",
                $"OTLP/HTTP accepts '{ProtobufContentType}' or '{JsonContentType}'; the request was '{request.ContentType ?? "(none)"}'.");
        }

        ExportTraceServiceRequest export;
        using (var body = await ReadBodyAsync(request, api.Value.OtlpMaxBodyBytes, cancellationToken))
        {
            if (body.Length == 0)
            {
                throw new RequestBodyException(StatusCodes.Status400BadRequest, "Empty export", "The body is empty; send an ExportTraceServiceRequest.");
            }
            try
            {
                // Parsing copies every value out of the buffer, so it can go back to the pool afterwards.
                export = isProtobuf ? ExportTraceServiceRequest.Parser.ParseFrom(body.Memory.Span) : OtlpJson.Parse(body.Memory);
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or System.Text.Json.JsonException or InvalidJsonException)
            {
                throw new RequestBodyException(StatusCodes.Status400BadRequest, "Malformed OTLP export",
                    $"The body is not a valid {(isProtobuf ? "protobuf" : "OTLP/JSON")} ExportTraceServiceRequest: {ex.Message}");
            }
        }

        var result = await otlp.ExportAsync(export, user.CallerProject() ?? Agent.DefaultProject, cancellationToken);
        if (result.Accepted == 0 && result.Rejected > 0)
        {
            throw new RequestBodyException(StatusCodes.Status400BadRequest, "No valid spans", $"All {result.Rejected} spans were rejected: {result.ErrorMessage}");
        }

        var response = new ExportTraceServiceResponse();
        if (result.Rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = result.Rejected, ErrorMessage = result.ErrorMessage };
        }
        return isProtobuf
            ? Results.Bytes(response.ToByteArray(), ProtobufContentType)
            : Results.Text(OtlpJson.Format(response), JsonContentType);
    }

    /// <summary>
    /// Reads the body, inflating gzip, and stops at the limit so a small compressed body cannot expand
    /// without bound. The buffer comes from the shared pool (an export of a thousand spans is larger
    /// than the large-object threshold, and a fresh one per request would keep the collector busy);
    /// the caller returns it once the export is parsed.
    /// </summary>
    private static async Task<RequestBody> ReadBodyAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        var encoding = request.Headers.ContentEncoding.ToString().Trim().ToLowerInvariant();
        Stream source = encoding switch
        {
            "" or "identity" => request.Body,
            "gzip" => new GZipStream(request.Body, CompressionMode.Decompress, leaveOpen: true),
            _ => throw new RequestBodyException(StatusCodes.Status415UnsupportedMediaType, "Unsupported content encoding",
                $"Content-Encoding '{encoding}' is not supported; send the body plain or gzip-compressed."),
        };
        await using (source.ConfigureAwait(false))
        {
            // The declared length is only a first guess: a gzip body inflates, and a sender may lie.
            var firstGuess = (int)Math.Clamp(request.ContentLength ?? 0, 0, maxBytes) + 1;
            var body = new RequestBody(Math.Max(firstGuess, 16 * 1024));
            try
            {
                int read;
                while ((read = await source.ReadAsync(body.FreeSpace(), cancellationToken)) > 0)
                {
                    if (body.Length + read > maxBytes)
                    {
                        throw new RequestBodyException(StatusCodes.Status413PayloadTooLarge, "Export too large",
                            $"The export is larger than {maxBytes:N0} bytes after decompression (Api:OtlpMaxBodyBytes). Send smaller batches.");
                    }
                    body.Advance(read);
                }
                return body;
            }
            catch (Exception ex)
            {
                body.Dispose();
                if (ex is InvalidDataException)
                {
                    throw new RequestBodyException(StatusCodes.Status400BadRequest, "Malformed gzip", $"The body is not valid gzip: {ex.Message}");
                }
                throw;
            }
        }
    }

    /// <summary>A request body in a buffer rented from the shared pool; disposing returns the buffer.</summary>
    private sealed class RequestBody(int initialCapacity) : IDisposable
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

        public int Length { get; private set; }

        public ReadOnlyMemory<byte> Memory => Buffer.AsMemory(0, Length);

        private byte[] Buffer => _buffer ?? throw new ObjectDisposedException(nameof(RequestBody));

        /// <summary>Room for the next read, doubling the buffer when it is full.</summary>
        public Memory<byte> FreeSpace()
        {
            if (Length == Buffer.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(Buffer.Length * 2);
                Buffer.AsSpan(0, Length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(Buffer);
                _buffer = larger;
            }
            return Buffer.AsMemory(Length);
        }

        public void Advance(int count) => Length += count;

        public void Dispose()
        {
            if (_buffer is { } buffer)
            {
                _buffer = null;
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
    }
}
