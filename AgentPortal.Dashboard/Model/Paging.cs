using AgentPortal.Core.Common;
using MudBlazor;

namespace AgentPortal.Dashboard.Model;

/// <summary>Between a data grid's zero-based page state and the stores' one-based pages.</summary>
public static class Paging
{
    public static int StorePage<T>(GridState<T> state) => state.Page + 1;

    public static GridData<T> ToGrid<T>(PagedResult<T> page) => new() { Items = page.Items, TotalItems = page.TotalCount };

    public static GridData<T> Empty<T>() => new() { Items = [], TotalItems = 0 };
}
