using System.Globalization;
using AgentPortal.Core.Telemetry;

namespace AgentPortal.Dashboard.Model;

/// <summary>What a span is, for its icon and colour and the kind filter.</summary>
public enum SpanCategory
{
    Agent,
    Llm,
    Tool,
    Retrieval,
    Http,
    Other,
}

/// <summary>The span kinds the trace page tells apart, read from the GenAI, OpenInference, Traceloop and HTTP attributes.</summary>
public static class SpanCategories
{
    public static IReadOnlyList<SpanCategory> All { get; } = Enum.GetValues<SpanCategory>();

    public static string Key(SpanCategory category) => category.ToString().ToLowerInvariant();

    public static SpanCategory? Parse(string key) => All.Cast<SpanCategory?>().FirstOrDefault(c => Key(c!.Value) == key);

    public static SpanCategory Of(SpanRecord span)
    {
        if (span.IsRunRoot || span.Operation is "invoke_agent" or "create_agent")
        {
            return SpanCategory.Agent;
        }
        if (span.IsLlmCall)
        {
            return SpanCategory.Llm;
        }
        var marker = Attribute(span, "openinference.span.kind")?.ToUpperInvariant() ?? Attribute(span, "traceloop.span.kind")?.ToUpperInvariant();
        return span.Operation switch
        {
            "execute_tool" => SpanCategory.Tool,
            _ when marker is "AGENT" => SpanCategory.Agent,
            _ when marker is "LLM" => SpanCategory.Llm,
            _ when marker is "TOOL" => SpanCategory.Tool,
            _ when marker is "RETRIEVER" or "EMBEDDING" or "RERANKER" => SpanCategory.Retrieval,
            _ when Attribute(span, "http.request.method") is not null || Attribute(span, "http.method") is not null || Attribute(span, "url.full") is not null => SpanCategory.Http,
            _ when Attribute(span, "db.system") is not null || Attribute(span, "db.system.name") is not null => SpanCategory.Retrieval,
            _ => SpanCategory.Other,
        };
    }

    private static string? Attribute(SpanRecord span, string key)
    {
        foreach (var (k, v) in span.Attributes)
        {
            if (k == key)
            {
                return v;
            }
        }
        return null;
    }
}

/// <summary>The find box and filters of the trace page, as the address carries them (?q=&amp;kinds=llm,tool&amp;errors=1&amp;min=100).</summary>
public sealed record TraceFilter(string? Text = null, IReadOnlySet<SpanCategory>? Kinds = null, bool ErrorsOnly = false, double? MinDurationMilliseconds = null)
{
    public bool IsEmpty => string.IsNullOrWhiteSpace(Text) && Kinds is null or { Count: 0 } && !ErrorsOnly && MinDurationMilliseconds is null or <= 0;

    public static TraceFilter FromQuery(string? text, string? kinds, string? errors, string? min) => new(
        string.IsNullOrWhiteSpace(text) ? null : text.Trim(),
        string.IsNullOrWhiteSpace(kinds) ? null : kinds.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(SpanCategories.Parse).Where(k => k is not null).Select(k => k!.Value).ToHashSet(),
        errors is "1" or "true",
        double.TryParse(min, NumberStyles.Float, CultureInfo.InvariantCulture, out var ms) && ms > 0 && double.IsFinite(ms) ? ms : null);

    /// <summary>The query parameters that show this filter again (a null value removes one).</summary>
    public IReadOnlyDictionary<string, object?> Query => new Dictionary<string, object?>
    {
        ["q"] = string.IsNullOrWhiteSpace(Text) ? null : Text,
        ["kinds"] = Kinds is { Count: > 0 } ? string.Join(",", SpanCategories.All.Where(Kinds.Contains).Select(SpanCategories.Key)) : null,
        ["errors"] = ErrorsOnly ? "1" : null,
        ["min"] = MinDurationMilliseconds is > 0 ? MinDurationMilliseconds.Value.ToString(CultureInfo.InvariantCulture) : null,
    };

    public bool Matches(SpanRecord span, SpanCategory category)
    {
        if (Kinds is { Count: > 0 } && !Kinds.Contains(category))
        {
            return false;
        }
        if (ErrorsOnly && span.Status != SpanStatusCode.Error)
        {
            return false;
        }
        if (MinDurationMilliseconds is > 0 && span.DurationNanos / 1_000_000.0 < MinDurationMilliseconds)
        {
            return false;
        }
        if (string.IsNullOrWhiteSpace(Text))
        {
            return true;
        }
        if (Contains(span.Name) || Contains(span.StatusMessage))
        {
            return true;
        }
        foreach (var (key, value) in span.Attributes)
        {
            if (Contains(key) || Contains(value))
            {
                return true;
            }
        }
        return false;
    }

    private bool Contains(string? value) => value is not null && value.Contains(Text!, StringComparison.OrdinalIgnoreCase);
}

/// <summary>A row of the waterfall: a span, where it sits in the tree, and where its bar is in the time window shown.</summary>
public sealed record WaterfallRow(SpanRecord Span, int Depth, SpanCategory Category, int ChildCount, bool Collapsed, bool IsMatch, double Offset, double Width);

/// <summary>A tick of the time axis: where it is (0 to 1 across the window) and what it reads.</summary>
public sealed record AxisTick(double Position, string Label);

/// <summary>What a trace holds, for its header: run or not.</summary>
public sealed record TraceSummary(long DurationNanos, int Spans, int Depth, IReadOnlyList<string> Services, IReadOnlyList<string> AgentIds,
    int LlmCalls, long InputTokens, long OutputTokens, int Errors);

/// <summary>
/// The trace page's waterfall: the spans as a tree in start order, subtrees collapsed or expanded,
/// a find box and filters that keep each match's ancestors visible, next/previous match, and a zoom
/// window over the trace's time. Built once per trace; each change recomputes the visible rows in
/// one pass over the spans.
/// </summary>
public sealed class TraceExplorer
{
    private readonly Node[] _nodes;
    private readonly HashSet<string> _collapsed = new(StringComparer.Ordinal);
    private List<WaterfallRow>? _rows;
    private List<int> _matches = [];

    public TraceExplorer(IReadOnlyList<SpanRecord> spans)
    {
        _nodes = Order(spans);
        Start = spans.Count == 0 ? 0 : spans.Min(s => s.StartTimeUnixNano);
        End = spans.Count == 0 ? 0 : spans.Max(s => s.StartTimeUnixNano + s.DurationNanos);
        (WindowStart, WindowEnd) = (Start, Math.Max(End, Start + 1));
        Summary = new TraceSummary(End - Start, spans.Count, _nodes.Length == 0 ? 0 : _nodes.Max(n => n.Depth) + 1,
            [.. spans.Select(s => s.ServiceName).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            [.. spans.Select(s => s.AgentId).OfType<string>().Distinct(StringComparer.Ordinal)],
            spans.Count(s => s.IsLlmCall), spans.Where(s => s.IsLlmCall).Sum(s => s.InputTokens ?? 0), spans.Where(s => s.IsLlmCall).Sum(s => s.OutputTokens ?? 0),
            spans.Count(s => s.Status == SpanStatusCode.Error));
    }

    public long Start { get; }

    public long End { get; }

    public long WindowStart { get; private set; }

    public long WindowEnd { get; private set; }

    public bool IsZoomed => WindowStart != Start || WindowEnd != Math.Max(End, Start + 1);

    public TraceSummary Summary { get; }

    public TraceFilter Filter { get; private set; } = new();

    /// <summary>Which match is current, as an index into <see cref="Matches"/>; -1 when there is none.</summary>
    public int CurrentMatch { get; private set; } = -1;

    public IReadOnlyList<WaterfallRow> Rows => _rows ??= Build();

    /// <summary>The visible rows that match the filter, as indexes into <see cref="Rows"/>.</summary>
    public IReadOnlyList<int> Matches
    {
        get
        {
            _ = Rows;
            return _matches;
        }
    }

    public void SetFilter(TraceFilter filter)
    {
        if (filter == Filter)
        {
            return;
        }
        Filter = filter;
        Invalidate();
        CurrentMatch = Matches.Count > 0 ? 0 : -1;
    }

    public bool IsCollapsed(string spanId) => _collapsed.Contains(spanId);

    /// <summary>After a live refresh, the new spans are shown as the old ones were: same collapsed subtrees, zoom and current match.</summary>
    public void KeepStateOf(TraceExplorer previous)
    {
        _collapsed.UnionWith(previous._collapsed);
        if (previous.IsZoomed)
        {
            (WindowStart, WindowEnd) = (previous.WindowStart, previous.WindowEnd);
        }
        Invalidate();
        CurrentMatch = Math.Min(previous.CurrentMatch, Matches.Count - 1);
    }

    public void Toggle(string spanId)
    {
        if (!_collapsed.Remove(spanId))
        {
            _collapsed.Add(spanId);
        }
        Invalidate();
    }

    public void Expand(string spanId)
    {
        if (_collapsed.Remove(spanId))
        {
            Invalidate();
        }
    }

    public void Collapse(string spanId)
    {
        if (_nodes.Any(n => n.Span.SpanId == spanId && n.ChildCount > 0) && _collapsed.Add(spanId))
        {
            Invalidate();
        }
    }

    /// <summary>Collapses every span of a kind that has children (all LLM calls, all tools), so the rest of the trace reads at a glance.</summary>
    public void CollapseAll(SpanCategory category)
    {
        foreach (var node in _nodes.Where(n => n.Category == category && n.ChildCount > 0))
        {
            _collapsed.Add(node.Span.SpanId);
        }
        Invalidate();
    }

    public void ExpandAll()
    {
        _collapsed.Clear();
        Invalidate();
    }

    public void NextMatch() => CurrentMatch = Matches.Count == 0 ? -1 : (CurrentMatch + 1) % Matches.Count;

    public void PreviousMatch() => CurrentMatch = Matches.Count == 0 ? -1 : (CurrentMatch - 1 + Matches.Count) % Matches.Count;

    public WaterfallRow? CurrentMatchRow => CurrentMatch >= 0 && CurrentMatch < Matches.Count ? Rows[Matches[CurrentMatch]] : null;

    /// <summary>Zooms into the part of the window between two fractions of it (a drag across the axis).</summary>
    public void Zoom(double from, double to)
    {
        (from, to) = (Math.Clamp(Math.Min(from, to), 0, 1), Math.Clamp(Math.Max(from, to), 0, 1));
        var length = WindowEnd - WindowStart;
        var start = WindowStart + (long)(length * from);
        var end = WindowStart + (long)(length * to);
        if (end - start < 1_000)
        {
            // Less than a microsecond: a click, not a drag.
            return;
        }
        (WindowStart, WindowEnd) = (start, end);
        Invalidate();
    }

    public void ResetZoom()
    {
        (WindowStart, WindowEnd) = (Start, Math.Max(End, Start + 1));
        Invalidate();
    }

    /// <summary>About <paramref name="count"/> round ticks over the window, labelled from the trace's start.</summary>
    public IReadOnlyList<AxisTick> Ticks(int count = 6)
    {
        var length = WindowEnd - WindowStart;
        var step = Display.RoundStep(length / (double)Math.Max(1, count));
        var first = Math.Ceiling((WindowStart - Start) / step) * step;
        var ticks = new List<AxisTick>();
        for (var at = first; at <= WindowEnd - Start + 0.5; at += step)
        {
            ticks.Add(new AxisTick((at - (WindowStart - Start)) / length, Label(at)));
        }
        return ticks;
    }

    public static string Label(double nanos) => nanos switch
    {
        0 => "0",
        < 1_000 => nanos.ToString("0", CultureInfo.InvariantCulture) + " ns",
        < 1_000_000 => (nanos / 1_000).ToString("0.##", CultureInfo.InvariantCulture) + " µs",
        < 1_000_000_000 => (nanos / 1_000_000).ToString("0.##", CultureInfo.InvariantCulture) + " ms",
        < 60_000_000_000 => (nanos / 1_000_000_000).ToString("0.##", CultureInfo.InvariantCulture) + " s",
        _ => (nanos / 60_000_000_000).ToString("0.##", CultureInfo.InvariantCulture) + " min",
    };

    private void Invalidate() => _rows = null;

    private List<WaterfallRow> Build()
    {
        var rows = new List<WaterfallRow>(_nodes.Length);
        var matches = new List<int>();
        var length = (double)(WindowEnd - WindowStart);
        if (Filter.IsEmpty)
        {
            for (var i = 0; i < _nodes.Length; i++)
            {
                var node = _nodes[i];
                var collapsed = node.ChildCount > 0 && _collapsed.Contains(node.Span.SpanId);
                rows.Add(Row(node, collapsed, isMatch: false, length));
                if (collapsed)
                {
                    i = node.SubtreeEnd - 1;
                }
            }
        }
        else
        {
            // A match shows with its ancestors, so where it sits in the trace stays readable.
            var visible = new bool[_nodes.Length];
            var isMatch = new bool[_nodes.Length];
            for (var i = 0; i < _nodes.Length; i++)
            {
                if (Filter.Matches(_nodes[i].Span, _nodes[i].Category))
                {
                    isMatch[i] = true;
                    for (var at = i; at >= 0 && !visible[at]; at = _nodes[at].Parent)
                    {
                        visible[at] = true;
                    }
                }
            }
            for (var i = 0; i < _nodes.Length; i++)
            {
                if (visible[i])
                {
                    if (isMatch[i])
                    {
                        matches.Add(rows.Count);
                    }
                    rows.Add(Row(_nodes[i], collapsed: false, isMatch[i], length));
                }
            }
        }
        _matches = matches;
        if (CurrentMatch >= matches.Count)
        {
            CurrentMatch = matches.Count - 1;
        }
        return rows;
    }

    private WaterfallRow Row(Node node, bool collapsed, bool isMatch, double length)
    {
        var start = Math.Max(node.Span.StartTimeUnixNano, WindowStart);
        var end = Math.Min(node.Span.StartTimeUnixNano + node.Span.DurationNanos, WindowEnd);
        var offset = Math.Clamp((start - WindowStart) / length, 0, 1);
        var width = end < start ? 0 : Math.Max(0.002, (end - start) / length);
        return new WaterfallRow(node.Span, node.Depth, node.Category, node.ChildCount, collapsed, isMatch, offset, Math.Min(width, 1 - offset));
    }

    private sealed record Node(SpanRecord Span, int Depth, int Parent, SpanCategory Category)
    {
        public int ChildCount { get; set; }

        /// <summary>One past the last node of this span's subtree, in depth-first order.</summary>
        public int SubtreeEnd { get; set; }
    }

    /// <summary>Depth first, children by start time; iterative so a deep trace cannot overflow the stack.</summary>
    private static Node[] Order(IReadOnlyList<SpanRecord> spans)
    {
        var ids = new HashSet<string>(spans.Select(s => s.SpanId), StringComparer.Ordinal);
        var children = new Dictionary<string, List<SpanRecord>>(StringComparer.Ordinal);
        var roots = new List<SpanRecord>();
        foreach (var span in spans)
        {
            if (span.ParentSpanId is { } parent && parent != span.SpanId && ids.Contains(parent))
            {
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }
                list.Add(span);
            }
            else
            {
                roots.Add(span);
            }
        }
        var nodes = new List<Node>(spans.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<(SpanRecord Span, int Depth, int Parent)>();
        foreach (var root in roots.OrderByDescending(s => s.StartTimeUnixNano))
        {
            stack.Push((root, 0, -1));
        }
        var open = new Stack<int>();
        void Walk()
        {
            while (stack.Count > 0)
            {
                var (span, depth, parent) = stack.Pop();
                // A span id repeated in a trace (or a cycle) is shown once.
                if (!seen.Add(span.SpanId))
                {
                    continue;
                }
                while (open.Count > 0 && nodes[open.Peek()].Depth >= depth)
                {
                    nodes[open.Peek()].SubtreeEnd = nodes.Count;
                    open.Pop();
                }
                var index = nodes.Count;
                nodes.Add(new Node(span, depth, parent, SpanCategories.Of(span)));
                if (parent >= 0)
                {
                    nodes[parent].ChildCount++;
                }
                open.Push(index);
                if (children.TryGetValue(span.SpanId, out var list))
                {
                    foreach (var child in list.OrderByDescending(s => s.StartTimeUnixNano))
                    {
                        stack.Push((child, depth + 1, index));
                    }
                }
            }
        }
        Walk();
        // Spans whose parents form a cycle have no root: each is shown from where the cycle is entered.
        foreach (var orphan in spans.Where(s => !seen.Contains(s.SpanId)).OrderBy(s => s.StartTimeUnixNano).ToList())
        {
            if (!seen.Contains(orphan.SpanId))
            {
                stack.Push((orphan, 0, -1));
                Walk();
            }
        }
        while (open.Count > 0)
        {
            nodes[open.Pop()].SubtreeEnd = nodes.Count;
        }
        return [.. nodes];
    }
}
