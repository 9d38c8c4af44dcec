namespace AgentPortal.Core.Pricing;

/// <summary>
/// What a model costs per million tokens from a date on. Prices are kept with their history so a
/// change re-prices usage from its effective date, and usage before it keeps the older price.
/// </summary>
public sealed class ModelPrice
{
    public required string Id { get; init; }

    public required string Model { get; init; }

    public decimal InputPerMillion { get; init; }

    public decimal OutputPerMillion { get; init; }

    /// <summary>Price of cached (cache-read) input tokens; when null they cost as much as other input.</summary>
    public decimal? CachedInputPerMillion { get; init; }

    public DateTime EffectiveFrom { get; init; }

    public DateTime CreatedAt { get; init; }

    /// <summary>The price in one line, for the audit log: "input 0.15, output 0.6, cached 0.075 USD/1M from 2026-01-01".</summary>
    public string Describe() => FormattableString.Invariant(
        $"input {InputPerMillion}, output {OutputPerMillion}{(CachedInputPerMillion is { } c ? FormattableString.Invariant($", cached {c}") : "")} USD/1M from {EffectiveFrom:yyyy-MM-dd HH:mm}");
}

/// <summary>Token usage of one model in one hour, as the cost calculation needs it.</summary>
public sealed record ModelUsage(DateTime Hour, string Model, long LlmCalls, long InputTokens, long OutputTokens, long CachedInputTokens, double ReportedCost)
{
    /// <summary>One span's usage, in the hour it started, as the stores' hourly and per-run usage count it.</summary>
    public static ModelUsage Of(Telemetry.SpanRecord span) => new(DateTime.UnixEpoch.AddSeconds(Telemetry.RunSpans.HourOf(span.StartTimeUnixNano)), span.Model ?? "", 1,
        span.InputTokens ?? 0, span.OutputTokens ?? 0, span.CachedInputTokens ?? 0, span.ReportedCost ?? 0);
}

public sealed record CostBreakdown(decimal? Cost, IReadOnlyList<string> UnpricedModels, double? ReportedCost);
