using AgentPortal.Core.Audit;
using AgentPortal.Core.Pricing;
using AgentPortal.Dashboard.Model;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Components.Forms;
using MudBlazor;

namespace AgentPortal.Dashboard.Components.Controls;

public partial class PriceTableEditor
{
    private IReadOnlyList<ModelPrice>? _prices;
    private string? _loadError;
    private string? _model;
    private decimal? _input;
    private decimal? _output;
    private decimal? _cached;
    private DateTime? _from;
    private bool _saving;
    private string? _problem;

    [Inject]
    public required PriceTable Prices { get; init; }

    [Inject]
    public required TimeProvider Time { get; init; }

    [Inject]
    public required ISnackbar Snackbar { get; init; }

    [Inject]
    public required ILogger<PriceTableEditor> Logger { get; init; }

    [Inject]
    public required AuditLog Audit { get; init; }

    [CascadingParameter]
    public required Task<AuthenticationState> AuthenticationState { get; set; }

    [CascadingParameter]
    public ClientAddress? Address { get; set; }

    /// <summary>Checked again here, not only by the page: prices are for Admins.</summary>
    private async Task<bool> IsAdminAsync()
    {
        if ((await AuthenticationState).User.IsInRole(Core.Identity.PortalRoles.Admin))
        {
            return true;
        }
        _problem = UiText.Errors.AccessDenied;
        return false;
    }

    private async Task<AuditActor> ActorAsync() => Api.ApiAuthentication.ActorOf((await AuthenticationState).User, Address?.Value);

    protected override Task OnInitializedAsync() => LoadAsync();

    private async Task LoadAsync()
    {
        _loadError = null;
        try
        {
            _prices = await Prices.ListAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            Logger.LogError(ex, "Listing model prices failed");
            _loadError = ex.Message;
        }
    }

    private async Task ImportAsync(IBrowserFile? file)
    {
        if (file is null)
        {
            return;
        }
        _problem = null;
        if (!await IsAdminAsync())
        {
            return;
        }
        _saving = true;
        try
        {
            if (file.Size > LiteLlmPriceFile.MaxBytes)
            {
                _problem = $"{UiText.Prices.ImportRefused} {file.Name} is larger than {LiteLlmPriceFile.MaxBytes / 1024 / 1024} MB.";
                return;
            }
            await using var stream = file.OpenReadStream(LiteLlmPriceFile.MaxBytes);
            using var json = await System.Text.Json.JsonDocument.ParseAsync(stream);
            var (prices, skipped) = LiteLlmPriceFile.Parse(json.RootElement);
            var effective = _from is { } from ? DateTime.SpecifyKind(from.Date, DateTimeKind.Utc) : Time.GetUtcNow().UtcDateTime;
            var result = await Prices.ImportAsync(prices, skipped, effective, CancellationToken.None);
            await Audit.RecordAsync(await ActorAsync(), AuditActions.PricesChanged, file.Name,
                $"imported: {result.Added} added, {result.Unchanged} unchanged, {result.Skipped} skipped");
            _prices = await Prices.ListAsync(CancellationToken.None);
            Snackbar.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, UiText.Prices.Imported, result.Added, result.EffectiveFrom, result.Unchanged, result.Skipped), Severity.Success);
        }
        catch (System.Text.Json.JsonException ex)
        {
            _problem = $"{UiText.Prices.ImportRefused} {file.Name} is not valid JSON (line {ex.LineNumber + 1}).";
        }
        catch (Core.Common.ValidationFailedException ex)
        {
            _problem = $"{UiText.Prices.ImportRefused} " + string.Join(" ", ex.Errors.Take(10).SelectMany(e => e.Value.Select(v => $"{e.Key} {v}")));
        }
        finally
        {
            _saving = false;
        }
    }

    private async Task SaveAsync()
    {
        _problem = null;
        if (!await IsAdminAsync())
        {
            return;
        }
        if (string.IsNullOrWhiteSpace(_model) || _input is null || _output is null)
        {
            _problem = UiText.Prices.Required;
            return;
        }
        _saving = true;
        try
        {
            var price = await Prices.SetAsync(new SetPriceRequest
            {
                Model = _model.Trim(),
                InputPerMillion = _input.Value,
                OutputPerMillion = _output.Value,
                CachedInputPerMillion = _cached,
                EffectiveFrom = _from is { } from ? DateTime.SpecifyKind(from.Date, DateTimeKind.Utc) : Time.GetUtcNow().UtcDateTime,
            }, CancellationToken.None);
            await Audit.RecordAsync(await ActorAsync(), AuditActions.PricesChanged, price.Model, price.Describe());
            _prices = await Prices.ListAsync(CancellationToken.None);
            Snackbar.Add(string.Format(System.Globalization.CultureInfo.InvariantCulture, UiText.Prices.Saved, price.Model, price.EffectiveFrom), Severity.Success);
            (_model, _input, _output, _cached, _from) = (null, null, null, null, null);
        }
        catch (Core.Common.ValidationFailedException ex)
        {
            _problem = string.Join(" ", ex.Errors.SelectMany(e => e.Value.Select(v => $"{e.Key} {v}")));
        }
        finally
        {
            _saving = false;
        }
    }
}
