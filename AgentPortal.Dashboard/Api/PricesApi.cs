using System.Globalization;
using AgentPortal.Core.Audit;
using AgentPortal.Core.Configuration;
using AgentPortal.Core.Identity;
using AgentPortal.Core.Pricing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace AgentPortal.Dashboard.Api;

/// <summary>The model price table, for administrators. Costs everywhere are computed from it at query time.</summary>
public static class PricesApi
{
    public const string AdminPolicy = "api:admin";

    public static IEndpointRouteBuilder MapPricesApi(this IEndpointRouteBuilder app)
    {
        var prices = app.MapMachineApi("/admin/prices").RequireAuthorization(AdminPolicy);
        prices.MapGet("/", ListAsync);
        prices.MapPut("/", SetAsync);
        prices.MapPost("/import", ImportAsync);
        return app;
    }

    internal static async Task<Ok<IReadOnlyList<PriceReply>>> ListAsync(PriceTable table, CancellationToken cancellationToken) =>
        TypedResults.Ok<IReadOnlyList<PriceReply>>([.. (await table.ListAsync(cancellationToken)).Select(PriceReply.From)]);

    internal static async Task<Ok<PriceReply>> SetAsync(HttpRequest request, PriceTable table, AuditLog audit, TimeProvider time, IOptions<ApiOptions> api, CancellationToken cancellationToken)
    {
        using var body = await JsonRequest.ReadAsync(request, api.Value.MaxBodyBytes, allowEmpty: false, cancellationToken);
        var model = body.String("model", required: true);
        var input = Price(body, "input_per_million", required: true);
        var output = Price(body, "output_per_million", required: true);
        var cached = Price(body, "cached_input_per_million", required: false);
        var effectiveText = body.String("effective_from", maxLength: 64);
        DateTime? effective = null;
        if (effectiveText is not null)
        {
            if (DateTimeOffset.TryParse(effectiveText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                effective = parsed.UtcDateTime;
            }
            else
            {
                body.Error("effective_from", $"'{effectiveText}' is not a time; use ISO 8601 such as 2026-01-01T00:00:00Z.");
            }
        }
        body.ThrowIfInvalid();

        var price = await table.SetAsync(new SetPriceRequest
        {
            Model = model!,
            InputPerMillion = input!.Value,
            OutputPerMillion = output!.Value,
            CachedInputPerMillion = cached,
            EffectiveFrom = effective ?? time.GetUtcNow().UtcDateTime,
        }, cancellationToken);
        await audit.RecordAsync(ApiAuthentication.ActorOf(request.HttpContext), AuditActions.PricesChanged, price.Model,
            price.Describe(), cancellationToken: cancellationToken);
        return TypedResults.Ok(PriceReply.From(price));
    }

    /// <summary>
    /// Imports LiteLLM's model_prices_and_context_window.json (the body): what is new or changed is priced
    /// from <c>effective_from</c> (query; default now). A file with a wrong entry is refused whole.
    /// </summary>
    internal static async Task<Ok<PriceImportReply>> ImportAsync(HttpRequest request, PriceTable table, AuditLog audit, TimeProvider time, CancellationToken cancellationToken)
    {
        var query = new QueryReader(request.Query);
        var effective = query.Time("effective_from");
        query.ThrowIfInvalid();
        using var body = await JsonRequest.ReadAsync(request, LiteLlmPriceFile.MaxBytes, allowEmpty: false, cancellationToken);
        var (prices, skipped) = LiteLlmPriceFile.Parse(body.Root);
        var result = await table.ImportAsync(prices, skipped, effective ?? time.GetUtcNow().UtcDateTime, cancellationToken);
        await audit.RecordAsync(ApiAuthentication.ActorOf(request.HttpContext), AuditActions.PricesChanged, "LiteLLM price file",
            $"imported: {result.Added} added, {result.Unchanged} unchanged, {result.Skipped} skipped", cancellationToken: cancellationToken);
        return TypedResults.Ok(new PriceImportReply(result.EffectiveFrom, result.Added, result.Unchanged, result.Skipped, [.. result.AddedModels.Take(200)]));
    }

    internal sealed record PriceImportReply(DateTime EffectiveFrom, int Added, int Unchanged, int Skipped, IReadOnlyList<string> AddedModels);

    private static decimal? Price(JsonRequest body, string field, bool required)
    {
        var text = body.Text(field, 64);
        if (text is null)
        {
            if (required)
            {
                body.Error(field, "is required: USD per million tokens, e.g. 0.15.");
            }
            return null;
        }
        if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
        {
            body.Error(field, $"'{text}' is not a number; give USD per million tokens, e.g. 0.15.");
            return null;
        }
        return value;
    }

    public static void AddAdminPolicy(Microsoft.AspNetCore.Authorization.AuthorizationBuilder builder) =>
        builder.AddPolicy(AdminPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(PortalRoles.Admin));
}
