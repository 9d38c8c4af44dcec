using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

public enum StorageProvider
{
    Sqlite,
    Postgres,
    MySql,
}

/// <summary>Where the registry, users, API keys and alert rules are kept.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary><c>Sqlite</c> (default, no setup), <c>Postgres</c> or <c>MySql</c> (MySQL 8+ or MariaDB 10.11+).</summary>
    public string Provider { get; set; } = nameof(StorageProvider.Sqlite);

    /// <summary>Folder for the embedded databases; relative paths are resolved against the working directory.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>PostgreSQL or MySQL/MariaDB connection string, required when <see cref="Provider"/> is Postgres or MySql.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// How long start-up waits on a migration another replica has begun before it counts as cut off
    /// part-way, and the portal refuses to start (see docs/OPERATIONS.md).
    /// </summary>
    public TimeSpan MigrationWait { get; set; } = TimeSpan.FromMinutes(1);

    public StorageProvider ProviderKind => Enum.Parse<StorageProvider>(Provider, ignoreCase: true);

    public string ResolveDataDirectory(string baseDirectory) =>
        Path.GetFullPath(Path.IsPathRooted(DataDirectory) ? DataDirectory : Path.Combine(baseDirectory, DataDirectory));
}

public sealed class ValidateStorageOptions : IValidateOptions<StorageOptions>
{
    /// <summary>Providers whose adapters exist in this build.</summary>
    internal static readonly StorageProvider[] s_available = [StorageProvider.Sqlite, StorageProvider.Postgres, StorageProvider.MySql];

    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var problems = new ConfigurationProblems();
        const string allowed = "Sqlite, Postgres, MySql";

        if (!Enum.TryParse<StorageProvider>(options.Provider, ignoreCase: true, out var provider) || !Enum.IsDefined(provider))
        {
            problems.Add("Storage:Provider", $"{ConfigurationProblems.Quote(options.Provider)} is not a storage provider.", allowed, "Sqlite");
        }
        else if (!s_available.Contains(provider))
        {
            problems.Add("Storage:Provider", $"'{provider}' is not available yet in this version of AgentPortal; use Sqlite for now.", allowed, "Sqlite");
        }
        else if (provider == StorageProvider.Postgres && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add("Storage:ConnectionString", "is required when Storage:Provider is Postgres.", "an Npgsql connection string",
                "\"Host=db;Database=agentportal;Username=agentportal;Password=...\"");
        }
        else if (provider == StorageProvider.MySql && string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            problems.Add("Storage:ConnectionString", "is required when Storage:Provider is MySql.", "a MySQL connection string",
                "\"Server=db;Database=agentportal;User=agentportal;Password=...\"");
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            problems.Add("Storage:DataDirectory", "must name a folder.", "a relative or absolute folder path", "data");
        }
        else if (options.DataDirectory.IndexOfAny(Path.GetInvalidPathChars()) >= 0)
        {
            problems.Add("Storage:DataDirectory", "contains characters that cannot be in a path.", "a relative or absolute folder path", "/var/lib/agentportal");
        }

        if (options.MigrationWait < TimeSpan.Zero || options.MigrationWait > TimeSpan.FromHours(1))
        {
            problems.Add("Storage:MigrationWait", $"{options.MigrationWait} is out of range.", "00:00:00 to 01:00:00", "00:01:00");
        }

        return problems.ToResult();
    }
}
