using AgentPortal.Dashboard.Components;

namespace AgentPortal.Dashboard.Model;

/// <summary>
/// The period picker's state: which choice is shown, and the custom start and end being typed. The
/// address holds the period itself; this only turns a choice into the query that shows it.
/// </summary>
public sealed class TimeRangeModel
{
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
        FromText = Period.Format(selected.From);
        ToText = Period.Format(selected.To);
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
            return Period.TryParse(FromText, out var from) && Period.TryParse(ToText, out var to)
                ? Period.RangeProblem(from, to)
                : UiText.Period.BothNeeded;
        }
    }

    /// <summary>The custom period's query; null while <see cref="CustomProblem"/> says why not.</summary>
    public IReadOnlyDictionary<string, object?>? Apply() =>
        CustomProblem is null && Period.TryParse(FromText, out var from) && Period.TryParse(ToText, out var to)
            ? new Dictionary<string, object?> { ["range"] = TimeRange.CustomKey, ["from"] = Period.Format(from), ["to"] = Period.Format(to) }
            : null;
}
