using System.Globalization;

namespace AgentPortal.Dashboard.Model;

/// <summary>How numbers read on every page: counts with separators, costs that say when there is no price.</summary>
public static class Display
{
    private static readonly CultureInfo s_culture = CultureInfo.InvariantCulture;

    /// <summary>A UTC time as the pages show it: "2026-12-02 14:05 UTC".</summary>
    public static string Time(DateTime utc) => utc.ToString("yyyy-MM-dd HH:mm", s_culture) + " UTC";

    /// <summary>A size in bytes as people read it: B, KiB, MiB, GiB.</summary>
    public static string Bytes(long? bytes) => bytes switch
    {
        null => "—",
        < 1024 => bytes.Value.ToString(s_culture) + " B",
        < 1024 * 1024 => (bytes.Value / 1024.0).ToString("0.#", s_culture) + " KiB",
        < 1024L * 1024 * 1024 => (bytes.Value / (1024.0 * 1024)).ToString("0.#", s_culture) + " MiB",
        _ => (bytes.Value / (1024.0 * 1024 * 1024)).ToString("0.##", s_culture) + " GiB",
    };

    public static string Count(long value) => value.ToString("N0", s_culture);

    public static string Percent(double ratio) => (ratio * 100).ToString(ratio is > 0 and < 0.1 ? "0.0" : "0", s_culture) + " %";

    /// <summary>Dollars and cents, and two significant digits below a cent, since a single run often costs a fraction of one.</summary>
    public static string Cost(decimal? value) => value switch
    {
        null => "no price",
        0 => "$0",
        < MinimumCost => "< $" + MinimumCost.ToString("0.######", s_culture),
        < 0.01m => "$" + SignificantDigits(value.Value, 2),
        _ => "$" + value.Value.ToString("N2", s_culture),
    };

    private const decimal MinimumCost = 0.000001m;

    private static string SignificantDigits(decimal value, int digits)
    {
        var decimals = digits - 1 - (int)Math.Floor(Math.Log10((double)value));
        return Math.Round(value, decimals).ToString("0." + new string('#', decimals), s_culture);
    }

    /// <summary>The tooltip of a cost that leaves models out because they have no price; null when none do.</summary>
    public static string? NoPriceFor(IReadOnlyList<string>? unpricedModels) =>
        unpricedModels is { Count: > 0 } ? "No price for: " + string.Join(", ", unpricedModels) : null;

    public static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "—",
        < 1 => "< 1 ms",
        < 1_000 => milliseconds.Value.ToString("0", s_culture) + " ms",
        < 60_000 => (milliseconds.Value / 1_000).ToString("0.0", s_culture) + " s",
        _ => (milliseconds.Value / 60_000).ToString("0.0", s_culture) + " min",
    };

    /// <summary>A configured interval as people say it: "1 h", "15 min", "30 s".</summary>
    public static string Interval(TimeSpan interval) => interval switch
    {
        { TotalHours: >= 1 } when interval.Ticks % TimeSpan.TicksPerHour == 0 => interval.TotalHours.ToString("0", s_culture) + " h",
        { TotalMinutes: >= 1 } when interval.Ticks % TimeSpan.TicksPerMinute == 0 => interval.TotalMinutes.ToString("0", s_culture) + " min",
        _ => interval.TotalSeconds.ToString("0.#", s_culture) + " s",
    };

    /// <summary>An LLM call's tokens: "120 in / 30 out", with the cached part of the input when there is one.</summary>
    public static string Tokens(Core.Telemetry.SpanRecord span) =>
        $"{Count(span.InputTokens ?? 0)} in / {Count(span.OutputTokens ?? 0)} out"
        + (span.CachedInputTokens is > 0 ? $" ({Count(span.CachedInputTokens.Value)} cached)" : "");

    /// <summary>A span's cost at the price table's price, with the cost its source reported beside it.</summary>
    public static string SpanCost(decimal? cost, double? reported) =>
        Cost(cost) + (reported is { } value ? $" (source reported ${value.ToString("0.######", s_culture)})" : "");

    /// <summary>The chip colour of a run status, the same on every page.</summary>
    public static MudBlazor.Color RunColor(Core.Telemetry.RunStatus status) => status switch
    {
        Core.Telemetry.RunStatus.Ok => MudBlazor.Color.Success,
        Core.Telemetry.RunStatus.Error => MudBlazor.Color.Error,
        _ => MudBlazor.Color.Info,
    };

    /// <summary>The chip colour of an agent status.</summary>
    public static MudBlazor.Color AgentColor(Core.Agents.AgentStatus status) =>
        status == Core.Agents.AgentStatus.Active ? MudBlazor.Color.Success : MudBlazor.Color.Default;

    /// <summary>A round step, 1, 2 or 5 times a power of ten, at least <paramref name="raw"/> (1 for anything up to 1): axis ticks read as round numbers.</summary>
    public static double RoundStep(double raw)
    {
        if (raw <= 1)
        {
            return 1;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        var mantissa = raw / magnitude;
        return (mantissa <= 1 ? 1 : mantissa <= 2 ? 2 : mantissa <= 5 ? 5 : 10) * magnitude;
    }

    /// <summary>A fraction (0 to 1) as a CSS percentage, for bars and ticks placed along an axis.</summary>
    public static string CssPercent(double fraction) => (fraction * 100).ToString("0.###", s_culture) + "%";

    /// <summary>A JSON object or array indented for reading; any other text as it came.</summary>
    public static string PrettyJson(string text)
    {
        var trimmed = text.AsSpan().TrimStart();
        if (trimmed.Length == 0 || (trimmed[0] != '{' && trimmed[0] != '['))
        {
            return text;
        }
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            return System.Text.Json.JsonSerializer.Serialize(document.RootElement, s_indented);
        }
        catch (System.Text.Json.JsonException)
        {
            return text;
        }
    }

    private static readonly System.Text.Json.JsonSerializerOptions s_indented = new()
    {
        WriteIndented = true,
        // Messages are read by people: keep non-ASCII text (Korean, emoji) as it is.
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A long text cut for a table cell; the whole text goes in its tooltip.</summary>
    public static string? Preview(string? text, int length = 80) => text is null ? null : text.Length <= length ? text : text[..length] + "…";

    /// <summary>A run's cost in a list: a dash for a run without LLM calls, "no price" when its models have none.</summary>
    public static string RunCost(long llmCalls, decimal? cost) => llmCalls == 0 ? "—" : Cost(cost);

    public static string When(DateTime? utc) => utc is { } time ? time.ToString("yyyy-MM-dd HH:mm 'UTC'", s_culture) : "never";

    /// <summary>"better", "worse" or "" for a change as <see cref="Change"/> writes it; for some figures a rise is bad news.</summary>
    public static string ChangeTone(string change, bool higherIsWorse) =>
        change.StartsWith('+') ? (higherIsWorse ? "worse" : "better")
        : change.StartsWith('−') ? (higherIsWorse ? "better" : "worse")
        : "";

    /// <summary>"+12 %", "−5 %", "new" or "same", comparing a period with the one before.</summary>
    public static string Change(double current, double previous)
    {
        if (previous == 0)
        {
            return current == 0 ? "same" : "new";
        }
        var change = (current - previous) / previous;
        return Math.Abs(change) < 0.005 ? "same" : (change > 0 ? "+" : "−") + Math.Abs(change * 100).ToString("0", s_culture) + " %";
    }
}
