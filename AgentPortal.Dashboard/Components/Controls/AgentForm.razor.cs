using System.Text.Json;
using AgentPortal.Core.Agents;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Identity;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Controls;

/// <summary>What the agent form edits; the registry's rules are checked again when it is saved.</summary>
public sealed class AgentFormModel
{
    public string Name { get; set; } = "";

    public string ProjectId { get; set; } = Agent.DefaultProject;

    public string? ExternalId { get; set; }

    public AgentType Type { get; set; } = AgentType.Custom;

    public bool Active { get; set; } = true;

    public bool MonitoringEnabled { get; set; } = true;

    public string? Config { get; set; }

    public string? NameProblem => string.IsNullOrWhiteSpace(Name) ? UiText.AgentForm.NameRequired : null;

    public string? ProjectProblem => string.IsNullOrWhiteSpace(ProjectId) ? UiText.AgentForm.ProjectRequired : null;

    /// <summary>The first thing that keeps a new agent from being registered (or an edit from being saved); null when none does.</summary>
    public string? Problem(bool registering) => (registering ? NameProblem ?? ProjectProblem : null) ?? ConfigProblem(Config);

    /// <summary>Config is optional; when given it must be one JSON object.</summary>
    public static string? ConfigProblem(string? config)
    {
        if (string.IsNullOrWhiteSpace(config))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(config);
            return document.RootElement.ValueKind == JsonValueKind.Object ? null : UiText.AgentForm.ConfigNotObject;
        }
        catch (JsonException ex)
        {
            return $"{UiText.AgentForm.ConfigNotJson} ({ex.Message.Split('.')[0]}).";
        }
    }

    /// <summary>The config as stored: compact JSON, or null when left empty.</summary>
    public string? NormalizedConfig() => string.IsNullOrWhiteSpace(Config) ? null : JsonSerializer.Serialize(JsonDocument.Parse(Config).RootElement);
}

public partial class AgentForm
{
    /// <summary>How every page opens this form.</summary>
    public static DialogOptions Options { get; } = new() { MaxWidth = MaxWidth.Small, FullWidth = true, CloseOnEscapeKey = true };

    private AgentFormModel _model = new();
    private string? _error;
    private bool _saving;
    private bool _showProblems;

    /// <summary>The agent to edit; null to register a new one.</summary>
    [Parameter]
    public Agent? Agent { get; set; }

    [Inject]
    public required IAgentRegistry Registry { get; init; }

    [CascadingParameter]
    public required IMudDialogInstance Dialog { get; set; }

    [Inject]
    public required AuthenticationStateProvider Authentication { get; init; }

    [Inject]
    public required ILogger<AgentForm> Logger { get; init; }

    [Inject]
    public required AuditLog Audit { get; init; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    protected override void OnParametersSet()
    {
        _model = Agent is null ? new AgentFormModel() : new AgentFormModel
        {
            Name = Agent.Name,
            ProjectId = Agent.ProjectId,
            ExternalId = Agent.ExternalId,
            Type = Agent.Type,
            Active = Agent.Status == AgentStatus.Active,
            MonitoringEnabled = Agent.MonitoringEnabled,
            Config = Agent.Config is null ? null : JsonSerializer.Serialize(JsonDocument.Parse(Agent.Config).RootElement, s_indented),
        };
    }

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private async Task SaveAsync()
    {
        _error = null;
        var user = (await Authentication.GetAuthenticationStateAsync()).User;
        if (!user.IsInRole(PortalRoles.Admin) && !user.IsInRole(PortalRoles.Operator))
        {
            _error = UiText.AgentForm.NotAllowed;
            return;
        }
        // Problems show beside their fields.
        _showProblems = true;
        if (_model.Problem(registering: Agent is null) is not null)
        {
            return;
        }
        _saving = true;
        try
        {
            if (Agent is null)
            {
                var result = await Registry.RegisterOrGetAsync(new RegisterAgentRequest
                {
                    Name = _model.Name.Trim(),
                    Type = _model.Type,
                    ProjectId = _model.ProjectId.Trim(),
                    ExternalId = string.IsNullOrWhiteSpace(_model.ExternalId) ? null : _model.ExternalId.Trim(),
                    Config = _model.NormalizedConfig(),
                    RegisteredVia = RegistrationSources.Portal,
                }, CancellationToken.None);
                if (!result.Created)
                {
                    _error = string.Format(System.Globalization.CultureInfo.InvariantCulture, UiText.AgentForm.AlreadyExists, result.Agent.Name, result.Agent.ProjectId);
                    return;
                }
                await Audit.RecordAsync(Api.ApiAuthentication.ActorOf(user, Address?.Value), AuditActions.AgentCreated, result.Agent.Name,
                    $"type {result.Agent.Type.ToWire()}, project {result.Agent.ProjectId}, on the Agents page");
                Dialog.Close(DialogResult.Ok(result.Agent));
            }
            else
            {
                var updated = await Registry.UpdateAsync(Agent.Id, new UpdateAgentRequest
                {
                    Type = _model.Type,
                    Status = _model.Active ? AgentStatus.Active : AgentStatus.Inactive,
                    MonitoringEnabled = _model.MonitoringEnabled,
                    // An emptied config box clears it: stored as an empty object, as the API's PATCH would.
                    Config = _model.NormalizedConfig() ?? (Agent.Config is null ? null : "{}"),
                }, CancellationToken.None);
                await Audit.RecordAsync(Api.ApiAuthentication.ActorOf(user, Address?.Value), AuditActions.AgentUpdated, updated.Name,
                    $"type {updated.Type.ToWire()}, status {updated.Status.ToWire()}, monitoring {(updated.MonitoringEnabled ? "on" : "off")}, on the Agents page");
                Dialog.Close(DialogResult.Ok(updated));
            }
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Saving an agent failed");
            _error = ex.Message;
        }
        finally
        {
            _saving = false;
        }
    }
}
