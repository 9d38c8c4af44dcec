namespace AgentPortal.Dashboard.Model;

/// <summary>What a page panel is showing: loading, an error with its message, or the data.</summary>
public enum LoadState
{
    Loading,
    Failed,
    Loaded,
}

/// <summary>
/// A value a page loads, with its loading and error states. A quiet reload (a live refresh) keeps the
/// value on screen while the new one loads; a failed load keeps the message for the page to show.
/// </summary>
public sealed class Loadable<T>(ILogger logger, string what)
    where T : class
{
    public LoadState State { get; private set; } = LoadState.Loading;

    public T? Value { get; private set; }

    public string? Error { get; private set; }

    /// <summary>Shows a value changed on the page (a saved edit) without loading again.</summary>
    public void Set(T value)
    {
        Value = value;
        Error = null;
        State = LoadState.Loaded;
    }

    public async Task LoadAsync(Func<CancellationToken, Task<T?>> load, bool quiet = false, CancellationToken cancellationToken = default)
    {
        Error = null;
        if (!quiet || Value is null)
        {
            State = LoadState.Loading;
            Value = null;
        }
        try
        {
            Value = await load(cancellationToken);
            State = LoadState.Loaded;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Loading {What} failed", what);
            Error = Core.Data.RegistryUnavailable.ForPage(ex);
            State = LoadState.Failed;
        }
    }
}
