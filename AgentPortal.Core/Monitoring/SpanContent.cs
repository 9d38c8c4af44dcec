using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Monitoring;

/// <summary>What went wrong in a span: its status message and its exception events. Its messages are read by <see cref="Conversation"/>.</summary>
public static class SpanContent
{
    /// <summary>The status message and every exception event's type and message, in order.</summary>
    public static IReadOnlyList<string> Errors(SpanRecord span)
    {
        var errors = new List<string>();
        if (span.Status == SpanStatusCode.Error)
        {
            errors.Add(span.StatusMessage ?? span.Attributes.FirstOrDefault(a => a.Key == "error.type").Value ?? "failed (no message)");
        }
        foreach (var exception in span.Events.Where(e => e.Name == "exception"))
        {
            var type = exception.Attributes.FirstOrDefault(a => a.Key == "exception.type").Value;
            var message = exception.Attributes.FirstOrDefault(a => a.Key == "exception.message").Value;
            var text = type is null ? message : message is null ? type : $"{type}: {message}";
            if (text is not null && !errors.Contains(text))
            {
                errors.Add(text);
            }
        }
        return errors;
    }
}
