using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using AgentPortal.Core.Telemetry.Sqlite;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Data.Backup;

/// <summary>One file in a backup, with the SHA-256 it must have when restored.</summary>
public sealed record BackupFile(string Name, long Bytes, string Sha256);

/// <summary>What a backup holds: when it was made, each database's last migration, and every file's checksum.</summary>
public sealed record BackupManifest(int Format, DateTimeOffset CreatedAt, string? PortalVersion, IReadOnlyDictionary<string, string?> Schemas, IReadOnlyList<BackupFile> Files)
{
    public const int CurrentFormat = 1;
    public const string EntryName = "manifest.json";
}

/// <summary>A backup that cannot be made or restored, with what to do about it.</summary>
public sealed class BackupException(string message) : Exception(message);

/// <summary>
/// Backs up and restores the embedded stores: a consistent snapshot of each SQLite database taken
/// with SQLite's online backup API while the portal runs, the data-protection keys (so sign-in
/// cookies stay valid), and a manifest with each database's schema version and every file's SHA-256,
/// all in one zip file.
/// </summary>
public static class PortalBackup
{
    private const string Registry = "portal.db";
    private const string Telemetry = "telemetry.db";
    private const string KeysFolder = "keys/";
    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static async Task<BackupManifest> CreateAsync(PortalPaths paths, string output, TimeProvider time, CancellationToken cancellationToken)
    {
        if (!File.Exists(paths.RegistryDatabase) && !File.Exists(paths.TelemetryDatabase))
        {
            throw new BackupException($"{paths.DataDirectory} holds no portal.db or telemetry.db: there is nothing to back up. With PostgreSQL or ClickHouse, use their own backup tools (pg_dump, clickhouse-backup).");
        }
        var staging = Path.Combine(Path.GetTempPath(), "agentportal-backup-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var files = new List<BackupFile>();
            var schemas = new Dictionary<string, string?>();
            foreach (var (name, source) in new[] { (Registry, paths.RegistryDatabase), (Telemetry, paths.TelemetryDatabase) })
            {
                if (!File.Exists(source))
                {
                    continue;
                }
                var copy = Path.Combine(staging, name);
                await using (var from = new SqliteConnection($"Data Source={source};Mode=ReadOnly"))
                await using (var to = new SqliteConnection($"Data Source={copy};Pooling=False"))
                {
                    await from.OpenAsync(cancellationToken);
                    await to.OpenAsync(cancellationToken);
                    // The online backup copies a consistent snapshot even while the portal writes.
                    from.BackupDatabase(to);
                }
                schemas[name] = await LastMigrationAsync(copy, cancellationToken);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
            await using (var stream = File.Create(output))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                foreach (var file in Directory.EnumerateFiles(staging))
                {
                    files.Add(await AddAsync(zip, Path.GetFileName(file), file, cancellationToken));
                }
                if (Directory.Exists(paths.DataProtectionKeys))
                {
                    foreach (var key in Directory.EnumerateFiles(paths.DataProtectionKeys, "*.xml"))
                    {
                        files.Add(await AddAsync(zip, KeysFolder + Path.GetFileName(key), key, cancellationToken));
                    }
                }
                var manifest = new BackupManifest(BackupManifest.CurrentFormat, time.GetUtcNow(), typeof(PortalBackup).Assembly.GetName().Version?.ToString(), schemas, files);
                var entry = zip.CreateEntry(BackupManifest.EntryName);
                await using var writer = await entry.OpenAsync(cancellationToken);
                await JsonSerializer.SerializeAsync(writer, manifest, s_json, cancellationToken);
                return manifest;
            }
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(staging, recursive: true);
        }
    }

    /// <summary>Restores a backup into an empty data folder after checking its checksums and that this build knows its schemas.</summary>
    public static async Task<BackupManifest> RestoreAsync(string input, PortalPaths paths, CancellationToken cancellationToken)
    {
        if (!File.Exists(input))
        {
            throw new BackupException($"{input} does not exist.");
        }
        if (File.Exists(paths.RegistryDatabase) || File.Exists(paths.TelemetryDatabase))
        {
            throw new BackupException($"{paths.DataDirectory} already holds a portal database. Restore into an empty data folder (set Storage:DataDirectory to a new folder), so nothing is overwritten.");
        }
        using var zip = await OpenAsync(input, cancellationToken);
        var manifestEntry = zip.GetEntry(BackupManifest.EntryName) ?? throw new BackupException($"{input} has no {BackupManifest.EntryName}: it is not an AgentPortal backup.");
        BackupManifest manifest;
        await using (var reader = await manifestEntry.OpenAsync(cancellationToken))
        {
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(reader, s_json, cancellationToken)
                ?? throw new BackupException($"{input} has an empty manifest.");
        }
        if (manifest.Format > BackupManifest.CurrentFormat)
        {
            throw new BackupException($"{input} was made by a newer AgentPortal (backup format {manifest.Format}); restore it with that version or a later one.");
        }
        var known = new Dictionary<string, IReadOnlyList<string>> { [Registry] = KnownMigrations(registry: true), [Telemetry] = KnownMigrations(registry: false) };
        foreach (var (database, migration) in manifest.Schemas)
        {
            if (migration is not null && known.TryGetValue(database, out var migrations) && !migrations.Contains(migration))
            {
                throw new BackupException($"{input} holds {database} at schema {migration}, which this AgentPortal does not know: it was made by a newer version. Restore it with that version or a later one.");
            }
        }
        foreach (var file in manifest.Files)
        {
            var entry = zip.GetEntry(file.Name) ?? throw new BackupException($"{input} lacks {file.Name}, which its manifest lists: the file is damaged.");
            await using var stream = await entry.OpenAsync(cancellationToken);
            if (await Sha256Async(stream, cancellationToken) != file.Sha256)
            {
                throw new BackupException($"{file.Name} in {input} does not match its checksum: the file is damaged or was changed. Nothing was restored.");
            }
        }

        Directory.CreateDirectory(paths.DataDirectory);
        foreach (var file in manifest.Files)
        {
            var target = Path.GetFullPath(Path.Combine(paths.DataDirectory, file.Name));
            if (!target.StartsWith(Path.GetFullPath(paths.DataDirectory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new BackupException($"{file.Name} in {input} points outside the data folder; nothing more was restored.");
            }
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            await using var from = await zip.GetEntry(file.Name)!.OpenAsync(cancellationToken);
            await using var to = File.Create(target);
            await from.CopyToAsync(to, cancellationToken);
        }
        return manifest;
    }

    /// <summary>The migrations this build has, oldest first: a backup whose last migration is not among them is from a newer version.</summary>
    public static IReadOnlyList<string> KnownMigrations(bool registry)
    {
        if (registry)
        {
            using var portal = new SqlitePortalDbContext(new DbContextOptionsBuilder<SqlitePortalDbContext>().UseSqlite("Data Source=:memory:").Options);
            return [.. portal.Database.GetMigrations()];
        }
        using var telemetry = new TelemetryDbContext(new DbContextOptionsBuilder<TelemetryDbContext>().UseSqlite("Data Source=:memory:").Options);
        return [.. telemetry.Database.GetMigrations()];
    }

    private static async Task<ZipArchive> OpenAsync(string input, CancellationToken cancellationToken)
    {
        try
        {
            return await ZipArchive.CreateAsync(File.OpenRead(input), ZipArchiveMode.Read, leaveOpen: false, entryNameEncoding: null, cancellationToken);
        }
        catch (InvalidDataException)
        {
            throw new BackupException($"{input} is not a zip file: it is not an AgentPortal backup, or it is damaged.");
        }
    }

    private static async Task<string?> LastMigrationAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT MigrationId FROM __EFMigrationsHistory ORDER BY MigrationId DESC LIMIT 1";
        try
        {
            return await command.ExecuteScalarAsync(cancellationToken) as string;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    private static async Task<BackupFile> AddAsync(ZipArchive zip, string name, string path, CancellationToken cancellationToken)
    {
        string hash;
        await using (var read = File.OpenRead(path))
        {
            hash = await Sha256Async(read, cancellationToken);
        }
        var entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        await using (var to = await entry.OpenAsync(cancellationToken))
        await using (var from = File.OpenRead(path))
        {
            await from.CopyToAsync(to, cancellationToken);
        }
        return new BackupFile(name, new FileInfo(path).Length, hash);
    }

    private static async Task<string> Sha256Async(Stream stream, CancellationToken cancellationToken) =>
        Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
}
