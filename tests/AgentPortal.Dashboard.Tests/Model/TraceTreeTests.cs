using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Model;

namespace AgentPortal.Dashboard.Tests.Model;

public class TraceTreeTests
{
    [Fact]
    public void Build_OrdersDepthFirstUnderParents_AndScalesBarsToTheTrace()
    {
        var spans = new[]
        {
            Span("c2", "root", 600, 200),
            Span("root", null, 0, 1_000),
            Span("c1", "root", 100, 300),
            Span("g1", "c1", 150, 100),
            Span("orphan", "missing-parent", 900, 100),
        };

        var rows = TraceTree.Build(spans);

        Assert.Equal(["root", "c1", "g1", "c2", "orphan"], rows.Select(r => r.Span.SpanId));
        Assert.Equal([0, 1, 2, 1, 0], rows.Select(r => r.Depth));
        var c1 = rows.Single(r => r.Span.SpanId == "c1");
        Assert.Equal(0.1, c1.Offset, 6);
        Assert.Equal(0.3, c1.Width, 6);
    }

    [Fact]
    public void Build_TenThousandSpansDeep_DoesNotOverflow()
    {
        var spans = Enumerable.Range(0, 10_000).Select(i => Span($"s{i}", i == 0 ? null : $"s{i - 1}", i, 1)).ToList();

        var rows = TraceTree.Build(spans);

        Assert.Equal(10_000, rows.Count);
        Assert.Equal(9_999, rows[^1].Depth);
    }

    [Fact]
    public void Build_Nothing_IsEmpty() => Assert.Empty(TraceTree.Build([]));

    private static SpanRecord Span(string id, string? parent, long start, long duration) => new()
    {
        TraceId = "t",
        SpanId = id,
        ParentSpanId = parent,
        Name = id,
        StartTimeUnixNano = start,
        DurationNanos = duration,
    };
}
