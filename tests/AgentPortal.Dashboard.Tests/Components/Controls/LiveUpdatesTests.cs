using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Components.Controls;

public class LiveUpdatesTests : PortalComponentTest
{
    private readonly TelemetryChanges _changes = new();
    private int _refreshes;

    public LiveUpdatesTests()
    {
        Services.AddSingleton(_changes);
        Renderer.SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void Commit_RefreshesThePage_AndSaysWhen()
    {
        var live = Render(TimeSpan.FromSeconds(5));

        _changes.NotifyCommitted();

        live.WaitForAssertion(() => Assert.Equal(1, Volatile.Read(ref _refreshes)), s_waitTimeout);
        live.WaitForAssertion(() => Assert.Contains($"{UiText.Live.Updated} 12:00:00 UTC", live.Find("[data-testid=live-updated]").TextContent), s_waitTimeout);
    }

    [Fact]
    public void BurstOfCommits_RefreshesOnceNowAndOnceAfterTheInterval_NotOncePerCommit()
    {
        var live = Render(TimeSpan.FromSeconds(5));

        for (var i = 0; i < 50; i++)
        {
            _changes.NotifyCommitted();
        }
        live.WaitForAssertion(() => Assert.Equal(1, Volatile.Read(ref _refreshes)), s_waitTimeout);

        Clock.Advance(TimeSpan.FromSeconds(4));
        Assert.Equal(1, Volatile.Read(ref _refreshes));
        Clock.Advance(TimeSpan.FromSeconds(1));
        live.WaitForAssertion(() => Assert.Equal(2, Volatile.Read(ref _refreshes)), s_waitTimeout);

        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(2, Volatile.Read(ref _refreshes));
    }

    [Fact]
    public void Paused_HoldsRefreshes_UntilResumed()
    {
        var live = Render(TimeSpan.FromSeconds(5));
        live.Find("input[type=checkbox]").Change(false);
        live.WaitForAssertion(() => Assert.Contains(UiText.Live.Paused, live.Markup), s_waitTimeout);

        _changes.NotifyCommitted();
        live.WaitForAssertion(() => Assert.Contains(UiText.Live.NewData, live.Markup), s_waitTimeout);
        Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, Volatile.Read(ref _refreshes));

        live.Find("input[type=checkbox]").Change(true);
        live.WaitForAssertion(() => Assert.Equal(1, Volatile.Read(ref _refreshes)), s_waitTimeout);
        Assert.Contains(UiText.Live.On, live.Markup);
    }

    [Fact]
    public void Disposed_StopsListening()
    {
        var live = Render(TimeSpan.FromSeconds(5));
        live.Instance.Dispose();

        _changes.NotifyCommitted();
        Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(0, Volatile.Read(ref _refreshes));
    }

    private IRenderedComponent<LiveUpdates> Render(TimeSpan interval) => Render<LiveUpdates>(parameters => parameters
        .Add(p => p.Interval, interval)
        .Add(p => p.OnRefresh, EventCallback.Factory.Create(this, () => Interlocked.Increment(ref _refreshes))));
}
