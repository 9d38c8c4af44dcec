using AgentPortal.Core.Monitoring;
using Microsoft.AspNetCore.Components;
using Radzen;

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

    private UsageOverview? _overview;
    private string? _error;
    private Period _period = Period.Resolve(null, null, null, DateTime.UtcNow);

    [Inject]
    public required UsageOverviewService Usage { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required ILogger<Overview> Logger { get; init; }

    protected override Task OnParametersSetAsync() => LoadAsync();

    private Task LoadAsync() => LoadAsync(quiet: false);

    /// <summary>A live refresh keeps the figures on screen while the new ones load.</summary>
    private Task RefreshAsync() => LoadAsync(quiet: true);

    private async Task LoadAsync(bool quiet)
    {
        _error = null;
        if (!quiet)
        {
            _overview = null;
        }
        try
        {
            _period = RequestedPeriod();
            _overview = await Usage.GetAsync(_period.From, _period.To, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading the usage overview failed");
            _error = ex.Message;
        }
    }

    private void OpenAgent(DataGridRowMouseEventArgs<AgentUsageLine> row) =>
        Navigation.NavigateTo($"monitoring/agents/{row.Data!.AgentId}?{_period.QueryString}");
}
