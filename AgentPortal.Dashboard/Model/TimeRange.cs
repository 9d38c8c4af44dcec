using System.Globalization;
using AgentPortal.Dashboard.Components;

namespace AgentPortal.Dashboard.Model;

/// <summary>The periods the monitoring pages offer; the key is what the URL carries (?range=24h).</summary>
public sealed record TimeRange(string Key, string Label, TimeSpan Length)
{
    public const string CustomKey = "custom";

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

/// <summary>
/// The period a monitoring page shows: a preset ending now (?range=24h) or a custom one
/// (?range=custom&amp;from=2026-11-20T08:00&amp;to=2026-11-21T08:00, UTC). A custom period that cannot be
/// read falls back to the default preset and says why in <see cref="Problem"/>.
/// </summary>
public sealed record Period(string Key, DateTime From, DateTime To, string Label, string? Problem = null)
{
    public const string UrlFormat = "yyyy-MM-dd'T'HH:mm";
    public static readonly TimeSpan MaxCustomLength = TimeSpan.FromDays(366);

    public TimeSpan Length => To - From;

    public bool IsCustom => Key == TimeRange.CustomKey;

    /// <summary>
    /// The end of a run list: a preset also lists runs started in the last minute, so what just arrived
    /// shows; a custom period ends where it says.
    /// </summary>
    public DateTime RunsTo => IsCustom ? To : To.AddMinutes(1);

    /// <summary>What the user chose: the preset's key (its end moves with the clock), or the custom range.</summary>
    public string Choice => IsCustom ? QueryString : Key;

    /// <summary>How the tiles name the period they compare against ("24 hours", or "period" for a custom one).</summary>
    public string CompareLabel => IsCustom ? "period" : Label;

    /// <summary>The query parameters that show this period again, for links to other pages.</summary>
    public IReadOnlyDictionary<string, object?> Query => IsCustom
        ? new Dictionary<string, object?> { ["range"] = Key, ["from"] = Format(From), ["to"] = Format(To) }
        : new Dictionary<string, object?> { ["range"] = Key, ["from"] = null, ["to"] = null };

    /// <summary>The same, as a query string ("range=24h").</summary>
    public string QueryString => string.Join("&", Query.Where(p => p.Value is not null).Select(p => $"{p.Key}={Uri.EscapeDataString((string)p.Value!)}"));

    public static Period Resolve(string? key, string? from, string? to, DateTime nowUtc)
    {
        if (key != TimeRange.CustomKey)
        {
            var range = TimeRange.Parse(key);
            return new Period(range.Key, nowUtc - range.Length, nowUtc, range.Label);
        }
        string? problem = null;
        if (!TryParse(from, out var start))
        {
            problem = $"The start '{from}' is not a date and time like 2026-11-20T08:00 (UTC).";
        }
        else if (!TryParse(to, out var end))
        {
            problem = $"The end '{to}' is not a date and time like 2026-11-21T08:00 (UTC).";
        }
        else if (RangeProblem(start, end) is { } range)
        {
            problem = range;
        }
        else
        {
            return new Period(TimeRange.CustomKey, start, end, $"{Format(start).Replace('T', ' ')} – {Format(end).Replace('T', ' ')} UTC");
        }
        var fallback = Resolve(null, null, null, nowUtc);
        return fallback with { Problem = problem + $" Showing the last {fallback.Label}." };
    }

    public static string Format(DateTime utc) => utc.ToString(UrlFormat, CultureInfo.InvariantCulture);

    /// <summary>Why a custom period from <paramref name="start"/> to <paramref name="end"/> cannot be shown; null when it can.</summary>
    public static string? RangeProblem(DateTime start, DateTime end) =>
        end <= start ? UiText.Period.StartBeforeEnd
        : end - start > MaxCustomLength ? UiText.Period.TooLong
        : null;

    /// <summary>A UTC date and time as the address (and a datetime-local input) writes it, with seconds or a bare date accepted too.</summary>
    public static bool TryParse(string? text, out DateTime utc) =>
        DateTime.TryParseExact(text, [UrlFormat, "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc);
}
