using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components;

/// <summary>
/// A monitoring page whose period lives in the URL: <c>?range=1h|24h|7d|30d</c>, or
/// <c>range=custom&amp;from=…&amp;to=…</c> (see <see cref="Period"/>).
/// </summary>
public abstract class PeriodPage : ComponentBase
{
    [SupplyParameterFromQuery(Name = "range")]
    public string? RangeKey { get; set; }

    [SupplyParameterFromQuery(Name = "from")]
    public string? FromText { get; set; }

    [SupplyParameterFromQuery(Name = "to")]
    public string? ToText { get; set; }

    [Inject]
    public required TimeProvider Time { get; init; }

    /// <summary>The period the URL asks for, resolved against now.</summary>
    protected Period RequestedPeriod() => Period.Resolve(RangeKey, FromText, ToText, Time.GetUtcNow().UtcDateTime);
}
