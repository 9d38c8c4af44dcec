using System.Buffers.Binary;
using System.IO.Compression;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Checks an OTLP/gRPC export's message before Grpc.AspNetCore reads it. Grpc.AspNetCore answers a
/// cut-off message with INTERNAL and a message that is not valid protobuf with UNKNOWN ("Exception
/// was thrown by handler"), both of which an exporter takes for a server fault; its deserializer runs
/// before any interceptor, so the check sits in front of it. A bad message gets INVALID_ARGUMENT with
/// what is wrong, as a trailers-only response; a good one goes on unchanged, from the buffered body.
/// The cost is a second protobuf parse of every gRPC export (see bench/README.md).
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
        var message = payload;
        if (body[0] == 1)
        {
            if (!string.Equals(encoding, "gzip", StringComparison.OrdinalIgnoreCase))
            {
                return $"The message is marked compressed but grpc-encoding is '{encoding}'; only gzip is accepted.";
            }
            try
            {
                using var zip = new GZipStream(new MemoryStream(payload.ToArray()), CompressionMode.Decompress);
                using var plain = new MemoryStream();
                var buffer = new byte[81920];
                int read;
                while ((read = zip.Read(buffer)) > 0)
                {
                    if (plain.Length + read > limit)
                    {
                        return null; // Grpc.AspNetCore answers RESOURCE_EXHAUSTED for the decompressed size.
                    }
                    plain.Write(buffer, 0, read);
                }
                message = plain.ToArray();
            }
            catch (InvalidDataException ex)
            {
                return $"The message is marked gzip but is not: {ex.Message}";
            }
        }
        try
        {
            ExportTraceServiceRequest.Parser.ParseFrom(message);
            return null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            return $"The message is not an OTLP ExportTraceServiceRequest: {ex.Message}";
        }
    }
}
