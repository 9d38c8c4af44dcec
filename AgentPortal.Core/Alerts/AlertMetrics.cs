using System.Globalization;

namespace AgentPortal.Core.Alerts;

/// <summary>Units and wording of each <see cref="AlertMetric"/>, in one place for the pages, the notifications and the API.</summary>
public static class AlertMetrics
{
    public static string Label(AlertMetric metric) => metric switch
    {
        AlertMetric.RunErrorRate => "Run error rate",
        AlertMetric.LlmErrorRate => "LLM-call error rate",
        AlertMetric.P95Latency => "p95 run latency",
        AlertMetric.CostPerDay => "Cost per day",
        AlertMetric.TokenUsage => "Token use",
        AlertMetric.Silence => "No runs",
        _ => metric.ToString(),
    };

    private static string Phrase(AlertMetric metric) => metric == AlertMetric.LlmErrorRate ? "LLM-call error rate" : Label(metric).ToLowerInvariant();

    public static string Unit(AlertMetric metric) => metric switch
    {
        AlertMetric.RunErrorRate or AlertMetric.LlmErrorRate => "%",
        AlertMetric.P95Latency => "ms",
        AlertMetric.CostPerDay => "USD",
        AlertMetric.TokenUsage => "tokens",
        AlertMetric.Silence => "min",
        _ => "",
    };

    /// <summary>Whether <see cref="AlertRule.MinSamples"/> applies: rates and percentiles need enough data to mean something.</summary>
    public static bool UsesSamples(AlertMetric metric) => metric is AlertMetric.RunErrorRate or AlertMetric.LlmErrorRate or AlertMetric.P95Latency;

    /// <summary>Whether <see cref="AlertRule.WindowHours"/> applies.</summary>
    public static bool UsesWindow(AlertMetric metric) => metric is not (AlertMetric.CostPerDay or AlertMetric.Silence);

    public static string Format(AlertMetric metric, double value) => metric switch
    {
        AlertMetric.RunErrorRate or AlertMetric.LlmErrorRate => value.ToString("0.#", CultureInfo.InvariantCulture) + " %",
        AlertMetric.P95Latency => value.ToString("0", CultureInfo.InvariantCulture) + " ms",
        AlertMetric.CostPerDay => "$" + value.ToString("0.00", CultureInfo.InvariantCulture),
        AlertMetric.TokenUsage => value.ToString("#,0", CultureInfo.InvariantCulture) + " tokens",
        AlertMetric.Silence => value.ToString("0", CultureInfo.InvariantCulture) + " min",
        _ => value.ToString(CultureInfo.InvariantCulture),
    };

    public static string Describe(AlertRule rule)
    {
        var threshold = Format(rule.Metric, rule.Threshold);
        return rule.Metric switch
        {
            AlertMetric.Silence => $"no run started for more than {threshold}",
            AlertMetric.CostPerDay => $"cost of the last 24 h above {threshold}",
            _ => $"{Phrase(rule.Metric)} above {threshold} over {rule.WindowHours} h"
                + (UsesSamples(rule.Metric) ? $" (at least {rule.MinSamples} {(rule.Metric == AlertMetric.LlmErrorRate ? "LLM calls" : "runs")})" : ""),
        };
    }
}
