using AgentPortal.Core.Health;

namespace AgentPortal.Core.Tests.Health;

public class DependencyCheckerTests
{
    [Fact]
    public async Task CheckAll_ThrowingCheck_IsReportedDownWithItsReason()
    {
        var checker = new DependencyChecker([new ThrowingCheck()], TimeProvider.System);

        var status = Assert.Single(await checker.CheckAllAsync(CancellationToken.None));

        Assert.False(status.Up);
        Assert.Equal("broken", status.Name);
        Assert.Equal("disk is full", status.Error);
    }

    [Fact]
    public async Task CheckAll_HangingCheck_IsCutOffAndReportedDown()
    {
        var checker = new DependencyChecker([new HangingCheck()], TimeProvider.System);

        var status = Assert.Single(await checker.CheckAllAsync(CancellationToken.None));

        Assert.False(status.Up);
        Assert.Contains("did not answer", status.Error);
    }

    private sealed class ThrowingCheck : IDependencyCheck
    {
        public string Name => "broken";
        public bool Required => true;
        public Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken) => throw new IOException("disk is full");
    }

    private sealed class HangingCheck : IDependencyCheck
    {
        public string Name => "hanging";
        public bool Required => false;
        public async Task<DependencyStatus> CheckAsync(CancellationToken cancellationToken)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
            throw new InvalidOperationException("unreachable");
        }
    }
}
