using AgentPortal.Dashboard.Model;

namespace AgentPortal.Dashboard.Tests.Model;

public class DisplayTests
{
    [Theory]
    [InlineData(null, "no price")]
    [InlineData(0.0, "$0")]
    [InlineData(0.00045, "$0.00045")]
    [InlineData(0.000036, "$0.000036")]
    [InlineData(0.0012345, "$0.0012")]
    [InlineData(0.009, "$0.009")]
    [InlineData(0.0000004, "< $0.000001")]
    [InlineData(12.345, "$12.35")]
    [InlineData(1234.5, "$1,234.50")]
    public void Cost_SaysNoPriceRatherThanZero(double? value, string expected) =>
        Assert.Equal(expected, Display.Cost(value is { } v ? (decimal)v : null));

    [Theory]
    [InlineData(null, "—")]
    [InlineData(0.4, "< 1 ms")]
    [InlineData(840.3, "840 ms")]
    [InlineData(2_950.0, "3.0 s")]
    [InlineData(90_000.0, "1.5 min")]
    public void Duration_ReadsAtAGlance(double? milliseconds, string expected) => Assert.Equal(expected, Display.Duration(milliseconds));

    [Theory]
    [InlineData(120, 100, "+20 %")]
    [InlineData(80, 100, "−20 %")]
    [InlineData(100, 100, "same")]
    [InlineData(5, 0, "new")]
    [InlineData(0, 0, "same")]
    public void Change_ComparesWithThePeriodBefore(double current, double previous, string expected) =>
        Assert.Equal(expected, Display.Change(current, previous));

    [Theory]
    [InlineData(0.5, "50 %")]
    [InlineData(0.025, "2.5 %")]
    [InlineData(0, "0 %")]
    public void Percent_KeepsOneDecimalForSmallRates(double ratio, string expected) => Assert.Equal(expected, Display.Percent(ratio));
}

public class ChatMarkdownTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>")]
    [InlineData("<img src=x onerror=alert(1)>")]
    public void RawHtml_IsShownAsText(string markdown)
    {
        var html = AgentPortal.Dashboard.Model.ChatMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("&lt;", html);
    }

    [Theory]
    [InlineData("[click](javascript:alert(1))")]
    [InlineData("[click](JAVA\tSCRIPT:alert(1))")]
    [InlineData("[click](data:text/html,<script>alert(1)</script>)")]
    [InlineData("<javascript:alert(1)>")]
    public void LinksThatRunCode_AreMadeInert(string markdown)
    {
        var html = AgentPortal.Dashboard.Model.ChatMarkdown.ToHtml(markdown);

        Assert.DoesNotContain("javascript:", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("data:", html, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void OrdinaryMarkdown_IsRendered()
    {
        var html = AgentPortal.Dashboard.Model.ChatMarkdown.ToHtml("**bold** and [docs](https://example.com) and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |");

        Assert.Contains("<strong>bold</strong>", html);
        Assert.Contains("href=\"https://example.com\"", html);
        Assert.Contains("<code>code</code>", html);
        Assert.Contains("<table>", html);
    }
}
