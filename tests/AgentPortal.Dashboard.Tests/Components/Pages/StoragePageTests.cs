using AgentPortal.Core.Audit;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Admin;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

/// <summary>The admin Storage page: each store's figures, retention and its "apply now", the last backup, and a store that cannot be read.</summary>
public class StoragePageTests() : PortalPageTest(new Dictionary<string, string?> { ["Retention:MinFreeDiskMb"] = "0" })
{
    private static string Region(IRenderedComponent<StorageOverview> page, string label) => page.Find($"[role=region][aria-label='{label}']").TextContent;

    [Fact]
    public async Task ShowsWhatEachStoreHolds_TheRetentionSettings_AndThatNoBackupIsRecorded()
    {
        var agent = await RegisterAsync("billing-bot");
        await RunAsync(agent, TimeSpan.FromHours(2), RunStatus.Ok, model: "gpt-4o");

        var page = Render<StorageOverview>();

        page.WaitForAssertion(() => Assert.Contains("runs", Region(page, UiText.StoragePage.Telemetry)), s_waitTimeout);
        var telemetry = Region(page, UiText.StoragePage.Telemetry);
        Assert.Contains("telemetry-sqlite", telemetry);
        Assert.Contains("2026-11-20 10:00 UTC", telemetry);
        Assert.Contains("KiB", telemetry);
        page.WaitForAssertion(() => Assert.Contains("agents", Region(page, UiText.StoragePage.Registry)), s_waitTimeout);
        var registry = Region(page, UiText.StoragePage.Registry);
        Assert.Contains("Sqlite", registry);
        Assert.Contains("Up to date:", registry);
        var retention = Region(page, UiText.StoragePage.Retention);
        Assert.Contains("30 days", retention);
        Assert.Contains("400 days", retention);
        Assert.Contains(UiText.StoragePage.NoPassYet, retention);
        page.WaitForAssertion(() => Assert.Contains(UiText.StoragePage.NoBackup, Region(page, UiText.StoragePage.Backups)), s_waitTimeout);
    }

    [Fact]
    public async Task ApplyNow_DeletesRunsPastTheirAge_AndSaysWhatItDeleted()
    {
        var agent = await RegisterAsync("old-bot");
        var old = await RunAsync(agent, TimeSpan.FromDays(45), RunStatus.Ok);
        var recent = await RunAsync(agent, TimeSpan.FromDays(1), RunStatus.Ok);
        var page = Render<StorageOverview>();
        page.WaitForAssertion(() => Assert.False(page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.StoragePage.ApplyNow).HasAttribute("disabled")), s_waitTimeout);

        await page.InvokeAsync(() => page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.StoragePage.ApplyNow).Click());

        page.WaitForAssertion(() => Assert.Contains("1 spans, 1 runs and 0 rollup rows (batched deletes)", Region(page, UiText.StoragePage.Retention)), s_waitTimeout);
        Assert.Null(await Store.GetRunAsync(old, CancellationToken.None));
        Assert.NotNull(await Store.GetRunAsync(recent, CancellationToken.None));
    }

    [Fact]
    public async Task LastBackup_ShowsWhenAndWhat_AndWarnsWhenItIsOld()
    {
        await Services.GetRequiredService<AuditLog>().RecordAsync(AuditActor.Cli, AuditActions.BackupCreated, "/backups/portal-2026-11-20.zip", "4 files, 81920 bytes");
        var page = Render<StorageOverview>();
        page.WaitForAssertion(() => Assert.Contains("/backups/portal-2026-11-20.zip", Region(page, UiText.StoragePage.Backups)), s_waitTimeout);
        Assert.Contains("2026-11-20 12:00 UTC by cli", Region(page, UiText.StoragePage.Backups));
        Assert.DoesNotContain(UiText.StoragePage.BackupOld, Region(page, UiText.StoragePage.Backups));

        Clock.Advance(TimeSpan.FromDays(8));
        var later = Render<StorageOverview>();

        later.WaitForAssertion(() => Assert.Contains(UiText.StoragePage.BackupOld, Region(later, UiText.StoragePage.Backups)), s_waitTimeout);
    }

    [Fact]
    public void ATelemetryStoreThatCannotBeRead_ShowsItsError_WhileTheOtherPanelsLoad()
    {
        Store.FailWith("ClickHouse answered 503: the server is shutting down");

        var page = Render<StorageOverview>();

        page.WaitForAssertion(() => Assert.Contains("ClickHouse answered 503", Region(page, UiText.StoragePage.Telemetry)), s_waitTimeout);
        Assert.Contains(UiText.StoragePage.LoadFailed, Region(page, UiText.StoragePage.Telemetry));
        page.WaitForAssertion(() => Assert.Contains("Up to date:", Region(page, UiText.StoragePage.Registry)), s_waitTimeout);
        Assert.True(page.FindAll("button").Single(b => b.TextContent.Trim() == UiText.StoragePage.ApplyNow).HasAttribute("disabled"));
    }
}
