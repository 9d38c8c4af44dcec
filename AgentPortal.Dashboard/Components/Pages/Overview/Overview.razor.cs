using AgentPortal.Core.Monitoring;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Overview;

public partial class Overview : PeriodPage
{
    internal const string FirstTraceExample = """
        KEY=ap_...   # AgentPortal.Dashboard apikey create --project default-project --scopes ingest,read
        ID=$(curl -s -X POST $PORTAL/agents/register -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
          -d '{"name": "my-agent", "type": "custom"}' | jq -r .id)
        TRACE=$(curl -s -X POST $PORTAL/agents/$ID/trace/start -H "Authorization: Bearer $KEY" | jq -r .trace_id)
        curl -s -X POST $PORTAL/agents/$ID/trace/end -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' \
          -d "{\"trace_id\": \"$TRACE\", \"status\": \"ok\"}"
        """;

    private Period _period = default!;

    [Inject]
    public required OverviewViewModel ViewModel { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    protected override Task OnParametersSetAsync() => LoadAsync(quiet: false);

    /// <summary>A live refresh keeps the figures on screen while the new ones load.</summary>
    private Task RefreshAsync() => LoadAsync(quiet: true);

    private Task LoadAsync(bool quiet)
    {
        _period = RequestedPeriod();
        return ViewModel.LoadAsync(_period, quiet);
    }

    private void OpenAgent(DataGridRowClickEventArgs<AgentUsageLine> row) =>
        Navigation.NavigateTo($"monitoring/agents/{row.Item.AgentId}?{_period.QueryString}");
}
