using AgentPortal.Core.Audit;
using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry.Retention;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Pages.Admin;

public partial class StorageOverview
{
    private Loadable<TelemetryReport> _telemetry = null!;
    private Loadable<RegistryStats> _registry = null!;
    private Loadable<LastBackup> _backup = null!;
    private RetentionRun? _lastRun;
    private bool _applying;

    [Inject]
    public required StorageReport Report { get; init; }

    [Inject]
    public required TimeProvider Clock { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required ILogger<StorageOverview> Logger { get; init; }

    protected override void OnInitialized()
    {
        _telemetry = new Loadable<TelemetryReport>(Logger, "telemetry store figures");
        _registry = new Loadable<RegistryStats>(Logger, "registry figures");
        _backup = new Loadable<LastBackup>(Logger, "the last backup");
    }

    protected override Task OnInitializedAsync() => Task.WhenAll(LoadTelemetryAsync(), LoadRegistryAsync(), LoadBackupAsync());

    private Task LoadTelemetryAsync() => _telemetry.LoadAsync(ct => Report.GetTelemetryAsync(ct)!);

    private Task LoadRegistryAsync() => _registry.LoadAsync(ct => Report.GetRegistryAsync(ct)!);

    private Task LoadBackupAsync() => _backup.LoadAsync(async ct => new LastBackup(await Report.GetLastBackupAsync(ct)));

    private async Task ApplyNowAsync()
    {
        _applying = true;
        try
        {
            _lastRun = await Report.ApplyRetentionNowAsync(CancellationToken.None);
            if (_lastRun.Error is { } error)
            {
                Snackbar.Add($"Retention stopped part-way: {error}", Severity.Error);
            }
            else
            {
                Snackbar.Add(_lastRun.Total == 0 ? "Nothing was old enough to delete." : $"Deleted {LastPass(_lastRun)}.", Severity.Success);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Logger.LogError(ex, "Applying retention from the Storage page failed");
            Snackbar.Add($"Retention failed: {ex.Message}", Severity.Error);
        }
        finally
        {
            _applying = false;
        }
        await LoadTelemetryAsync();
    }

    internal static string Migrations(MigrationStatus? status) => status switch
    {
        null => UiText.StoragePage.NoMigrations,
        { Interrupted: { } cut } => $"{cut.Migration} was started at {Display.Time(cut.StartedAt.UtcDateTime)} and did not finish: run 'AgentPortal.Dashboard migrate'.",
        { Pending.Count: > 0 } => $"{status.Pending.Count} migrations pending ({string.Join(", ", status.Pending)}): run 'AgentPortal.Dashboard migrate'.",
        _ => $"Up to date: {status.Applied.Count} migrations, latest {status.Applied.LastOrDefault() ?? "none"}.",
    };

    internal static string LastPass(RetentionRun? run) => run switch
    {
        null => UiText.StoragePage.NoPassYet,
        { Total: 0, Error: null } => $"{Display.Time(run.At.UtcDateTime)}: nothing was old enough to delete.",
        _ => $"{Display.Time(run.At.UtcDateTime)}: {Display.Count(run.Spans)} spans, {Display.Count(run.Runs)} runs and {Display.Count(run.RollupRows)} rollup rows ({run.Method})"
            + (run.DiskLimitApplied ? ", to keep within the disk limits" : "")
            + (run.Error is { } error ? $"; stopped part-way: {error}" : ""),
    };

    /// <summary>The last backup's audit event, or none; a class so the page can tell "none" from "not loaded".</summary>
    private sealed record LastBackup(AuditEvent? Event);
}
