using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Radzen;

namespace AgentPortal.Dashboard.Tests.Infrastructure;

/// <summary>Base for component tests: Radzen's services, loose JS interop and a patient wait.</summary>
public abstract class PortalComponentTest : BunitContext
{
    protected static readonly TimeSpan s_waitTimeout = TimeSpan.FromSeconds(10);

    protected PortalComponentTest()
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddRadzenComponents();
        Services.AddLogging();
        Services.AddSingleton(TimeProvider.System);
    }
}
