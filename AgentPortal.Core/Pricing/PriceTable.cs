using AgentPortal.Core.Common;
using AgentPortal.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AgentPortal.Core.Pricing;

public sealed class SetPriceRequest
{
    public required string Model { get; init; }

    public decimal InputPerMillion { get; init; }

    public decimal OutputPerMillion { get; init; }

    public decimal? CachedInputPerMillion { get; init; }

    public DateTime EffectiveFrom { get; init; }
}

/// <summary>
/// The model price table and the cost of usage, computed at query time from token counts so a
/// price change re-prices history. A model without a price has no cost, never a cost of zero.
/// </summary>
public sealed class PriceTable(IDbContextFactory<PortalDbContext> contexts, TimeProvider time)
{
    private volatile IReadOnlyList<ModelPrice>? _prices;

    public async Task EnsureDefaultsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        if (await db.ModelPrices.AnyAsync(cancellationToken))
        {
            return;
        }
        foreach (var (model, input, output, cached) in PriceDefaults.All)
        {
            db.ModelPrices.Add(new ModelPrice
            {
                Id = Guid.NewGuid().ToString(),
                Model = model,
                InputPerMillion = input,
                OutputPerMillion = output,
                CachedInputPerMillion = cached,
                EffectiveFrom = PriceDefaults.EffectiveFrom,
                CreatedAt = time.GetUtcNow().UtcDateTime,
            });
        }
        await db.SaveChangesAsync(cancellationToken);
        _prices = null;
    }

    /// <summary>Every price with its history, newest first within a model.</summary>
    public async Task<IReadOnlyList<ModelPrice>> ListAsync(CancellationToken cancellationToken)
    {
        if (_prices is { } cached)
        {
            return cached;
        }
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var prices = await db.ModelPrices.AsNoTracking().ToListAsync(cancellationToken);
        _prices = [.. prices.OrderBy(p => p.Model, StringComparer.Ordinal).ThenByDescending(p => p.EffectiveFrom)];
        return _prices;
    }

    /// <summary>Adds a price from a date on; the same model and date again replaces that price.</summary>
    public async Task<ModelPrice> SetAsync(SetPriceRequest request, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request.Model) || request.Model.Length > 255)
        {
            errors["model"] = ["must be a model name of 1 to 255 characters, e.g. gpt-4o-mini."];
        }
        foreach (var (field, value) in new[] { ("input_per_million", (decimal?)request.InputPerMillion), ("output_per_million", request.OutputPerMillion), ("cached_input_per_million", request.CachedInputPerMillion) })
        {
            if (value is < 0 or > 1_000_000)
            {
                errors[field] = ["must be a price in USD per million tokens from 0 to 1000000."];
            }
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var effective = DateTime.SpecifyKind(request.EffectiveFrom, DateTimeKind.Utc);
        var existing = await db.ModelPrices.FirstOrDefaultAsync(p => p.Model == request.Model && p.EffectiveFrom == effective, cancellationToken);
        if (existing is not null)
        {
            db.ModelPrices.Remove(existing);
        }
        var price = new ModelPrice
        {
            Id = Guid.NewGuid().ToString(),
            Model = request.Model.Trim(),
            InputPerMillion = request.InputPerMillion,
            OutputPerMillion = request.OutputPerMillion,
            CachedInputPerMillion = request.CachedInputPerMillion,
            EffectiveFrom = effective,
            CreatedAt = time.GetUtcNow().UtcDateTime,
        };
        db.ModelPrices.Add(price);
        await db.SaveChangesAsync(cancellationToken);
        _prices = null;
        return price;
    }

    /// <summary>
    /// Adds, from <paramref name="effectiveFrom"/> on, each imported price that is new or differs from the
    /// price of that exact model in force then; all in one transaction.
    /// </summary>
    public async Task<PriceImportResult> ImportAsync(IReadOnlyList<ImportedPrice> imported, int skipped, DateTime effectiveFrom, CancellationToken cancellationToken)
    {
        var effective = DateTime.SpecifyKind(effectiveFrom, DateTimeKind.Utc);
        var current = await ListAsync(cancellationToken);
        var now = time.GetUtcNow().UtcDateTime;
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var added = new List<string>();
        var unchanged = 0;
        foreach (var price in imported.DistinctBy(p => p.Model, StringComparer.Ordinal))
        {
            var inForce = InForce(current, price.Model, effective);
            if (inForce is not null && inForce.InputPerMillion == price.InputPerMillion && inForce.OutputPerMillion == price.OutputPerMillion
                && inForce.CachedInputPerMillion == price.CachedInputPerMillion)
            {
                unchanged++;
                continue;
            }
            if (inForce?.EffectiveFrom == effective)
            {
                // Replaced in the same transaction: deletes are saved before inserts.
                db.ModelPrices.Remove(new ModelPrice { Id = inForce.Id, Model = inForce.Model });
            }
            db.ModelPrices.Add(new ModelPrice
            {
                Id = Guid.NewGuid().ToString(),
                Model = price.Model,
                InputPerMillion = price.InputPerMillion,
                OutputPerMillion = price.OutputPerMillion,
                CachedInputPerMillion = price.CachedInputPerMillion,
                EffectiveFrom = effective,
                CreatedAt = now,
            });
            added.Add(price.Model);
        }
        await db.SaveChangesAsync(cancellationToken);
        _prices = null;
        return new PriceImportResult(effective, added.Count, unchanged, skipped, added);
    }

    public async Task<CostBreakdown> CostOfAsync(IEnumerable<ModelUsage> usage, CancellationToken cancellationToken) =>
        CostOf(await ListAsync(cancellationToken), usage);

    public static CostBreakdown CostOf(IReadOnlyList<ModelPrice> prices, IEnumerable<ModelUsage> usage)
    {
        decimal? total = null;
        double? reported = null;
        var unpriced = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var row in usage)
        {
            if (row.ReportedCost > 0)
            {
                reported = (reported ?? 0) + row.ReportedCost;
            }
            if (row.InputTokens == 0 && row.OutputTokens == 0)
            {
                continue;
            }
            if (Find(prices, row.Model, row.Hour) is not { } price)
            {
                unpriced.Add(row.Model.Length == 0 ? "(no model)" : row.Model);
                continue;
            }
            var cached = Math.Min(row.CachedInputTokens, row.InputTokens);
            var cost = ((row.InputTokens - cached) * price.InputPerMillion
                + cached * (price.CachedInputPerMillion ?? price.InputPerMillion)
                + row.OutputTokens * price.OutputPerMillion) / 1_000_000m;
            total = (total ?? 0) + cost;
        }
        return new CostBreakdown(total, [.. unpriced], reported);
    }

    /// <summary>
    /// The price in force at a time: the exact model name, else without a provider prefix
    /// ("openai/gpt-4o"), else the longest priced name the model is a dated version of
    /// ("gpt-4o-2024-08-06" is priced as "gpt-4o").
    /// </summary>
    public static ModelPrice? Find(IReadOnlyList<ModelPrice> prices, string model, DateTime at)
    {
        if (model.Length == 0)
        {
            return null;
        }
        var name = model.Contains('/', StringComparison.Ordinal) ? model[(model.LastIndexOf('/') + 1)..] : model;
        return InForce(prices, model, at)
            ?? InForce(prices, name, at)
            ?? prices.Select(p => p.Model).Distinct()
                .Where(candidate => name.StartsWith(candidate + "-", StringComparison.Ordinal))
                .OrderByDescending(candidate => candidate.Length)
                .Select(candidate => InForce(prices, candidate, at))
                .FirstOrDefault(p => p is not null);
    }

    private static ModelPrice? InForce(IReadOnlyList<ModelPrice> prices, string model, DateTime at) =>
        prices.Where(p => p.Model == model && p.EffectiveFrom <= at).MaxBy(p => p.EffectiveFrom);
}
