using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Tests.Agents;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAgentRegistryTests(PostgresFixture postgres) : AgentRegistryContractTests
{
    protected override async Task<IDbContextFactory<PortalDbContext>> CreateDatabaseAsync() =>
        await RegistryDatabase.CreateAsync(
            new StorageOptions { Provider = "Postgres", ConnectionString = await postgres.Server.CreateDatabaseAsync() },
            Path.GetTempPath());
}
