using System.Globalization;
using AgentPortal.Core.Monitoring;
using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>One series of an hourly chart: a value for every hour of the page's period.</summary>
public sealed record ChartLine(string Name, IReadOnlyList<double> Values);

/// <summary>
/// Turns hourly points into time-series chart data. Every chart of a page gets the same hours (the
/// page's period, hour by hour, with hours without activity as zeros), so their time axes line up.
/// </summary>
public static class HourlyChartModel
{
    public static IReadOnlyList<DateTime> Hours(IReadOnlyList<HourlyPoint> points) => [.. points.Select(p => p.Hour)];

    public static ChartLine Line(string name, IReadOnlyList<HourlyPoint> points, Func<HourlyPoint, double> value) =>
        new(name, [.. points.Select(value)]);

    /// <summary>
    /// The chart's data and options. MudBlazor's value axis steps in whole units (an int), so a series whose
    /// values are all below 1 (a cost per hour of $0.0004) is drawn scaled up by 1,000 per step and its
    /// axis labels and tooltips are divided back: in a .NET number format each comma just left of the
    /// decimal point divides by 1,000.
    /// </summary>
    public static (List<ChartSeries<double>> Series, TimeSeriesChartOptions Options) Build(IReadOnlyList<DateTime> hours, IReadOnlyList<ChartLine> lines,
        TimeSpan period, IReadOnlyList<string> palette, bool area, Func<double, string> formatValue)
    {
        foreach (var line in lines)
        {
            if (line.Values.Count != hours.Count)
            {
                throw new ArgumentException($"The series '{line.Name}' has {line.Values.Count} values for {hours.Count} hours.", nameof(lines));
            }
        }
        var (factor, commas) = Scale(lines);
        var series = lines.Select(line => new ChartSeries<double>
        {
            Name = line.Name,
            Data = hours.Select((hour, i) => (hour, line.Values[i] * factor)).ToArray(),
            TooltipYValueFormat = "#,0" + new string(',', commas) + ".######",
        }).ToList();
        var max = lines.SelectMany(l => l.Values).DefaultIfEmpty(0).Max() * factor;
        var options = new TimeSeriesChartOptions
        {
            ChartPalette = [.. palette],
            LineDisplayType = area ? LineDisplayType.Area : LineDisplayType.Line,
            TimeLabelFormat = period > TimeSpan.FromDays(1) ? "MM-dd" : "HH:00",
            TimeLabelSpacing = LabelSpacing(period),
            TimeLabelSpacingRounding = true,
            TooltipTimeLabelFormat = "yyyy-MM-dd HH:00 'UTC'",
            ShowDataMarkers = hours.Count <= 48,
            YAxisRequireZeroPoint = true,
            YAxisTicks = TickStep(max),
            YAxisToStringFunc = value => formatValue(value / factor),
            ShowLegend = true,
            ShowToolTips = true,
        };
        return (series, options);
    }

    /// <summary>The factor (a power of 1,000) that lifts the largest value to 1 or more, and its number of thousands.</summary>
    public static (double Factor, int Commas) Scale(IReadOnlyList<ChartLine> lines)
    {
        var max = lines.SelectMany(l => l.Values).DefaultIfEmpty(0).Max();
        var commas = 0;
        while (max > 0 && max * Math.Pow(1000, commas) < 1 && commas < 4)
        {
            commas++;
        }
        return (Math.Pow(1000, commas), commas);
    }

    /// <summary>A round step that gives about five ticks up to <paramref name="max"/>.</summary>
    public static int TickStep(double max) => (int)Math.Min(int.MaxValue, Display.RoundStep(max / 5));

    public static TimeSpan LabelSpacing(TimeSpan period) =>
        period <= TimeSpan.FromHours(2) ? TimeSpan.FromHours(1)
        : period <= TimeSpan.FromDays(1) ? TimeSpan.FromHours(3)
        : period <= TimeSpan.FromDays(7) ? TimeSpan.FromDays(1)
        : TimeSpan.FromDays(Math.Ceiling(period.TotalDays / 8));

    public static string Count(double value) => value.ToString("#,0.##", CultureInfo.InvariantCulture);

    public static string Milliseconds(double value) => value.ToString("#,0", CultureInfo.InvariantCulture) + " ms";

    public static string Dollars(double value) => "$" + value.ToString("0.####", CultureInfo.InvariantCulture);
}
