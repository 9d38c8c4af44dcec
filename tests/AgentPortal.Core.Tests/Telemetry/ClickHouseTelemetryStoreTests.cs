using AgentPortal.Core.Configuration;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using AgentPortal.Core.Tests.Infrastructure;
using AgentPortal.Tests.Shared;

namespace AgentPortal.Core.Tests.Telemetry;

[Collection(ClickHouseCollection.Name)]
public sealed class ClickHouseTelemetryStoreTests(ClickHouseFixture clickhouse) : TelemetryStoreContractTests
{
    private ClickHouseTelemetryStore? _store;

    protected override Task<ITelemetryStore> CreateStoreAsync()
    {
        _store = new ClickHouseTelemetryStore(new ClickHouseOptions
        {
            Url = clickhouse.Server.Url,
            Database = "t_" + Guid.NewGuid().ToString("N")[..16],
            User = ClickHouseServer.User,
            Password = ClickHouseServer.Password,
        });
        return Task.FromResult<ITelemetryStore>(_store);
    }

    protected override Task DisposeStoreAsync()
    {
        _store?.Dispose();
        return Task.CompletedTask;
    }

    [Theory]
    [InlineData("it's")]
    [InlineData(@"\'; DROP TABLE spans; --")]
    [InlineData("line\nbreak\ttab\0nul\u0007bell")]
    [InlineData("ünïcødé 한국어 🚀")]
    public async Task Formatter_RoundTripsValuesThroughTheLiveServer(string value)
    {
        using var client = new ClickHouseClient(new ClickHouseOptions { Url = clickhouse.Server.Url, Database = "default", User = ClickHouseServer.User, Password = ClickHouseServer.Password });

        var rows = await client.QueryAsync($"SELECT {ClickHouseSql.String(value)} AS v", CancellationToken.None);

        Assert.Equal(value, Assert.Single(rows).GetProperty("v").GetString());
    }

    [Fact]
    public async Task WrongPassword_FailsWithTheServersMessage_WithoutThePassword()
    {
        using var store = new ClickHouseTelemetryStore(new ClickHouseOptions { Url = clickhouse.Server.Url, User = ClickHouseServer.User, Password = "not-the-password" });

        var error = await Assert.ThrowsAsync<ClickHouseException>(() => store.PingAsync(CancellationToken.None));

        Assert.Contains("Wrong password", error.Message);
        Assert.DoesNotContain("not-the-password", error.Message);
    }
}
