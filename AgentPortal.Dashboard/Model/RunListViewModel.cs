using AgentPortal.Core.Monitoring;
using AgentPortal.Core.Telemetry;
using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>What a run list shows: one agent's runs or every agent's, filtered, newest first.</summary>
public sealed record RunFilter(string? AgentId, RunStatus? Status, DateTime From, DateTime To, string? Text = null, string? Model = null, string? SpanName = null,
    string? Session = null, string? User = null);

/// <summary>The run list: pages of runs with agent names and costs, loaded from the server page by page.</summary>
public sealed class RunListViewModel(AgentActivityService activity, ILogger<RunListViewModel> logger)
{
    public const int PageSize = 25;

    private RunFilter? _shown;

    public string? Error { get; private set; }

    /// <summary>True when the grid must load again because the filter is not the one it shows.</summary>
    public bool NeedsReload(RunFilter filter) => _shown is not null && filter != _shown;

    public async Task<GridData<RunLine>> LoadAsync(RunFilter filter, GridState<RunLine> state, CancellationToken cancellationToken)
    {
        _shown = filter;
        (var page, Error) = await Paging.LoadAsync(() => activity.ListRunLinesAsync(new ListRunsRequest
        {
            AgentId = filter.AgentId,
            From = filter.From,
            To = filter.To,
            Status = filter.Status,
            Text = filter.Text,
            Model = filter.Model,
            SpanName = filter.SpanName,
            Session = filter.Session,
            User = filter.User,
            Page = Paging.StorePage(state),
            PageSize = state.PageSize,
        }, cancellationToken), logger, "runs");
        return page;
    }
}
