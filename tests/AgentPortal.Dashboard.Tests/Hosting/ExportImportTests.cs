using System.IO.Compression;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Alerts;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Security;
using AgentPortal.Core.Telemetry;
using AgentPortal.Dashboard.Hosting;
using AgentPortal.Dashboard.Tests.Infrastructure;
using AgentPortal.Tests.Shared;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace AgentPortal.Dashboard.Tests.Hosting;

/// <summary>
/// <c>export</c> and <c>import</c> move everything between providers: a portal with agents, keys,
/// people, prices, an alert rule, runs, spans and rollups is exported while it runs, imported into an
/// empty SQLite folder and into PostgreSQL + ClickHouse, and exported again from each: every record
/// comes back equal, and the portal on the new stores serves the same data.
/// </summary>
public sealed partial class ExportImportTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "agentportal-export-tests", Guid.NewGuid().ToString("N"));

    public ExportImportTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task SqliteToSqlite_AndSqliteToPostgresAndClickHouse_BringEveryRecordBackEqual()
    {
        var original = Path.Combine(_folder, "original.jsonl.gz");
        Seeded seeded;
        using (var running = new PortalAppFactory())
        {
            seeded = await SeedAsync(running);
            Assert.Equal(0, await ExportCommand.RunAsync(["export", "--out", original, $"--Storage:DataDirectory={running.DataDirectory}"]));
        }
        var expected = Records(original);
        Assert.Contains(expected, r => r.StartsWith("{\"entity\":\"Agent\"", StringComparison.Ordinal) && r.Contains("\"MonitoringEnabled\":false", StringComparison.Ordinal));
        Assert.Contains(expected, r => r.StartsWith("{\"entity\":\"AlertRule\"", StringComparison.Ordinal));
        Assert.Contains(expected, r => r.StartsWith("{\"table\":\"usage_hourly\"", StringComparison.Ordinal));
        Assert.Equal(3, expected.Count(r => r.StartsWith("{\"table\":\"spans\"", StringComparison.Ordinal)));

        // SQLite → SQLite.
        var sqlite = Path.Combine(_folder, "sqlite");
        Assert.Equal(0, await ExportCommand.RunAsync(["import", "--in", original, $"--Storage:DataDirectory={sqlite}"]));
        var fromSqlite = Path.Combine(_folder, "from-sqlite.jsonl.gz");
        Assert.Equal(0, await ExportCommand.RunAsync(["export", "--out", fromSqlite, $"--Storage:DataDirectory={sqlite}"]));
        AssertSameRecords(expected, Records(fromSqlite));
        // Importing again into a store that now holds data is refused, and changes nothing.
        Assert.Equal(1, await ExportCommand.RunAsync(["import", "--in", original, $"--Storage:DataDirectory={sqlite}"]));
        using (var moved = PortalAppFactory.OnDataDirectory(sqlite))
        {
            await AssertServesAsync(moved, seeded);
        }

        // SQLite → PostgreSQL + ClickHouse.
        await using var postgres = await PostgresServer.StartAsync();
        await using var clickhouse = await ClickHouseServer.StartAsync();
        string[] scaled =
        [
            "--Storage:Provider=Postgres", $"--Storage:ConnectionString={await postgres.CreateDatabaseAsync()}", $"--Storage:DataDirectory={Path.Combine(_folder, "scaled")}",
            "--Telemetry:Provider=ClickHouse", $"--Telemetry:ClickHouse:Url={clickhouse.Url}", $"--Telemetry:ClickHouse:User={ClickHouseServer.User}",
            $"--Telemetry:ClickHouse:Password={ClickHouseServer.Password}", "--Telemetry:ClickHouse:Database=moved",
        ];
        Assert.Equal(0, await ExportCommand.RunAsync(["import", "--in", original, .. scaled]));
        var fromScaled = Path.Combine(_folder, "from-scaled.jsonl.gz");
        Assert.Equal(0, await ExportCommand.RunAsync(["export", "--out", fromScaled, .. scaled]));
        AssertSameRecords(expected, Records(fromScaled));
        using (var moved = Configure(PortalAppFactory.OnDataDirectory(Path.Combine(_folder, "scaled")), scaled))
        {
            await AssertServesAsync(moved, seeded);
        }
    }

    [Fact]
    public async Task Import_RefusesACutOffFile_AndAFileThatIsNotAnExport()
    {
        var original = Path.Combine(_folder, "original.jsonl.gz");
        using (var running = new PortalAppFactory())
        {
            await SeedAsync(running);
            Assert.Equal(0, await ExportCommand.RunAsync(["export", "--out", original, $"--Storage:DataDirectory={running.DataDirectory}"]));
            // An export never overwrites an earlier one.
            Assert.Equal(1, await ExportCommand.RunAsync(["export", "--out", original, $"--Storage:DataDirectory={running.DataDirectory}"]));
        }
        var lines = Lines(original);
        var cut = Path.Combine(_folder, "cut.jsonl.gz");
        await WriteAsync(cut, lines[..^1]);
        var notExport = Path.Combine(_folder, "not-export.jsonl.gz");
        await WriteAsync(notExport, ["{\"hello\":\"world\"}"]);

        Assert.Equal(1, await ExportCommand.RunAsync(["import", "--in", cut, $"--Storage:DataDirectory={Path.Combine(_folder, "a")}"]));
        Assert.Equal(1, await ExportCommand.RunAsync(["import", "--in", notExport, $"--Storage:DataDirectory={Path.Combine(_folder, "b")}"]));
        Assert.Equal(1, await ExportCommand.RunAsync(["import", "--in", Path.Combine(_folder, "missing.jsonl.gz"), $"--Storage:DataDirectory={Path.Combine(_folder, "c")}"]));
        Assert.Equal(2, await ExportCommand.RunAsync(["import", $"--Storage:DataDirectory={Path.Combine(_folder, "c")}"]));
    }

    private sealed record Seeded(string AgentId, string TraceId, string ApiKey, string PersonEmail, string PersonPassword);

    private static async Task<Seeded> SeedAsync(PortalAppFactory app)
    {
        var client = app.CreateApiClient();
        using var agent = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "moving-bot 데이터", type = "langflow" })).Content.ReadAsStringAsync());
        var agentId = agent.RootElement.GetProperty("id").GetString()!;
        using var quiet = JsonDocument.Parse(await (await client.PostAsJsonAsync("/agents/register", new { name = "quiet-bot", type = "custom" })).Content.ReadAsStringAsync());
        await app.Services.GetRequiredService<IAgentRegistry>().UpdateAsync(quiet.RootElement.GetProperty("id").GetString()!, new UpdateAgentRequest { MonitoringEnabled = false }, CancellationToken.None);
        using var started = JsonDocument.Parse(await (await client.PostAsJsonAsync($"/agents/{agentId}/trace/start", new { input = "what moved?" })).Content.ReadAsStringAsync());
        var traceId = started.RootElement.GetProperty("trace_id").GetString()!;
        var root = (await app.Services.GetRequiredService<ITelemetryStore>().GetRunAsync(traceId, CancellationToken.None))!;
        await app.Services.GetRequiredService<TelemetryWriter>().WriteAsync(new TelemetryWrite.AppendSpans(
        [
            new SpanRecord
            {
                TraceId = traceId,
                SpanId = AgentRunService.NewHexId(8),
                ParentSpanId = root.SpanId,
                Name = "chat gpt-4o",
                AgentId = agentId,
                ProjectId = "default-project",
                StartTimeUnixNano = root.StartedUnixNano + 1_000_000,
                DurationNanos = 40_000_000,
                Operation = "chat",
                Provider = "openai",
                RequestModel = "gpt-4o",
                ResponseModel = "gpt-4o-2024-08-06",
                InputTokens = 120,
                OutputTokens = 30,
                Attributes = [new("user.id", "ana@example.com"), new("gen_ai.prompt", "what moved? 'quoted' \\ \t tab")],
            },
            new SpanRecord
            {
                TraceId = traceId,
                SpanId = AgentRunService.NewHexId(8),
                ParentSpanId = root.SpanId,
                Name = "chat gpt-4o-mini",
                AgentId = agentId,
                StartTimeUnixNano = root.StartedUnixNano + 2_000_000,
                DurationNanos = 10_000_000,
                Status = SpanStatusCode.Error,
                StatusMessage = "rate limited",
                RequestModel = "gpt-4o-mini",
            },
        ]), CancellationToken.None);
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsJsonAsync($"/agents/{agentId}/trace/end", new { trace_id = traceId, status = "ok", output = "everything" })).StatusCode);
        var key = (await app.Services.GetRequiredService<ApiKeyService>().CreateAsync("default-project", ApiKeyScopes.Read, "moves along", CancellationToken.None)).Secret;
        const string email = "viewer@example.com";
        var password = await app.CreatePersonAsync(email, PortalRoles.Viewer);
        await app.Services.GetRequiredService<AlertRuleService>().CreateAsync(
            new AlertRuleRequest("Moving errors", AlertScope.Agent, agentId, AlertMetric.RunErrorRate, 20, MinSamples: 5), null, AuditActor.System, CancellationToken.None);
        return new Seeded(agentId, traceId, key, email, password);
    }

    /// <summary>The portal on the new stores answers with the moved data: the key works, the person signs in, the trace and its usage are there.</summary>
    private static async Task AssertServesAsync(PortalAppFactory app, Seeded seeded)
    {
        var api = app.CreateApiClient(seeded.ApiKey);
        using var trace = JsonDocument.Parse(await api.GetStringAsync($"/traces/{seeded.TraceId}"));
        Assert.Equal("everything", trace.RootElement.GetProperty("run").GetProperty("output").GetString());
        using var stats = JsonDocument.Parse(await api.GetStringAsync($"/agents/{seeded.AgentId}/stats"));
        Assert.Equal((1L, 2L), (stats.RootElement.GetProperty("runs").GetInt64(), stats.RootElement.GetProperty("llm_calls").GetInt64()));
        using var runs = JsonDocument.Parse(await api.GetStringAsync($"/agents/{seeded.AgentId}/traces"));
        Assert.Equal(seeded.TraceId, Assert.Single(runs.RootElement.GetProperty("items").EnumerateArray()).GetProperty("trace_id").GetString());
        using var errors = JsonDocument.Parse(await api.GetStringAsync($"/agents/{seeded.AgentId}/errors"));
        Assert.Equal("rate limited", Assert.Single(errors.RootElement.EnumerateArray()).GetProperty("message").GetString());
        await app.CreateSignedInClientAsync(seeded.PersonEmail, seeded.PersonPassword);
        Assert.Single(await app.Services.GetRequiredService<AlertRuleService>().ListAsync(CancellationToken.None));
    }

    private static void AssertSameRecords(List<string> expected, List<string> actual)
    {
        var missing = expected.Except(actual).ToList();
        var extra = actual.Except(expected).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0 && expected.Count == actual.Count,
            $"Records differ.\nOnly in the original:\n{string.Join("\n", missing)}\nOnly after the move:\n{string.Join("\n", extra)}");
    }

    private static PortalAppFactory Configure(PortalAppFactory app, string[] settings)
    {
        foreach (var setting in settings)
        {
            var (key, value) = (setting[2..setting.IndexOf('=')], setting[(setting.IndexOf('=') + 1)..]);
            if (key != "Storage:DataDirectory")
            {
                app.With(key, value);
            }
        }
        return app;
    }

    /// <summary>
    /// Every record but the header (which says when and from where), sorted, with times to the
    /// microsecond: PostgreSQL keeps microseconds where SQLite keeps .NET's 100 ns ticks.
    /// </summary>
    private static List<string> Records(string file) =>
        [.. Lines(file).Skip(1).Select(l => Fraction().Replace(l, m => m.Groups[1].Value[..Math.Min(6, m.Groups[1].Value.Length)].TrimEnd('0') is { Length: > 0 } f ? "." + f + m.Groups[2].Value : m.Groups[2].Value))
            .Order(StringComparer.Ordinal)];

    private static string[] Lines(string file)
    {
        using var gzip = new GZipStream(File.OpenRead(file), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        return reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static async Task WriteAsync(string file, IEnumerable<string> lines)
    {
        await using var gzip = new GZipStream(File.Create(file), CompressionLevel.Fastest);
        await using var writer = new StreamWriter(gzip);
        foreach (var line in lines)
        {
            await writer.WriteLineAsync(line);
        }
    }

    /// <summary>The fraction of a second of a UTC time, e.g. ".4483105Z".</summary>
    [GeneratedRegex(@"(?<=T\d\d:\d\d:\d\d)\.(\d+)(Z|\+00:00)")]
    private static partial Regex Fraction();
}
