using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Controls;

public partial class RunList
{
    private static readonly int[] s_pageSizes = [25, 50, 100];

    private MudDataGrid<RunLine>? _grid;

    /// <summary>A first page has come back, so an empty grid means no runs.</summary>
    private bool _loaded;

    /// <summary>Only this agent's runs; all agents' when null (an Agent column is shown then).</summary>
    [Parameter]
    public string? AgentId { get; set; }

    [Parameter]
    public RunStatus? Status { get; set; }

    [Parameter, EditorRequired]
    public DateTime From { get; set; }

    [Parameter, EditorRequired]
    public DateTime To { get; set; }

    /// <summary>Matched against input, output and error text.</summary>
    [Parameter]
    public string? Search { get; set; }

    /// <summary>Only runs with an LLM call to this model.</summary>
    [Parameter]
    public string? Model { get; set; }

    /// <summary>Only runs whose agent name or a span name contains this text.</summary>
    [Parameter]
    public string? SpanName { get; set; }

    /// <summary>Only runs in this conversation or session.</summary>
    [Parameter]
    public string? Session { get; set; }

    /// <summary>Only runs with a call made for this user.</summary>
    [Parameter]
    public string? User { get; set; }

    [Parameter]
    public string EmptyText { get; set; } = UiText.AgentPage.NoRuns;

    [Parameter]
    public EventCallback<string> OnError { get; set; }

    [Inject]
    public required RunListViewModel ViewModel { get; init; }

    private RunFilter Filter => new(AgentId, Status, From, To, Search, Model, SpanName, Session, User);

    protected override async Task OnParametersSetAsync()
    {
        if (_grid is not null && ViewModel.NeedsReload(Filter))
        {
            await _grid.ReloadServerData();
        }
    }

    /// <summary>Reloads the page shown (a live refresh).</summary>
    public Task RefreshAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<GridData<RunLine>> LoadAsync(GridState<RunLine> state, CancellationToken cancellationToken)
    {
        var data = await ViewModel.LoadAsync(Filter, state, cancellationToken);
        _loaded = true;
        if (ViewModel.Error is { } error)
        {
            await OnError.InvokeAsync(error);
        }
        return data;
    }
}
