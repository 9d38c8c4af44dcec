using System.Buffers.Binary;
using System.IO.Compression;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Checks an OTLP/gRPC export's 5-byte message prefix (and, when compressed, that it is gzip) before
/// Grpc.AspNetCore reads it: Grpc.AspNetCore answers a cut-off or wrongly marked message with INTERNAL,
/// which an exporter takes for a server fault. A bad prefix gets INVALID_ARGUMENT with what is wrong,
/// as a trailers-only response; a good request goes on unchanged, from the buffered body. A message
/// that is not valid protobuf is refused by <see cref="OtlpGrpcBinding"/>'s deserializer, which parses once.
/// </summary>
internal static class OtlpGrpcFrames
{
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    private const int PrefixLength = 5;

    public static IApplicationBuilder UseOtlpGrpcFrameCheck(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (context.Request.Path != ExportPath || context.Request.ContentType?.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase) != true)
        {
            await next(context);
            return;
        }
        var limit = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.OtlpMaxBodyBytes;
        context.Request.EnableBuffering(bufferThreshold: 1024 * 1024, bufferLimit: (long)limit + PrefixLength + 1);
        var body = new MemoryStream();
        try
        {
            await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        }
        catch (IOException)
        {
            // Over the buffer limit: Grpc.AspNetCore answers RESOURCE_EXHAUSTED from its own size check.
            context.Request.Body.Position = 0;
            await next(context);
            return;
        }
        if (Problem(body.GetBuffer().AsSpan(0, (int)body.Length), context.Request.Headers["grpc-encoding"].ToString(), limit) is { } problem)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem);
            return;
        }
        context.Request.Body.Position = 0;
        await next(context);
    });

    /// <summary>What is wrong with a unary request body (prefix and message), or null when it holds one valid export.</summary>
    internal static string? Problem(ReadOnlySpan<byte> body, string? encoding, int limit)
    {
        if (body.Length < PrefixLength)
        {
            return $"The request holds {body.Length} bytes, fewer than a gRPC message's 5-byte prefix.";
        }
        if (body[0] > 1)
        {
            return $"The message prefix's compressed flag is {body[0]}; it must be 0 or 1.";
        }
        var declared = BinaryPrimitives.ReadUInt32BigEndian(body[1..PrefixLength]);
        var payload = body[PrefixLength..];
        if (declared > limit)
        {
            return null; // Grpc.AspNetCore answers RESOURCE_EXHAUSTED, naming the limit.
        }
        if (declared != payload.Length)
        {
            return $"The message prefix says {declared} bytes but {payload.Length} follow: the message is cut off or has bytes after it.";
        }
        if (body[0] == 1)
        {
            if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                return $"The message is marked compressed but grpc-encoding is '{encoding}'; only gzip is accepted.";
            }
            try
            {
                // Read through once, to a bounded count, so a message that is not gzip is named here.
                using var zip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
                var buffer = new byte[81920];
                long total = 0;
                int read;
                while ((read = zip.Read(buffer)) > 0 && (total += read) <= limit)
                {
                }
            }
            catch (InvalidDataException ex)
            {
                return $"The message is marked gzip but is not: {ex.Message}";
            }
        }
        return null;
    }
}
