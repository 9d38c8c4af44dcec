using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Retention;
using AgentPortal.Core.Telemetry.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Data;

/// <summary>The registry database: its provider, where it is, its size when it is a file, rows per table, and its migrations.</summary>
public sealed record RegistryStats(string Provider, string Location, long? Bytes, IReadOnlyList<TableStats> Tables, MigrationStatus Migrations);

/// <summary>The telemetry store's figures, and its migrations when it has any (the embedded store).</summary>
public sealed record TelemetryReport(TelemetryStoreStats Stats, MigrationStatus? Migrations);

/// <summary>The retention settings in force on this replica and what its last pass did.</summary>
public sealed record RetentionReport(RetentionOptions Settings, bool Embedded, RetentionRun? LastRun, string? ManagedElsewhere);

/// <summary>What the admin Storage page shows, each part loaded on its own so one store being down does not hide the others.</summary>
public sealed class StorageReport(
    IDbContextFactory<PortalDbContext> contexts,
    IOptions<StorageOptions> storage,
    PortalPaths paths,
    ITelemetryStore telemetry,
    RetentionJob retention,
    IOptions<RetentionOptions> retentionOptions,
    AuditLog audit)
{
    public async Task<RegistryStats> GetRegistryAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var tables = new List<TableStats>
        {
            new("agents", await db.Agents.LongCountAsync(cancellationToken), null),
            new("api_keys", await db.ApiKeys.LongCountAsync(cancellationToken), null),
            new("users", await db.Users.LongCountAsync(cancellationToken), null),
            new("model_prices", await db.ModelPrices.LongCountAsync(cancellationToken), null),
            new("alert_rules", await db.AlertRules.LongCountAsync(cancellationToken), null),
            new("alert_events", await db.AlertEvents.LongCountAsync(cancellationToken), null),
            new("conversations", await db.Conversations.LongCountAsync(cancellationToken), null),
            new("audit_events", await db.AuditEvents.LongCountAsync(cancellationToken), null),
        };
        var migrations = await SchemaMigrations.GetStatusAsync(db, PortalDatabaseInitializer.DatabaseName, cancellationToken);
        var options = storage.Value;
        return options.ProviderKind == StorageProvider.Sqlite
            ? new RegistryStats(options.Provider, paths.RegistryDatabase, FileBytes(paths.RegistryDatabase), tables, migrations)
            : new RegistryStats(options.Provider, $"{db.Database.GetDbConnection().Database} on {db.Database.GetDbConnection().DataSource}", null, tables, migrations);
    }

    public async Task<TelemetryReport> GetTelemetryAsync(CancellationToken cancellationToken)
    {
        var stats = await telemetry.GetStatsAsync(cancellationToken);
        var migrations = telemetry is SqliteTelemetryStore sqlite ? await sqlite.GetMigrationStatusAsync(cancellationToken) : null;
        return new TelemetryReport(stats, migrations);
    }

    public RetentionReport GetRetention() => new(retentionOptions.Value, retention.IsEmbedded, retention.LastRun, retention.ManagedElsewhere);

    public Task<RetentionRun> ApplyRetentionNowAsync(CancellationToken cancellationToken) => retention.ApplyAsync(cancellationToken);

    public Task<AuditEvent?> GetLastBackupAsync(CancellationToken cancellationToken) => audit.LatestAsync(AuditActions.BackupCreated, cancellationToken);

    private static long? FileBytes(string database) =>
        File.Exists(database) ? new[] { database, database + "-wal" }.Where(File.Exists).Sum(f => new FileInfo(f).Length) : null;
}
