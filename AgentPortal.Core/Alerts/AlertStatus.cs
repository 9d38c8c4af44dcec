using System.Diagnostics.Metrics;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Alerts;

/// <summary>A rule as the banner and the metrics need it.</summary>
public sealed record AlertRuleState(string Id, string Name, AlertState State, bool Muted, bool Enabled);

/// <summary>
/// This replica's view of every rule's state, refreshed each evaluation round and after every change
/// made here, for the in-app banner and the <c>alert_rules</c> metrics. Readers get the latest copy
/// without touching the database.
/// </summary>
public sealed class AlertStatus
{
    private readonly IDbContextFactory<PortalDbContext> _contexts;
    private readonly TimeProvider _time;
    private volatile IReadOnlyList<AlertRuleState> _rules = [];

    public AlertStatus(IDbContextFactory<PortalDbContext> contexts, AlertRuleService rules, TimeProvider time, IMeterFactory meters)
    {
        _contexts = contexts;
        _time = time;
        rules.Changed += () => _ = RefreshQuietlyAsync();

        // On the portal's meter beside PortalMetrics' instruments; every replica reads the same rules, so dashboards take max, not sum.
        var meter = meters.Create(Telemetry.PortalMetrics.MeterName);
        meter.CreateObservableGauge("alert_rules", RuleCounts, description: "Enabled alert rules by state (ok, pending, firing) as this replica last read them.");
        meter.CreateObservableGauge("alert_firing", () => _rules.Where(r => r.Enabled && r.State == AlertState.Firing)
            .Select(r => new Measurement<int>(1, new KeyValuePair<string, object?>("rule", r.Name), new("muted", r.Muted ? "true" : "false"))),
            description: "1 for each firing alert rule, by rule name.");
    }

    /// <summary>Raised after each refresh.</summary>
    public event Action? Changed;

    public IReadOnlyList<AlertRuleState> Rules => _rules;

    /// <summary>Firing rules that are not muted: what the banner shows.</summary>
    public IReadOnlyList<AlertRuleState> Firing => [.. _rules.Where(r => r.Enabled && r.State == AlertState.Firing && !r.Muted)];

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().UtcDateTime;
        await using var db = await _contexts.CreateDbContextAsync(cancellationToken);
        var rules = await db.AlertRules.AsNoTracking()
            .Select(r => new { r.Id, r.Name, r.State, r.MutedUntil, r.Enabled })
            .ToListAsync(cancellationToken);
        _rules = [.. rules.OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)
            .Select(r => new AlertRuleState(r.Id, r.Name, r.State, r.MutedUntil is { } until && until > now, r.Enabled))];
        Changed?.Invoke();
    }

    private IEnumerable<Measurement<int>> RuleCounts()
    {
        var enabled = _rules.Where(r => r.Enabled).ToList();
        return Enum.GetValues<AlertState>().Select(state =>
            new Measurement<int>(enabled.Count(r => r.State == state), new KeyValuePair<string, object?>("state", state.ToString().ToLowerInvariant())));
    }

    private async Task RefreshQuietlyAsync()
    {
        try
        {
            await RefreshAsync(CancellationToken.None);
        }
        catch (Exception ex) when (ex is DbUpdateException or InvalidOperationException or System.Data.Common.DbException)
        {
            // The next evaluation round refreshes again.
        }
    }
}
