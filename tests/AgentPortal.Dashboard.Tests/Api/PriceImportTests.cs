using System.Net;
using System.Text;
using System.Text.Json;
using AgentPortal.Dashboard.Tests.Infrastructure;

namespace AgentPortal.Dashboard.Tests.Api;

/// <summary>POST /admin/prices/import with LiteLLM's model_prices_and_context_window.json format.</summary>
public sealed class PriceImportTests : IDisposable
{
    private const string File = """
        {
          "sample_spec": {"max_tokens": "LEGACY parameter", "input_cost_per_token": 0.0, "output_cost_per_token": 0.0, "litellm_provider": "one of https://docs.litellm.ai/docs/providers", "mode": "one of chat, embedding, completion, image_generation"},
          "gpt-4o-mini": {"max_tokens": 16384, "input_cost_per_token": 1.5e-07, "output_cost_per_token": 6e-07, "cache_read_input_token_cost": 7.5e-08, "litellm_provider": "openai", "mode": "chat"},
          "gpt-4o": {"input_cost_per_token": 3e-06, "output_cost_per_token": 1.2e-05, "cache_read_input_token_cost": 1.5e-06, "litellm_provider": "openai", "mode": "chat"},
          "bedrock/anthropic.claude-3-haiku": {"input_cost_per_token": 2.5e-07, "output_cost_per_token": 1.25e-06, "litellm_provider": "bedrock", "mode": "chat"},
          "dall-e-3": {"input_cost_per_pixel": 7.6e-08, "output_cost_per_pixel": 0.0, "litellm_provider": "openai", "mode": "image_generation"}
        }
        """;

    private readonly PortalAppFactory _app = new();

    [Fact]
    public async Task NewAndChangedPrices_AreAddedFromTheChosenDate_AndAgainNothingChanges()
    {
        var admin = await _app.CreateAdminClientAsync();

        using var first = await ImportAsync(admin, File, "2026-06-01T00:00:00Z", HttpStatusCode.OK);
        // gpt-4o-mini's shipped price is the same; gpt-4o's changed; the Bedrock model is new; sample_spec and the image model have no token prices.
        Assert.Equal(2, first.RootElement.GetProperty("added").GetInt32());
        Assert.Equal(1, first.RootElement.GetProperty("unchanged").GetInt32());
        Assert.Equal(2, first.RootElement.GetProperty("skipped").GetInt32());
        using var prices = JsonDocument.Parse(await admin.GetStringAsync("/admin/prices"));
        var gpt4o = prices.RootElement.EnumerateArray().Where(p => p.GetProperty("model").GetString() == "gpt-4o").ToList();
        Assert.Equal(2, gpt4o.Count);
        var imported = gpt4o.Single(p => p.GetProperty("effective_from").GetDateTime() == new DateTime(2026, 6, 1, 0, 0, 0, DateTimeKind.Utc));
        Assert.Equal(3m, imported.GetProperty("input_per_million").GetDecimal());
        Assert.Equal(12m, imported.GetProperty("output_per_million").GetDecimal());
        Assert.Equal(1.5m, imported.GetProperty("cached_input_per_million").GetDecimal());

        using var again = await ImportAsync(admin, File, "2026-07-01T00:00:00Z", HttpStatusCode.OK);
        Assert.Equal(0, again.RootElement.GetProperty("added").GetInt32());
        Assert.Equal(3, again.RootElement.GetProperty("unchanged").GetInt32());
    }

    [Fact]
    public async Task AFileWithAWrongEntry_IsRefusedWhole_NamingTheEntryAndField()
    {
        var admin = await _app.CreateAdminClientAsync();
        const string bad = """
            {"gpt-new": {"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06},
             "broken": {"input_cost_per_token": "cheap", "output_cost_per_token": 1e-06},
             "negative": {"input_cost_per_token": -1e-06},
             "not-an-object": 3}
            """;

        using var problem = await ImportAsync(admin, bad, null, HttpStatusCode.BadRequest);

        var errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("'broken'.input_cost_per_token", out _));
        Assert.True(errors.TryGetProperty("'negative'.input_cost_per_token", out _));
        Assert.True(errors.TryGetProperty("'not-an-object'", out _));
        using var prices = JsonDocument.Parse(await admin.GetStringAsync("/admin/prices"));
        Assert.DoesNotContain(prices.RootElement.EnumerateArray(), p => p.GetProperty("model").GetString() == "gpt-new");
    }

    [Fact]
    public async Task OnlyAdminsImport()
    {
        var response = await _app.CreateApiClient().PostAsync("/admin/prices/import", new StringContent(File, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<JsonDocument> ImportAsync(HttpClient client, string file, string? from, HttpStatusCode expected)
    {
        var response = await client.PostAsync("/admin/prices/import" + (from is null ? "" : "?effective_from=" + Uri.EscapeDataString(from)), new StringContent(file, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(expected == response.StatusCode, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text);
    }

    public void Dispose() => _app.Dispose();
}
