using AgentPortal.Dashboard.Model;

namespace AgentPortal.Dashboard.Tests.Model;

public class PeriodTests
{
    private static readonly DateTime s_now = new(2026, 11, 22, 9, 30, 0, DateTimeKind.Utc);

    [Theory]
    [InlineData(null, 24)]
    [InlineData("1h", 1)]
    [InlineData("7d", 168)]
    [InlineData("bogus", 24)]
    public void Preset_EndsNow(string? key, int hours)
    {
        var period = Period.Resolve(key, "2020-01-01T00:00", "2020-01-02T00:00", s_now);

        Assert.Equal(s_now, period.To);
        Assert.Equal(TimeSpan.FromHours(hours), period.Length);
        Assert.False(period.IsCustom);
        Assert.Null(period.Problem);
        Assert.DoesNotContain("from=", period.QueryString);
    }

    [Fact]
    public void Custom_ReadsUtcTimes_AndRoundTripsThroughTheQuery()
    {
        var period = Period.Resolve("custom", "2026-11-20T08:00", "2026-11-21T08:30", s_now);

        Assert.True(period.IsCustom);
        Assert.Equal(new DateTime(2026, 11, 20, 8, 0, 0, DateTimeKind.Utc), period.From);
        Assert.Equal(DateTimeKind.Utc, period.From.Kind);
        Assert.Equal(TimeSpan.FromHours(24.5), period.Length);
        Assert.Equal("2026-11-20 08:00 – 2026-11-21 08:30 UTC", period.Label);
        Assert.Equal("period", period.CompareLabel);
        Assert.Equal("range=custom&from=2026-11-20T08%3A00&to=2026-11-21T08%3A30", period.QueryString);
    }

    [Theory]
    [InlineData("yesterday", "2026-11-21T08:00", "The start 'yesterday' is not a date")]
    [InlineData("2026-11-20T08:00", null, "The end '' is not a date")]
    [InlineData("2026-11-21T08:00", "2026-11-20T08:00", "The start must be earlier than the end.")]
    [InlineData("2024-01-01T00:00", "2026-11-20T08:00", "at most 366 days")]
    public void BadCustom_FallsBackToTheDefault_AndSaysWhy(string? from, string? to, string problem)
    {
        var period = Period.Resolve("custom", from, to, s_now);

        Assert.False(period.IsCustom);
        Assert.Equal(TimeSpan.FromHours(24), period.Length);
        Assert.Contains(problem, period.Problem);
        Assert.EndsWith("Showing the last 24 hours.", period.Problem);
    }
}
