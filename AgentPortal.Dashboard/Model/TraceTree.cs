using AgentPortal.Core.Telemetry;

namespace AgentPortal.Dashboard.Model;

/// <summary>A span placed in its trace: depth in the tree and where its bar starts and ends, as fractions of the trace.</summary>
public sealed record TraceRow(SpanRecord Span, int Depth, double Offset, double Width);

/// <summary>Orders a trace's spans depth-first under their parents and scales them to the trace's duration.</summary>
public static class TraceTree
{
    public static IReadOnlyList<TraceRow> Build(IReadOnlyList<SpanRecord> spans)
    {
        if (spans.Count == 0)
        {
            return [];
        }
        var ids = spans.Select(s => s.SpanId).ToHashSet(StringComparer.Ordinal);
        var children = spans.Where(s => s.ParentSpanId is not null && ids.Contains(s.ParentSpanId))
            .GroupBy(s => s.ParentSpanId!)
            .ToDictionary(g => g.Key, g => g.OrderBy(s => s.StartTimeUnixNano).ToList());
        var start = spans.Min(s => s.StartTimeUnixNano);
        var end = spans.Max(s => s.StartTimeUnixNano + s.DurationNanos);
        var length = Math.Max(1, end - start);

        var rows = new List<TraceRow>(spans.Count);
        var stack = new Stack<(SpanRecord Span, int Depth)>();
        foreach (var root in spans.Where(s => s.ParentSpanId is null || !ids.Contains(s.ParentSpanId)).OrderByDescending(s => s.StartTimeUnixNano))
        {
            stack.Push((root, 0));
        }
        // Iterative so a deep trace cannot overflow the stack.
        while (stack.Count > 0)
        {
            var (span, depth) = stack.Pop();
            rows.Add(new TraceRow(span, depth, (double)(span.StartTimeUnixNano - start) / length, Math.Max(0.002, (double)span.DurationNanos / length)));
            if (children.TryGetValue(span.SpanId, out var list))
            {
                for (var i = list.Count - 1; i >= 0; i--)
                {
                    stack.Push((list[i], depth + 1));
                }
            }
        }
        return rows;
    }
}
