namespace AgentPortal.Core.Common;

/// <summary>One page of a longer list, with the total so callers can page on.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize)
{
    public bool HasMore => Page * PageSize < TotalCount;
}
