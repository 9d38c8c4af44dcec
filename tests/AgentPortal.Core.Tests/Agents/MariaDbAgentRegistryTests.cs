using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Tests.Agents;

/// <summary>The registry contract on a real MariaDB (Debian's mariadb-server, utf8mb4) through Storage:Provider=MySql.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MariaDbAgentRegistryTests(MariaDbFixture mariadb) : AgentRegistryContractTests
{
    protected override async Task<IDbContextFactory<PortalDbContext>> CreateDatabaseAsync() =>
        await RegistryDatabase.CreateAsync(
            new StorageOptions { Provider = "MySql", ConnectionString = mariadb.Server.NewDatabase() },
            Path.GetTempPath());
}
