using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.EntityFrameworkCore.Storage;

namespace AgentPortal.Core.Data;

/// <summary>A database's migrations: applied, still to apply, and one that started and never finished.</summary>
public sealed record MigrationStatus(string Database, IReadOnlyList<string> Applied, IReadOnlyList<string> Pending, InterruptedMigration? Interrupted)
{
    public bool UpToDate => Pending.Count == 0 && Interrupted is null;
}

public sealed record InterruptedMigration(string Migration, DateTimeOffset StartedAt);

/// <summary>The portal will not start on a database whose last migration started and did not finish.</summary>
public sealed class HalfAppliedMigrationException(string message) : Exception(message);

/// <summary>
/// Applies EF Core migrations one at a time, each between a row written to <c>portal_migration_runs</c>
/// before it starts and removed once it is recorded as applied. A row still there at the next start
/// means a migration was cut off part-way (the process was killed, the server went away); SQLite and
/// PostgreSQL roll such a migration back, but MySQL and MariaDB cannot roll back schema changes, so
/// the portal refuses to start, naming the migration, until an operator has looked and runs
/// <c>AgentPortal.Dashboard migrate</c>, which tries it again.
/// </summary>
public static class SchemaMigrations
{
    public const string MarkerTable = "portal_migration_runs";

    public static async Task<MigrationStatus> GetStatusAsync(DbContext db, string database, CancellationToken cancellationToken)
    {
        var all = db.Database.GetMigrations().ToList();
        if (!await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken))
        {
            return new MigrationStatus(database, [], all, null);
        }
        var applied = (await db.Database.GetAppliedMigrationsAsync(cancellationToken)).ToList();
        return new MigrationStatus(database, applied, [.. all.Except(applied, StringComparer.Ordinal)], await ReadInterruptedAsync(db, applied, cancellationToken));
    }

    /// <summary>
    /// Applies every pending migration. Refuses (<see cref="HalfAppliedMigrationException"/>) when one was
    /// interrupted before, unless <paramref name="retryInterrupted"/>, as the <c>migrate</c> command does.
    /// A marker may also be another replica migrating right now, so it is watched for up to
    /// <paramref name="waitForOthers"/> before it counts as interrupted. Returns the migrations applied.
    /// </summary>
    public static async Task<IReadOnlyList<string>> ApplyAsync(DbContext db, string database, TimeProvider time, bool retryInterrupted, TimeSpan waitForOthers, CancellationToken cancellationToken)
    {
        await EnsureMarkerTableAsync(db, cancellationToken);
        var status = await GetStatusAsync(db, database, cancellationToken);
        var waitUntil = time.GetUtcNow() + waitForOthers;
        while (status.Interrupted is not null && !retryInterrupted && time.GetUtcNow() < waitUntil)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
            status = await GetStatusAsync(db, database, cancellationToken);
        }
        if (status.Interrupted is { } interrupted && !retryInterrupted)
        {
            throw new HalfAppliedMigrationException(
                $"The {database} database's migration {interrupted.Migration} started at {interrupted.StartedAt:u} and did not finish, so its schema may be half-changed. "
                + "Check the database (on MySQL/MariaDB schema changes are not rolled back; restore the backup taken before the upgrade if in doubt), "
                + "then run 'AgentPortal.Dashboard migrate' to apply it again. The portal does not start until then.");
        }

        var migrator = db.GetService<IMigrator>();
        var applied = new List<string>();
        foreach (var migration in status.Pending)
        {
            await ExecuteAsync(db, $"DELETE FROM {MarkerTable}", [], cancellationToken);
            await ExecuteAsync(db, $"INSERT INTO {MarkerTable} (migration, started_at) VALUES (@migration, @started_at)",
                [("@migration", migration), ("@started_at", time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture))], cancellationToken);
            await migrator.MigrateAsync(migration, cancellationToken);
            await ExecuteAsync(db, $"DELETE FROM {MarkerTable} WHERE migration = @migration", [("@migration", migration)], cancellationToken);
            applied.Add(migration);
        }
        if (status.Pending.Count == 0 && status.Interrupted is not null)
        {
            // Recorded as applied after all: only the marker's removal was cut off.
            await ExecuteAsync(db, $"DELETE FROM {MarkerTable}", [], cancellationToken);
        }
        return applied;
    }

    /// <summary>Creates the database when missing, and the marker table.</summary>
    public static async Task EnsureMarkerTableAsync(DbContext db, CancellationToken cancellationToken)
    {
        var creator = db.GetService<IRelationalDatabaseCreator>();
        if (!await creator.ExistsAsync(cancellationToken))
        {
            await creator.CreateAsync(cancellationToken);
        }
        await ExecuteAsync(db, $"CREATE TABLE IF NOT EXISTS {MarkerTable} (migration VARCHAR(150) NOT NULL PRIMARY KEY, started_at VARCHAR(40) NOT NULL)", [], cancellationToken);
    }

    private static async Task<InterruptedMigration?> ReadInterruptedAsync(DbContext db, IReadOnlyList<string> applied, CancellationToken cancellationToken)
    {
        try
        {
            return await WithConnectionAsync(db, async connection =>
            {
                await using var command = connection.CreateCommand();
                command.CommandText = $"SELECT migration, started_at FROM {MarkerTable}";
                await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                while (await reader.ReadAsync(cancellationToken))
                {
                    var migration = reader.GetString(0);
                    if (!applied.Contains(migration, StringComparer.Ordinal))
                    {
                        return new InterruptedMigration(migration, DateTimeOffset.Parse(reader.GetString(1), CultureInfo.InvariantCulture));
                    }
                }
                return null;
            }, cancellationToken);
        }
        catch (DbException)
        {
            // No marker table yet: nothing was ever started by this guard.
            return null;
        }
    }

    private static Task ExecuteAsync(DbContext db, string sql, (string Name, string Value)[] parameters, CancellationToken cancellationToken) =>
        WithConnectionAsync<object?>(db, async connection =>
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var (name, value) in parameters)
            {
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                parameter.Value = value;
                command.Parameters.Add(parameter);
            }
            await command.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }, cancellationToken);

    /// <summary>The context's own connection, opened for the call (EF Core closes it again only if it opened it).</summary>
    private static async Task<T> WithConnectionAsync<T>(DbContext db, Func<DbConnection, Task<T>> use, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            return await use(db.Database.GetDbConnection());
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
