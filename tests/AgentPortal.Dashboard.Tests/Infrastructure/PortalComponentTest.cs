using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MudBlazor.Services;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>
/// Base for component tests: MudBlazor's services, loose JS interop, a clock the test moves, and a
/// patient wait. MudBlazor's services are IAsyncDisposable, so the context is disposed asynchronously.
/// </summary>
public abstract class PortalComponentTest : BunitContext, IAsyncLifetime
{
    protected static readonly TimeSpan s_waitTimeout = TimeSpan.FromSeconds(10);

    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddMudServices();
        Services.AddLogging();
        Services.AddSingleton<TimeProvider>(Clock);
    }

    /// <summary>Starts at a fixed instant; tests move it on with <c>Advance</c>.</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero));

    public virtual Task InitializeAsync() => Task.CompletedTask;

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DisposeComponentTestAsync();
    }

    protected virtual Task DisposeComponentTestAsync() => Task.CompletedTask;
}
