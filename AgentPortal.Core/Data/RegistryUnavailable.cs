using System.Data.Common;

namespace AgentPortal.Core.Data;

/// <summary>
/// The registry database (agents, keys, users, prices) cannot be reached: a connection refused, broken
/// or timed out, as the providers mark it (<see cref="DbException.IsTransient"/>; EF Core's execution
/// strategy wraps it). Such a failure is the database's, not the request's: the API answers 503 with
/// Retry-After and pages show it, instead of an internal error.
/// </summary>
public static class RegistryUnavailable
{
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public static bool Matches(Exception exception) => Cause(exception) is not null;

    /// <summary>For an API answer: what is down, and that nothing was changed.</summary>
    public static string Describe(Exception exception) =>
        $"The registry database cannot be reached ({Cause(exception)?.Message ?? exception.Message}); nothing was changed. Retry after {RetryAfter.TotalSeconds:0} s.";

    /// <summary>For a page: the database's failure said plainly, any other failure's own message.</summary>
    public static string ForPage(Exception exception) => Cause(exception) is { } cause
        ? $"The registry database cannot be reached ({cause.Message}). The page loads again when it is back; retry in a few seconds."
        : exception.Message;

    private static DbException? Cause(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is DbException { IsTransient: true } transient)
            {
                return transient;
            }
        }
        return null;
    }
}
