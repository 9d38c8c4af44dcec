using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Core.Tests.Infrastructure;

namespace AgentPortal.Core.Tests.Telemetry;

public sealed class SqliteTelemetryStoreTests : TelemetryStoreContractTests
{
    private readonly TempFolder _folder = new();
    private SqliteTelemetryStore? _store;

    protected override Task<ITelemetryStore> CreateStoreAsync()
    {
        _store = new SqliteTelemetryStore(_folder.File("telemetry.db"));
        return Task.FromResult<ITelemetryStore>(_store);
    }

    protected override async Task DisposeStoreAsync()
    {
        if (_store is not null)
        {
            await _store.DisposeAsync();
        }
        _folder.Dispose();
    }
}
