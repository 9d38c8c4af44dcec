using System.Text.Json;
using AgentPortal.Core.Common;

namespace AgentPortal.Core.Pricing;

/// <summary>One model's price read from a price file, per million tokens.</summary>
public sealed record ImportedPrice(string Model, decimal InputPerMillion, decimal OutputPerMillion, decimal? CachedInputPerMillion);

/// <summary>What an import did: prices added (new models or changed prices), prices already in force, and entries without token prices.</summary>
public sealed record PriceImportResult(DateTime EffectiveFrom, int Added, int Unchanged, int Skipped, IReadOnlyList<string> AddedModels);

/// <summary>
/// LiteLLM's <c>model_prices_and_context_window.json</c>: an object whose keys are model names (often
/// provider-prefixed, e.g. <c>openai/gpt-4o</c>) and whose values give <c>input_cost_per_token</c>,
/// <c>output_cost_per_token</c> and <c>cache_read_input_token_cost</c> in USD per token. Entries
/// priced otherwise (per image, per second) and LiteLLM's <c>sample_spec</c> are skipped. A file
/// with any wrong entry is refused whole, naming every entry and field that is wrong.
/// </summary>
public static class LiteLlmPriceFile
{
    public const int MaxBytes = 32 * 1024 * 1024;
    private const int MaxErrors = 50;
    private const decimal MaxPerMillion = 1_000_000;

    public static (IReadOnlyList<ImportedPrice> Prices, int Skipped) Parse(JsonElement root)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string problem)
        {
            if (errors.Count < MaxErrors)
            {
                errors[field] = [problem];
            }
        }
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw ValidationFailedException.For("file", $"is a JSON {root.ValueKind.ToString().ToLowerInvariant()}; LiteLLM's price file is one object of model name to prices, e.g. {{\"gpt-4o\": {{\"input_cost_per_token\": 2.5e-06, \"output_cost_per_token\": 1e-05}}}}.");
        }

        var prices = new List<ImportedPrice>();
        var skipped = 0;
        foreach (var entry in root.EnumerateObject())
        {
            if (entry.Name == "sample_spec")
            {
                skipped++;
                continue;
            }
            if (entry.Name.Trim().Length == 0 || entry.Name.Length > 255)
            {
                Error($"'{Short(entry.Name)}'", "is not a model name of 1 to 255 characters.");
                continue;
            }
            if (entry.Value.ValueKind != JsonValueKind.Object)
            {
                Error($"'{entry.Name}'", $"must be an object of prices, not a {entry.Value.ValueKind.ToString().ToLowerInvariant()}.");
                continue;
            }
            var input = PerMillion(entry, "input_cost_per_token", Error);
            var output = PerMillion(entry, "output_cost_per_token", Error);
            var cached = PerMillion(entry, "cache_read_input_token_cost", Error);
            if (input.Invalid || output.Invalid || cached.Invalid)
            {
                continue;
            }
            if (input.Value is null && output.Value is null)
            {
                skipped++;
                continue;
            }
            prices.Add(new ImportedPrice(entry.Name.Trim(), input.Value ?? 0, output.Value ?? 0, cached.Value));
        }
        if (errors.Count > 0)
        {
            throw new ValidationFailedException(errors);
        }
        return (prices, skipped);
    }

    private static (decimal? Value, bool Invalid) PerMillion(JsonProperty entry, string field, Action<string, string> error)
    {
        if (!entry.Value.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return (null, false);
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDecimal(out var perToken))
        {
            error($"'{entry.Name}'.{field}", $"must be a number of USD per token such as 2.5e-06, not {Short(value.GetRawText())}.");
            return (null, true);
        }
        var perMillion = perToken * 1_000_000m;
        if (perMillion is < 0 or > MaxPerMillion)
        {
            error($"'{entry.Name}'.{field}", $"{value.GetRawText()} is out of range: from 0 to 1 USD per token.");
            return (null, true);
        }
        return (perMillion, false);
    }

    private static string Short(string text) => text.Length <= 40 ? text : text[..40] + "…";
}
