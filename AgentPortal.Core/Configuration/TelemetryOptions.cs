using AgentPortal.Core.Telemetry.ClickHouse;
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

    /// <summary>
    /// Native: the portal's own tables, which it writes. Collector: read-only over the table the
    /// OpenTelemetry Collector's ClickHouse exporter writes (<see cref="TracesTable"/>); the portal
    /// stores nothing itself and spans go to the Collector.
    /// </summary>
    public string Mode { get; set; } = NativeMode;

    /// <summary>The Collector's traces table, in <see cref="Database"/>, for Collector mode.</summary>
    public string TracesTable { get; set; } = "otel_traces";

    public const string NativeMode = "Native";
    public const string CollectorMode = "Collector";

    public bool IsCollectorMode => string.Equals(Mode, CollectorMode, StringComparison.OrdinalIgnoreCase);
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
            if (!ClickHouseSql.IsIdentifier(options.ClickHouse.Database))
            {
                problems.Add("Telemetry:ClickHouse:Database", $"{ConfigurationProblems.Quote(options.ClickHouse.Database)} is not a database name.",
                    "letters, digits and underscores, starting with a letter", "agentportal");
            }
            if (!string.Equals(options.ClickHouse.Mode, ClickHouseOptions.NativeMode, StringComparison.OrdinalIgnoreCase) && !options.ClickHouse.IsCollectorMode)
            {
                problems.Add("Telemetry:ClickHouse:Mode", $"{ConfigurationProblems.Quote(options.ClickHouse.Mode)} is not a ClickHouse mode.",
                    "Native (the portal's own tables) or Collector (read the OpenTelemetry Collector's traces table)", "Native");
            }
            if (!ClickHouseSql.IsIdentifier(options.ClickHouse.TracesTable))
            {
                problems.Add("Telemetry:ClickHouse:TracesTable", $"{ConfigurationProblems.Quote(options.ClickHouse.TracesTable)} is not a table name.",
                    "letters, digits and underscores, starting with a letter", "otel_traces");
            }
            if (string.IsNullOrWhiteSpace(options.ClickHouse.User))
            {
                problems.Add("Telemetry:ClickHouse:User", "must name a ClickHouse user.", "a ClickHouse user name", "default");
            }
        }

        return problems.ToResult();
    }
}
