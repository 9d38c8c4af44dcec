using AgentPortal.Core.Common;
using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>Between a data grid's zero-based page state and the stores' one-based pages.</summary>
public static class Paging
{
    public static int StorePage<T>(GridState<T> state) => state.Page + 1;

    public static GridData<T> ToGrid<T>(PagedResult<T> page) => new() { Items = page.Items, TotalItems = page.TotalCount };

    public static GridData<T> Empty<T>() => new() { Items = [], TotalItems = 0 };

    /// <summary>One page for a grid; a failed read is logged and becomes an empty page with the message to show.</summary>
    public static async Task<(GridData<T> Page, string? Error)> LoadAsync<T>(Func<Task<PagedResult<T>>> load, ILogger logger, string what)
    {
        try
        {
            return (ToGrid(await load()), null);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            logger.LogError(ex, "Listing {What} failed", what);
            return (Empty<T>(), Core.Data.RegistryUnavailable.ForPage(ex));
        }
    }
}
