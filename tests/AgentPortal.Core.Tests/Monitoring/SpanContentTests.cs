using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Tests.Monitoring;

public sealed class SpanContentTests
{
    [Fact]
    public void LiteLlmIndexedMessages_ReadInOrder_WithRoles()
    {
        var span = Span([
            new("gen_ai.prompt.1.content", "How many orders?"),
            new("gen_ai.prompt.0.role", "system"),
            new("gen_ai.prompt.0.content", "You write SQL."),
            new("gen_ai.prompt.1.role", "user"),
            new("gen_ai.prompt.10.content", "tenth"),
            new("gen_ai.completion.0.content", "SELECT count(*) FROM orders"),
        ]);

        Assert.Equal("system: You write SQL.\n\nuser: How many orders?\n\ntenth", SpanContent.Input(span));
        Assert.Equal("SELECT count(*) FROM orders", SpanContent.Output(span));
    }

    [Fact]
    public void NamedAttributes_WinOverIndexedOnes_AndRunInputComesFirst()
    {
        var span = Span([new("input.value", "openinference"), new(RunSpans.InputAttribute, "run input"), new("gen_ai.prompt.0.content", "x")]);

        Assert.Equal("run input", SpanContent.Input(span));
        Assert.Null(SpanContent.Output(span));
    }

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
