using AgentPortal.Core.Telemetry;

namespace AgentPortal.Core.Tests.Telemetry;

public class DurationHistogramTests
{
    [Theory]
    [InlineData(0.2)]
    [InlineData(1)]
    [InlineData(12.5)]
    [InlineData(250)]
    [InlineData(4_000)]
    [InlineData(90_000)]
    public void BucketMidpoint_IsWithinFivePercentOfTheDuration(double milliseconds)
    {
        var bucket = DurationHistogram.BucketOf((long)(milliseconds * 1_000_000));
        var midpoint = DurationHistogram.MidpointMilliseconds(bucket);

        if (milliseconds < 1)
        {
            Assert.Equal(0, bucket);
        }
        else
        {
            Assert.InRange(midpoint / milliseconds, 0.95, 1.05);
        }
    }

    [Fact]
    public void Quantile_OfKnownDurations_LandsInTheRightBucket()
    {
        // 90 runs of 100 ms and 10 runs of 2 s: p50 is about 100 ms, p95 about 2 s.
        var histogram = new Dictionary<int, long>
        {
            [DurationHistogram.BucketOf(100_000_000)] = 90,
            [DurationHistogram.BucketOf(2_000_000_000)] = 10,
        };
        var buckets = histogram.Select(h => (h.Key, h.Value)).ToList();

        Assert.InRange(DurationHistogram.Quantile(buckets, 0.5)!.Value, 95, 105);
        Assert.InRange(DurationHistogram.Quantile(buckets, 0.95)!.Value, 1_900, 2_100);
    }

    [Fact]
    public void Quantile_OfNothing_IsNull()
    {
        Assert.Null(DurationHistogram.Quantile([], 0.5));
    }
}
