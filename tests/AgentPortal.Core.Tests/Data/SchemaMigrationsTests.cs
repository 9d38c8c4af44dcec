using System.Data.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Tests.Data;

/// <summary>Migrating the registry, and refusing a migration cut off part-way, on each registry provider.</summary>
public abstract class SchemaMigrationsTests : IDisposable
{
    private readonly TempFolder _folder = new();

    protected abstract Task<StorageOptions> StorageAsync();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Apply_OnANewDatabase_AppliesEveryMigration_AndStatusIsUpToDate()
    {
        await using var db = await ContextAsync();
        var before = await SchemaMigrations.GetStatusAsync(db, "registry", CancellationToken.None);
        Assert.Empty(before.Applied);

        var applied = await SchemaMigrations.ApplyAsync(db, "registry", TimeProvider.System, retryInterrupted: false, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal(before.Pending, applied);
        var after = await SchemaMigrations.GetStatusAsync(db, "registry", CancellationToken.None);
        Assert.True(after.UpToDate);
        Assert.Equal(db.Database.GetMigrations(), after.Applied);
    }

    [Fact]
    public async Task Apply_AfterAMigrationWasCutOff_RefusesNamingIt_UntilRetried()
    {
        await using var db = await ContextAsync();
        var all = db.Database.GetMigrations().ToList();
        // The last migration was started (its marker written) and the process died before it was recorded.
        await SchemaMigrations.EnsureMarkerTableAsync(db, CancellationToken.None);
        await db.GetService<IMigrator>().MigrateAsync(all[^2]);
        await InsertMarkerAsync(db, all[^1]);

        var status = await SchemaMigrations.GetStatusAsync(db, "registry", CancellationToken.None);
        Assert.Equal(all[^1], status.Interrupted?.Migration);
        var refused = await Assert.ThrowsAsync<HalfAppliedMigrationException>(() =>
            SchemaMigrations.ApplyAsync(db, "registry", TimeProvider.System, retryInterrupted: false, TimeSpan.FromMilliseconds(1500), CancellationToken.None));
        Assert.Contains(all[^1], refused.Message);
        Assert.Contains("AgentPortal.Dashboard migrate", refused.Message);

        var retried = await SchemaMigrations.ApplyAsync(db, "registry", TimeProvider.System, retryInterrupted: true, TimeSpan.Zero, CancellationToken.None);

        Assert.Equal([all[^1]], retried);
        Assert.True((await SchemaMigrations.GetStatusAsync(db, "registry", CancellationToken.None)).UpToDate);
    }

    private async Task<PortalDbContext> ContextAsync() =>
        new PortalDbContextFactory(Options.Create(await StorageAsync()), new PortalPaths(_folder.Path), NullLoggerFactory.Instance).CreateDbContext();

    private static async Task InsertMarkerAsync(DbContext db, string migration)
    {
        DbConnection connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $"INSERT INTO {SchemaMigrations.MarkerTable} (migration, started_at) VALUES (@m, '2026-12-01T10:00:00.0000000+00:00')";
        var parameter = command.CreateParameter();
        parameter.ParameterName = "@m";
        parameter.Value = migration;
        command.Parameters.Add(parameter);
        await command.ExecuteNonQueryAsync();
        await connection.CloseAsync();
    }
}

public sealed class SqliteSchemaMigrationsTests : SchemaMigrationsTests
{
    protected override Task<StorageOptions> StorageAsync() => Task.FromResult(new StorageOptions());
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchemaMigrationsTests(PostgresFixture postgres) : SchemaMigrationsTests
{
    protected override async Task<StorageOptions> StorageAsync() =>
        new() { Provider = "Postgres", ConnectionString = await postgres.Server.CreateDatabaseAsync() };
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbSchemaMigrationsTests(MariaDbFixture mariadb) : SchemaMigrationsTests
{
    protected override Task<StorageOptions> StorageAsync() =>
        Task.FromResult(new StorageOptions { Provider = "MySql", ConnectionString = mariadb.Server.NewDatabase() });
}
