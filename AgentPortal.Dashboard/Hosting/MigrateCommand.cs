using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.Sqlite;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// <c>AgentPortal.Dashboard migrate [--status]</c>: shows or applies the schema migrations of the
/// registry database and the embedded telemetry database. Applying also retries a migration that was
/// cut off part-way, which the portal itself refuses to start on.
/// </summary>
public static class MigrateCommand
{
    public const string Usage = """
        Usage:
          AgentPortal.Dashboard migrate --status    each database's applied and pending migrations, and any cut off part-way
          AgentPortal.Dashboard migrate             applies the pending ones (and retries one that was cut off)
        Configuration (data folder, providers) is read as when the portal runs, e.g. --Storage:Provider=Postgres.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] == "migrate";

    public static async Task<int> RunAsync(string[] args)
    {
        // --status is a flag, without a value, so it is taken out before the shared parser sees it.
        var statusOnly = args.Contains("--status", StringComparer.Ordinal);
        var (_, options, positional, configuration) = ApiKeyCommand.Parse([.. args.Where(a => a != "--status")]);
        if (positional.Count > 0 || options.Count > 0)
        {
            await Console.Error.WriteLineAsync(Usage);
            return 2;
        }

        await using var app = CommandHost.Build(configuration);
        app.Services.GetRequiredService<PortalPaths>().EnsureDataDirectory();
        await using var scope = app.Services.CreateAsyncScope();
        var registry = scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>();
        var telemetry = app.Services.GetRequiredService<ITelemetryStore>() as SqliteTelemetryStore;

        if (statusOnly)
        {
            var statuses = new List<MigrationStatus> { await registry.GetMigrationStatusAsync(CancellationToken.None) };
            if (telemetry is not null)
            {
                statuses.Add(await telemetry.GetMigrationStatusAsync(CancellationToken.None));
            }
            foreach (var status in statuses)
            {
                Console.WriteLine(Describe(status));
            }
            if (telemetry is null)
            {
                Console.WriteLine($"telemetry ({app.Services.GetRequiredService<ITelemetryStore>().Name}): no migrations; its tables are created or extended at start.");
            }
            // 0 when nothing is left to do, so a deploy script can check it.
            return statuses.All(s => s.UpToDate) ? 0 : 3;
        }

        var applied = await registry.MigrateAsync(CancellationToken.None, retryInterrupted: true);
        Console.WriteLine(applied.Count == 0 ? "registry: already up to date." : $"registry: applied {string.Join(", ", applied)}.");
        if (telemetry is not null)
        {
            var telemetryApplied = await telemetry.MigrateAsync(retryInterrupted: true, CancellationToken.None);
            Console.WriteLine(telemetryApplied.Count == 0 ? "telemetry: already up to date." : $"telemetry: applied {string.Join(", ", telemetryApplied)}.");
        }
        return 0;
    }

    internal static string Describe(MigrationStatus status)
    {
        var text = new System.Text.StringBuilder($"{status.Database}: {status.Applied.Count} applied");
        text.Append(status.Applied.Count > 0 ? $" (latest {status.Applied[^1]})" : "");
        text.Append(status.Pending.Count == 0 ? ", none pending" : $", {status.Pending.Count} pending: {string.Join(", ", status.Pending)}");
        if (status.Interrupted is { } interrupted)
        {
            text.Append($"; {interrupted.Migration} was started at {interrupted.StartedAt:u} and did not finish: check the database, then run 'AgentPortal.Dashboard migrate'");
        }
        return text.Append('.').ToString();
    }
}
