using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Tests.Agents;

public sealed class SqliteAgentRegistryTests : AgentRegistryContractTests
{
    private readonly TempFolder _folder = new();

    protected override Task<IDbContextFactory<PortalDbContext>> CreateDatabaseAsync() =>
        RegistryDatabase.CreateAsync(new StorageOptions(), _folder.Path);

    public override Task DisposeAsync()
    {
        _folder.Dispose();
        return Task.CompletedTask;
    }
}
