using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class TraceDetail : IDisposable
{
    /// <summary>Rows in the first HTML, before the live circuit takes over: a screen's worth.</summary>
    private const int FirstScreenRows = 40;

    private ElementReference _axis;
    private ElementReference _tree;
    private DotNetObjectReference<TraceDetail>? _self;

    [Parameter]
    public required string TraceId { get; set; }

    [SupplyParameterFromQuery(Name = "q")]
    public string? FindText { get; set; }

    [SupplyParameterFromQuery(Name = "kinds")]
    public string? Kinds { get; set; }

    [SupplyParameterFromQuery(Name = "errors")]
    public string? ErrorsOnly { get; set; }

    [SupplyParameterFromQuery(Name = "min")]
    public string? MinDuration { get; set; }

    [Inject]
    public required TraceDetailViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required IJSRuntime JS { get; init; }

    private string ShortId => TraceId.Length > 8 ? TraceId[..8] : TraceId;

    private TraceFilter Filter => TraceFilter.FromQuery(FindText, Kinds, ErrorsOnly, MinDuration);

    private IReadOnlyCollection<string> SelectedKinds => Filter.Kinds is { } kinds ? [.. kinds.Select(SpanCategories.Key)] : [];

    private string? _loadedTrace;

    protected override async Task OnParametersSetAsync()
    {
        if (_loadedTrace != TraceId)
        {
            _loadedTrace = TraceId;
            await ViewModel.LoadAsync(TraceId, Filter);
        }
        else
        {
            ViewModel.SetFilter(Filter);
        }
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (ViewModel.Explorer is null || !RendererInfo.IsInteractive)
        {
            return;
        }
        _self ??= DotNetObjectReference.Create(this);
        // Each call is a no-op for an element already wired; the elements are new after a reload of the trace.
        await JS.InvokeVoidAsync("agentPortal.treeKeys", _tree);
        await JS.InvokeVoidAsync("agentPortal.axisZoom", _axis, _self);
    }

    /// <summary>Spans of a running trace keep arriving: a live refresh keeps the selection, collapsed subtrees and zoom.</summary>
    private Task RefreshAsync() => ViewModel.LoadAsync(TraceId, Filter, quiet: true);

    /// <summary>Called by the axis when the user drags across it: the two ends, as fractions of the axis.</summary>
    [JSInvokable]
    public Task ZoomAsync(double from, double to)
    {
        ViewModel.Explorer?.Zoom(from, to);
        StateHasChanged();
        return Task.CompletedTask;
    }

    private Task SelectAsync(SpanRecord span)
    {
        ViewModel.Select(span);
        return Task.CompletedTask;
    }

    private Task ToggleAsync(string spanId)
    {
        ViewModel.Explorer?.Toggle(spanId);
        return Task.CompletedTask;
    }

    private Task NextMatchAsync() => ShowMatchAsync(ViewModel.NextMatch);

    private Task PreviousMatchAsync() => ShowMatchAsync(ViewModel.PreviousMatch);

    private async Task ShowMatchAsync(Action move)
    {
        move();
        StateHasChanged();
        if (ViewModel.Explorer?.CurrentMatch is { } index and >= 0)
        {
            await JS.InvokeVoidAsync("agentPortal.showRow", _tree, ViewModel.Explorer.Matches[index], 34);
        }
    }

    private void SetQuery(string name, string? value) => Navigation.SetQuery(name, value);

    private void SetKinds(IReadOnlyCollection<string>? kinds) => Navigation.SetQuery("kinds", kinds is { Count: > 0 }
        ? string.Join(",", SpanCategories.All.Select(SpanCategories.Key).Where(kinds.Contains))
        : null);

    private static string Icon(SpanCategory category) => SpanIcons.Of(category);

    public void Dispose() => _self?.Dispose();
}
