using AgentPortal.Tests.Shared;

namespace AgentPortal.Core.Tests.Infrastructure;

/// <summary>One clickhouse-server for every ClickHouse test in this assembly; each test uses its own database.</summary>
public sealed class ClickHouseFixture : IAsyncLifetime
{
    private ClickHouseServer? _server;

    public ClickHouseServer Server => _server ?? throw new InvalidOperationException("clickhouse-server did not start.");

    public async Task InitializeAsync() => _server = await ClickHouseServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClickHouseCollection : ICollectionFixture<ClickHouseFixture>
{
    public const string Name = "clickhouse";
}
