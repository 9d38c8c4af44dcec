using AgentPortal.Core.Agents;
using Microsoft.AspNetCore.Components;
using Radzen;
using Radzen.Blazor;

namespace AgentPortal.Dashboard.Components.Pages.Agents;

public partial class Registry
{
    private static readonly string[] s_types = ["", .. Enum.GetValues<AgentType>().Select(t => t.ToWire())];
    private static readonly string[] s_statuses = ["", .. Enum.GetValues<AgentStatus>().Select(s => s.ToWire())];

    private IEnumerable<Agent>? _agents;
    private int _count;
    private bool _loading;
    private string? _error;
    private RadzenDataGrid<Agent>? _grid;

    [SupplyParameterFromQuery(Name = "search")]
    public string? Search { get; set; }

    [SupplyParameterFromQuery(Name = "type")]
    public string? Type { get; set; }

    [SupplyParameterFromQuery(Name = "status")]
    public string? Status { get; set; }

    [Inject]
    public required IAgentRegistry Agents { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Registry> Logger { get; init; }

    protected override async Task OnParametersSetAsync()
    {
        if (_grid is not null)
        {
            await _grid.Reload();
        }
    }

    private async Task LoadAsync(LoadDataArgs args)
    {
        _loading = true;
        _error = null;
        try
        {
            var pageSize = args.Top ?? 50;
            var page = await Agents.ListAsync(new ListAgentsRequest
            {
                Search = Search,
                Type = AgentEnums.TryParseType(Type, out var type) ? type : null,
                Status = AgentEnums.TryParseStatus(Status, out var status) ? status : null,
                Page = ((args.Skip ?? 0) / pageSize) + 1,
                PageSize = pageSize,
            }, CancellationToken.None);
            _agents = page.Items;
            _count = page.TotalCount;
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Listing agents failed");
            _error = ex.Message;
        }
        finally
        {
            _loading = false;
        }
    }
}
