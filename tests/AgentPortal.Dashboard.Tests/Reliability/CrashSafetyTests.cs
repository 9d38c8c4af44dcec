using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AgentPortal.Core.Otlp.Proto.Collector;
using AgentPortal.Core.Otlp.Proto.Common;
using AgentPortal.Core.Otlp.Proto.Trace;
using AgentPortal.Core.Telemetry;
using AgentPortal.Tests.Shared;
using Google.Protobuf;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace AgentPortal.Dashboard.Tests.Reliability;

/// <summary>
/// The real executable under sustained ingestion through every write path (trace start and end,
/// OTLP/HTTP JSON and protobuf, OTLP/gRPC, and chat through a loopback LLM gateway), killed with SIGKILL at a
/// random moment five times: after each restart ingestion resumes, and at the end every write that
/// was answered 2xx is in the store, no acknowledged run end is lost, and the database passes
/// SQLite's integrity check; the same on PostgreSQL with ClickHouse, where the stores are servers
/// that stay up. Loops are bounded and every address is loopback.
/// </summary>
public sealed class CrashSafetyTests(ITestOutputHelper output)
{
    private const string Key = "ap_crashTestIngestKey0123456789abcdef";
    private const int Kills = 5;
    private const int SpansPerExport = 20;

    private readonly ConcurrentDictionary<(string Trace, string Span), string> _ackedSpans = new();
    private readonly ConcurrentDictionary<string, bool> _ackedRuns = new(); // trace id → its end was acknowledged
    private readonly ConcurrentDictionary<string, bool> _ackedChats = new(); // trace id of a chat answered 200
    private long _tried;
    private long _failed;

    [Fact]
    public async Task FiveKillsAtRandomMoments_LoseNoAcknowledgedWrite_AndIngestionResumesEachTime()
    {
        await using var portal = new DashboardProcess();
        await KillFiveTimesAsync(portal);

        var (spans, runs, integrity) = await ReadStoreAsync(Path.Combine(portal.DataDirectory, "telemetry.db"));
        AssertNothingLost(spans, runs, integrity);
        Assert.Equal("ok", integrity);
    }

    [Fact]
    public async Task OnPostgreSqlAndClickHouse_FiveKillsAtRandomMoments_LoseNoAcknowledgedWrite()
    {
        await using var postgres = await PostgresServer.StartAsync();
        await using var clickhouse = await ClickHouseServer.StartAsync();
        await using var portal = new DashboardProcess();
        portal.Environment["Storage__Provider"] = "Postgres";
        portal.Environment["Storage__ConnectionString"] = await postgres.CreateDatabaseAsync();
        foreach (var (key, value) in clickhouse.PortalEnvironment("crash"))
        {
            portal.Environment[key] = value;
        }
        await KillFiveTimesAsync(portal);

        using var client = new Core.Telemetry.ClickHouse.ClickHouseClient(new Core.Configuration.ClickHouseOptions
        {
            Url = clickhouse.Url,
            User = ClickHouseServer.User,
            Password = ClickHouseServer.Password,
            Database = "crash",
        });
        var spans = (await client.QueryAsync("SELECT trace_id, span_id FROM spans FINAL", CancellationToken.None))
            .Select(r => (r.GetProperty("trace_id").GetString()!, r.GetProperty("span_id").GetString()!)).ToHashSet();
        var runs = (await client.QueryAsync("SELECT trace_id, isNotNull(ended_unix_nano) AS ended FROM runs FINAL", CancellationToken.None))
            .ToDictionary(r => r.GetProperty("trace_id").GetString()!, r => r.GetProperty("ended").GetInt32() == 1);
        AssertNothingLost(spans, runs, "not applicable (ClickHouse)");
    }

    private void AssertNothingLost(HashSet<(string, string)> spans, Dictionary<string, bool> runs, string integrity)
    {
        var lostSpans = _ackedSpans.Keys.Where(k => !spans.Contains(k)).ToList();
        var lostRuns = _ackedRuns.Keys.Where(t => !runs.ContainsKey(t)).ToList();
        var lostEnds = _ackedRuns.Where(r => r.Value && runs.TryGetValue(r.Key, out var ended) && !ended).Select(r => r.Key).ToList();
        var tracesStored = spans.Select(s => s.Item1).ToHashSet();
        var lostChats = _ackedChats.Keys.Where(t => !tracesStored.Contains(t)).ToList();
        output.WriteLine($"requests tried {_tried}, failed by the kills {_failed}; acknowledged: {_ackedSpans.Count} spans, {_ackedRuns.Count} runs ({_ackedRuns.Count(r => r.Value)} ended), "
            + $"{_ackedChats.Count} chats; kills survived {Kills}; lost: {lostSpans.Count} spans, {lostRuns.Count} runs, {lostEnds.Count} run ends, {lostChats.Count} chats; integrity_check: {integrity}");

        Assert.True(_ackedSpans.Count > Kills * SpansPerExport, $"only {_ackedSpans.Count} spans were acknowledged: the load did not run");
        Assert.Empty(lostSpans);
        Assert.Empty(lostRuns);
        Assert.Empty(lostEnds);
        Assert.NotEmpty(_ackedChats);
        Assert.Empty(lostChats);
    }

    /// <summary>Starts the portal, then five times: sustained ingestion on every path, SIGKILL at a random moment, start again.</summary>
    private async Task KillFiveTimesAsync(DashboardProcess portal)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}");
        portal.Environment["Bootstrap__IngestApiKey"] = Key;
        portal.Environment["Security__IngestRequestsPerSecond"] = "0";
        var grpcPort = LoopbackPort.Free();
        portal.Environment["Api__OtlpGrpcUrl"] = $"http://127.0.0.1:{grpcPort}";
        await using var gateway = await FakeLlmGateway.StartAsync();
        portal.Environment["Llm__BaseUrl"] = gateway.BaseUrl;
        portal.Environment["Llm__ApiKey"] = FakeLlmGateway.Key;
        await portal.StartAsync();
        using var http = Client(portal.BaseAddress!);
        var agentId = await RegisterAsync(http);
        using var chat = Client(portal.BaseAddress!, await CreateChatKeyAsync(portal));

        for (var kill = 1; kill <= Kills; kill++)
        {
            var before = _ackedSpans.Count;
            using var sending = new CancellationTokenSource();
            using var grpc = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{grpcPort}"), Timeout = TimeSpan.FromSeconds(10) };
            var senders = new[]
            {
                Task.Run(() => SendAsync(() => JsonExportAsync(http), sending.Token)),
                Task.Run(() => SendAsync(() => ProtobufExportAsync(http), sending.Token)),
                Task.Run(() => SendAsync(() => GrpcExportAsync(grpc), sending.Token)),
                Task.Run(() => SendAsync(() => RunAsync(http, agentId), sending.Token)),
                Task.Run(() => SendAsync(() => ChatAsync(chat, agentId), sending.Token)),
            };
            await Task.Delay(random.Next(800, 2500));
            await portal.StopAsync(); // Process.Kill: SIGKILL, no shutdown of any kind.
            await sending.CancelAsync();
            await Task.WhenAll(senders);
            output.WriteLine($"kill {kill}: {_ackedSpans.Count} spans and {_ackedRuns.Count} runs acknowledged so far ({_ackedSpans.Count - before} spans in this round)");

            await portal.StartAsync();
            // The store opened cleanly and takes writes again.
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/ready")).StatusCode);
            await JsonExportAsync(http);
        }

        await portal.StopAsync();
    }

    /// <summary>One chat call through the portal's chat API as the agent; answered 200, its trace must be stored.</summary>
    private async Task ChatAsync(HttpClient chat, string agentId)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/chat/completions")
        {
            Content = JsonContent.Create(new { model = FakeLlmGateway.Models[0], messages = new[] { new { role = "user", content = "crash test" } } }),
        };
        request.Headers.Add("x-agent-id", agentId);
        using var response = await chat.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.OK && response.Headers.TryGetValues("x-agentportal-trace-id", out var traces))
        {
            _ackedChats.TryAdd(traces.Single(), true);
        }
    }

    /// <summary>A key with the chat scope, made by the portal's own command against its stores, as an operator would.</summary>
    private static async Task<string> CreateChatKeyAsync(DashboardProcess portal)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "AgentPortal.Dashboard.dll"), "apikey", "create", "--project", "default-project", "--scopes", "chat,read" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = portal.Root,
        };
        start.Environment["Storage__DataDirectory"] = portal.DataDirectory;
        foreach (var (key, value) in portal.Environment)
        {
            start.Environment[key] = value;
        }
        using var process = System.Diagnostics.Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"apikey create failed: {await stderr}");
        return (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Last(l => l.StartsWith("ap_", StringComparison.Ordinal));
    }

    /// <summary>Sends until told to stop; a request cut off by the kill is simply not acknowledged.</summary>
    private async Task SendAsync(Func<Task> send, CancellationToken stop)
    {
        for (var i = 0; i < 100_000 && !stop.IsCancellationRequested; i++)
        {
            Interlocked.Increment(ref _tried);
            try
            {
                await send();
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
            {
                Interlocked.Increment(ref _failed);
                await Task.Delay(50, CancellationToken.None);
            }
        }
    }

    private async Task JsonExportAsync(HttpClient http)
    {
        var (export, keys) = Export();
        using var content = new StringContent(JsonFormatter.Default.Format(export), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync("/v1/traces", content);
        Acknowledge(response.IsSuccessStatusCode, keys, "http-json");
    }

    private async Task ProtobufExportAsync(HttpClient http)
    {
        var (export, keys) = Export();
        using var content = new ByteArrayContent(export.ToByteArray());
        content.Headers.ContentType = new("application/x-protobuf");
        using var response = await http.PostAsync("/v1/traces", content);
        Acknowledge(response.IsSuccessStatusCode, keys, "http-protobuf");
    }

    private async Task GrpcExportAsync(HttpClient grpc)
    {
        var (export, keys) = Export();
        var reply = await OtlpGrpcCall.SendAsync(grpc, OtlpGrpcCall.Frame(export.ToByteArray()), Key);
        Acknowledge(reply.Status == 0, keys, "grpc");
    }

    private async Task RunAsync(HttpClient http, string agentId)
    {
        using var started = await http.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "crash test" });
        if (!started.IsSuccessStatusCode)
        {
            return;
        }
        using var run = JsonDocument.Parse(await started.Content.ReadAsStringAsync());
        var traceId = run.RootElement.GetProperty("trace_id").GetString()!;
        _ackedRuns[traceId] = false;
        using var ended = await http.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = "ok", output = "survived" });
        if (ended.IsSuccessStatusCode)
        {
            _ackedRuns[traceId] = true;
        }
    }

    private void Acknowledge(bool acknowledged, List<(string Trace, string Span)> keys, string path)
    {
        if (acknowledged)
        {
            foreach (var key in keys)
            {
                _ackedSpans[key] = path;
            }
        }
    }

    private static (ExportTraceServiceRequest Export, List<(string Trace, string Span)> Keys) Export()
    {
        var traceId = AgentRunService.NewHexId(16);
        var now = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000;
        var scope = new ScopeSpans();
        var keys = new List<(string, string)>(SpansPerExport);
        for (var i = 0; i < SpansPerExport; i++)
        {
            var spanId = AgentRunService.NewHexId(8);
            keys.Add((traceId, spanId));
            scope.Spans.Add(new Span
            {
                TraceId = ByteString.CopyFrom(Convert.FromHexString(traceId)),
                SpanId = ByteString.CopyFrom(Convert.FromHexString(spanId)),
                Name = "chat gpt-4o",
                Kind = Span.Types.SpanKind.Client,
                StartTimeUnixNano = now + (ulong)i,
                EndTimeUnixNano = now + 1_000_000,
                Attributes =
                {
                    new KeyValue { Key = "gen_ai.operation.name", Value = new AnyValue { StringValue = "chat" } },
                    new KeyValue { Key = "gen_ai.request.model", Value = new AnyValue { StringValue = "gpt-4o" } },
                    new KeyValue { Key = "gen_ai.usage.input_tokens", Value = new AnyValue { IntValue = 12 } },
                },
            });
        }
        return (new ExportTraceServiceRequest { ResourceSpans = { new ResourceSpans { ScopeSpans = { scope } } } }, keys);
    }

    private static HttpClient Client(Uri baseAddress, string key = Key)
    {
        var client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", key);
        return client;
    }

    private static async Task<string> RegisterAsync(HttpClient http)
    {
        using var response = await http.PostAsJsonAsync("/agents/register", new { name = "crash-test-agent", type = "custom" });
        response.EnsureSuccessStatusCode();
        using var agent = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return agent.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<(HashSet<(string, string)> Spans, Dictionary<string, bool> Runs, string Integrity)> ReadStoreAsync(string database)
    {
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var check = connection.CreateCommand();
        check.CommandText = "PRAGMA integrity_check;";
        var integrity = (string)(await check.ExecuteScalarAsync())!;
        var spans = new HashSet<(string, string)>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT trace_id, span_id FROM spans;";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                spans.Add((reader.GetString(0), reader.GetString(1)));
            }
        }
        var runs = new Dictionary<string, bool>();
        await using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT trace_id, ended_unix_nano IS NOT NULL FROM runs;";
            await using var reader = await read.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                runs[reader.GetString(0)] = reader.GetBoolean(1);
            }
        }
        return (spans, runs, integrity);
    }
}
