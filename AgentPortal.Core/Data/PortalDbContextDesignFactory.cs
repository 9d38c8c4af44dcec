using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AgentPortal.Core.Data;

/// <summary>Lets `dotnet ef migrations add --context SqlitePortalDbContext` build the context without the app.</summary>
internal sealed class SqlitePortalDbContextDesignFactory : IDesignTimeDbContextFactory<SqlitePortalDbContext>
{
    public SqlitePortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=design-time.db").Options);
}

/// <summary>Lets `dotnet ef migrations add --context PostgresPortalDbContext` build the context; no server is contacted.</summary>
internal sealed class PostgresPortalDbContextDesignFactory : IDesignTimeDbContextFactory<PostgresPortalDbContext>
{
    public PostgresPortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresPortalDbContext>().UseNpgsql("Host=localhost;Database=agentportal_design").Options);
}

/// <summary>Lets `dotnet ef migrations add --context MySqlPortalDbContext` build the context; no server is contacted.</summary>
internal sealed class MySqlPortalDbContextDesignFactory : IDesignTimeDbContextFactory<MySqlPortalDbContext>
{
    public MySqlPortalDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MySqlPortalDbContext>().UseMySQL(MySqlConnections.Prepare("Server=localhost;Database=agentportal_design"))
            .ReplaceService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository, MySqlHistoryRepository>().Options);
}
