using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>How long telemetry is kept, and the embedded store's disk limits.</summary>
public sealed class RetentionOptions
{
    public const string SectionName = "Retention";

    /// <summary>Turns retention off on this replica (another replica, or nobody, deletes old data).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Spans and runs older than this many days are deleted.</summary>
    public int SpanDays { get; set; } = 30;

    /// <summary>Hourly rollups (the charts, costs and alert figures) older than this many days are deleted.</summary>
    public int RollupDays { get; set; } = 400;

    /// <summary>How often retention runs.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per table in one round; ingestion goes on between rounds.</summary>
    public int BatchSize { get; set; } = 5000;

    /// <summary>Embedded store only: the most its telemetry database may hold, in MiB (0: no cap). Above it, the oldest spans and runs go first.</summary>
    public long MaxTelemetryDatabaseMb { get; set; }

    /// <summary>Embedded store only: when the data folder's disk has less free space than this (MiB), the oldest spans and runs are deleted to make room (0: off).</summary>
    public long MinFreeDiskMb { get; set; } = 512;
}

public sealed class ValidateRetentionOptions : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.SpanDays is < 1 or > 3650)
        {
            problems.Add("Retention:SpanDays", $"{options.SpanDays} is out of range.", "1 to 3650 days", "30");
        }
        if (options.RollupDays is < 1 or > 3650)
        {
            problems.Add("Retention:RollupDays", $"{options.RollupDays} is out of range.", "1 to 3650 days", "400");
        }
        else if (options.RollupDays < options.SpanDays)
        {
            problems.Add("Retention:RollupDays", $"{options.RollupDays} is shorter than Retention:SpanDays ({options.SpanDays}): the charts would lose hours whose spans are still kept.",
                "at least Retention:SpanDays", "400");
        }
        if (options.Interval < TimeSpan.FromSeconds(10) || options.Interval > TimeSpan.FromDays(1))
        {
            problems.Add("Retention:Interval", $"{options.Interval} is out of range.", "00:00:10 to 1.00:00:00", "01:00:00");
        }
        if (options.BatchSize is < 100 or > 1_000_000)
        {
            problems.Add("Retention:BatchSize", $"{options.BatchSize} is out of range.", "100 to 1000000", "5000");
        }
        if (options.MaxTelemetryDatabaseMb < 0)
        {
            problems.Add("Retention:MaxTelemetryDatabaseMb", $"{options.MaxTelemetryDatabaseMb} is negative.", "0 (no cap) or a size in MiB", "0");
        }
        if (options.MinFreeDiskMb < 0)
        {
            problems.Add("Retention:MinFreeDiskMb", $"{options.MinFreeDiskMb} is negative.", "0 (off) or a size in MiB", "512");
        }
        return problems.ToResult();
    }
}
