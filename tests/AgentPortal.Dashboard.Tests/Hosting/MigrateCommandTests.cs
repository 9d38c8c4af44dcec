using System.Diagnostics;
using AgentPortal.Core.Data;
using AgentPortal.Dashboard.Hosting;
using Microsoft.Data.Sqlite;

namespace AgentPortal.Dashboard.Tests.Hosting;

/// <summary><c>migrate --status</c>, <c>migrate</c>, and the portal refusing to start on a migration cut off part-way.</summary>
public sealed class MigrateCommandTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "agentportal-tests", Guid.NewGuid().ToString("N"), "data");

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task Status_SaysWhatIsPending_ThenMigrateAppliesIt()
    {
        Assert.Equal(3, await MigrateCommand.RunAsync(["migrate", "--status", $"--Storage:DataDirectory={_data}"]));

        Assert.Equal(0, await MigrateCommand.RunAsync(["migrate", $"--Storage:DataDirectory={_data}"]));

        Assert.Equal(0, await MigrateCommand.RunAsync(["migrate", "--status", $"--Storage:DataDirectory={_data}"]));
        Assert.Equal(2, await MigrateCommand.RunAsync(["migrate", "--stauts", "x", $"--Storage:DataDirectory={_data}"]));
    }

    [Fact]
    public void Describe_NamesTheLatestMigration_ThePendingOnes_AndOneCutOff()
    {
        var text = MigrateCommand.Describe(new MigrationStatus("registry", ["20260101_A"], ["20260201_B"], new InterruptedMigration("20260201_B", new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero))));

        Assert.Equal("registry: 1 applied (latest 20260101_A), 1 pending: 20260201_B; 20260201_B was started at 2026-12-01 10:00:00Z and did not finish: check the database, then run 'AgentPortal.Dashboard migrate'.", text);
    }

    [Fact]
    public async Task ThePortal_RefusesToStartOnAMigrationCutOffPartWay_NamingIt_UntilMigrateRetriesIt()
    {
        Assert.Equal(0, await MigrateCommand.RunAsync(["migrate", $"--Storage:DataDirectory={_data}"]));
        // A newer version's migration had begun (its marker written) when the process was killed.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(_data, "portal.db")};Pooling=False"))
        {
            await connection.OpenAsync();
            await using var insert = connection.CreateCommand();
            insert.CommandText = $"INSERT INTO {SchemaMigrations.MarkerTable} (migration, started_at) VALUES ('29990101000000_FromTheFuture', '2026-12-01T10:00:00.0000000+00:00')";
            await insert.ExecuteNonQueryAsync();
        }

        var (exitCode, stderr) = await StartPortalAsync();

        Assert.Equal(1, exitCode);
        Assert.Contains("29990101000000_FromTheFuture", stderr);
        Assert.Contains("run 'AgentPortal.Dashboard migrate'", stderr);
        Assert.Equal(3, await MigrateCommand.RunAsync(["migrate", "--status", $"--Storage:DataDirectory={_data}"]));

        Assert.Equal(0, await MigrateCommand.RunAsync(["migrate", $"--Storage:DataDirectory={_data}"]));
        Assert.Equal(0, await MigrateCommand.RunAsync(["migrate", "--status", $"--Storage:DataDirectory={_data}"]));
    }

    private async Task<(int ExitCode, string Stderr)> StartPortalAsync()
    {
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"), "--urls", "http://127.0.0.1:0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Storage__DataDirectory"] = _data;
        start.Environment["Storage__MigrationWait"] = "00:00:00";
        start.Environment["Api__OtlpGrpcUrl"] = "";
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The portal started instead of refusing: " + await stdout);
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
