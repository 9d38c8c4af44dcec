using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Core.Telemetry;
using AgentPortal.E2E.Infrastructure;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Playwright;

namespace AgentPortal.Bench;

/// <summary>
/// Page speed with a full store: seeds spans spread over 30 days for 20 agents through OTLP, runs
/// through the trace API and one 10,000-span trace, then times the server render of the overview and
/// an agent page (the prerendered HTML, which loads all their data) and how long the big trace page
/// takes to become interactive in Debian's chromium.
/// </summary>
internal static class RenderBench
{
    private const string Key = "ap_benchRenderKey0123456789abcdefXYZ";
    internal const string Password = "bench-render-password-1";
    private const int Agents = 20;
    private const int SpansPerTrace = 10;
    private const int SpansPerExport = 1_000;
    private static readonly string[] s_errors = ["RateLimitError: slow down", "Timeout after 30 s", "ContextWindowExceededError", "SQL failed: no such table", "upstream 502"];

    public static async Task<List<Figure>> RunAsync(string work, int spans, int samples)
    {
        await using var portal = new DashboardProcess();
        portal.Environment["Storage__DataDirectory"] = Path.Combine(work, "render");
        portal.Environment["Bootstrap__IngestApiKey"] = Key;
        portal.Environment["Bootstrap__AdminPassword"] = Password;
        portal.Environment["Logging__LogLevel__Default"] = "Warning";
        portal.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        await portal.StartAsync();
        using var api = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        api.DefaultRequestHeaders.Authorization = new("Bearer", Key);

        var seeding = Stopwatch.StartNew();
        var agentIds = new List<string>();
        for (var i = 0; i < Agents; i++)
        {
            var reply = await (await api.PostAsJsonAsync("/agents/register", new { name = $"bench-agent-{i:00}", type = i % 2 == 0 ? "vanna" : "langflow" })).Content.ReadFromJsonAsync<JsonElement>();
            agentIds.Add(reply.GetProperty("id").GetString()!);
        }
        await SendSpreadSpansAsync(api, agentIds, spans);
        for (var i = 0; i < 500; i++)
        {
            await RunAsync(api, agentIds[0], i % 10 == 0 ? s_errors[i % s_errors.Length] : null, 0);
        }
        var bigTrace = await RunAsync(api, agentIds[0], null, 10_000);
        var hugeTrace = await RunAsync(api, agentIds[0], null, 100_000);
        using (var stats = JsonDocument.Parse(await api.GetStringAsync($"/agents/{agentIds[0]}/stats?from={DateTime.UtcNow.AddDays(-31):O}")))
        {
            Console.WriteLine($"Seeded {spans:N0} spans over 30 days + 500 runs + traces of 10,000 and 100,000 spans in {seeding.Elapsed.TotalSeconds:0} s; agent 0 has {stats.RootElement.GetProperty("llm_calls").GetInt64():N0} LLM calls in 31 days");
        }

        var baseAddress = portal.BaseAddress!;
        await using var browser = await BrowserSession.StartAsync(baseAddress, width: 1920, height: 1080);
        await SignInAsync(browser);
        var cookies = new CookieContainer();
        foreach (var cookie in await browser.Context.CookiesAsync())
        {
            cookies.Add(baseAddress, new System.Net.Cookie(cookie.Name, cookie.Value));
        }
        using var pages = new HttpClient(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = baseAddress };

        var figures = new List<Figure>();
        foreach (var (label, path) in new[]
        {
            ("overview, 24 hours", "/?range=24h"),
            ("overview, 30 days", "/?range=30d"),
            ("agent page, 24 hours", $"/monitoring/agents/{agentIds[0]}?range=24h"),
            ("agent page, 30 days", $"/monitoring/agents/{agentIds[0]}?range=30d"),
        })
        {
            var times = await TimePageAsync(pages, path, samples);
            figures.Add(new($"Server render, {label} ({spans:N0} spans, SQLite) p50 / p95", $"{Stats.Ms(Stats.Percentile(times, 0.5))} / {Stats.Ms(Stats.Percentile(times, 0.95))}", "p95 < 300 ms"));
        }

        var (aspirePath, aspireMissing) = AspireDashboard.Find();
        await using var aspire = aspirePath is null ? null : await AspireDashboard.StartAsync(aspirePath);
        foreach (var (label, size, traceId) in new[] { ("10,000", 10_000, bigTrace), ("100,000", 100_000, hugeTrace) })
        {
            var (first, warm) = await TimeTraceAsync(browser, traceId);
            var ours = Stats.Percentile(warm, 0.5);
            figures.Add(new($"{label}-span trace page: navigation start until row 5,000 is clicked and its detail shown (chromium), first open / warm p50 of 5",
                $"{Stats.Ms(first)} / {Stats.Ms(ours)}", size == 10_000 ? "< 1 s" : "< 3 s"));
            if (aspire is null)
            {
                figures.Add(new($"Aspire Dashboard {AspireDashboard.Version}, same {label}-span trace", $"not run: {aspireMissing}"));
                continue;
            }
            var (peerTrace, exports) = PeerTrace(size);
            await aspire.SendAsync(exports);
            var (peerFirst, peerWarm) = await aspire.TimeTraceAsync(browser.Page, peerTrace);
            var theirs = Stats.Percentile(peerWarm, 0.5);
            figures.Add(new($"Aspire Dashboard {AspireDashboard.Version}, same {label}-span trace, same steps, first open / warm p50 of 5",
                $"{Stats.Ms(peerFirst)} / {Stats.Ms(theirs)} (AgentPortal takes {ours / theirs:0.00}x its warm time, {first / peerFirst:0.00}x its first open)"));
        }
        return figures;
    }

    /// <summary>
    /// Opens the trace page, scrolls its span list to row 5,000, clicks that row and waits for its detail:
    /// the first open, then five warm ones.
    /// </summary>
    private static async Task<(double First, List<double> Warm)> TimeTraceAsync(BrowserSession browser, string traceId)
    {
        const int Row = 5_000;
        const int RowHeight = 34;
        var page = browser.Page;
        var times = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            var clock = Stopwatch.StartNew();
            await page.GotoAsync($"/monitoring/traces/{traceId}", new() { WaitUntil = WaitUntilState.Commit });
            await browser.WaitForInteractiveAsync();
            var list = page.GetByRole(AriaRole.Tree);
            await list.EvaluateAsync($"(tree, top) => tree.scrollTop = top", Row * RowHeight);
            // The virtualised list draws the rows around the new scroll position; the first fully shown one is row 5,000.
            var target = await page.WaitForFunctionAsync($$"""
                () => {
                    const tree = document.querySelector('[role=tree]');
                    const rows = [...tree.querySelectorAll('[role=treeitem]')];
                    const top = tree.getBoundingClientRect().top;
                    const row = rows.find(r => r.getBoundingClientRect().top >= top - 1);
                    return row && tree.scrollTop > 0 ? row.dataset.spanId : null;
                }
                """);
            var spanId = await target.JsonValueAsync<string>();
            var row = page.Locator($"[role=treeitem][data-span-id='{spanId}']");
            await row.ClickAsync();
            await Assertions.Expect(row).ToHaveAttributeAsync("aria-selected", "true");
            await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Span", Exact = true })).ToContainTextAsync(spanId);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        var warm = times.Skip(1).Order().ToList();
        return (times[0], warm);
    }

    private static async Task<List<double>> TimePageAsync(HttpClient pages, string path, int samples)
    {
        var times = new List<double>();
        for (var i = 0; i < samples + 5; i++)
        {
            var started = Stopwatch.GetTimestamp();
            using var response = await pages.GetAsync(path);
            var html = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.OK || !html.Contains("tile-value", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"{path} answered {(int)response.StatusCode} without the usage tiles; is the bench signed in?");
            }
            if (i >= 5)
            {
                times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }
        times.Sort();
        return times;
    }

    internal static async Task SignInAsync(BrowserSession browser)
    {
        var page = browser.Page;
        await page.GotoAsync("/");
        await page.WaitForURLAsync("**/account/login**");
        await page.GetByLabel("Email").FillAsync("admin@agentportal.local");
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync(url => new Uri(url).AbsolutePath == "/");
    }

    /// <summary>Traces of one root and nine LLM calls, start times spread evenly over the last 30 days.</summary>
    internal static async Task SendSpreadSpansAsync(HttpClient api, List<string> agentIds, int spans)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L;
        var step = TimeSpan.FromDays(30).Ticks * 100 / (spans / SpansPerTrace);
        var exports = spans / SpansPerExport;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < exports)
            {
                var scope = new ScopeSpans();
                for (var t = 0; t < SpansPerExport / SpansPerTrace; t++)
                {
                    var traceNumber = (long)index * (SpansPerExport / SpansPerTrace) + t;
                    var start = now - (traceNumber * step) - 60_000_000_000L;
                    var agent = agentIds[(int)(traceNumber % agentIds.Count)];
                    AddTrace(scope, agent, (ulong)start, traceNumber);
                }
                var content = new ByteArrayContent(new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } }.ToByteArray());
                content.Headers.ContentType = new("application/x-protobuf");
                using var response = await api.PostAsync("/v1/traces", content);
                response.EnsureSuccessStatusCode();
            }
        }));
    }

    private static void AddTrace(ScopeSpans scope, string agentId, ulong start, long traceNumber)
    {
        var traceId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(16)));
        var rootId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8)));
        var root = new Span { TraceId = traceId, SpanId = rootId, Name = "workflow", Kind = Span.Types.SpanKind.Internal, StartTimeUnixNano = start, EndTimeUnixNano = start + 3_000_000_000 };
        root.Attributes.Add(Attribute("metadata.agent_id", agentId));
        scope.Spans.Add(root);
        for (var i = 1; i < SpansPerTrace; i++)
        {
            var failed = (traceNumber * SpansPerTrace + i) % 20 == 0;
            var call = new Span
            {
                TraceId = traceId,
                SpanId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
                ParentSpanId = rootId,
                Name = "chat gpt-4o-mini",
                Kind = Span.Types.SpanKind.Client,
                StartTimeUnixNano = start + (ulong)i * 300_000_000,
                EndTimeUnixNano = start + (ulong)i * 300_000_000 + 250_000_000,
                Status = failed ? new Status { Code = Status.Types.StatusCode.Error, Message = s_errors[(int)(traceNumber % s_errors.Length)] } : null,
            };
            foreach (var (key, value) in new[] { ("gen_ai.operation.name", "chat"), ("gen_ai.request.model", i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini"), ("metadata.agent_id", agentId) })
            {
                call.Attributes.Add(Attribute(key, value));
            }
            call.Attributes.Add(new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = 120 } });
            call.Attributes.Add(new KeyValue { Key = "gen_ai.usage.output_tokens", Value = new AnyValue { IntValue = 40 } });
            scope.Spans.Add(call);
        }
    }

    /// <summary>A run through the trace API with <paramref name="children"/> spans under it (tools with LLM calls); returns its trace id.</summary>
    private static async Task<string> RunAsync(HttpClient api, string agentId, string? error, int children)
    {
        var run = await (await api.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "How many orders last week?" })).Content.ReadFromJsonAsync<JsonElement>();
        var traceId = run.GetProperty("trace_id").GetString()!;
        var rootId = ByteString.CopyFrom(Convert.FromHexString(run.GetProperty("span_id").GetString()!));
        foreach (var export in Exports(traceId, rootId, children))
        {
            var content = new ByteArrayContent(export.ToByteArray());
            content.Headers.ContentType = new("application/x-protobuf");
            (await api.PostAsync("/v1/traces", content)).EnsureSuccessStatusCode();
        }
        (await api.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = error is null ? "ok" : "error", error })).EnsureSuccessStatusCode();
        return traceId;
    }

    /// <summary>The spans under a run's root: every tenth a tool, the nine after it LLM calls under that tool, in exports of 1,000.</summary>
    private static IEnumerable<ExportTraceServiceRequest> Exports(string traceId, ByteString rootId, int children)
    {
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        ByteString? tool = null;
        for (var sent = 0; sent < children; sent += SpansPerExport)
        {
            var scope = new ScopeSpans();
            for (var i = sent; i < Math.Min(children, sent + SpansPerExport); i++)
            {
                var id = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8)));
                var isTool = i % 10 == 0;
                var span = new Span
                {
                    TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
                    SpanId = id,
                    ParentSpanId = isTool ? rootId : tool!,
                    Name = isTool ? $"tool run_sql #{i / 10}" : "chat gpt-4o-mini",
                    Kind = isTool ? Span.Types.SpanKind.Internal : Span.Types.SpanKind.Client,
                    StartTimeUnixNano = now + (ulong)i * 1_000_000,
                    EndTimeUnixNano = now + (ulong)i * 1_000_000 + 900_000,
                };
                if (!isTool)
                {
                    span.Attributes.Add(Attribute("gen_ai.operation.name", "chat"));
                    span.Attributes.Add(Attribute("gen_ai.request.model", "gpt-4o-mini"));
                }
                tool = isTool ? id : tool;
                scope.Spans.Add(span);
            }
            yield return new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } };
        }
    }

    /// <summary>The same trace for the peer: a root span and its children, under a new trace id.</summary>
    private static (string TraceId, IEnumerable<ExportTraceServiceRequest> Exports) PeerTrace(int children)
    {
        var traceId = AgentRunService.NewHexId(16);
        var rootId = ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8)));
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var root = new Span
        {
            TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
            SpanId = rootId,
            Name = "invoke_agent bench-agent-00",
            Kind = Span.Types.SpanKind.Internal,
            StartTimeUnixNano = now,
            EndTimeUnixNano = now + (ulong)children * 1_000_000 + 1_000_000,
        };
        var first = new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { new ScopeSpans { Spans = { root } } } } } };
        // The peer lists spans under the resource that sent them, and shows none without one.
        var resource = new AgentPortal.Core.Otlp.Proto.Resource.Resource { Attributes = { Attribute("service.name", "bench-agent-00") } };
        return (traceId, Exports(traceId, rootId, children).Prepend(first).Select(export =>
        {
            foreach (var spans in export.ResourceSpans)
            {
                spans.Resource = resource;
            }
            return export;
        }));
    }

    private static KeyValue Attribute(string key, string value) => new() { Key = key, Value = new AnyValue { StringValue = value } };
}
