using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using AgentPortal.Core.Configuration;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Checks an OTLP/gRPC export's 5-byte message prefix (and, when compressed, that it is gzip) before
/// Grpc.AspNetCore reads it: Grpc.AspNetCore answers a cut-off or wrongly marked message with INTERNAL,
/// which an exporter takes for a server fault. A bad prefix gets INVALID_ARGUMENT with what is wrong,
/// as a trailers-only response; a good request goes on unchanged, its body read once. A message
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
        // Peek at the whole body in the request pipe without consuming it, so Grpc.AspNetCore reads the
        // same bytes from the start and nothing is copied. Past the limit, its own size check answers.
        var reader = context.Request.BodyReader;
        var read = await reader.ReadAsync(context.RequestAborted);
        while (!read.IsCompleted && read.Buffer.Length <= (long)limit + PrefixLength)
        {
            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
            read = await reader.ReadAsync(context.RequestAborted);
        }
        var problem = read.Buffer.Length > (long)limit + PrefixLength ? null : Problem(read.Buffer, context.Request.Headers["grpc-encoding"].ToString(), limit);
        reader.AdvanceTo(read.Buffer.Start);
        if (problem is not null)
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem);
            return;
        }
        await next(context);
    });

    /// <summary>What is wrong with a unary request body (prefix and message), or null when its prefix fits its message.</summary>
    internal static string? Problem(ReadOnlySequence<byte> body, string? encoding, int limit)
    {
        if (body.Length < PrefixLength)
        {
            return $"The request holds {body.Length} bytes, fewer than a gRPC message's 5-byte prefix.";
        }
        Span<byte> prefix = stackalloc byte[PrefixLength];
        body.Slice(0, PrefixLength).CopyTo(prefix);
        var payload = body.Slice(PrefixLength);
        if (prefix[0] > 1)
        {
            return $"The message prefix's compressed flag is {prefix[0]}; it must be 0 or 1.";
        }
        var declared = BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]);
        if (declared > limit)
        {
            return null; // Grpc.AspNetCore answers RESOURCE_EXHAUSTED, naming the limit.
        }
        if (declared != payload.Length)
        {
            return $"The message prefix says {declared} bytes but {payload.Length} follow: the message is cut off or has bytes after it.";
        }
        if (prefix[0] == 1)
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
