using AgentPortal.Core.Configuration;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Data;

/// <summary>Creates the registry context of the configured provider (Storage:Provider).</summary>
public sealed class PortalDbContextFactory : IDbContextFactory<PortalDbContext>
{
    private readonly Lazy<Func<PortalDbContext>> _create;

    public PortalDbContextFactory(IOptions<StorageOptions> storage, PortalPaths paths, ILoggerFactory loggers, OpenConnections? connections = null)
    {
        _create = new Lazy<Func<PortalDbContext>>(() =>
        {
            var options = storage.Value;
            switch (options.ProviderKind)
            {
                case StorageProvider.Postgres:
                    var postgres = new DbContextOptionsBuilder<PostgresPortalDbContext>()
                        .UseNpgsql(options.ConnectionString)
                        .UseLoggerFactory(loggers)
                        .AddInterceptors(connections ?? new OpenConnections())
                        .Options;
                    return () => new PostgresPortalDbContext(postgres);
                case StorageProvider.MySql:
                    var mysql = new DbContextOptionsBuilder<MySqlPortalDbContext>()
                        .UseMySQL(MySqlConnections.Prepare(options.ConnectionString!))
                        .UseLoggerFactory(loggers)
                        .AddInterceptors(connections ?? new OpenConnections())
                        .ReplaceService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository, MySqlHistoryRepository>()
                        .Options;
                    return () => new MySqlPortalDbContext(mysql);
                default:
                    var sqlite = new DbContextOptionsBuilder<SqlitePortalDbContext>()
                        .UseSqlite(paths.RegistryConnectionString)
                        .UseLoggerFactory(loggers)
                        .AddInterceptors(connections ?? new OpenConnections())
                        .Options;
                    return () => new SqlitePortalDbContext(sqlite);
            }
        });
    }

    public PortalDbContext CreateDbContext() => _create.Value();
}
