using AgentPortal.Core.Common;

namespace AgentPortal.Dashboard.Model;

/// <summary>Runs one change a person asked for on a page; a refusal comes back as the message to show, and nothing else is lost.</summary>
public static class PageChange
{
    public static async Task<string?> TryAsync(Func<Task> change)
    {
        try
        {
            await change();
            return null;
        }
        catch (ValidationFailedException ex)
        {
            return string.Join(" ", ex.Errors.SelectMany(e => e.Value));
        }
        catch (Exception ex) when (ex is ForbiddenException or NotFoundException or ConflictException)
        {
            return ex.Message;
        }
        catch (Exception ex) when (Core.Data.RegistryUnavailable.Matches(ex))
        {
            return Core.Data.RegistryUnavailable.ForPage(ex);
        }
    }
}
