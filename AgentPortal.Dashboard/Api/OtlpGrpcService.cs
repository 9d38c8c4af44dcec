using AgentPortal.Core.Agents;
using AgentPortal.Core.Otlp;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Security;
using AgentPortal.Core.Telemetry;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace AgentPortal.Dashboard.Api;

/// <summary>
/// OTLP/gRPC trace receiver (<c>opentelemetry.proto.collector.trace.v1.TraceService/Export</c>): a thin
/// wrapper over the same ingestion service as <c>POST /v1/traces</c>. The API key comes from the
/// <c>authorization: Bearer</c> or the API-key metadata, read by the portal's authentication like any
/// header; failures are gRPC status codes with a message that says what to do.
/// </summary>
internal sealed partial class OtlpGrpcService(OtlpTraceService otlp, ILogger<OtlpGrpcService> logger) : OtlpTraceServiceBase
{
    public override async Task<ExportTraceServiceResponse> Export(ExportTraceServiceRequest request, ServerCallContext context)
    {
        var user = context.GetHttpContext().User;
        if (user.Identity?.IsAuthenticated != true || !user.IsApiKeyCaller())
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, ApiAuthentication.MissingKeyDetail));
        }
        if (!user.HasClaim(ApiAuthentication.ScopeClaim, ApiKeyScopeNames.Ingest))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "This API key has no 'ingest' scope; create one with --scopes ingest to send spans."));
        }
        OtlpExportResult result;
        try
        {
            result = await otlp.ExportAsync(request, user.CallerProject() ?? Agent.DefaultProject, context.CancellationToken);
        }
        catch (TelemetryBackpressureException ex)
        {
            // OTLP exporters retry RESOURCE_EXHAUSTED only when the server says when (google.rpc.RetryInfo).
            throw new Google.Rpc.Status
            {
                Code = (int)Google.Rpc.Code.ResourceExhausted,
                Message = ex.Message,
                Details = { Any.Pack(new Google.Rpc.RetryInfo { RetryDelay = Duration.FromTimeSpan(ex.RetryAfter) }) },
            }.ToRpcException();
        }
        catch (ReadOnlyTelemetryStoreException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }
        catch (TelemetryStoreUnavailableException ex)
        {
            // The writer logged it; the exporter keeps the spans and retries.
            throw new RpcException(new Status(StatusCode.Unavailable, ex.Message));
        }
        catch (Exception ex) when (ex is not OperationCanceledException && ex is not RpcException)
        {
            LogFailed(ex);
            throw new RpcException(new Status(StatusCode.Unavailable, "The portal could not store the spans; it was logged. Retry later."));
        }
        if (result.Accepted == 0 && result.Rejected > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"All {result.Rejected} spans were rejected: {result.ErrorMessage}"));
        }
        var response = new ExportTraceServiceResponse();
        if (result.Rejected > 0)
        {
            response.PartialSuccess = new ExportTracePartialSuccess { RejectedSpans = result.Rejected, ErrorMessage = result.ErrorMessage };
        }
        return response;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Storing an OTLP/gRPC export failed")]
    private partial void LogFailed(Exception exception);
}
