using System.Diagnostics;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Playwright;

namespace AgentPortal.Bench;

/// <summary>
/// The .NET Aspire Dashboard 13.6.5 run standalone on loopback (unsecured, telemetry in memory), as the
/// peer of the trace page: the same trace is sent to both and opened the same way in chromium.
/// </summary>
internal sealed class AspireDashboard : IAsyncDisposable
{
    public const string Version = "13.6.5";

    private readonly Process _process;

    private AspireDashboard(Process process, Uri frontend, Uri otlp)
    {
        _process = process;
        Frontend = frontend;
        Otlp = otlp;
    }

    public Uri Frontend { get; }

    public Uri Otlp { get; }

    /// <summary>The executable in the NuGet folder (the bench project downloads the package), or null with why not.</summary>
    public static (string? Path, string? Missing) Find()
    {
        var root = Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var path = System.IO.Path.Combine(root, "aspire.dashboard.sdk.linux-x64", Version, "tools", "Aspire.Dashboard");
        return File.Exists(path) ? (path, null) : (null, $"{path} not found: restore bench/AgentPortal.Bench (it downloads Aspire.Dashboard.Sdk.linux-x64 {Version})");
    }

    public static async Task<AspireDashboard> StartAsync(string path)
    {
        var (frontend, grpc, http) = (LoopbackPort.Free(), LoopbackPort.Free(), LoopbackPort.Free());
        var start = new ProcessStartInfo(path) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{frontend}";
        start.Environment["DOTNET_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}";
        start.Environment["DOTNET_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{http}";
        start.Environment["DASHBOARD__FRONTEND__AUTHMODE"] = "Unsecured";
        start.Environment["DASHBOARD__OTLP__AUTHMODE"] = "Unsecured";
        start.Environment["DASHBOARD__API__AUTHMODE"] = "Unsecured";
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {path}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dashboard = new AspireDashboard(process, new Uri($"http://127.0.0.1:{frontend}"), new Uri($"http://127.0.0.1:{http}/v1/traces"));
        using var probe = new HttpClient();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            try
            {
                (await probe.GetAsync(dashboard.Frontend)).EnsureSuccessStatusCode();
                return dashboard;
            }
            catch (HttpRequestException)
            {
                await Task.Delay(200);
            }
        }
        await dashboard.DisposeAsync();
        throw new InvalidOperationException("The Aspire Dashboard did not answer within 20 s.");
    }

    public async Task SendAsync(IEnumerable<ExportTraceServiceRequest> exports)
    {
        using var http = new HttpClient();
        foreach (var export in exports)
        {
            var content = new ByteArrayContent(export.ToByteArray());
            content.Headers.ContentType = new("application/x-protobuf");
            (await http.PostAsync(Otlp, content)).EnsureSuccessStatusCode();
        }
    }

    /// <summary>
    /// Opens the trace in Aspire's trace detail page, scrolls its grid to row 5,000 (rows are 32 px, the
    /// trace's root is aria-rowindex 2), clicks it and waits for its span detail: the first open, then five warm ones.
    /// </summary>
    public async Task<(double First, List<double> Warm)> TimeTraceAsync(IPage page, string traceId)
    {
        const int Row = 5_000;
        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync(new Uri(Frontend, $"/traces/detail/{traceId}").ToString(), new() { WaitUntil = WaitUntilState.Commit });
            await page.Locator("tr[role=row][aria-rowindex='3']").WaitForAsync(new() { Timeout = 120_000 });
            await page.EvaluateAsync($"() => document.querySelector('.tracedetails-grid-container').scrollTop = {Row * 32}");
            var row = page.Locator($"tr[role=row][aria-rowindex='{Row + 2}']");
            await row.Locator("td").First.ClickAsync(new() { Timeout = 60_000 });
            await page.Locator($"tr[role=row][aria-rowindex='{Row + 2}'].selected-row").WaitForAsync();
            await page.GetByText("SpanId", new() { Exact = true }).First.WaitForAsync();
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return (times[0], times.Skip(1).Order().ToList());
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
