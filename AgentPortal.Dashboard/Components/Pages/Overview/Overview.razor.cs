using AgentPortal.Core.Monitoring;
using Microsoft.AspNetCore.Components;
using Radzen;

namespace AgentPortal.Dashboard.Components.Pages.Overview;

public partial class Overview
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
    private TimeRange _range = TimeRange.Default;

    [Inject]
    public required UsageOverviewService Usage { get; init; }

    [Inject]
    public required NavigationManager Navigation { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required ILogger<Overview> Logger { get; init; }

    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeKey { get; set; }

    protected override Task OnParametersSetAsync()
    {
        _range = TimeRange.Parse(RangeKey);
        return LoadAsync();
    }

    private async Task LoadAsync()
    {
        _error = null;
        _overview = null;
        try
        {
            var to = Time.GetUtcNow().UtcDateTime;
            _overview = await Usage.GetAsync(to - _range.Length, to, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Loading the usage overview failed");
            _error = ex.Message;
        }
    }

    private void OpenAgent(DataGridRowMouseEventArgs<AgentUsageLine> row) =>
        Navigation.NavigateTo($"monitoring/agents/{row.Data!.AgentId}?range={_range.Key}");
}
