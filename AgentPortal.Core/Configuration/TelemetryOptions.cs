using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

public enum TelemetryProvider
{
    Sqlite,
    ClickHouse,
}

/// <summary>Where spans, traces and their hourly rollups are kept.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Telemetry";

    /// <summary><c>Sqlite</c> (default, in the data folder) or <c>ClickHouse</c>.</summary>
    public string Provider { get; set; } = nameof(TelemetryProvider.Sqlite);

    public ClickHouseOptions ClickHouse { get; set; } = new();

    public TelemetryProvider ProviderKind => Enum.Parse<TelemetryProvider>(Provider, ignoreCase: true);
}

public sealed class ClickHouseOptions
{
    /// <summary>Base URL of ClickHouse's HTTP interface.</summary>
    public string? Url { get; set; }

    public string Database { get; set; } = "agentportal";

    public string User { get; set; } = "default";

    public string? Password { get; set; }
}

public sealed class ValidateTelemetryOptions : IValidateOptions<TelemetryOptions>
{
    internal static readonly TelemetryProvider[] s_available = [TelemetryProvider.Sqlite, TelemetryProvider.ClickHouse];

    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        var problems = new ConfigurationProblems();
        const string allowed = "Sqlite, ClickHouse";

        if (!Enum.TryParse<TelemetryProvider>(options.Provider, ignoreCase: true, out var provider) || !Enum.IsDefined(provider))
        {
            problems.Add("Telemetry:Provider", $"{ConfigurationProblems.Quote(options.Provider)} is not a telemetry provider.", allowed, "Sqlite");
            return problems.ToResult();
        }

        if (!s_available.Contains(provider))
        {
            problems.Add("Telemetry:Provider", $"'{provider}' is not available yet in this version of AgentPortal; use Sqlite for now.", allowed, "Sqlite");
        }
        else if (provider == TelemetryProvider.ClickHouse)
        {
            if (!Uri.TryCreate(options.ClickHouse.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add("Telemetry:ClickHouse:Url", $"{ConfigurationProblems.Quote(options.ClickHouse.Url)} is not an http(s) URL; it is required when Telemetry:Provider is ClickHouse.",
                    "the http(s) URL of ClickHouse's HTTP interface", "http://clickhouse:8123");
            }
            if (string.IsNullOrWhiteSpace(options.ClickHouse.Database) || !options.ClickHouse.Database.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                problems.Add("Telemetry:ClickHouse:Database", $"{ConfigurationProblems.Quote(options.ClickHouse.Database)} is not a database name.",
                    "letters, digits and underscores", "agentportal");
            }
            if (string.IsNullOrWhiteSpace(options.ClickHouse.User))
            {
                problems.Add("Telemetry:ClickHouse:User", "must name a ClickHouse user.", "a ClickHouse user name", "default");
            }
        }

        return problems.ToResult();
    }
}
