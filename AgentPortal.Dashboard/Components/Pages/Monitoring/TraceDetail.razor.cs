using System.Globalization;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components.Pages.Monitoring;

public partial class TraceDetail
{
    [Parameter]
    public required string TraceId { get; set; }

    [Inject]
    public required TraceDetailViewModel ViewModel { get; init; }

    private string ShortId => TraceId.Length > 8 ? TraceId[..8] : TraceId;

    protected override Task OnParametersSetAsync() => ViewModel.LoadAsync(TraceId);

    /// <summary>Spans of a running trace keep arriving: a live refresh keeps the selected span.</summary>
    private Task RefreshAsync() => ViewModel.LoadAsync(TraceId, quiet: true);

    private static string Css(double fraction) => (fraction * 100).ToString("0.###", CultureInfo.InvariantCulture) + "%";
}
