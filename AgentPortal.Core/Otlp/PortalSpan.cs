using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Telemetry;
using Google.Protobuf;
using ProtoSpan = AgentPortal.Core.Otlp.Proto.Trace.Span;

namespace AgentPortal.Core.Otlp;

/// <summary>
/// A span the portal records about its own work (a chat call, a text-to-SQL query), built as OTLP so
/// it goes through the same ingestion as any agent's spans and means what theirs mean.
/// </summary>
public sealed class PortalSpan
{
    public const string ChatService = "agentportal-chat";
    public const string VannaService = "agentportal-vanna";

    /// <summary>
    /// The services the portal records its own spans as. Their agent is the one the portal names on
    /// them, never one made up from the service name.
    /// </summary>
    public static IReadOnlySet<string> OwnServices { get; } = new HashSet<string>(StringComparer.Ordinal) { "agentportal", ChatService, VannaService };

    private readonly ProtoSpan _span;

    public PortalSpan(string traceId, string spanId, string? parentSpanId, string name, DateTimeOffset start, DateTimeOffset end, string? error)
    {
        _span = new ProtoSpan
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
            ParentSpanId = parentSpanId is null ? ByteString.Empty : ByteString.CopyFrom(Convert.FromHexString(parentSpanId)),
            Name = name,
            Kind = ProtoSpan.Types.SpanKind.Client,
            StartTimeUnixNano = (ulong)AgentRunService.ToUnixNano(start.UtcDateTime),
            EndTimeUnixNano = (ulong)AgentRunService.ToUnixNano(end.UtcDateTime),
            Status = new Proto.Trace.Status
            {
                Code = error is null ? Proto.Trace.Status.Types.StatusCode.Ok : Proto.Trace.Status.Types.StatusCode.Error,
                Message = error ?? "",
            },
        };
    }

    /// <summary>A text attribute, left out when empty; a value longer than ingestion takes is cut and marked.</summary>
    public PortalSpan Set(string key, string? value)
    {
        if (value is { Length: > 0 })
        {
            var bounded = value.Length <= OtlpTraceService.MaxAttributeValueLength
                ? value
                : value[..(OtlpTraceService.MaxAttributeValueLength - 20)] + "…[truncated]";
            _span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { StringValue = bounded } });
        }
        return this;
    }

    public PortalSpan Set(string key, long? value)
    {
        if (value is { } number)
        {
            _span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { IntValue = number } });
        }
        return this;
    }

    public PortalSpan Set(string key, double? value)
    {
        if (value is { } number)
        {
            _span.Attributes.Add(new KeyValue { Key = key, Value = new AnyValue { DoubleValue = number } });
        }
        return this;
    }

    /// <summary>The export of this one span from the portal's service <paramref name="serviceName"/>.</summary>
    public ExportTraceServiceRequest ToExport(string serviceName, string scopeName)
    {
        var resource = new Proto.Trace.ResourceSpans { Resource = new Proto.Resource.Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = serviceName } });
        resource.ScopeSpans.Add(new Proto.Trace.ScopeSpans { Scope = new InstrumentationScope { Name = scopeName }, Spans = { _span } });
        return new ExportTraceServiceRequest { ResourceSpans = { resource } };
    }
}
