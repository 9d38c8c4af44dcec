using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Model;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AgentPortal.Dashboard.Tests.Model;

public class LoadableTests
{
    private readonly Loadable<string> _value = new(NullLogger.Instance, "a test value");

    [Fact]
    public void StartsLoading()
    {
        Assert.Equal(LoadState.Loading, _value.State);
        Assert.Null(_value.Value);
    }

    [Fact]
    public async Task Load_ThatThrows_IsFailedWithTheMessage_AndARetryThatWorksIsLoaded()
    {
        await _value.LoadAsync(_ => throw new InvalidOperationException("database is locked"));
        Assert.Equal(LoadState.Failed, _value.State);
        Assert.Equal("database is locked", _value.Error);

        await _value.LoadAsync(_ => Task.FromResult<string?>("figures"));
        Assert.Equal(LoadState.Loaded, _value.State);
        Assert.Null(_value.Error);
        Assert.Equal("figures", _value.Value);
    }

    [Fact]
    public async Task QuietReload_KeepsTheValueOnScreenWhileLoading()
    {
        await _value.LoadAsync(_ => Task.FromResult<string?>("old"));
        var gate = new TaskCompletionSource<string?>();

        var reload = _value.LoadAsync(_ => gate.Task, quiet: true);
        Assert.Equal(LoadState.Loaded, _value.State);
        Assert.Equal("old", _value.Value);

        gate.SetResult("new");
        await reload;
        Assert.Equal("new", _value.Value);
    }

    [Fact]
    public async Task LoudReload_ShowsLoading()
    {
        await _value.LoadAsync(_ => Task.FromResult<string?>("old"));
        var gate = new TaskCompletionSource<string?>();

        var reload = _value.LoadAsync(_ => gate.Task);

        Assert.Equal(LoadState.Loading, _value.State);
        Assert.Null(_value.Value);
        gate.SetResult("new");
        await reload;
    }
}

public class TimeRangeModelTests
{
    private static readonly DateTime s_now = new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ChoosingAPreset_GivesItsQuery_AndClearsACustomPeriod()
    {
        var model = new TimeRangeModel();
        model.Show(Period.Resolve("24h", null, null, s_now));

        var query = model.Choose("7d");

        Assert.Equal(new Dictionary<string, object?> { ["range"] = "7d", ["from"] = null, ["to"] = null }, query);
    }

    [Fact]
    public void ChoosingCustom_OpensTheInputsOnThePeriodShown_AndChangesNothingUntilApply()
    {
        var model = new TimeRangeModel();
        model.Show(Period.Resolve("24h", null, null, s_now));

        Assert.Null(model.Choose(TimeRange.CustomKey));

        Assert.True(model.IsCustomShown);
        Assert.Equal("2026-11-19T12:00", model.FromText);
        Assert.Equal("2026-11-20T12:00", model.ToText);
        Assert.Null(model.CustomProblem);
        Assert.Equal(new Dictionary<string, object?> { ["range"] = "custom", ["from"] = "2026-11-19T12:00", ["to"] = "2026-11-20T12:00" }, model.Apply());
    }

    [Theory]
    [InlineData("", "2026-11-20T12:00", UiText.Period.BothNeeded)]
    [InlineData("2026-11-20T12:00", "yesterday", UiText.Period.BothNeeded)]
    [InlineData("2026-11-20T12:00", "2026-11-20T11:00", UiText.Period.StartBeforeEnd)]
    [InlineData("2024-01-01T00:00", "2026-11-20T11:00", UiText.Period.TooLong)]
    public void ABadCustomPeriod_SaysWhy_AndCannotBeApplied(string from, string to, string problem)
    {
        var model = new TimeRangeModel();
        model.Choose(TimeRange.CustomKey);
        model.FromText = from;
        model.ToText = to;

        Assert.Equal(problem, model.CustomProblem);
        Assert.Null(model.Apply());
    }

    [Fact]
    public void ALiveRefreshOfTheSamePeriod_KeepsWhatIsBeingTyped()
    {
        var model = new TimeRangeModel();
        model.Show(Period.Resolve("24h", null, null, s_now));
        model.Choose(TimeRange.CustomKey);
        model.FromText = "2026-11-01T00:00";

        model.Show(Period.Resolve("24h", null, null, s_now.AddSeconds(5)));

        Assert.True(model.IsCustomShown);
        Assert.Equal("2026-11-01T00:00", model.FromText);
    }
}

public class HourlyChartModelTests
{
    private static readonly DateTime[] s_hours = [new(2026, 11, 20, 10, 0, 0, DateTimeKind.Utc), new(2026, 11, 20, 11, 0, 0, DateTimeKind.Utc), new(2026, 11, 20, 12, 0, 0, DateTimeKind.Utc)];

    [Fact]
    public void Series_PairEachHourWithItsValue_OnTheSameHoursForEveryLine()
    {
        var (series, options) = HourlyChartModel.Build(s_hours, [new ChartLine("Runs", [3, 0, 7]), new ChartLine("Errors", [1, 0, 0])],
            TimeSpan.FromHours(3), PortalTheme.ChartColours, area: true, HourlyChartModel.Count);

        Assert.Equal(["Runs", "Errors"], series.Select(s => s.Name));
        Assert.Equal(3, series[0].Data.Count);
        Assert.Equal("HH:00", options.TimeLabelFormat);
        Assert.Equal(MudBlazor.LineDisplayType.Area, options.LineDisplayType);
        Assert.Equal(2, options.YAxisTicks);
        Assert.Equal("7", options.YAxisToStringFunc!(7));
    }

    [Fact]
    public void ALineWithTheWrongNumberOfValues_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => HourlyChartModel.Build(s_hours, [new ChartLine("Runs", [1])],
            TimeSpan.FromHours(3), PortalTheme.ChartColours, area: false, HourlyChartModel.Count));

        Assert.Contains("'Runs' has 1 values for 3 hours", error.Message);
    }

    [Fact]
    public void CostsBelowACent_AreDrawnScaledUp_AndLabelledInDollars()
    {
        var (series, options) = HourlyChartModel.Build(s_hours, [new ChartLine("Cost", [0.00011, 0, 0.00004])],
            TimeSpan.FromHours(3), PortalTheme.ChartColours, area: true, HourlyChartModel.Dollars);

        Assert.Equal((1_000_000d, 2), HourlyChartModel.Scale([new ChartLine("Cost", [0.00011])]));
        Assert.Equal(110, series[0].Data[0].Y, precision: 6);
        Assert.Equal("$0.0001", options.YAxisToStringFunc!(100));
        Assert.Equal("0.00011", 110d.ToString(series[0].TooltipYValueFormat, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(4, 1)]
    [InlineData(22, 5)]
    [InlineData(99, 20)]
    [InlineData(54_000, 20_000)]
    public void TickStep_IsRound_AndGivesAboutFiveTicks(double max, int step) => Assert.Equal(step, HourlyChartModel.TickStep(max));

    [Theory]
    [InlineData(1, "HH:00")]
    [InlineData(24, "HH:00")]
    [InlineData(24 * 7, "MM-dd")]
    [InlineData(24 * 30, "MM-dd")]
    public void LongPeriods_AreLabelledByDate(int hours, string format)
    {
        var (_, options) = HourlyChartModel.Build([], [], TimeSpan.FromHours(hours), PortalTheme.ChartColours, area: false, HourlyChartModel.Count);

        Assert.Equal(format, options.TimeLabelFormat);
    }
}

public class LiveUpdatesModelTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));
    private int _refreshes;

    private LiveUpdatesModel NewModel() =>
        new(_clock, work => work(), () => { Interlocked.Increment(ref _refreshes); return Task.CompletedTask; }, NullLogger.Instance) { Interval = TimeSpan.FromSeconds(5) };

    [Fact]
    public void ACommit_RefreshesAtOnce_AndSaysWhen()
    {
        using var model = NewModel();

        model.OnCommitted();

        Assert.Equal(1, _refreshes);
        Assert.Equal(_clock.GetUtcNow(), model.LastRefresh);
    }

    [Fact]
    public void CommitsWithinTheInterval_AreOneRefreshAtItsEnd()
    {
        using var model = NewModel();
        model.OnCommitted();

        model.OnCommitted();
        model.OnCommitted();
        _clock.Advance(TimeSpan.FromSeconds(4.9));
        Assert.Equal(1, _refreshes);

        _clock.Advance(TimeSpan.FromSeconds(0.1));
        Assert.Equal(2, _refreshes);
    }

    [Fact]
    public async Task Paused_RemembersThatDataArrived_AndRefreshesOnResume()
    {
        using var model = NewModel();
        var changes = 0;
        model.Changed += () => changes++;
        await model.SetLiveAsync(false);

        model.OnCommitted();
        Assert.True(model.Missed);
        Assert.Equal(1, changes);
        Assert.Equal(0, _refreshes);

        await model.SetLiveAsync(true);
        Assert.False(model.Missed);
        Assert.Equal(1, _refreshes);
    }

    [Fact]
    public void Disposed_CancelsAWaitingRefresh()
    {
        var model = NewModel();
        model.OnCommitted();
        model.OnCommitted();

        model.Dispose();
        _clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, _refreshes);
    }
}

public class PageChoicesTests
{
    [Theory]
    [InlineData("error", "error")]
    [InlineData("running", "running")]
    [InlineData("ERROR", "")]
    [InlineData("nonsense", "")]
    [InlineData(null, "")]
    public void AgentPageStatusFilter_KnowsTheRunStatuses(string? fromAddress, string shown) =>
        Assert.Equal(shown, AgentDetailViewModel.ParseStatus(fromAddress));

    [Fact]
    public void CompareAddress_KeepsTheOrderChosen_WithoutRepeatsOrBlanks() =>
        Assert.Equal(["b", "a", "c"], CompareViewModel.Requested(" b, a,,b ,c"));

    [Fact]
    public void RunList_ReloadsOnlyWhenItsFilterChanges()
    {
        var model = new RunListViewModel(null!, NullLogger<RunListViewModel>.Instance);
        var from = new DateTime(2026, 11, 20, 0, 0, 0, DateTimeKind.Utc);
        var filter = new RunFilter("agent-1", RunStatus.Error, from, from.AddDays(1));

        Assert.False(model.NeedsReload(filter));
    }

    [Theory]
    [InlineData("+12 %", false, "better")]
    [InlineData("+12 %", true, "worse")]
    [InlineData("−5 %", true, "better")]
    [InlineData("same", true, "")]
    [InlineData("new", false, "")]
    public void TileChange_IsGoodOrBadNewsByWhatItMeasures(string change, bool higherIsWorse, string tone) =>
        Assert.Equal(tone, Display.ChangeTone(change, higherIsWorse));
}
