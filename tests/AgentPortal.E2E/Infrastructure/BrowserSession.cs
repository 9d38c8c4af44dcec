using Microsoft.Playwright;

namespace AgentPortal.E2E.Infrastructure;

/// <summary>
/// Debian's chromium driven by Playwright (its own browser download cannot work offline), with the
/// console watched for errors and screenshots saved under test-results/e2e for a person to look at.
/// </summary>
public sealed class BrowserSession : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;
    private readonly List<string> _consoleErrors = [];

    private BrowserSession(IPlaywright playwright, IBrowser browser, IBrowserContext context, IPage page)
    {
        _playwright = playwright;
        _browser = browser;
        Context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_consoleErrors)
                {
                    _consoleErrors.Add(message.Text);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_consoleErrors)
            {
                _consoleErrors.Add(error);
            }
        };
    }

    public IBrowserContext Context { get; }

    public IPage Page { get; }

    public IReadOnlyList<string> ConsoleErrors
    {
        get
        {
            lock (_consoleErrors)
            {
                return [.. _consoleErrors];
            }
        }
    }

    private const int ActionTimeoutMs = 20_000;

    // The suite shares two cores with the other test projects: an assertion that is true waits for
    // the page as long as an action does, instead of Playwright's 5 s.
    static BrowserSession() => Assertions.SetDefaultExpectTimeout(ActionTimeoutMs);

    public static async Task<BrowserSession> StartAsync(Uri baseAddress, int width = 1280, int height = 800)
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException($"Chromium is not installed at {ChromiumPath}. Install it with: sudo apt-get install -y chromium");
        }
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
        });
        context.SetDefaultTimeout(ActionTimeoutMs);
        var page = await context.NewPageAsync();
        return new BrowserSession(playwright, browser, context, page);
    }

    public static string ResultsDirectory
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "AgentPortal.Dashboard.sln")))
            {
                directory = directory.Parent;
            }
            var results = Path.Combine(directory?.FullName ?? AppContext.BaseDirectory, "test-results", "e2e");
            Directory.CreateDirectory(results);
            return results;
        }
    }

    public async Task ScreenshotAsync(string name) =>
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ResultsDirectory, name + ".png"), FullPage = true });

    /// <summary>Waits until the interactive circuit is up, so clicks reach server-side handlers.</summary>
    public async Task WaitForInteractiveAsync() =>
        await Page.WaitForFunctionAsync("() => document.documentElement.dataset.interactive === 'true'");

    public async ValueTask DisposeAsync()
    {
        await Context.CloseAsync();
        await _browser.CloseAsync();
        _playwright.Dispose();
    }
}
