using AgentPortal.Core.Pricing;

namespace AgentPortal.Core.Tests.Pricing;

public class PriceTableTests
{
    private static readonly DateTime s_2024 = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime s_2025 = new(2025, 6, 1, 0, 0, 0, DateTimeKind.Utc);

    private static readonly ModelPrice[] s_prices =
    [
        Price("gpt-4o", 2.50m, 10.00m, 1.25m, s_2024),
        Price("gpt-4o", 2.00m, 8.00m, 1.00m, s_2025),
        Price("gpt-4o-mini", 0.15m, 0.60m, null, s_2024),
    ];

    [Theory]
    [InlineData("gpt-4o", "2024-06-01", 2.50)]
    [InlineData("gpt-4o", "2025-07-01", 2.00)]
    [InlineData("openai/gpt-4o", "2025-07-01", 2.00)]
    [InlineData("gpt-4o-2024-08-06", "2024-09-01", 2.50)]
    [InlineData("gpt-4o-mini-2024-07-18", "2024-09-01", 0.15)]
    public void Find_PicksThePriceInForceForTheModel(string model, string at, double expectedInput)
    {
        var price = PriceTable.Find(s_prices, model, DateTime.Parse(at, null, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal));

        Assert.Equal((decimal)expectedInput, price!.InputPerMillion);
    }

    [Theory]
    [InlineData("llama-3-70b")]
    [InlineData("")]
    [InlineData("gpt-4")]
    public void Find_UnknownModel_HasNoPrice(string model)
    {
        Assert.Null(PriceTable.Find(s_prices, model, s_2025));
    }

    [Fact]
    public void Find_BeforeAnyPriceWasEffective_HasNoPrice()
    {
        Assert.Null(PriceTable.Find(s_prices, "gpt-4o", new DateTime(2023, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
    }

    [Fact]
    public void CostOf_PricesInputCachedAndOutputTokens_HourByHour()
    {
        var usage = new[]
        {
            // 1M input of which 400k cached, 100k output at 2024 prices: 0.6*2.5 + 0.4*1.25 + 0.1*10 = 3.00
            new ModelUsage(new DateTime(2024, 3, 1, 10, 0, 0, DateTimeKind.Utc), "gpt-4o", 10, 1_000_000, 100_000, 400_000, 2.9),
            // the same after the 2025 price change: 0.6*2 + 0.4*1 + 0.1*8 = 2.40
            new ModelUsage(new DateTime(2025, 7, 1, 10, 0, 0, DateTimeKind.Utc), "gpt-4o", 10, 1_000_000, 100_000, 400_000, 0),
            // no cached price: cached tokens cost as input. 0.1*0.15 + 0.2*0.6 = 0.135
            new ModelUsage(new DateTime(2025, 7, 1, 10, 0, 0, DateTimeKind.Utc), "gpt-4o-mini", 3, 100_000, 200_000, 50_000, 0.1),
        };

        var cost = PriceTable.CostOf(s_prices, usage);

        Assert.Equal(3.00m + 2.40m + 0.135m, cost.Cost);
        Assert.Empty(cost.UnpricedModels);
        Assert.Equal(3.0, cost.ReportedCost!.Value, 6);
    }

    [Fact]
    public void CostOf_OnlyUnpricedModels_IsNoPriceNotZero()
    {
        var cost = PriceTable.CostOf(s_prices, [new ModelUsage(s_2025, "my-local-llm", 5, 1000, 100, 0, 0)]);

        Assert.Null(cost.Cost);
        Assert.Equal(["my-local-llm"], cost.UnpricedModels);
        Assert.Null(cost.ReportedCost);
    }

    [Fact]
    public void CostOf_MixedModels_PricesTheKnownAndListsTheRest()
    {
        var cost = PriceTable.CostOf(s_prices,
        [
            new ModelUsage(s_2025, "gpt-4o-mini", 1, 1_000_000, 0, 0, 0),
            new ModelUsage(s_2025, "my-local-llm", 1, 1000, 100, 0, 0),
        ]);

        Assert.Equal(0.15m, cost.Cost);
        Assert.Equal(["my-local-llm"], cost.UnpricedModels);
    }

    private static ModelPrice Price(string model, decimal input, decimal output, decimal? cached, DateTime from) => new()
    {
        Id = Guid.NewGuid().ToString(),
        Model = model,
        InputPerMillion = input,
        OutputPerMillion = output,
        CachedInputPerMillion = cached,
        EffectiveFrom = from,
    };
}
