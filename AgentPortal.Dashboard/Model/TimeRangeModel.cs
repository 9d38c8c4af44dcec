using System.Globalization;
using AgentPortal.Dashboard.Components;

namespace AgentPortal.Dashboard.Model;

/// <summary>
/// The period picker's state: which choice is shown, and the custom start and end being typed. The
/// address holds the period itself; this only turns a choice into the query that shows it.
/// </summary>
public sealed class TimeRangeModel
{
    /// <summary>How a datetime-local input writes its value.</summary>
    public const string InputFormat = "yyyy-MM-dd'T'HH:mm";

    private string? _shownChoice;

    public string ShownKey { get; private set; } = TimeRange.Default.Key;

    public string? FromText { get; set; }

    public string? ToText { get; set; }

    public bool IsCustomShown => ShownKey == TimeRange.CustomKey;

    /// <summary>
    /// Follows the period in the address. A live refresh re-renders the page with the same choice: what the
    /// user is typing then is kept.
    /// </summary>
    public void Show(Period selected)
    {
        if (_shownChoice == selected.Choice)
        {
            return;
        }
        _shownChoice = selected.Choice;
        ShownKey = selected.Key;
        FromText = Format(selected.From);
        ToText = Format(selected.To);
    }

    /// <summary>A preset's query, or null for "Custom", which only opens the inputs until Apply.</summary>
    public IReadOnlyDictionary<string, object?>? Choose(string key)
    {
        if (key == TimeRange.CustomKey)
        {
            ShownKey = key;
            return null;
        }
        return new Dictionary<string, object?> { ["range"] = key, ["from"] = null, ["to"] = null };
    }

    /// <summary>Why the custom period cannot be applied yet; null when it can.</summary>
    public string? CustomProblem
    {
        get
        {
            if (!TryParse(FromText, out var from) || !TryParse(ToText, out var to))
            {
                return UiText.Period.BothNeeded;
            }
            return to <= from ? UiText.Period.StartBeforeEnd
                : to - from > Period.MaxCustomLength ? UiText.Period.TooLong
                : null;
        }
    }

    /// <summary>The custom period's query; null while <see cref="CustomProblem"/> says why not.</summary>
    public IReadOnlyDictionary<string, object?>? Apply() =>
        CustomProblem is null && TryParse(FromText, out var from) && TryParse(ToText, out var to)
            ? new Dictionary<string, object?> { ["range"] = TimeRange.CustomKey, ["from"] = Period.Format(from), ["to"] = Period.Format(to) }
            : null;

    public static string Format(DateTime utc) => utc.ToString(InputFormat, CultureInfo.InvariantCulture);

    private static bool TryParse(string? text, out DateTime utc) =>
        DateTime.TryParseExact(text, [InputFormat, "yyyy-MM-dd'T'HH:mm:ss"], CultureInfo.InvariantCulture,
            DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out utc);
}
