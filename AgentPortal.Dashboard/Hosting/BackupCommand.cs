using AgentPortal.Core.Audit;
using AgentPortal.Core.Data;
using AgentPortal.Core.Data.Backup;

namespace AgentPortal.Dashboard.Hosting;

/// <summary>
/// <c>AgentPortal.Dashboard backup --out FILE</c> and <c>restore --in FILE</c>: a consistent snapshot of
/// the embedded stores, taken while the portal runs, and its restore into an empty data folder.
/// </summary>
public static class BackupCommand
{
    public const string Usage = """
        Usage:
          AgentPortal.Dashboard backup --out <file.zip>    a snapshot of portal.db, telemetry.db and the sign-in keys, safe while the portal runs
          AgentPortal.Dashboard restore --in <file.zip>    into an empty data folder; refuses a damaged file or one from a newer version
        Configuration (the data folder) is read as when the portal runs, e.g. --Storage:DataDirectory=/var/lib/agentportal.
        """;

    public static bool Matches(string[] args) => args.Length > 0 && args[0] is "backup" or "restore";

    public static async Task<int> RunAsync(string[] args)
    {
        var (_, options, _, configuration) = ApiKeyCommand.Parse(args);
        var restore = args[0] == "restore";
        if (!options.TryGetValue(restore ? "in" : "out", out var file))
        {
            await Console.Error.WriteLineAsync($"{args[0]} needs --{(restore ? "in" : "out")} <file>.\n{Usage}");
            return 2;
        }

        await using var app = CommandHost.Build(configuration);
        var paths = app.Services.GetRequiredService<PortalPaths>();
        try
        {
            if (restore)
            {
                var restored = await PortalBackup.RestoreAsync(file, paths, CancellationToken.None);
                Console.WriteLine($"Restored {restored.Files.Count} files from {file} (made {restored.CreatedAt:u}) into {paths.DataDirectory}.");
                Console.WriteLine("Start the portal on that data folder; its sign-in cookies and API keys work as before.");
            }
            else
            {
                var manifest = await PortalBackup.CreateAsync(paths, file, TimeProvider.System, CancellationToken.None);
                Console.WriteLine($"Backed up {string.Join(", ", manifest.Files.Select(f => f.Name).Where(n => n.EndsWith(".db", StringComparison.Ordinal)))} "
                    + $"and {manifest.Files.Count(f => f.Name.StartsWith("keys/", StringComparison.Ordinal))} sign-in keys to {file}.");
                foreach (var (database, schema) in manifest.Schemas)
                {
                    Console.WriteLine($"  {database}: schema {schema ?? "none"}");
                }
                // The Storage page shows the last backup from this event.
                await app.Services.GetRequiredService<AuditLog>().RecordAsync(AuditActor.Cli, AuditActions.BackupCreated, Path.GetFullPath(file),
                    $"{manifest.Files.Count} files, {manifest.Files.Sum(f => f.Bytes)} bytes; schemas {string.Join(", ", manifest.Schemas.Select(s => $"{s.Key} {s.Value ?? "none"}"))}");
            }
            return 0;
        }
        catch (BackupException ex)
        {
            await Console.Error.WriteLineAsync(ex.Message);
            return 1;
        }
    }
}
