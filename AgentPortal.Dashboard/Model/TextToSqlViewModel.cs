using AgentPortal.Core.Common;
using AgentPortal.Core.Llm;
using AgentPortal.Core.Vanna;

namespace AgentPortal.Dashboard.Model;

/// <summary>
/// The text-to-SQL page: a question about a database becomes SQL from the gateway (shown, never run
/// by itself); a person runs it on purpose and sees at most the row limit. Every failure is shown in
/// place, and the question stays in its box.
/// </summary>
public sealed class TextToSqlViewModel(TextToSqlService sql, LlmGateway gateway)
{
    public IReadOnlyList<SqlConnectionInfo> Connections => sql.Connections;

    public bool GatewayConfigured => sql.GatewayConfigured;

    public string? ConnectionId { get; set; } = sql.Connections.FirstOrDefault()?.Id;

    public string Question { get; set; } = "";

    public SqlProposal? Proposal { get; private set; }

    public SqlRows? Rows { get; private set; }

    public string? AskError { get; private set; }

    public string? RunError { get; private set; }

    public bool Asking { get; private set; }

    public bool Running { get; private set; }

    public async Task AskAsync(string user)
    {
        if (ConnectionId is null || string.IsNullOrWhiteSpace(Question) || Asking)
        {
            return;
        }
        (AskError, RunError, Proposal, Rows, Asking) = (null, null, null, null, true);
        try
        {
            var model = gateway.DefaultModel ?? (await gateway.ListModelsAsync(CancellationToken.None)).FirstOrDefault()
                ?? throw new LlmGatewayException(400, "No model", "The gateway lists no models; set Llm:DefaultModel or add models to the gateway.");
            Proposal = await sql.AskAsync(ConnectionId, Question.Trim(), model, new ChatCaller(user, null), CancellationToken.None);
        }
        catch (Exception ex) when (ex is LlmGatewayException or NotFoundException or ValidationFailedException or SqlRefusedException)
        {
            AskError = ex is ValidationFailedException invalid ? string.Join(" ", invalid.Errors.SelectMany(e => e.Value)) : ex.Message;
        }
        finally
        {
            Asking = false;
        }
    }

    public async Task RunAsync()
    {
        if (Proposal is not { Problem: null } proposal || ConnectionId is null || Running)
        {
            return;
        }
        (RunError, Rows, Running) = (null, null, true);
        try
        {
            Rows = await sql.RunAsync(ConnectionId, proposal.TraceId, proposal.Sql, CancellationToken.None);
        }
        catch (Exception ex) when (ex is SqlRefusedException or NotFoundException)
        {
            RunError = ex.Message;
        }
        finally
        {
            Running = false;
        }
    }
}
