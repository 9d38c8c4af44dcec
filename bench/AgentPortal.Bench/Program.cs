using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Bench;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Telemetry;
using AgentPortal.Core.Telemetry.ClickHouse;
using AgentPortal.Core.Telemetry.Sqlite;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

// AgentPortal benchmarks: prints one table of figures. Everything runs on 127.0.0.1 with bounded loops.
// Usage: dotnet run -c Release --project bench/AgentPortal.Bench [-- --quick] [--only registry|http|writer|otlp|otlp-sqlite|otlp-clickhouse|otlp-inproc|otlp-runs|load [--scaled-out] [--minutes N]|design|design-keys|append|render]
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var results = new List<Figure>();
var work = Path.Combine(Path.GetTempPath(), "agentportal-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
Console.WriteLine($"AgentPortal benchmarks on {Environment.ProcessorCount} cores, {(quick ? "quick" : "full")} run, {DateTime.UtcNow:u}");

try
{
    if (only is null or "registry")
    {
        results.AddRange(await RegistryBench.RunAsync(work, quick ? 500 : 5_000));
    }
    if (only is null or "http")
    {
        results.AddRange(await HttpRunBench.RunAsync(work, quick ? 2_000 : 20_000));
    }
    if (only is null or "writer")
    {
        results.AddRange(await WriterRunBench.RunAsync(work, quick ? 2_000 : 20_000));
    }
    if (only is null or "otlp" or "otlp-sqlite")
    {
        // 8 senders as a few collectors would send; 32 to load the single writer fully.
        results.AddRange(await OtlpBench.CompareAsync(work, "Sqlite", quick ? 50_000 : 500_000, [8, 32], peerSpans: quick ? 10_000 : 50_000));
    }
    if (only is null or "otlp" or "otlp-clickhouse")
    {
        results.AddRange(await OtlpBench.CompareAsync(work, "ClickHouse", quick ? 50_000 : 500_000, [8, 32], peerSpans: 0));
    }
    if (only is "otlp-inproc")
    {
        results.AddRange(await OtlpBench.InProcessAsync(work, quick ? 50_000 : 300_000));
    }
    if (only is "load")
    {
        // Not in the full run: it takes five minutes on its own (one with --quick, or --minutes N).
        var scaledOut = args.Contains("--scaled-out");
        var minutes = args.SkipWhile(a => a != "--minutes").Skip(1).Select(m => double.Parse(m, CultureInfo.InvariantCulture)).FirstOrDefault(quick ? 1 : 5);
        results.AddRange(await LoadBench.RunAsync(work, quick ? 100_000 : 1_000_000, TimeSpan.FromMinutes(minutes), scaledOut));
    }
    if (only is "design")
    {
        // Not in the full run: a measurement that chose between embedded span stores.
        results.AddRange(await SpanStoreDesignBench.RunAsync(work, quick ? 200_000 : 1_000_000));
    }
    if (only is "design-keys")
    {
        // Not in the full run: where the embedded store's write time goes, by how the span key is kept.
        results.AddRange(await SpanKeyIndexBench.RunAsync(work, quick ? 300_000 : 3_000_000));
    }
    if (only is "otlp-runs")
    {
        results.AddRange(await RunLinkBench.RunAsync(work, quick ? 50_000 : 200_000));
    }
    if (only is null or "render")
    {
        results.AddRange(await RenderBench.RunAsync(work, quick ? 100_000 : 1_000_000, quick ? 20 : 40));
    }
    if (only is null or "append")
    {
        results.AddRange(await AppendBench.RunSqliteAsync(work, quick ? 20_000 : 200_000));
        results.AddRange(await AppendBench.RunClickHouseAsync(quick ? 20_000 : 200_000));
    }
}
finally
{
    SqliteConnection.ClearAllPools();
    Directory.Delete(work, recursive: true);
}

Console.WriteLine();
Console.WriteLine($"| {"measure",-72} | {"value",14} | {"target",-22} |");
Console.WriteLine($"|{new string('-', 74)}|{new string('-', 16)}|{new string('-', 24)}|");
foreach (var figure in results)
{
    Console.WriteLine($"| {figure.Name,-72} | {figure.Value,14} | {figure.Target,-22} |");
}

namespace AgentPortal.Bench
{
    internal sealed record Figure(string Name, string Value, string Target = "");

    internal static class Stats
    {
        public static double Percentile(List<double> sorted, double q) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(q * sorted.Count) - 1)];

        public static string Ms(double value) => value.ToString("0.000", CultureInfo.InvariantCulture) + " ms";

        public static string PerSecond(double value) => value.ToString("N0", CultureInfo.InvariantCulture) + " /s";
    }

    internal static class RegistryBench
    {
        public static async Task<List<Figure>> RunAsync(string work, int iterations)
        {
            var figures = new List<Figure>();
            figures.AddRange(await MeasureAsync("SQLite", new StorageOptions(), Path.Combine(work, "registry"), iterations));
            await using var postgres = await PostgresServer.StartAsync();
            figures.AddRange(await MeasureAsync("PostgreSQL", new StorageOptions { Provider = "Postgres", ConnectionString = await postgres.CreateDatabaseAsync() }, work, iterations));
            return figures;
        }

        private static async Task<List<Figure>> MeasureAsync(string label, StorageOptions storage, string folder, int iterations)
        {
            Directory.CreateDirectory(folder);
            var contexts = new PortalDbContextFactory(Options.Create(storage), new PortalPaths(folder), NullLoggerFactory.Instance);
            await using (var db = contexts.CreateDbContext())
            {
                await db.Database.MigrateAsync();
            }
            var request = new RegisterAgentRequest { Name = "bench-agent", Type = AgentType.Custom };
            var cached = new AgentRegistry(contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);
            await cached.RegisterOrGetAsync(request, CancellationToken.None);

            var warm = new List<double>(iterations);
            var cold = new List<double>(iterations);
            for (var i = 0; i < iterations; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await cached.RegisterOrGetAsync(request, CancellationToken.None);
                warm.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);

                // A new cache each time: the lookup goes to the database, as after a restart or on another replica.
                var uncached = new AgentRegistry(contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);
                started = Stopwatch.GetTimestamp();
                await uncached.RegisterOrGetAsync(request, CancellationToken.None);
                cold.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            warm.Sort();
            cold.Sort();
            return
            [
                new($"register-or-get, cached ({label}) p50", Stats.Ms(Stats.Percentile(warm, 0.5))),
                new($"register-or-get, cached ({label}) p99", Stats.Ms(Stats.Percentile(warm, 0.99)), "< 2 ms"),
                new($"register-or-get, uncached ({label}) p50", Stats.Ms(Stats.Percentile(cold, 0.5))),
                new($"register-or-get, uncached ({label}) p99", Stats.Ms(Stats.Percentile(cold, 0.99))),
            ];
        }
    }

    internal static class HttpRunBench
    {
        private const string Key = "ap_benchIngestKey0123456789abcdefXYZ";

        public static async Task<List<Figure>> RunAsync(string work, int pairs)
        {
            await using var portal = new DashboardProcess();
            portal.Environment["Storage__DataDirectory"] = Path.Combine(work, "http-data");
            portal.Environment["Bootstrap__IngestApiKey"] = Key;
            portal.Environment["Logging__LogLevel__Default"] = "Warning";
            portal.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
            await portal.StartAsync();

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256 }) { BaseAddress = portal.BaseAddress };
            http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
            using var registered = JsonDocument.Parse(await (await http.PostAsJsonAsync("/agents/register", new { name = "bench-http", type = "custom" })).Content.ReadAsStringAsync());
            var id = registered.RootElement.GetProperty("id").GetString();

            var startBody = Encoding.UTF8.GetBytes("""{"input":"q"}""");
            async Task PairAsync()
            {
                using var startContent = new ByteArrayContent(startBody);
                startContent.Headers.ContentType = new("application/json");
                using var start = await http.PostAsync($"/agents/{id}/trace/start", startContent);
                start.EnsureSuccessStatusCode();
                using var started = JsonDocument.Parse(await start.Content.ReadAsByteArrayAsync());
                using var endContent = new ByteArrayContent(Encoding.UTF8.GetBytes($$"""{"trace_id":"{{started.RootElement.GetProperty("trace_id").GetString()}}","status":"ok"}"""));
                endContent.Headers.ContentType = new("application/json");
                using var end = await http.PostAsync($"/agents/{id}/trace/end", endContent);
                end.EnsureSuccessStatusCode();
            }

            for (var i = 0; i < 200; i++)
            {
                await PairAsync();
            }
            var concurrency = int.Parse(Environment.GetEnvironmentVariable("BENCH_CLIENTS") ?? "128", CultureInfo.InvariantCulture);
            var next = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= pairs)
                {
                    await PairAsync();
                }
            }));
            var seconds = clock.Elapsed.TotalSeconds;
            using var stats = JsonDocument.Parse(await http.GetStringAsync($"/agents/{id}/stats"));
            var stored = stats.RootElement.GetProperty("runs").GetInt64();
            var figures = new List<Figure>
            {
                new($"trace start+end pairs, .NET HttpClient load ({concurrency} clients)", Stats.PerSecond(pairs / seconds), ">= 5,000 /s"),
                new("  runs stored by those pairs (check)", stored.ToString(CultureInfo.InvariantCulture), $"{pairs + 200}"),
            };
            figures.AddRange(await WrkAsync(portal.BaseAddress!, id!));
            return figures;
        }

        /// <summary>
        /// The same pairs driven by wrk (Debian's package) from a second process: a C load generator
        /// takes far less of the two cores than HttpClient, so this is closer to what the portal can serve.
        /// </summary>
        private static async Task<List<Figure>> WrkAsync(Uri baseAddress, string agentId)
        {
            if (!File.Exists("/usr/bin/wrk"))
            {
                return [new("trace start+end pairs, wrk load", "not measured", "apt-get install wrk")];
            }
            var script = Path.Combine(Path.GetTempPath(), $"agentportal-pairs-{Guid.NewGuid():N}.lua");
            await File.WriteAllTextAsync(script, $$"""
                -- Each thread keeps a queue of started runs and ends them in turn.
                local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer {{Key}}" }
                local queue, first, last, ended = {}, 1, 0, 0
                request = function()
                  if first <= last then
                    local id = queue[first]; queue[first] = nil; first = first + 1
                    return wrk.format("POST", "/agents/{{agentId}}/trace/end", headers, '{"trace_id":"' .. id .. '","status":"ok"}')
                  end
                  return wrk.format("POST", "/agents/{{agentId}}/trace/start", headers, '{"input":"q"}')
                end
                response = function(status, _, body)
                  if status == 201 then
                    local id = string.match(body, '"trace_id":"(%x+)"')
                    if id then last = last + 1; queue[last] = id end
                  end
                end
                """);
            try
            {
                var output = await RunAsync("/usr/bin/wrk", ["-t2", "-c64", "-d15s", "-s", script, baseAddress.ToString().TrimEnd('/')]);
                var requests = double.Parse(System.Text.RegularExpressions.Regex.Match(output, @"Requests/sec:\s+([\d.]+)").Groups[1].Value, CultureInfo.InvariantCulture);
                var failed = System.Text.RegularExpressions.Regex.Match(output, @"Non-2xx or 3xx responses: (\d+)") is { Success: true } m ? m.Groups[1].Value : "0";
                var latency = System.Text.RegularExpressions.Regex.Match(output, @"Latency\s+(\S+)").Groups[1].Value;
                return
                [
                    new("trace start+end pairs, wrk load (2 threads, 64 connections, 15 s)", Stats.PerSecond(requests / 2), ">= 5,000 /s"),
                    new("  wrk mean request latency / failed responses", $"{latency} / {failed}", "0 failed"),
                ];
            }
            finally
            {
                File.Delete(script);
            }
        }

        private static async Task<string> RunAsync(string program, string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return output;
        }
    }

    /// <summary>The same start+end pairs without HTTP: what the store and writer alone can do.</summary>
    internal static class WriterRunBench
    {
        public static async Task<List<Figure>> RunAsync(string work, int pairs)
        {
            await using var store = new SqliteTelemetryStore(Path.Combine(work, "runs.db"));
            await store.InitializeAsync(CancellationToken.None);
            var writer = new TelemetryWriter(store, Microsoft.Extensions.Options.Options.Create(new TracingOptions()), NullLogger<TelemetryWriter>.Instance);
            await writer.StartAsync(CancellationToken.None);
            var next = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
            {
                while (Interlocked.Increment(ref next) <= pairs)
                {
                    var now = AgentRunService.ToUnixNano(DateTime.UtcNow);
                    var traceId = AgentRunService.NewHexId(16);
                    await writer.WriteAsync(new TelemetryWrite.StartRun(new RunStart { TraceId = traceId, SpanId = AgentRunService.NewHexId(8), AgentId = "a", AgentName = "a", ProjectId = "p", StartedUnixNano = now, Input = "q" }));
                    await writer.WriteAsync(new TelemetryWrite.EndRun(new RunEnd { TraceId = traceId, AgentId = "a", EndedUnixNano = now + 1000, Status = RunStatus.Ok }));
                }
            }));
            var perSecond = pairs / clock.Elapsed.TotalSeconds;
            await writer.StopAsync(CancellationToken.None);
            return [new("trace start+end pairs through the writer, no HTTP (SQLite, 64 callers)", Stats.PerSecond(perSecond))];
        }
    }

    /// <summary>OTLP/HTTP protobuf exports of 1,000 spans each, from concurrent senders, into the real portal process.</summary>
    internal static class OtlpBench
    {
        private const string Key = "ap_benchOtlpKey0123456789abcdefXYZ";
        private const int SpansPerExport = 1_000;
        private const int InProcessSenders = 8;

        /// <summary>
        /// Side by side in one run, each on a fresh portal (and, for ClickHouse, its own database on one
        /// server): OTLP/HTTP protobuf and OTLP/gRPC with each number of senders; for ClickHouse, the raw
        /// ceiling of the same rows on the same server; for SQLite, the .NET Aspire Dashboard taking the
        /// same exports over OTLP/HTTP.
        /// </summary>
        public static async Task<List<Figure>> CompareAsync(string work, string provider, int spans, int[] senderCounts, int peerSpans)
        {
            await using var clickhouse = provider == "ClickHouse" ? await ClickHouseServer.StartAsync() : null;
            var figures = new List<Figure>();
            var httpBySenders = new Dictionary<int, double>();
            foreach (var senders in senderCounts)
            {
                var (httpFigures, http) = await RunAsync(work, provider, clickhouse, spans, senders, grpc: false);
                var (grpcFigures, grpc) = await RunAsync(work, provider, clickhouse, spans, senders, grpc: true);
                figures.AddRange(httpFigures);
                figures.AddRange(grpcFigures);
                figures.Add(new($"  OTLP/gRPC / OTLP/HTTP ({provider}, {senders} senders)", (grpc / http).ToString("P0", CultureInfo.InvariantCulture), ">= 90%"));
                httpBySenders[senders] = http;
            }
            if (clickhouse is not null)
            {
                // The same rows as one batch through a fresh store on the same server: no HTTP, no
                // protobuf, no write queue, one duplicate check and one insert per table.
                using var ceilingStore = new ClickHouseTelemetryStore(new ClickHouseOptions { Url = clickhouse.Url, Database = "bench_otlp_ceiling", User = ClickHouseServer.User, Password = ClickHouseServer.Password });
                await ceilingStore.InitializeAsync(CancellationToken.None);
                var rows = await MapAsync(work, Exports(spans / SpansPerExport));
                var clock = Stopwatch.StartNew();
                foreach (var batch in rows.Chunk(100_000))
                {
                    await ceilingStore.WriteBatchAsync([new TelemetryWrite.AppendSpans([.. batch])], CancellationToken.None);
                }
                var ceiling = rows.Count / clock.Elapsed.TotalSeconds;
                figures.Add(new("ClickHouse raw ceiling: the same rows, batches of 100,000, same server", Stats.PerSecond(ceiling)));
                figures.Add(new("  best OTLP/HTTP ingest / raw ceiling (ClickHouse)", (httpBySenders.Values.Max() / ceiling).ToString("P0", CultureInfo.InvariantCulture), ">= 70%"));
            }
            if (peerSpans > 0)
            {
                figures.AddRange(await PeerAsync(peerSpans, senderCounts[^1], httpBySenders[senderCounts[^1]]));
            }
            return figures;
        }

        /// <summary>
        /// The .NET Aspire Dashboard (in memory, writes nothing to disk) taking the same exports from the
        /// same number of senders over OTLP/HTTP protobuf; fewer of them, because it takes them slowly.
        /// </summary>
        private static async Task<List<Figure>> PeerAsync(int spans, int senders, double portal)
        {
            var (path, missing) = AspireDashboard.Find();
            if (path is null)
            {
                return [new("OTLP ingest into the .NET Aspire Dashboard", "not run", missing!)];
            }
            await using var aspire = await AspireDashboard.StartAsync(path);
            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var exports = Exports(spans / SpansPerExport).ConvertAll(e => e.ToByteArray());
            Task Send(byte[] body) => SendAsync(http, body, aspire.Otlp);
            await SendAllAsync(Exports(WarmUpExports / 10).ConvertAll(e => e.ToByteArray()), senders, Send);
            var perSecond = exports.Count * SpansPerExport / (await SendAllAsync(exports, senders, Send)).TotalSeconds;
            return
            [
                new($"OTLP protobuf ingest into the .NET Aspire Dashboard {AspireDashboard.Version} ({senders} senders, {spans:N0} spans)", Stats.PerSecond(perSecond)),
                new($"  AgentPortal (SQLite, durable) / Aspire Dashboard (memory), {senders} senders each", (portal / perSecond).ToString("0.0", CultureInfo.InvariantCulture) + "x"),
            ];
        }

        /// <summary>The exports' spans as the ingestion service maps them, for the raw ceiling.</summary>
        private static async Task<List<SpanRecord>> MapAsync(string work, List<AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest> exports)
        {
            var capture = new CapturingStore();
            var (otlp, writer) = await InProcessServiceAsync(capture, Path.Combine(work, "otlp-map"));
            foreach (var export in exports)
            {
                await otlp.ExportAsync(export, "default-project", CancellationToken.None);
            }
            await writer.StopAsync(CancellationToken.None);
            return capture.Spans;
        }

        private static async Task<(List<Figure> Figures, double PerSecond)> RunAsync(string work, string provider, ClickHouseServer? clickhouse, int spans, int senders, bool grpc)
        {
            var protocol = grpc ? "OTLP/gRPC" : "OTLP/HTTP protobuf";
            var name = $"otlp-{provider}-{senders}-{(grpc ? "grpc" : "http")}";
            await using var portal = new DashboardProcess();
            portal.Environment["Storage__DataDirectory"] = Path.Combine(work, name);
            portal.Environment["Bootstrap__IngestApiKey"] = Key;
            portal.Environment["Logging__LogLevel__Default"] = "Warning";
            portal.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
            var grpcPort = LoopbackPort.Free();
            portal.Environment["Api__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}";
            if (clickhouse is not null)
            {
                foreach (var (key, value) in clickhouse.PortalEnvironment(name.Replace('-', '_').ToLowerInvariant()))
                {
                    portal.Environment[key] = value;
                }
            }
            await portal.StartAsync();
            using var http = new HttpClient { BaseAddress = portal.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
            http.DefaultRequestHeaders.Authorization = new("Bearer", Key);
            // As Grpc.Net.Client sets it up: HTTP/2 without TLS, more connections once one has 100 streams.
            using var h2c = new HttpClient(new SocketsHttpHandler { EnableMultipleHttp2Connections = true })
            {
                BaseAddress = new Uri($"http://127.0.0.1:{grpcPort}"),
                Timeout = TimeSpan.FromMinutes(2),
            };

            byte[] Body(AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest export) => grpc ? OtlpGrpcCall.Frame(export.ToByteArray()) : export.ToByteArray();
            Task Send(byte[] body) => grpc ? SendGrpcAsync(h2c, body) : SendAsync(http, body);
            await SendAllAsync(Exports(WarmUpExports).ConvertAll(Body), senders, Send);
            var exports = Exports(spans / SpansPerExport).ConvertAll(Body);
            var perSecond = exports.Count * SpansPerExport / (await SendAllAsync(exports, senders, Send)).TotalSeconds;
            // The embedded store's target is for 32 senders; ClickHouse's is its ratio to the raw ceiling.
            var target = provider == "Sqlite" && senders == 32 ? ">= 100,000 /s" : "";
            var figures = new List<Figure> { new($"{protocol} ingest over loopback ({provider}, {senders} senders x {SpansPerExport} spans)", Stats.PerSecond(perSecond), target) };
            if (!grpc)
            {
                // Ingest to queryable: send one span, then poll its trace until it is returned.
                var latencies = new List<double>();
                for (var i = 0; i < 50; i++)
                {
                    var traceId = AgentRunService.NewHexId(16);
                    var started = Stopwatch.GetTimestamp();
                    await SendAsync(http, Export(1, traceId).ToByteArray());
                    latencies.Add(await PollUntilFoundAsync(http, traceId, started) ?? throw new InvalidOperationException($"Trace {traceId} was acknowledged but not returned within 30 s."));
                }
                latencies.Sort();
                figures.Add(new($"  ingest to queryable p50 / p95 ({provider}, 50 single-span exports)", $"{Stats.Ms(Stats.Percentile(latencies, 0.5))} / {Stats.Ms(Stats.Percentile(latencies, 0.95))}", "p95 < 1 s"));
            }
            return (figures, perSecond);
        }

        /// <summary>
        /// Polls GET /traces/{id} every <paramref name="pollMs"/> until it answers 200, bounded at 30 s;
        /// the milliseconds since <paramref name="started"/>, or null.
        /// </summary>
        internal static async Task<double?> PollUntilFoundAsync(HttpClient api, string traceId, long started, int pollMs = 1)
        {
            var deadline = started + 30 * Stopwatch.Frequency;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                using var found = await api.GetAsync($"/traces/{traceId}");
                if (found.StatusCode == System.Net.HttpStatusCode.OK)
                {
                    return Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                }
                await Task.Delay(pollMs);
            }
            return null;
        }

        private static async Task SendGrpcAsync(HttpClient h2c, byte[] frame)
        {
            var reply = await OtlpGrpcCall.SendAsync(h2c, frame, Key);
            if (reply.Status != 0)
            {
                throw new InvalidOperationException($"gRPC export answered status {reply.Status}: {reply.Message}");
            }
        }

        /// <summary>
        /// The same exports straight into OtlpTraceService (no HTTP, no protobuf parsing), once into SQLite
        /// and once into a store that keeps nothing: where the time goes.
        /// </summary>
        public static async Task<List<Figure>> InProcessAsync(string work, int spans)
        {
            var sqlite = await InProcessAsync(work, "inproc", spans, discard: false);
            var check = GrpcMessageCheck(spans);
            return
            [
                new("OTLP ingest in process, no HTTP (SQLite)", Stats.PerSecond(sqlite)),
                new("OTLP ingest in process, no HTTP, store keeps nothing (mapping and linking only)", Stats.PerSecond(await InProcessAsync(work, "inproc-discard", spans, discard: true))),
                new("OTLP/gRPC message check alone (the body copied to a pooled buffer, its 5-byte prefix checked)", Stats.PerSecond(check)),
                new("  its share of in-process SQLite ingest", (sqlite / check).ToString("P1", System.Globalization.CultureInfo.InvariantCulture)),
            ];
        }

        /// <summary>Spans per second through the check the gRPC endpoint makes before Grpc.AspNetCore parses a message.</summary>
        private static double GrpcMessageCheck(int spans)
        {
            var frames = Exports(spans / SpansPerExport).ConvertAll(export => OtlpGrpcCall.Frame(export.ToByteArray()));
            foreach (var frame in frames.Take(WarmUpExports))
            {
                AgentPortal.Dashboard.Api.OtlpGrpcFrames.Problem(new System.Buffers.ReadOnlySequence<byte>(frame), null, int.MaxValue);
            }
            var started = Stopwatch.GetTimestamp();
            foreach (var frame in frames)
            {
                // The endpoint reads the body out of the request pipe into a pooled buffer, then checks it.
                var body = System.Buffers.ArrayPool<byte>.Shared.Rent(frame.Length + 1);
                frame.CopyTo(body, 0);
                var problem = AgentPortal.Dashboard.Api.OtlpGrpcFrames.Problem(new System.Buffers.ReadOnlySequence<byte>(body, 0, frame.Length), null, int.MaxValue);
                System.Buffers.ArrayPool<byte>.Shared.Return(body);
                if (problem is not null)
                {
                    throw new InvalidOperationException(problem);
                }
            }
            return frames.Count * SpansPerExport / Stopwatch.GetElapsedTime(started).TotalSeconds;
        }

        private static async Task<double> InProcessAsync(string work, string folder, int spans, bool discard)
        {
            Directory.CreateDirectory(Path.Combine(work, folder));
            await using var sqlite = new SqliteTelemetryStore(Path.Combine(work, folder, "telemetry.db"));
            ITelemetryStore store = discard ? new DiscardingStore() : sqlite;
            var (otlp, writer) = await InProcessServiceAsync(store, Path.Combine(work, folder));
            var exports = Exports(spans / SpansPerExport);
            Task Send(AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest export) => otlp.ExportAsync(export, "default-project", CancellationToken.None);
            await SendAllAsync(Exports(WarmUpExports), InProcessSenders, Send);
            var perSecond = exports.Count * SpansPerExport / (await SendAllAsync(exports, InProcessSenders, Send)).TotalSeconds;
            await writer.StopAsync(CancellationToken.None);
            return perSecond;
        }

        /// <summary>The meters of every in-process ingestion service the bench builds; it lives as long as the process.</summary>
        private static readonly ServiceProvider s_meters = new ServiceCollection().AddMetrics().BuildServiceProvider();

        /// <summary>The ingestion service over <paramref name="store"/>, with its writer started and its registry in <paramref name="folder"/>.</summary>
        private static async Task<(AgentPortal.Core.Otlp.OtlpTraceService Service, TelemetryWriter Writer)> InProcessServiceAsync(ITelemetryStore store, string folder)
        {
            Directory.CreateDirectory(folder);
            var contexts = new PortalDbContextFactory(Microsoft.Extensions.Options.Options.Create(new StorageOptions()), new PortalPaths(folder), NullLoggerFactory.Instance);
            await using (var db = contexts.CreateDbContext())
            {
                await db.Database.MigrateAsync();
            }
            var registry = new AgentRegistry(contexts, new AgentCache(), TimeProvider.System, NullLogger<AgentRegistry>.Instance);
            await store.InitializeAsync(CancellationToken.None);
            var writer = new TelemetryWriter(store, Microsoft.Extensions.Options.Options.Create(new TracingOptions()), NullLogger<TelemetryWriter>.Instance);
            await writer.StartAsync(CancellationToken.None);
            var forwarder = new AgentPortal.Core.Otlp.SpanForwarder(Microsoft.Extensions.Options.Options.Create(new ForwardingOptions()), TimeProvider.System, NullLogger<AgentPortal.Core.Otlp.SpanForwarder>.Instance);
            var metrics = new PortalMetrics(s_meters.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), writer, forwarder, new AgentPortal.Core.Data.OpenConnections());
            var otlp = new AgentPortal.Core.Otlp.OtlpTraceService(registry, store, writer, forwarder, metrics, Microsoft.Extensions.Options.Options.Create(new IngestOptions()), NullLogger<AgentPortal.Core.Otlp.OtlpTraceService>.Instance);
            return (otlp, writer);
        }

        /// <summary>Keeps the spans it is given, in memory, and acknowledges them.</summary>
        private sealed class CapturingStore : DiscardingStore
        {
            public List<SpanRecord> Spans { get; } = [];

            public override Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken)
            {
                Spans.AddRange(writes.OfType<TelemetryWrite.AppendSpans>().SelectMany(append => append.Spans));
                return base.WriteBatchAsync(writes, cancellationToken);
            }
        }

        /// <summary>Acknowledges every write and keeps nothing; ingestion reads only runs, and finds none.</summary>
        private class DiscardingStore : ITelemetryStore
        {
            public string Name => "discard";

            public Task InitializeAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task PingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

            public Task<AgentPortal.Core.Telemetry.Retention.PurgeOutcome> PurgeAsync(AgentPortal.Core.Telemetry.Retention.PurgeRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<AgentPortal.Core.Telemetry.Retention.TelemetryStoreStats> GetStatsAsync(CancellationToken cancellationToken) => throw new NotSupportedException();

            public IAsyncEnumerable<object?[]> ExportRowsAsync(AgentPortal.Core.Data.Export.TelemetryTable table, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task ImportRowsAsync(AgentPortal.Core.Data.Export.TelemetryTable table, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken) => throw new NotSupportedException();

            public virtual Task<IReadOnlyList<WriteOutcome>> WriteBatchAsync(IReadOnlyList<TelemetryWrite> writes, CancellationToken cancellationToken) =>
                Task.FromResult<IReadOnlyList<WriteOutcome>>([.. writes.Select(w => WriteOutcome.Done(w is TelemetryWrite.AppendSpans append ? append.Spans.Count : 0))]);

            public Task<RunRecord?> GetRunAsync(string traceId, CancellationToken cancellationToken) => Task.FromResult<RunRecord?>(null);

            public Task<IReadOnlyList<SpanRecord>> GetTraceAsync(string traceId, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<AgentPortal.Core.Common.PagedResult<RunRecord>> ListRunsAsync(ListRunsRequest request, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<AgentUsage> GetAgentUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<HourlyUsage>> GetHourlyUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<AgentPeriodUsage>> GetUsageByAgentAsync(DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<AgentPortal.Core.Pricing.ModelUsage>> GetModelUsageAsync(string agentId, DateTime from, DateTime to, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<RunModelUsage>> GetRunModelUsageAsync(IReadOnlyCollection<string> traceIds, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<ErrorGroup>> GetTopErrorsAsync(string agentId, DateTime from, DateTime to, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();

            public Task<IReadOnlyList<UserModelUsage>> GetUsageByUserAsync(DateTime from, DateTime to, string? projectId, CancellationToken cancellationToken) => throw new NotSupportedException();
        }

        /// <summary>
        /// Untimed exports sent first, the same way as the timed ones: the portal is a long-running server,
        /// so the figure is its steady state, after the runtime has compiled the ingest path's hot code.
        /// </summary>
        private const int WarmUpExports = 100;

        private static List<AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest> Exports(int count) =>
            [.. Enumerable.Range(0, count).Select(_ => Export(SpansPerExport, null))];

        /// <summary>Sends every export from concurrent senders, each waiting for its answer; returns the time it took.</summary>
        private static async Task<TimeSpan> SendAllAsync<T>(IReadOnlyList<T> exports, int senders, Func<T, Task> send)
        {
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, senders).Select(async _ =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < exports.Count)
                {
                    await send(exports[index]);
                }
            }));
            return clock.Elapsed;
        }

        /// <summary>One OTLP/HTTP protobuf export, to the portal's /v1/traces unless another address is given.</summary>
        private static async Task SendAsync(HttpClient http, byte[] body, Uri? target = null)
        {
            var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/x-protobuf");
            using var response = await http.PostAsync(target ?? new Uri("/v1/traces", UriKind.Relative), content);
            response.EnsureSuccessStatusCode();
        }

        internal static AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest Export(int count, string? traceId)
        {
            var scope = new AgentPortal.Core.Otlp.Proto.Trace.ScopeSpans();
            var start = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
            for (var i = 0; i < count; i++)
            {
                var span = new AgentPortal.Core.Otlp.Proto.Trace.Span
                {
                    TraceId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(traceId ?? AgentRunService.NewHexId(16))),
                    SpanId = Google.Protobuf.ByteString.CopyFrom(Convert.FromHexString(AgentRunService.NewHexId(8))),
                    Name = "litellm_request",
                    Kind = AgentPortal.Core.Otlp.Proto.Trace.Span.Types.SpanKind.Client,
                    StartTimeUnixNano = start + (ulong)i,
                    EndTimeUnixNano = start + (ulong)i + 350_000_000,
                };
                foreach (var (key, value) in new[] { ("gen_ai.operation.name", "chat"), ("gen_ai.system", "openai"), ("gen_ai.request.model", "gpt-4o-mini"),
                    ("gen_ai.usage.prompt_tokens", "120"), ("gen_ai.usage.completion_tokens", "40"), ("metadata.agent_id", "bench-otlp-agent-" + (i % 10)) })
                {
                    span.Attributes.Add(new AgentPortal.Core.Otlp.Proto.Common.KeyValue { Key = key, Value = new AgentPortal.Core.Otlp.Proto.Common.AnyValue { StringValue = value } });
                }
                scope.Spans.Add(span);
            }
            var resource = new AgentPortal.Core.Otlp.Proto.Resource.Resource();
            resource.Attributes.Add(new AgentPortal.Core.Otlp.Proto.Common.KeyValue { Key = "service.name", Value = new AgentPortal.Core.Otlp.Proto.Common.AnyValue { StringValue = "litellm" } });
            return new AgentPortal.Core.Otlp.Proto.Collector.ExportTraceServiceRequest { ResourceSpans = { new AgentPortal.Core.Otlp.Proto.Trace.ResourceSpans { Resource = resource, ScopeSpans = { scope } } } };
        }
    }

    internal static class AppendBench
    {
        private const int SpansPerRequest = 100;
        private const int Producers = 32;

        public static async Task<List<Figure>> RunSqliteAsync(string work, int spans)
        {
            var rows = MakeSpans(spans);
            await using var store = new SqliteTelemetryStore(Path.Combine(work, "append.db"));
            await store.InitializeAsync(CancellationToken.None);
            var throughput = await ThroughWriterAsync(store, rows);

            await using var ceilingStore = new SqliteTelemetryStore(Path.Combine(work, "ceiling.db"));
            await ceilingStore.InitializeAsync(CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await ceilingStore.WriteBatchAsync([new TelemetryWrite.AppendSpans(MakeSpans(spans))], CancellationToken.None);
            var ceiling = spans / clock.Elapsed.TotalSeconds;
            return Figures("SQLite", throughput, ceiling);
        }

        public static async Task<List<Figure>> RunClickHouseAsync(int spans)
        {
            await using var server = await ClickHouseServer.StartAsync();
            ClickHouseOptions Options(string database) => new() { Url = server.Url, Database = database, User = ClickHouseServer.User, Password = ClickHouseServer.Password };
            using var store = new ClickHouseTelemetryStore(Options("bench_append"));
            await store.InitializeAsync(CancellationToken.None);
            var throughput = await ThroughWriterAsync(store, MakeSpans(spans));

            using var ceilingStore = new ClickHouseTelemetryStore(Options("bench_ceiling"));
            await ceilingStore.InitializeAsync(CancellationToken.None);
            var clock = Stopwatch.StartNew();
            await ceilingStore.WriteBatchAsync([new TelemetryWrite.AppendSpans(MakeSpans(spans))], CancellationToken.None);
            var ceiling = spans / clock.Elapsed.TotalSeconds;
            return Figures("ClickHouse", throughput, ceiling);
        }

        private static List<Figure> Figures(string label, double throughput, double ceiling) =>
        [
            new($"span append through the writer ({label}, {Producers} producers x {SpansPerRequest})", Stats.PerSecond(throughput)),
            new($"span append raw ceiling ({label}, one batch of the same rows)", Stats.PerSecond(ceiling)),
            new($"  append / ceiling ({label})", (throughput / ceiling).ToString("P0", CultureInfo.InvariantCulture), ">= 50%"),
        ];

        private static async Task<double> ThroughWriterAsync(ITelemetryStore store, List<SpanRecord> rows)
        {
            var writer = new TelemetryWriter(store, Microsoft.Extensions.Options.Options.Create(new TracingOptions { WriteQueueCapacity = 100_000, MaxBatchSize = 2_000 }), NullLogger<TelemetryWriter>.Instance);
            await writer.StartAsync(CancellationToken.None);
            var chunks = rows.Chunk(SpansPerRequest).ToList();
            var next = -1;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, Producers).Select(async _ =>
            {
                int index;
                while ((index = Interlocked.Increment(ref next)) < chunks.Count)
                {
                    await writer.WriteAsync(new TelemetryWrite.AppendSpans(chunks[index]));
                }
            }));
            var perSecond = rows.Count / clock.Elapsed.TotalSeconds;
            await writer.StopAsync(CancellationToken.None);
            return perSecond;
        }

        private static List<SpanRecord> MakeSpans(int count)
        {
            var start = AgentRunService.ToUnixNano(DateTime.UtcNow.AddMinutes(-5));
            var spans = new List<SpanRecord>(count);
            for (var i = 0; i < count; i++)
            {
                spans.Add(new SpanRecord
                {
                    TraceId = AgentRunService.NewHexId(16),
                    SpanId = AgentRunService.NewHexId(8),
                    Name = "chat gpt-4o-mini",
                    Kind = SpanKindCode.Client,
                    AgentId = "bench-agent-" + (i % 20),
                    StartTimeUnixNano = start + i,
                    DurationNanos = 350_000_000,
                    Status = SpanStatusCode.Ok,
                    Operation = "chat",
                    Provider = "openai",
                    RequestModel = "gpt-4o-mini",
                    ResponseModel = "gpt-4o-mini",
                    InputTokens = 120,
                    OutputTokens = 40,
                    Attributes = [new("gen_ai.operation.name", "chat"), new("metadata.agent_id", "bench-agent-" + (i % 20)), new("http.url", "http://litellm:4000/v1/chat/completions")],
                    ResourceAttributes = [new("service.name", "litellm")],
                });
            }
            return spans;
        }
    }
}
