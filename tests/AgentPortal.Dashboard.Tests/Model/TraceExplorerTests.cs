using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Model;

namespace AgentPortal.Dashboard.Tests.Model;

public class TraceExplorerTests
{
    private const long Ms = 1_000_000;
    private const long T0 = 1_764_000_000_000_000_000;

    // run ─┬─ tool ─┬─ llm-1
    //      │        └─ http (error)
    //      └─ llm-2
    private static readonly SpanRecord[] s_trace =
    [
        Span("run", null, "invoke_agent planner", 0, 1_000, isRunRoot: true),
        Span("llm-2", "run", "chat gpt-4o", 600, 300, operation: "chat", model: "gpt-4o"),
        Span("tool", "run", "execute_tool search", 10, 500, operation: "execute_tool", attributes: [new("gen_ai.tool.name", "search_flights")]),
        Span("llm-1", "tool", "chat gpt-4o-mini", 20, 200, operation: "chat", model: "gpt-4o-mini"),
        Span("http", "tool", "GET flights", 250, 200, attributes: [new("http.request.method", "GET")], error: "upstream 502"),
    ];

    [Fact]
    public void Rows_AreDepthFirstInStartOrder_WithKindsAndChildCounts()
    {
        var explorer = new TraceExplorer(s_trace);

        Assert.Equal(["run", "tool", "llm-1", "http", "llm-2"], explorer.Rows.Select(r => r.Span.SpanId));
        Assert.Equal([0, 1, 2, 2, 1], explorer.Rows.Select(r => r.Depth));
        Assert.Equal([SpanCategory.Agent, SpanCategory.Tool, SpanCategory.Llm, SpanCategory.Http, SpanCategory.Llm], explorer.Rows.Select(r => r.Category));
        Assert.Equal([2, 2, 0, 0, 0], explorer.Rows.Select(r => r.ChildCount));
    }

    [Fact]
    public void Summary_CountsSpansDepthCallsTokensAndErrors()
    {
        var summary = new TraceExplorer(s_trace).Summary;

        Assert.Equal(1_000 * Ms, summary.DurationNanos);
        Assert.Equal(5, summary.Spans);
        Assert.Equal(3, summary.Depth);
        Assert.Equal(2, summary.LlmCalls);
        Assert.Equal(200, summary.InputTokens);
        Assert.Equal(1, summary.Errors);
        Assert.Equal(["planner-service"], summary.Services);
    }

    [Fact]
    public void CollapsingASubtree_HidesItsDescendants_AndExpandingShowsThemAgain()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.Toggle("tool");
        Assert.Equal(["run", "tool", "llm-2"], explorer.Rows.Select(r => r.Span.SpanId));
        Assert.True(explorer.Rows[1].Collapsed);

        explorer.Toggle("tool");
        Assert.Equal(5, explorer.Rows.Count);
    }

    [Fact]
    public void CollapseAllTools_ThenExpandAll()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.CollapseAll(SpanCategory.Tool);
        Assert.DoesNotContain(explorer.Rows, r => r.Span.SpanId is "llm-1" or "http");

        explorer.ExpandAll();
        Assert.Equal(5, explorer.Rows.Count);
    }

    [Fact]
    public void Find_MatchesAnAttributeValue_AndKeepsTheMatchsAncestorsVisible()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.SetFilter(new TraceFilter("SEARCH_FLIGHTS"));

        Assert.Equal(["run", "tool"], explorer.Rows.Select(r => r.Span.SpanId));
        Assert.Equal([false, true], explorer.Rows.Select(r => r.IsMatch));
        Assert.Equal([1], explorer.Matches);
        Assert.Equal("tool", explorer.CurrentMatchRow!.Span.SpanId);
    }

    [Fact]
    public void Find_MatchesAStatusMessage_AndNextAndPreviousWrapAround()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.SetFilter(new TraceFilter("chat"));
        Assert.Equal(["llm-1", "llm-2"], explorer.Matches.Select(i => explorer.Rows[i].Span.SpanId));
        explorer.NextMatch();
        Assert.Equal("llm-2", explorer.CurrentMatchRow!.Span.SpanId);
        explorer.NextMatch();
        Assert.Equal("llm-1", explorer.CurrentMatchRow!.Span.SpanId);
        explorer.PreviousMatch();
        Assert.Equal("llm-2", explorer.CurrentMatchRow!.Span.SpanId);

        explorer.SetFilter(new TraceFilter("upstream 502"));
        Assert.Equal("http", explorer.CurrentMatchRow!.Span.SpanId);
    }

    [Fact]
    public void Filters_ByKindErrorsAndMinimumDuration()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.SetFilter(new TraceFilter(Kinds: new HashSet<SpanCategory> { SpanCategory.Llm }));
        Assert.Equal(["llm-1", "llm-2"], explorer.Matches.Select(i => explorer.Rows[i].Span.SpanId));

        explorer.SetFilter(new TraceFilter(ErrorsOnly: true));
        Assert.Equal(["run", "tool", "http"], explorer.Rows.Select(r => r.Span.SpanId));

        explorer.SetFilter(new TraceFilter(MinDurationMilliseconds: 250));
        Assert.Equal(["run", "tool", "llm-2"], explorer.Matches.Select(i => explorer.Rows[i].Span.SpanId));

        explorer.SetFilter(new TraceFilter("no such text"));
        Assert.Empty(explorer.Rows);
        Assert.Equal(-1, explorer.CurrentMatch);
    }

    [Fact]
    public void Filter_RoundTripsThroughTheAddress_AndIgnoresWhatItCannotRead()
    {
        var filter = TraceFilter.FromQuery(" flights ", "tool,llm,nonsense", "1", "12.5");

        Assert.Equal("flights", filter.Text);
        Assert.Equal(new HashSet<SpanCategory> { SpanCategory.Llm, SpanCategory.Tool }, filter.Kinds);
        Assert.True(filter.ErrorsOnly);
        Assert.Equal(12.5, filter.MinDurationMilliseconds);
        Assert.Equal(new Dictionary<string, object?> { ["q"] = "flights", ["kinds"] = "llm,tool", ["errors"] = "1", ["min"] = "12.5" }, filter.Query);
        Assert.True(TraceFilter.FromQuery(null, "", "no", "-3").IsEmpty);
        Assert.True(TraceFilter.FromQuery(null, null, null, "NaN").IsEmpty);
    }

    [Fact]
    public void Zoom_PlacesBarsInTheWindow_TicksFollowIt_AndResetGoesBack()
    {
        var explorer = new TraceExplorer(s_trace);
        Assert.Equal(0.6, explorer.Rows.Single(r => r.Span.SpanId == "llm-2").Offset, precision: 6);
        Assert.Equal(["0", "200 ms", "400 ms", "600 ms", "800 ms", "1 s"], explorer.Ticks(5).Select(t => t.Label));

        explorer.Zoom(0.5, 1.0);

        Assert.True(explorer.IsZoomed);
        var llm2 = explorer.Rows.Single(r => r.Span.SpanId == "llm-2");
        Assert.Equal(0.2, llm2.Offset, precision: 6);
        Assert.Equal(0.6, llm2.Width, precision: 6);
        Assert.Equal(0, explorer.Rows.Single(r => r.Span.SpanId == "llm-1").Width);
        Assert.Equal("500 ms", explorer.Ticks(5)[0].Label);

        explorer.ResetZoom();
        Assert.False(explorer.IsZoomed);
    }

    [Fact]
    public void AClickOnTheAxis_IsNotAZoom()
    {
        var explorer = new TraceExplorer(s_trace);

        explorer.Zoom(0.3, 0.3);

        Assert.False(explorer.IsZoomed);
    }

    [Fact]
    public void SpansWhoseParentsFormACycle_OrRepeatAnId_AreEachShownOnce()
    {
        SpanRecord[] broken =
        [
            Span("a", "b", "a", 0, 10),
            Span("b", "a", "b", 5, 10),
            Span("c", "missing", "orphan", 1, 1),
            Span("c", "missing", "orphan again", 2, 1),
        ];

        var rows = new TraceExplorer(broken).Rows;

        Assert.Equal(3, rows.Count);
        Assert.Equal(["a", "b", "c"], rows.Select(r => r.Span.SpanId).Order());
    }

    [Fact]
    public void ADeepTrace_DoesNotOverflowTheStack()
    {
        var chain = Enumerable.Range(0, 50_000).Select(i => Span($"s{i}", i == 0 ? null : $"s{i - 1}", $"step {i}", i, 1)).ToArray();

        var explorer = new TraceExplorer(chain);

        Assert.Equal(50_000, explorer.Rows.Count);
        Assert.Equal(49_999, explorer.Rows[^1].Depth);
        explorer.Toggle("s0");
        Assert.Single(explorer.Rows);
    }

    [Fact]
    public void Highlight_SplitsAroundEachHit_IgnoringCase()
    {
        Assert.Equal([("GET ", false), ("flights", true), (" and ", false), ("Flights", true)], Highlight.Split("GET flights and Flights", "FLIGHTS"));
        Assert.Equal([("plain", false)], Highlight.Split("plain", null));
    }

    private static SpanRecord Span(string id, string? parent, string name, long startMs, long durationMs, bool isRunRoot = false, string? operation = null,
        string? model = null, KeyValuePair<string, string>[]? attributes = null, string? error = null) => new()
        {
            TraceId = "0123456789abcdef0123456789abcdef",
            SpanId = id,
            ParentSpanId = parent,
            Name = name,
            ServiceName = "planner-service",
            StartTimeUnixNano = T0 + startMs * Ms,
            DurationNanos = durationMs * Ms,
            IsRunRoot = isRunRoot,
            Operation = operation,
            RequestModel = model,
            InputTokens = model is null ? null : 100,
            OutputTokens = model is null ? null : 20,
            Attributes = attributes ?? [],
            Status = error is null ? SpanStatusCode.Ok : SpanStatusCode.Error,
            StatusMessage = error,
        };
}
