using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Telemetry;
using AgentPortal.E2E.Infrastructure;
using AgentPortal.Tests.Shared;
using Google.Protobuf;

namespace AgentPortal.Bench;

/// <summary>
/// Sustained load: the real portal process on a store seeded with spans, its maximum OTLP ingest rate
/// measured, then ingestion held at 80 % of it from this (second) process for the given time while a
/// signed-in person keeps opening the overview and an agent page. Prints the pages' latency under
/// load, the portal's peak memory, the deepest the write queue got, and every error seen.
/// </summary>
internal static class LoadBench
{
    private const string Key = "ap_benchRenderKey0123456789abcdefXYZ";
    private const int Senders = 16;
    private const int SpansPerExport = 1_000;

    public static async Task<List<Figure>> RunAsync(string work, int seedSpans, TimeSpan duration, bool scaledOut)
    {
        await using var postgres = scaledOut ? await PostgresServer.StartAsync() : null;
        await using var clickhouse = scaledOut ? await ClickHouseServer.StartAsync() : null;
        var stores = scaledOut ? "PostgreSQL + ClickHouse" : "SQLite";
        await using var portal = new DashboardProcess();
        portal.Environment["Storage__DataDirectory"] = Path.Combine(work, scaledOut ? "load-scaled" : "load");
        if (postgres is not null && clickhouse is not null)
        {
            portal.Environment["Storage__Provider"] = "Postgres";
            portal.Environment["Storage__ConnectionString"] = await postgres.CreateDatabaseAsync();
            foreach (var (key, value) in clickhouse.PortalEnvironment())
            {
                portal.Environment[key] = value;
            }
        }
        portal.Environment["Bootstrap__IngestApiKey"] = Key;
        portal.Environment["Bootstrap__AdminPassword"] = RenderBench.Password;
        portal.Environment["Logging__LogLevel__Default"] = "Warning";
        portal.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        // The bench sends far more than one key's default share.
        portal.Environment["Security__IngestRequestsPerSecond"] = "0";
        await portal.StartAsync();
        using var api = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        api.DefaultRequestHeaders.Authorization = new("Bearer", Key);

        var agentIds = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var reply = await (await api.PostAsJsonAsync("/agents/register", new { name = $"bench-agent-{i:00}", type = "custom" })).Content.ReadFromJsonAsync<JsonElement>();
            agentIds.Add(reply.GetProperty("id").GetString()!);
        }
        var seeding = Stopwatch.StartNew();
        await RenderBench.SendSpreadSpansAsync(api, agentIds, seedSpans);
        Console.WriteLine($"Seeded {seedSpans:N0} spans in {seeding.Elapsed.TotalSeconds:0} s");

        var baseAddress = portal.BaseAddress!;
        await using var browser = await BrowserSession.StartAsync(baseAddress, width: 1280, height: 800);
        await RenderBench.SignInAsync(browser);
        var cookies = new CookieContainer();
        foreach (var cookie in await browser.Context.CookiesAsync())
        {
            cookies.Add(baseAddress, new Cookie(cookie.Name, cookie.Value));
        }
        using var pages = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

        var bodies = new ExportTemplate(OtlpBench.Export(SpansPerExport, null));
        var errors = new ErrorLog();

        // The maximum: as fast as the senders go, for a fifth of the run (at least 20 s).
        var probe = TimeSpan.FromSeconds(Math.Max(20, duration.TotalSeconds / 5));
        var maxRate = await IngestAsync(api, bodies, probe, targetPerSecond: null, errors);
        var target = maxRate * 0.8;
        Console.WriteLine($"Maximum {maxRate:N0} spans/s; holding {target:N0} spans/s for {duration.TotalMinutes:0.#} min with pages opened beside it");

        using var sampling = new CancellationTokenSource();
        var samples = SampleAsync(api, portal.ProcessId!.Value, errors, sampling.Token);
        var overview = new List<double>();
        var agentPage = new List<double>();
        var visible = new List<double>();
        var browsing = BrowseAsync(pages, agentIds[0], overview, agentPage, errors, duration);
        var watching = WatchVisibilityAsync(api, visible, errors, duration);
        var achieved = await IngestAsync(api, bodies, duration, target, errors);
        await browsing;
        await watching;
        visible.Sort();
        await sampling.CancelAsync();
        var (peakRss, maxQueue) = await samples;
        overview.Sort();
        agentPage.Sort();

        return
        [
            new($"Sustained load ({stores}): maximum OTLP protobuf ingest at {seedSpans:N0} spans (16 senders, 1,000-span exports)", Stats.PerSecond(maxRate)),
            new($"Sustained load ({stores}): held at 80 % of it for {duration.TotalMinutes:0.#} min", Stats.PerSecond(achieved), Stats.PerSecond(target)),
            new($"Sustained load ({stores}): overview (24 h) under load, p50 / p95 of {overview.Count}", $"{Stats.Ms(Stats.Percentile(overview, 0.5))} / {Stats.Ms(Stats.Percentile(overview, 0.95))}", "p95 < 300 ms"),
            new($"Sustained load ({stores}): agent page (24 h) under load, p50 / p95 of {agentPage.Count}", $"{Stats.Ms(Stats.Percentile(agentPage, 0.5))} / {Stats.Ms(Stats.Percentile(agentPage, 0.95))}", "p95 < 300 ms"),
            new($"Sustained load ({stores}): ingest to visible under load (one span, then GET /traces/{{id}}), p50 / p95 of {visible.Count}", $"{Stats.Ms(Stats.Percentile(visible, 0.5))} / {Stats.Ms(Stats.Percentile(visible, 0.95))}", "p95 < 1 s"),
            new($"Sustained load ({stores}): portal peak RSS (VmHWM)", $"{peakRss / 1024.0 / 1024.0:N0} MiB"),
            new($"Sustained load ({stores}): deepest write queue seen (sampled each second)", maxQueue.ToString(CultureInfo.InvariantCulture), $"< {20_000:N0} (capacity)"),
            new($"Sustained load ({stores}): errors (non-2xx answers, failed requests)", errors.Summary, "0"),
        ];
    }

    /// <summary>Sends exports from <see cref="Senders"/> senders, paced to the target rate when given; returns spans per second.</summary>
    private static async Task<double> IngestAsync(HttpClient api, ExportTemplate bodies, TimeSpan duration, double? targetPerSecond, ErrorLog errors)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = 0L;
        var next = -1L;
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(async _ =>
        {
            while (Stopwatch.GetElapsedTime(started) < duration)
            {
                var index = Interlocked.Increment(ref next);
                if (targetPerSecond is { } rate)
                {
                    // Export n is due n × (1,000 / rate) seconds after the start.
                    var due = TimeSpan.FromSeconds(index * SpansPerExport / rate) - Stopwatch.GetElapsedTime(started);
                    if (due > TimeSpan.Zero)
                    {
                        await Task.Delay(due);
                    }
                }
                var content = new ByteArrayContent(bodies.Next());
                content.Headers.ContentType = new("application/x-protobuf");
                try
                {
                    using var response = await api.PostAsync("/v1/traces", content);
                    if (response.IsSuccessStatusCode)
                    {
                        Interlocked.Add(ref sent, SpansPerExport);
                    }
                    else
                    {
                        errors.Add($"OTLP {(int)response.StatusCode}");
                    }
                }
                catch (HttpRequestException ex)
                {
                    errors.Add("OTLP " + ex.Message);
                }
            }
        }));
        return sent / Stopwatch.GetElapsedTime(started).TotalSeconds;
    }

    /// <summary>
    /// Once a second: a one-span export of a new trace, sent among the load, then its trace polled
    /// until the API returns it; the time from sending to that answer.
    /// </summary>
    private static async Task WatchVisibilityAsync(HttpClient api, List<double> visible, ErrorLog errors, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            var traceId = AgentRunService.NewHexId(16);
            var started = Stopwatch.GetTimestamp();
            try
            {
                var content = new ByteArrayContent(OtlpBench.Export(1, traceId).ToByteArray());
                content.Headers.ContentType = new("application/x-protobuf");
                using var response = await api.PostAsync("/v1/traces", content);
                if (!response.IsSuccessStatusCode)
                {
                    errors.Add($"visibility export {(int)response.StatusCode}");
                }
                else if (await OtlpBench.PollUntilFoundAsync(api, traceId, started, pollMs: 5) is { } elapsed)
                {
                    visible.Add(elapsed);
                }
                else
                {
                    errors.Add("visibility: trace not returned within 30 s");
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                errors.Add($"visibility {ex.GetType().Name}");
            }
            await Task.Delay(1_000);
        }
    }

    /// <summary>A person keeping the overview and an agent page open: one page after the other, a second apart.</summary>
    private static async Task BrowseAsync(HttpClient pages, string agentId, List<double> overview, List<double> agentPage, ErrorLog errors, TimeSpan duration)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            foreach (var (path, times) in new[] { ("/?range=24h", overview), ($"/monitoring/agents/{agentId}?range=24h", agentPage) })
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await pages.GetAsync(path);
                    var html = await response.Content.ReadAsStringAsync();
                    if (response.StatusCode == HttpStatusCode.OK && html.Contains("tile-value", StringComparison.Ordinal))
                    {
                        times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                    }
                    else
                    {
                        errors.Add($"page {path} {(int)response.StatusCode}");
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    errors.Add($"page {path} {ex.GetType().Name}");
                }
                await Task.Delay(500);
            }
        }
    }

    /// <summary>Each second: the write queue's depth from /metrics. At the end: the portal's peak resident memory.</summary>
    private static async Task<(long PeakRss, long MaxQueue)> SampleAsync(HttpClient api, int processId, ErrorLog errors, CancellationToken cancellationToken)
    {
        var maxQueue = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var metrics = await api.GetStringAsync("/metrics", cancellationToken);
                foreach (var line in metrics.Split('\n'))
                {
                    if (line.StartsWith("ingestion_queue_depth", StringComparison.Ordinal)
                        && double.TryParse(line[(line.LastIndexOf(' ') + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var depth))
                    {
                        maxQueue = Math.Max(maxQueue, (long)depth);
                    }
                }
                await Task.Delay(1_000, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (HttpRequestException ex)
            {
                errors.Add("metrics " + ex.Message);
            }
        }
        var status = await File.ReadAllLinesAsync($"/proc/{processId}/status", CancellationToken.None);
        var hwm = status.First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kib = long.Parse(hwm.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
        return (kib * 1024, maxQueue);
    }

    /// <summary>
    /// One serialized export, sent again and again with new trace and span ids written over the old
    /// ones in place (protobuf ids are fixed-length bytes), so every span is new to the store and the
    /// load generator spends its CPU on a copy, not on building messages.
    /// </summary>
    private sealed class ExportTemplate
    {
        private readonly byte[] _template;
        private readonly List<(int Offset, int Length)> _ids = [];

        public ExportTemplate(AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest export)
        {
            _template = export.ToByteArray();
            var from = 0;
            foreach (var span in export.ResourceSpans.SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans))
            {
                foreach (var id in new[] { span.TraceId, span.SpanId })
                {
                    var offset = _template.AsSpan(from).IndexOf(id.Span) + from;
                    _ids.Add((offset, id.Length));
                    from = offset + id.Length;
                }
            }
        }

        public byte[] Next()
        {
            var body = (byte[])_template.Clone();
            foreach (var (offset, length) in _ids)
            {
                Random.Shared.NextBytes(body.AsSpan(offset, length));
            }
            return body;
        }
    }

    /// <summary>Errors by kind, counted.</summary>
    private sealed class ErrorLog
    {
        private readonly Dictionary<string, int> _counts = [];

        public void Add(string kind)
        {
            lock (_counts)
            {
                _counts[kind] = _counts.GetValueOrDefault(kind) + 1;
            }
        }

        public string Summary
        {
            get
            {
                lock (_counts)
                {
                    return _counts.Count == 0 ? "0" : string.Join("; ", _counts.Select(c => $"{c.Value} × {c.Key}"));
                }
            }
        }
    }
}
