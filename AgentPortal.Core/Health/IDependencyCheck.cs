namespace AgentPortal.Core.Health;

/// <summary>One thing the portal needs to serve requests: a store, the LLM gateway, an embedded tool.</summary>
public interface IDependencyCheck
{
    string Name { get; }

    /// <summary>Whether the portal is unusable while this dependency is down (it then fails readiness).</summary>
    bool Required { get; }

    /// <summary>False when the dependency is not configured (an optional integration left off): it is then not checked or listed.</summary>
    bool Configured => true;

    Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken);
}

/// <param name="Error">Why the dependency is down, in words an operator can act on; never a secret.</param>
/// <param name="Version">The dependency's version when it tells it.</param>
public sealed record DependencyStatus(string Name, bool Up, bool Required, TimeSpan Latency, string? Error, string? Version = null);

/// <summary>The last time a dependency was found down, and why.</summary>
public sealed record DependencyFailure(DateTime At, string Error);
