namespace AgentPortal.Core.Health;

/// <summary>Runs every dependency check concurrently, each bounded by a timeout.</summary>
public sealed class DependencyChecker(IEnumerable<IDependencyCheck> checks, TimeProvider time)
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

    public async Task<IReadOnlyList<DependencyStatus>> CheckAllAsync(CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(checks.Where(check => check.Configured).Select(check => RunAsync(check, cancellationToken)));
        return results;
    }

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
