using System.Diagnostics;
using System.Net;
using System.Text;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Reliability;

/// <summary>
/// The data folder on a small filesystem that fills up (a tmpfs the test mounts; the test runs as root,
/// as CI does): ingestion answers 503 saying the disk is full, never a 2xx for what it could not keep;
/// everything acknowledged before stays readable; and once space is freed the portal takes spans again
/// by itself.
/// </summary>
public sealed class DiskFullTests(Xunit.Abstractions.ITestOutputHelper output) : IAsyncLifetime
{
    private const int SizeMb = 40;
    private readonly string _mount = Path.Combine(Path.GetTempPath(), "agentportal-full-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_mount);
        await RunAsync("mount", "-t", "tmpfs", "-o", $"size={SizeMb}m", "tmpfs", _mount);
    }

    public async Task DisposeAsync()
    {
        await RunAsync("umount", "-l", _mount);
        Directory.Delete(_mount);
    }

    [Fact]
    public async Task DataFolderFills_IngestionSays503DiskFull_KeepsWhatItAcknowledged_AndRecoversWhenSpaceIsFreed()
    {
        var data = Path.Combine(_mount, "data");
        using var app = PortalAppFactory.OnDataDirectory(data).With("Retention:Enabled", "false");
        var client = app.CreateApiClient();
        var acknowledged = new List<string>();
        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);

        // Leave about 2 MB free, then send until the store cannot commit (bounded: 400 exports of ~0.3 MB).
        var filler = Path.Combine(_mount, "filler.bin");
        var free = new DriveInfo(_mount).AvailableFreeSpace;
        await using (var stream = File.Create(filler))
        {
            stream.SetLength(Math.Max(0, free - 2 * 1024 * 1024));
            var block = new byte[1024 * 1024];
            for (long written = 0; written < stream.Length; written += block.Length)
            {
                await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, stream.Length - written)));
            }
        }
        HttpResponseMessage? refused = null;
        for (var i = 0; i < 400 && refused is null; i++)
        {
            var response = await ExportAsync(client, acknowledged);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                refused = response;
            }
        }

        Assert.NotNull(refused);
        Assert.True(refused.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.InsufficientStorage, $"answered {(int)refused.StatusCode}");
        Assert.NotNull(refused.Headers.RetryAfter);
        var detail = await refused.Content.ReadAsStringAsync();
        Assert.Contains("full", detail, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("nothing was stored", detail, StringComparison.Ordinal);
        output.WriteLine($"{acknowledged.Count} exports acknowledged before the disk filled; then {(int)refused.StatusCode}: {detail}");
        // Reads go on while the disk is full, and every acknowledged export is there.
        foreach (var traceId in acknowledged)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{traceId}")).StatusCode);
        }

        File.Delete(filler);

        Assert.Equal(HttpStatusCode.OK, (await ExportAsync(client, acknowledged)).StatusCode);
        foreach (var traceId in acknowledged)
        {
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/traces/{traceId}")).StatusCode);
        }
    }

    /// <summary>An export of 20 spans of one new trace, each with a 16 KB attribute; the trace is kept only when acknowledged.</summary>
    private static async Task<HttpResponseMessage> ExportAsync(HttpClient client, List<string> acknowledged)
    {
        var traceId = AgentRunService.NewHexId(16);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var text = new string('x', 16 * 1024);
        var spans = string.Join(",", Enumerable.Range(0, 20).Select(i => $$$"""
            {"traceId":"{{{traceId}}}","spanId":"{{{AgentRunService.NewHexId(8)}}}","name":"chat gpt-4o","startTimeUnixNano":"{{{now + i}}}","endTimeUnixNano":"{{{now + i + 1_000_000}}}",
             "attributes":[{"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},{"key":"gen_ai.prompt","value":{"stringValue":"{{{text}}}"}}]}
            """));
        var body = $$$"""{"resourceSpans":[{"scopeSpans":[{"spans":[{{{spans}}}]}]}]}""";
        var response = await client.PostAsync("/v1/traces", new StringContent(body, Encoding.UTF8, "application/json"));
        if (response.IsSuccessStatusCode)
        {
            acknowledged.Add(traceId);
        }
        return response;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {error}. The disk-full test mounts a tmpfs and needs root, as CI runs.");
        }
    }
}
