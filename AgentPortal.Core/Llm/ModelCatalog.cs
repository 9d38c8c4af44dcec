using AgentPortal.Core.Pricing;

namespace AgentPortal.Core.Llm;

/// <summary>A model the gateway offers, with the price the portal counts it at (null when it has none).</summary>
public sealed record ModelOffer(string Id, decimal? InputPerMillion, decimal? OutputPerMillion, decimal? CachedInputPerMillion)
{
    public bool Unpriced => InputPerMillion is null;
}

/// <summary>The gateway's models beside the price table, for the chat page's picker and <c>GET /observability/models</c>.</summary>
public sealed class ModelCatalog(LlmGateway gateway, PriceTable prices, TimeProvider time)
{
    public async Task<IReadOnlyList<ModelOffer>> ListAsync(CancellationToken cancellationToken)
    {
        var models = await gateway.ListModelsAsync(cancellationToken);
        var priceList = await prices.ListAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        return [.. models.Select(id => PriceTable.Find(priceList, id, now) is { } price
            ? new ModelOffer(id, price.InputPerMillion, price.OutputPerMillion, price.CachedInputPerMillion)
            : new ModelOffer(id, null, null, null))];
    }
}
