namespace AgentPortal.Dashboard.Components;

/// <summary>The periods the monitoring pages offer; the key is what the URL carries (?range=24h).</summary>
public sealed record TimeRange(string Key, string Label, TimeSpan Length)
{
    public static IReadOnlyList<TimeRange> All { get; } =
    [
        new("1h", "1 hour", TimeSpan.FromHours(1)),
        new("24h", "24 hours", TimeSpan.FromHours(24)),
        new("7d", "7 days", TimeSpan.FromDays(7)),
        new("30d", "30 days", TimeSpan.FromDays(30)),
    ];

    public static TimeRange Default => All[1];

    public static TimeRange Parse(string? key) => All.FirstOrDefault(r => r.Key == key) ?? Default;
}
