using AgentPortal.Core.Vanna;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Core.Tests.Telemetry;

/// <summary>Only one read-only SELECT runs, as SQLite's own parser and authorizer judge it.</summary>
public sealed class SqliteReadOnlyQueryTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"vanna-{Guid.NewGuid():N}.db");
    private readonly string _connection;

    public SqliteReadOnlyQueryTests()
    {
        _connection = $"Data Source={_path}";
        using var db = new SqliteConnection(_connection);
        db.Open();
        using var create = db.CreateCommand();
        create.CommandText = "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, total REAL); " +
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 250) INSERT INTO orders (customer, total) SELECT 'c' || i, i * 1.5 FROM n;";
        create.ExecuteNonQuery();
    }

    [Theory]
    [InlineData("SELECT * FROM orders")]
    [InlineData("select customer, sum(total) from orders group by customer order by 2 desc limit 5 -- top five")]
    [InlineData("WITH big AS (SELECT * FROM orders WHERE total > 100) SELECT count(*) FROM big;")]
    [InlineData("SELECT 1; -- done\n/* nothing else */")]
    // Reading the schema through a read-only table-valued pragma is a read.
    [InlineData("SELECT name FROM pragma_table_info('orders')")]
    public void ASingleSelect_IsAllowed(string sql) => SqliteReadOnlyQuery.Check(_connection, sql);

    [Theory]
    [InlineData("DELETE FROM orders", "Only a SELECT")]
    [InlineData("UPDATE orders SET total = 0", "Only a SELECT")]
    [InlineData("DROP TABLE orders", "Only a SELECT")]
    [InlineData("PRAGMA journal_mode = DELETE", "Only a SELECT")]
    [InlineData("ATTACH DATABASE '/tmp/x.db' AS x", "Only a SELECT")]
    [InlineData("SELECT 1; DELETE FROM orders", "Only one statement")]
    [InlineData("SELECT 1; SELECT 2", "Only one statement")]
    [InlineData("SELECT load_extension('/tmp/evil.so')", "Only a SELECT")]
    [InlineData("SELEKT * FROM orders", "cannot read")]
    [InlineData("-- only a comment", "no statement")]
    public void AnythingElse_IsRefusedSayingWhy(string sql, string why)
    {
        var refused = Assert.Throws<SqlRefusedException>(() => SqliteReadOnlyQuery.Check(_connection, sql));

        Assert.Contains(why, refused.Message);
    }

    [Fact]
    public async Task RowsBeyondTheLimit_AreNotRead()
    {
        var rows = await SqliteReadOnlyQuery.RunAsync(_connection, "SELECT id, customer FROM orders ORDER BY id", 100, TimeSpan.FromSeconds(5), CancellationToken.None);

        Assert.Equal(["id", "customer"], rows.Columns);
        Assert.Equal(100, rows.Rows.Count);
        Assert.True(rows.Truncated);
        Assert.Equal("1", rows.Rows[0][0]);
        Assert.Equal("c1", rows.Rows[0][1]);
    }

    [Fact]
    public async Task AQueryPastItsTime_IsStopped()
    {
        const string endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n";

        var refused = await Assert.ThrowsAsync<SqlRefusedException>(() => SqliteReadOnlyQuery.RunAsync(_connection, endless, 10, TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Contains("longer than 1 s", refused.Message);
    }

    [Fact]
    public async Task TheDataIsUnchanged_WhateverWasTried()
    {
        foreach (var sql in new[] { "DELETE FROM orders", "SELECT 1; DELETE FROM orders" })
        {
            await Assert.ThrowsAsync<SqlRefusedException>(() => SqliteReadOnlyQuery.RunAsync(_connection, sql, 10, TimeSpan.FromSeconds(5), CancellationToken.None));
        }

        var rows = await SqliteReadOnlyQuery.RunAsync(_connection, "SELECT count(*) FROM orders", 10, TimeSpan.FromSeconds(5), CancellationToken.None);
        Assert.Equal("250", rows.Rows[0][0]);
    }

    [Fact]
    public void TheSchema_ListsTablesWithTheirDefinitions() =>
        Assert.Contains("CREATE TABLE orders", SqliteReadOnlyQuery.Schema(_connection));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        File.Delete(_path);
    }
}
