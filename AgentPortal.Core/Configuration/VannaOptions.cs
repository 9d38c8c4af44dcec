using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>A database the text-to-SQL agent may read.</summary>
public sealed class VannaConnectionOptions
{
    /// <summary>Sqlite (a database file, opened read-only).</summary>
    public string Provider { get; set; } = "Sqlite";

    /// <summary>For Sqlite: <c>Data Source=/path/to/file.db</c>. Never shown.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>What the database holds, shown beside its name.</summary>
    public string? Description { get; set; }
}

/// <summary>Text to SQL (the Vanna agent): the databases it may read, and the limits of a query.</summary>
public sealed class VannaOptions
{
    public const string SectionName = "Vanna";

    /// <summary>The built-in connection: the portal's own telemetry store, when it is the embedded SQLite one.</summary>
    public const string TelemetryConnection = "portal-telemetry";

    public Dictionary<string, VannaConnectionOptions> Connections { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Most rows a query shows; the rest are not read.</summary>
    public int RowLimit { get; set; } = 100;

    public TimeSpan QueryTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class ValidateVannaOptions : IValidateOptions<VannaOptions>
{
    public ValidateOptionsResult Validate(string? name, VannaOptions options)
    {
        var problems = new ConfigurationProblems();
        foreach (var (id, connection) in options.Connections)
        {
            if (id.Length is 0 or > 64 || !id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') || id == VannaOptions.TelemetryConnection)
            {
                problems.Add($"Vanna:Connections:{id}", "is not a connection id of 1 to 64 lower-case letters, digits and dashes (and not the built-in portal-telemetry).", "e.g. sales-db", "Data Source=/data/sales.db");
            }
            if (!string.Equals(connection.Provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"Vanna:Connections:{id}:Provider", $"{ConfigurationProblems.Quote(connection.Provider)} is not supported.", "Sqlite", "Sqlite");
            }
            if (string.IsNullOrWhiteSpace(connection.ConnectionString))
            {
                problems.Add($"Vanna:Connections:{id}:ConnectionString", "is not set.", "a SQLite connection string", "Data Source=/data/sales.db");
            }
        }
        if (options.RowLimit is < 1 or > 10_000)
        {
            problems.Add("Vanna:RowLimit", $"{options.RowLimit} is out of range.", "1 to 10000", "100");
        }
        if (options.QueryTimeout < TimeSpan.FromSeconds(1) || options.QueryTimeout > TimeSpan.FromMinutes(10))
        {
            problems.Add("Vanna:QueryTimeout", $"{options.QueryTimeout} is out of range.", "00:00:01 to 00:10:00", "00:00:10");
        }
        return problems.ToResult();
    }
}
