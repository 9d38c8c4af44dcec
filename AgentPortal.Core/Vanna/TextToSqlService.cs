using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Common;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Data;
using AgentPortal.Core.Llm;
using AgentPortal.Core.Otlp;
using AgentPortal.Core.Telemetry;
using Microsoft.Extensions.Options;

namespace AgentPortal.Core.Vanna;

/// <summary>A database the text-to-SQL agent may read.</summary>
public sealed record SqlConnectionInfo(string Id, string Description);

/// <summary>The SQL the gateway proposed for a question, in the run it was asked in; <see cref="Problem"/> says why it would not run.</summary>
public sealed record SqlProposal(string AgentId, string AgentName, string TraceId, string Sql, string? Problem);

/// <summary>
/// Text to SQL, Vanna-style: for a configured database, the agent <c>vanna-{connection_id}</c> reads the
/// schema, asks the LLM gateway for one SQLite SELECT (its call linked to the run), and shows it; the
/// SQL runs only when a person asks, read-only, within a row limit and a timeout, and that run is
/// recorded in the same trace.
/// </summary>
public sealed partial class TextToSqlService(
    IOptions<VannaOptions> options, IOptions<TelemetryOptions> telemetry, PortalPaths paths,
    IAgentRegistry registry, AgentRunService runs, ChatService chat, OtlpTraceService ingestion, ITelemetryStore store, TimeProvider time)
{
    public IReadOnlyList<SqlConnectionInfo> Connections
    {
        get
        {
            var list = new List<SqlConnectionInfo>();
            if (telemetry.Value.ProviderKind == TelemetryProvider.Sqlite)
            {
                list.Add(new SqlConnectionInfo(VannaOptions.TelemetryConnection, "The portal's own telemetry store: spans, runs and hourly usage (read-only)."));
            }
            list.AddRange(options.Value.Connections.Select(c => new SqlConnectionInfo(c.Key, c.Value.Description ?? "SQLite database")));
            return list;
        }
    }

    public bool GatewayConfigured => chat.Gateway.Enabled;

    public static string AgentName(string connectionId) => "vanna-" + connectionId;

    public async Task<SqlProposal> AskAsync(string connectionId, string question, string model, ChatCaller caller, CancellationToken cancellationToken)
    {
        var connection = ConnectionString(connectionId);
        if (string.IsNullOrWhiteSpace(question))
        {
            throw ValidationFailedException.For("question", "Ask a question about the data, e.g. \"show the latest 10 spans\".");
        }
        var name = AgentName(connectionId);
        var agent = (await registry.RegisterOrGetAsync(new RegisterAgentRequest
        {
            Name = name,
            Type = AgentType.Vanna,
            ProjectId = caller.KeyProject ?? Agent.DefaultProject,
            ExternalId = name,
            RegisteredVia = RegistrationSources.Portal,
        }, cancellationToken)).Agent;
        var run = await runs.StartAsync(agent.Id, new StartRunRequest { Input = question }, cancellationToken);
        string? error = null;
        try
        {
            var schema = SqliteReadOnlyQuery.Schema(connection);
            var request = new ChatRequest
            {
                Model = model,
                Caller = caller,
                AgentKey = agent.Id,
                ParentTraceId = run.TraceId,
                Body = new JsonObject
                {
                    ["messages"] = new JsonArray(
                        new JsonObject { ["role"] = "system", ["content"] = SystemPrompt(schema, options.Value.RowLimit) },
                        new JsonObject { ["role"] = "user", ["content"] = question }),
                    ["temperature"] = 0,
                },
            };
            var (answer, _) = await chat.CompleteAsync(request, cancellationToken);
            var sql = ExtractSql(JsonNode.Parse(answer.ToString())?["choices"]?[0]?["message"]?["content"]?.GetValue<string>() ?? "");
            string? problem = null;
            try
            {
                SqliteReadOnlyQuery.Check(connection, sql);
            }
            catch (SqlRefusedException ex)
            {
                problem = ex.Message;
            }
            await runs.EndAsync(agent.Id, new EndRunRequest { TraceId = run.TraceId, Status = problem is null ? RunStatus.Ok : RunStatus.Error, Output = sql, Error = problem }, CancellationToken.None);
            return new SqlProposal(agent.Id, agent.Name, run.TraceId, sql, problem);
        }
        catch (LlmGatewayException ex)
        {
            error = ex.Message;
            throw;
        }
        catch (OperationCanceledException)
        {
            error = "Stopped before the SQL was written.";
            throw;
        }
        finally
        {
            if (error is not null)
            {
                await runs.EndAsync(agent.Id, new EndRunRequest { TraceId = run.TraceId, Status = RunStatus.Error, Error = error }, CancellationToken.None);
            }
        }
    }

    /// <summary>Runs proposed SQL, read-only, and records the query as a span of the run that proposed it.</summary>
    public async Task<SqlRows> RunAsync(string connectionId, string traceId, string sql, CancellationToken cancellationToken)
    {
        var connection = ConnectionString(connectionId);
        var started = time.GetUtcNow();
        SqlRows? rows = null;
        string? error = null;
        try
        {
            rows = await SqliteReadOnlyQuery.RunAsync(connection, sql, options.Value.RowLimit, options.Value.QueryTimeout, cancellationToken);
            return rows;
        }
        catch (SqlRefusedException ex)
        {
            error = ex.Message;
            throw;
        }
        finally
        {
            await RecordQueryAsync(connectionId, traceId, sql, started, rows, error);
        }
    }

    private async Task RecordQueryAsync(string connectionId, string traceId, string sql, DateTimeOffset started, SqlRows? rows, string? error)
    {
        if (!AgentRunService.IsHexId(traceId, 32) || await store.GetRunAsync(traceId, CancellationToken.None) is not { } run)
        {
            return;
        }
        var export = new PortalSpan(traceId, AgentRunService.NewHexId(8), run.SpanId, "sql.query " + connectionId, started, time.GetUtcNow(), error)
            .Set("db.system.name", "sqlite")
            .Set("db.namespace", connectionId)
            .Set("db.query.text", sql)
            .Set("gen_ai.agent.id", run.AgentId)
            .Set("db.response.returned_rows", rows?.Rows.Count)
            .ToExport(PortalSpan.VannaService, "AgentPortal.Vanna");
        try
        {
            await ingestion.ExportAsync(export, run.ProjectId, CancellationToken.None);
        }
        catch (TelemetryBackpressureException)
        {
            // The rows are the person's answer; a busy queue must not take it away.
        }
    }

    private string ConnectionString(string connectionId)
    {
        if (connectionId == VannaOptions.TelemetryConnection && telemetry.Value.ProviderKind == TelemetryProvider.Sqlite)
        {
            return $"Data Source={paths.TelemetryDatabase}";
        }
        if (options.Value.Connections.TryGetValue(connectionId, out var configured))
        {
            return configured.ConnectionString!;
        }
        throw new NotFoundException($"There is no database connection '{connectionId}'. Configure one as Vanna:Connections:{connectionId}:ConnectionString, or use {string.Join(", ", Connections.Select(c => c.Id))}.");
    }

    private static string SystemPrompt(string schema, int rowLimit) =>
        $"""
        You write SQLite SQL for the database below. Answer with exactly one read-only SELECT statement in a ```sql block and nothing else.
        Never write INSERT, UPDATE, DELETE, DDL or PRAGMA. Return at most {rowLimit} rows.

        Schema:
        {schema}
        """;

    /// <summary>The SQL of an answer: the first fenced block when there is one, else the whole text.</summary>
    internal static string ExtractSql(string answer)
    {
        var fenced = FencedBlock().Match(answer);
        return (fenced.Success ? fenced.Groups["sql"].Value : answer).Trim();
    }

    [GeneratedRegex(@"```(?:sql|sqlite)?\s*\n(?<sql>.*?)```", RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex FencedBlock();
}
