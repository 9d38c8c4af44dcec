using System.Buffers.Binary;
using System.Net;

namespace AgentPortal.Tests.Shared;

/// <summary>What a unary gRPC call answered: the status and message from the trailers, and the reply message.</summary>
public sealed record OtlpGrpcReply(int Status, string Message, byte[] Body, IReadOnlyDictionary<string, string> Trailers);

/// <summary>
/// One unary OTLP/gRPC Export as raw HTTP/2, as a gRPC client sends it: the message behind its 5-byte
/// prefix (compressed flag, big-endian length), the status in the trailers. Raw, so a test can also
/// send what no client library would: cut-off messages, wrong flags and lengths.
/// </summary>
public static class OtlpGrpcCall
{
    public const string ExportPath = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    /// <summary>The message prefix and the payload; the length is the payload's unless another is given.</summary>
    public static byte[] Frame(byte[] payload, byte flag = 0, uint? length = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = flag;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), length ?? (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    public static HttpRequestMessage Request(byte[] body, string? key = null, string? encoding = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, ExportPath)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/grpc");
        request.Headers.TryAddWithoutValidation("te", "trailers");
        if (encoding is not null)
        {
            request.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }
        if (key is not null)
        {
            request.Headers.Authorization = new("Bearer", key);
        }
        return request;
    }

    /// <summary>Sends <paramref name="body"/> and reads the answer; a status of -1 means the answer had none.</summary>
    public static async Task<OtlpGrpcReply> SendAsync(HttpClient http, byte[] body, string? key, string? encoding = null)
    {
        using var request = Request(body, key, encoding);
        using var response = await http.SendAsync(request);
        var reply = await response.Content.ReadAsByteArrayAsync();
        var trailers = response.TrailingHeaders.Concat(response.Headers).GroupBy(h => h.Key).ToDictionary(g => g.Key, g => g.First().Value.First());
        var status = int.Parse(trailers.GetValueOrDefault("grpc-status", "-1"), System.Globalization.CultureInfo.InvariantCulture);
        var message = Uri.UnescapeDataString(trailers.GetValueOrDefault("grpc-message", ""));
        return new OtlpGrpcReply(status, message, reply.Length >= 5 ? reply[5..] : [], trailers);
    }
}
