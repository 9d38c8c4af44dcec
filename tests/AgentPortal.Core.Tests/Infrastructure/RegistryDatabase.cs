using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Tests.Infrastructure;

/// <summary>A migrated registry database of either provider, reached through the app's own factory.</summary>
public static class RegistryDatabase
{
    public static async Task<IDbContextFactory<PortalDbContext>> CreateAsync(StorageOptions storage, string dataDirectory)
    {
        var factory = new PortalDbContextFactory(Options.Create(storage), new PortalPaths(dataDirectory), NullLoggerFactory.Instance);
        await using var db = factory.CreateDbContext();
        await db.Database.MigrateAsync();
        return factory;
    }
}
