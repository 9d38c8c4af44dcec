namespace AgentPortal.Core.Health;

/// <summary>Runs every dependency check concurrently, each bounded by a timeout.</summary>
public sealed class DependencyChecker(IEnumerable<IDependencyCheck> checks, TimeProvider time)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, DependencyFailure> _lastFailures = new(StringComparer.Ordinal);

    public async Task<IReadOnlyList<DependencyStatus>> CheckAllAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(checks.Where(check => check.Configured).Select(check => RunAsync(check, cancellationToken)));
        foreach (var failed in results.Where(r => !r.Up))
        {
            _lastFailures[failed.Name] = new DependencyFailure(time.GetUtcNow().UtcDateTime, failed.Error ?? "down");
        }
        return results;
    }

    /// <summary>The last failure seen by a check of this replica, or null when it never failed since start.</summary>
    public DependencyFailure? LastFailure(string name) => _lastFailures.GetValueOrDefault(name);

    private async Task<DependencyStatus> RunAsync(IDependencyCheck check, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(DefaultTimeout);
        try
        {
            return await check.CheckAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DependencyStatus(check.Name, false, check.Required, time.GetElapsedTime(started), $"did not answer within {DefaultTimeout.TotalSeconds:0} s");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new DependencyStatus(check.Name, false, check.Required, time.GetElapsedTime(started), ex.Message);
        }
    }
}
