using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Pipelines;
using AgentPortal.Core.Configuration;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Checks an OTLP/gRPC export's 5-byte message prefix (and, when compressed, that it is gzip) before
/// Grpc.AspNetCore reads it: Grpc.AspNetCore answers a cut-off or wrongly marked message with INTERNAL,
/// which an exporter takes for a server fault. A bad prefix gets INVALID_ARGUMENT with what is wrong,
/// as a trailers-only response; a good request goes on with its body read once into a pooled buffer.
/// A message that is not valid protobuf is refused by <see cref="OtlpGrpcBinding"/>'s deserializer.
/// </summary>
/// <remarks>
/// The body is consumed, not peeked at: bytes left in the request pipe are not handed back to the
/// HTTP/2 flow-control window, so a collector sending many large exports at once on one connection
/// filled it and Kestrel closed the connection (FLOW_CONTROL_ERROR) before any message was complete.
/// </remarks>
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
        var reader = context.Request.BodyReader;
        // The prefix alone is peeked at: a message declared over the limit goes on untouched, and
        // Grpc.AspNetCore's own size check answers RESOURCE_EXHAUSTED, naming the limit.
        var read = await reader.ReadAtLeastAsync(PrefixLength, context.RequestAborted);
        var declared = read.Buffer.Length >= PrefixLength ? ReadPrefix(read.Buffer).Length : 0;
        if (declared > (uint)limit)
        {
            reader.AdvanceTo(read.Buffer.Start);
            await next(context);
            return;
        }
        // One byte more than the message needs, to tell a message with bytes after it.
        var capacity = PrefixLength + (int)declared + 1;
        var body = ArrayPool<byte>.Shared.Rent(capacity);
        try
        {
            var length = 0;
            while (true)
            {
                var take = (int)Math.Min(read.Buffer.Length, capacity - length);
                read.Buffer.Slice(0, take).CopyTo(body.AsSpan(length));
                length += take;
                reader.AdvanceTo(read.Buffer.GetPosition(take));
                if (read.IsCompleted || length == capacity)
                {
                    break;
                }
                read = await reader.ReadAsync(context.RequestAborted);
            }
            var message = new ReadOnlySequence<byte>(body, 0, length);
            if (Problem(message, context.Request.Headers["grpc-encoding"].ToString(), limit) is { } problem)
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/grpc";
                context.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.InvalidArgument).ToString(System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers["grpc-message"] = Uri.EscapeDataString(problem);
                return;
            }
            context.Features.Set<IRequestBodyPipeFeature>(new BufferedBody(PipeReader.Create(message)));
            await next(context);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
    });

    /// <summary>The compressed flag and the declared length of a body that holds at least the 5-byte prefix.</summary>
    private static (byte Flag, uint Length) ReadPrefix(ReadOnlySequence<byte> body)
    {
        Span<byte> prefix = stackalloc byte[PrefixLength];
        body.Slice(0, PrefixLength).CopyTo(prefix);
        return (prefix[0], BinaryPrimitives.ReadUInt32BigEndian(prefix[1..]));
    }

    /// <summary>The request body, as read by the check, for Grpc.AspNetCore to read from the start.</summary>
    private sealed class BufferedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader { get; } = reader;
    }

    /// <summary>
    /// What is wrong with a unary request body (prefix and message), or null when its prefix fits its
    /// message. A message declared over the limit never gets here: Grpc.AspNetCore refuses it itself.
    /// </summary>
    internal static string? Problem(ReadOnlySequence<byte> body, string? encoding, int limit)
    {
        if (body.Length < PrefixLength)
        {
            return $"The request holds {body.Length} bytes, fewer than a gRPC message's 5-byte prefix.";
        }
        var (flag, declared) = ReadPrefix(body);
        var payload = body.Slice(PrefixLength);
        if (flag > 1)
        {
            return $"The message prefix's compressed flag is {flag}; it must be 0 or 1.";
        }
        if (payload.Length < declared)
        {
            return $"The message prefix says {declared} bytes but only {payload.Length} follow: the message is cut off.";
        }
        if (payload.Length > declared)
        {
            // The check reads one byte past the declared length, no more, so it cannot say how many.
            return $"The message prefix says {declared} bytes but more follow: the request has bytes after the message.";
        }
        if (flag == 1)
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
