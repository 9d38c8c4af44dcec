namespace AgentPortal.Core.Pricing;

/// <summary>
/// List prices in USD per million tokens that ship with the portal so costs show from the first
/// span. They are a starting point: replace them with your contract prices in the price table.
/// </summary>
public static class PriceDefaults
{
    public static readonly DateTime EffectiveFrom = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public static IReadOnlyList<(string Model, decimal Input, decimal Output, decimal? CachedInput)> All { get; } =
    [
        ("gpt-4o", 2.50m, 10.00m, 1.25m),
        ("gpt-4o-mini", 0.15m, 0.60m, 0.075m),
        ("gpt-4.1", 2.00m, 8.00m, 0.50m),
        ("gpt-4.1-mini", 0.40m, 1.60m, 0.10m),
        ("gpt-4.1-nano", 0.10m, 0.40m, 0.025m),
        ("o3-mini", 1.10m, 4.40m, 0.55m),
        ("claude-3-5-sonnet", 3.00m, 15.00m, 0.30m),
        ("claude-3-5-haiku", 0.80m, 4.00m, 0.08m),
        ("text-embedding-3-small", 0.02m, 0m, null),
        ("text-embedding-3-large", 0.13m, 0m, null),
    ];
}
