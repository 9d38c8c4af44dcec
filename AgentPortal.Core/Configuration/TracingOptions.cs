using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Configuration;

/// <summary>Agent runs and the telemetry write path.</summary>
public sealed class TracingOptions
{
    public const string SectionName = "Tracing";

    /// <summary>A run not ended within this time is closed as an error ("timed out").</summary>
    public TimeSpan RunTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often the run timeout job looks for runs to close.</summary>
    public TimeSpan RunTimeoutCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Writes waiting to be committed; beyond this callers get 429.</summary>
    public int WriteQueueCapacity { get; set; } = 20_000;

    /// <summary>Most writes committed together.</summary>
    public int MaxBatchSize { get; set; } = 2_000;
}

public sealed class ValidateTracingOptions : IValidateOptions<TracingOptions>
{
    public ValidateOptionsResult Validate(string? name, TracingOptions options)
    {
        var problems = new ConfigurationProblems();
        if (options.RunTimeout <= TimeSpan.Zero)
        {
            problems.Add("Tracing:RunTimeout", "must be longer than zero.", "a time span (hh:mm:ss)", "01:00:00");
        }
        if (options.RunTimeoutCheckInterval <= TimeSpan.Zero)
        {
            problems.Add("Tracing:RunTimeoutCheckInterval", "must be longer than zero.", "a time span (hh:mm:ss)", "00:01:00");
        }
        if (options.WriteQueueCapacity is < 1 or > 10_000_000)
        {
            problems.Add("Tracing:WriteQueueCapacity", $"{options.WriteQueueCapacity} is out of range.", "1 to 10000000", "20000");
        }
        if (options.MaxBatchSize is < 1 or > 100_000)
        {
            problems.Add("Tracing:MaxBatchSize", $"{options.MaxBatchSize} is out of range.", "1 to 100000", "2000");
        }
        return problems.ToResult();
    }
}
