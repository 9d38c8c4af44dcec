using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>The icon of each span kind on the trace page; the colours are in the page's stylesheet (kind-agent, kind-llm, …).</summary>
public static class SpanIcons
{
    public static string Of(SpanCategory category) => category switch
    {
        SpanCategory.Agent => Icons.Material.Filled.SmartToy,
        SpanCategory.Llm => Icons.Material.Filled.AutoAwesome,
        SpanCategory.Tool => Icons.Material.Filled.Build,
        SpanCategory.Retrieval => Icons.Material.Filled.ManageSearch,
        SpanCategory.Http => Icons.Material.Filled.Language,
        _ => Icons.Material.Filled.Circle,
    };
}

/// <summary>Splits a text around each case-insensitive occurrence of what was searched for, so the page can mark the hits.</summary>
public static class Highlight
{
    public static IEnumerable<(string Text, bool Hit)> Split(string text, string? find)
    {
        if (string.IsNullOrEmpty(find))
        {
            yield return (text, false);
            yield break;
        }
        var at = 0;
        while (at < text.Length)
        {
            var hit = text.IndexOf(find, at, StringComparison.OrdinalIgnoreCase);
            if (hit < 0)
            {
                yield return (text[at..], false);
                yield break;
            }
            if (hit > at)
            {
                yield return (text[at..hit], false);
            }
            yield return (text.Substring(hit, find.Length), true);
            at = hit + find.Length;
        }
    }
}
