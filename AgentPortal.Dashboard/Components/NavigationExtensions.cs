using Microsoft.AspNetCore.Components;

namespace AgentPortal.Dashboard.Components;

public static class NavigationExtensions
{
    /// <summary>
    /// Puts a filter in the address (or removes it when empty), so a link shows the same view;
    /// the page reads it back through [SupplyParameterFromQuery].
    /// </summary>
    public static void SetQuery(this NavigationManager navigation, string name, string? value) =>
        navigation.NavigateTo(navigation.GetUriWithQueryParameter(name, string.IsNullOrWhiteSpace(value) ? null : value.Trim()));

    /// <summary>Several filters at once (a null value removes one), e.g. a custom period's range, from and to.</summary>
    public static void SetQuery(this NavigationManager navigation, IReadOnlyDictionary<string, object?> parameters) =>
        navigation.NavigateTo(navigation.GetUriWithQueryParameters(parameters));
}
