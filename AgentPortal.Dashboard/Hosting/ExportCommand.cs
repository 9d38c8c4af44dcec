using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Data.Export;
using AgentPortal.Core.Telemetry;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// <c>AgentPortal.Dashboard export --out FILE</c> and <c>import --in FILE</c>: everything the portal keeps,
/// in a file no provider owns, to move from the embedded stores to PostgreSQL (or MySQL) and ClickHouse, or back.
/// </summary>
public static class ExportCommand
{
    public const string Usage = """
        Usage:
          AgentPortal.Dashboard export --out <file.jsonl.gz>   agents, keys, users, prices, alert rules, audit log, runs, spans and rollups of the configured stores
          AgentPortal.Dashboard import --in <file.jsonl.gz>    into the configured stores, which must be empty (import before the portal's first start there)
        The stores are the ones configured, as when the portal runs; to move, export with the old settings and import with the new, e.g.
          AgentPortal.Dashboard import --in all.jsonl.gz --Storage:Provider=Postgres --Storage:ConnectionString="Host=db;..." --Telemetry:Provider=ClickHouse --Telemetry:ClickHouse:Url=http://clickhouse:8123
        The file holds password and key hashes and webhook secrets: keep it as safe as a backup.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] is "export" or "import";

    public static async Task<int> RunAsync(string[] args)
    {
        var (_, options, positional, configuration) = ApiKeyCommand.Parse(args);
        var import = args[0] == "import";
        if (!options.TryGetValue(import ? "in" : "out", out var file) || positional.Count > 0 || options.Count > 1)
        {
            await Console.Error.WriteLineAsync($"{args[0]} needs --{(import ? "in" : "out")} <file> and nothing else.\n{Usage}");
            return 2;
        }

        await using var app = CommandHost.Build(configuration);
        app.Services.GetRequiredService<PortalPaths>().EnsureDataDirectory();
        var telemetry = app.Services.GetRequiredService<ITelemetryStore>();
        try
        {
            await using var scope = app.Services.CreateAsyncScope();
            await scope.ServiceProvider.GetRequiredService<PortalDatabaseInitializer>().MigrateAsync(CancellationToken.None);
            await telemetry.InitializeAsync(CancellationToken.None);
            await using var db = await app.Services.GetRequiredService<IDbContextFactory<PortalDbContext>>().CreateDbContextAsync();
            if (import)
            {
                if (!File.Exists(file))
                {
                    await Console.Error.WriteLineAsync($"{file} does not exist.");
                    return 1;
                }
                await using var input = File.OpenRead(file);
                var summary = await PortalExport.ImportAsync(db, telemetry, input, CancellationToken.None);
                Console.WriteLine($"Imported {summary.Total} records from {file} (exported {summary.CreatedAt:u}) into the registry ({app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<StorageOptions>>().Value.Provider}) and {telemetry.Name}:");
                Print(summary);
            }
            else
            {
                // Only the owner may read it: it holds password and key hashes and webhook secrets.
                var output = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    output.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                ExportSummary summary;
                await using (var stream = new FileStream(file, output))
                {
                    summary = await PortalExport.ExportAsync(db, telemetry, stream, TimeProvider.System, CancellationToken.None);
                }
                Console.WriteLine($"Exported {summary.Total} records to {file}:");
                Print(summary);
            }
            return 0;
        }
        catch (IOException ex) when (!import && File.Exists(file))
        {
            await Console.Error.WriteLineAsync($"{file} already exists: choose a new file name, so an earlier export is never overwritten. ({ex.Message})");
            return 1;
        }
        catch (Exception ex) when (ex is ExportException or HalfAppliedMigrationException or ReadOnlyTelemetryStoreException)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }

    private static void Print(ExportSummary summary)
    {
        foreach (var (name, count) in summary.Entities.Where(e => e.Value > 0).Concat(summary.Tables))
        {
            Console.WriteLine($"  {name}: {count}");
        }
    }
}
