using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Tests.Monitoring;

public sealed class SpanContentTests
{
    [Fact]
    public void Errors_ListStatusMessageAndExceptionEvents_Once()
    {
        var span = new SpanRecord
        {
            TraceId = "t",
            SpanId = "s",
            Name = "chat",
            Status = SpanStatusCode.Error,
            StatusMessage = "RateLimitError: slow down",
            Events =
            [
                new SpanEvent("exception", 1, [new("exception.type", "RateLimitError"), new("exception.message", "slow down")]),
                new SpanEvent("exception", 2, [new("exception.message", "retry failed")]),
                new SpanEvent("log", 3, [new("exception.message", "not an exception event")]),
            ],
        };

        Assert.Equal(["RateLimitError: slow down", "retry failed"], SpanContent.Errors(span));
        Assert.Empty(SpanContent.Errors(Span([])));
    }

    private static SpanRecord Span(IReadOnlyList<KeyValuePair<string, string>> attributes) =>
        new() { TraceId = "t", SpanId = "s", Name = "chat gpt-4o", Attributes = attributes };
}
