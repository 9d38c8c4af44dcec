using AgentPortal.Core.Otlp.Proto.Collector;
using Google.Protobuf;
using Grpc.Core;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// Binds <see cref="OtlpGrpcService"/> like the generated <c>TraceService.BindService</c>, with one
/// difference: a request that is not a valid ExportTraceServiceRequest is refused as INVALID_ARGUMENT
/// saying why. The generated deserializer lets the parser's exception through, which Grpc.AspNetCore
/// answers as UNKNOWN ("Exception was thrown by handler"), a server fault to an exporter; the
/// deserializer runs before any interceptor, so only the binding can change it.
/// </summary>
internal static class OtlpGrpcBinding
{
    private static readonly Marshaller<ExportTraceServiceRequest> s_request = Marshallers.Create(
        (ExportTraceServiceRequest message, SerializationContext context) => context.Complete(message.ToByteArray()),
        context =>
        {
            try
            {
                return ExportTraceServiceRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
            }
            catch (InvalidProtocolBufferException ex)
            {
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"The message is not an OTLP ExportTraceServiceRequest: {ex.Message}"));
            }
        });

    private static readonly Marshaller<ExportTraceServiceResponse> s_response = Marshallers.Create(
        (ExportTraceServiceResponse message, SerializationContext context) => context.Complete(message.ToByteArray()),
        context => ExportTraceServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence()));

    private static readonly Method<ExportTraceServiceRequest, ExportTraceServiceResponse> s_export = new(
        MethodType.Unary, "opentelemetry.proto.collector.trace.v1.TraceService", "Export", s_request, s_response);

    public static void BindService(ServiceBinderBase binder, OtlpTraceServiceBase service) =>
        binder.AddMethod(s_export, service is null ? null : new UnaryServerMethod<ExportTraceServiceRequest, ExportTraceServiceResponse>(service.Export));
}

/// <summary>The OTLP trace service, bound by <see cref="OtlpGrpcBinding"/> instead of the generated binder.</summary>
[BindServiceMethod(typeof(OtlpGrpcBinding), nameof(OtlpGrpcBinding.BindService))]
internal abstract class OtlpTraceServiceBase
{
    public abstract Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context);
}
