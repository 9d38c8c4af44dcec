using AgentPortal.Core.Health;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Controls;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Components.Controls;

public class DependencyHealthPanelTests : PortalComponentTest
{
    private readonly ScriptedCheck _store = new("registry-database", required: true);
    private readonly ScriptedCheck _gateway = new("llm-gateway", required: false);

    public DependencyHealthPanelTests()
    {
        Services.AddSingleton<IDependencyCheck>(_store);
        Services.AddSingleton<IDependencyCheck>(_gateway);
        Services.AddSingleton<DependencyChecker>();
    }

    [Fact]
    public void Render_ShowsEachDependencyWithStatusAndProblem()
    {
        _gateway.FailWith("connection refused by 127.0.0.1:4000");

        var panel = Render<DependencyHealthPanel>();

        panel.WaitForAssertion(() =>
        {
            var rows = panel.FindAll("tbody tr");
            Assert.Equal(2, rows.Count);
            var gateway = rows.Single(r => r.TextContent.Contains("llm-gateway"));
            Assert.Contains("down", gateway.TextContent);
            Assert.Contains("connection refused by 127.0.0.1:4000", gateway.TextContent);
            Assert.Contains("up", rows.Single(r => r.TextContent.Contains("registry-database")).TextContent);
        }, s_waitTimeout);
    }

    [Fact]
    public void CheckAgain_RunsTheChecksAgainAndShowsTheNewState()
    {
        var panel = Render<DependencyHealthPanel>();
        panel.WaitForAssertion(() => Assert.DoesNotContain("down", panel.Find("tbody").TextContent), s_waitTimeout);
        Assert.Equal(1, _store.Calls);

        _store.FailWith("disk I/O error");
        panel.FindAll("button").Single(b => b.TextContent.Contains(UiText.Admin.CheckAgain)).Click();

        panel.WaitForAssertion(() =>
        {
            Assert.Equal(2, _store.Calls);
            Assert.Contains("disk I/O error", panel.Find("tbody").TextContent);
        }, s_waitTimeout);
    }

    private sealed class ScriptedCheck(string name, bool required) : IDependencyCheck
    {
        private string? _error;

        public int Calls { get; private set; }

        public string Name => name;

        public bool Required => required;

        public void FailWith(string error) => _error = error;

        public Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
        {
            Calls++;
            return Task.FromResult(new DependencyStatus(Name, _error is null, Required, TimeSpan.FromMilliseconds(3), _error));
        }
    }
}
