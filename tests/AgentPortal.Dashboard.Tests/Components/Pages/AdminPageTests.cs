using AgentPortal.Dashboard.Components;
using AgentPortal.Dashboard.Components.Pages.Admin;
using AgentPortal.Dashboard.Tests.Infrastructure;
using Bunit;

namespace AgentPortal.Dashboard.Tests.Components.Pages;

public class AdminPageTests : PortalPageTest
{
    [Fact]
    public void ShowsDependenciesPricesStorageAndUsers()
    {
        var page = Render<Admin>();

        page.WaitForAssertion(() => Assert.Contains("gpt-4o-mini", page.Find($"[role=region][aria-label='{UiText.Prices.Title}']").TextContent), s_waitTimeout);
        Assert.Contains("admin/people", page.Find($"[role=region][aria-label='{UiText.Admin.Security}']").InnerHtml);
        Assert.Contains("Sqlite", page.Markup);
        page.WaitForAssertion(() => Assert.Contains("telemetry-sqlite", page.Find($"[role=region][aria-label='{UiText.Admin.Dependencies}']").TextContent), s_waitTimeout);
    }

    [Fact]
    public void TelemetryStoreDown_TheDependencyPanelSaysDown()
    {
        Store.FailWith("connection refused");

        var page = Render<Admin>();

        page.WaitForAssertion(() =>
        {
            var row = page.FindAll("tr").Single(r => r.TextContent.Contains("telemetry"));
            Assert.Contains("down", row.TextContent);
            Assert.Contains("connection refused", row.TextContent);
        }, s_waitTimeout);
    }

    [Fact]
    public void ImportingALiteLlmPriceFile_AddsItsPrices_AndABadFileSaysWhichEntryIsWrong()
    {
        var page = Render<Admin>();
        page.WaitForAssertion(() => Assert.Contains("gpt-4o-mini", page.Find($"[role=region][aria-label='{UiText.Prices.Title}']").TextContent), s_waitTimeout);

        page.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(InputFileContent.CreateFromText(
            """{"mistral/mistral-large-latest": {"input_cost_per_token": 2e-06, "output_cost_per_token": 6e-06, "mode": "chat"}}""", "model_prices.json"));
        page.WaitForAssertion(() => Assert.Contains("mistral/mistral-large-latest", page.Find($"[role=region][aria-label='{UiText.Prices.Title}']").TextContent), s_waitTimeout);

        page.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(InputFileContent.CreateFromText(
            """{"broken-model": {"input_cost_per_token": "free"}}""", "bad.json"));
        page.WaitForAssertion(() => Assert.Contains("'broken-model'.input_cost_per_token", page.Markup), s_waitTimeout);
        Assert.Contains(UiText.Prices.ImportRefused, page.Markup);
    }
}
