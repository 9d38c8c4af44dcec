namespace AgentPortal.Core.Telemetry;

/// <summary>
/// Log-scale duration buckets kept in the hourly rollups, so percentiles over any range come from
/// bucket counts instead of raw spans. Bucket b holds durations in [1.1^(b-1), 1.1^b) ms (bucket 0:
/// under 1 ms); an estimate is off by at most about 5%.
/// </summary>
public static class DurationHistogram
{
    private const double Growth = 1.1;
    public const int MaxBucket = 250;
    private static readonly double s_logGrowth = Math.Log(Growth);

    public static int BucketOf(long durationNanos)
    {
        var milliseconds = durationNanos / 1_000_000.0;
        if (milliseconds < 1)
        {
            return 0;
        }
        return Math.Min(MaxBucket, (int)Math.Floor(Math.Log(milliseconds) / s_logGrowth) + 1);
    }

    /// <summary>The geometric middle of a bucket, in milliseconds.</summary>
    public static double MidpointMilliseconds(int bucket) =>
        bucket == 0 ? 0.5 : Math.Pow(Growth, bucket - 1) * Math.Sqrt(Growth);

    /// <summary>The q-quantile (0..1) of a histogram given as (bucket, count) pairs; null when it is empty.</summary>
    public static double? Quantile(IEnumerable<(int Bucket, long Count)> histogram, double q)
    {
        var ordered = histogram.Where(b => b.Count > 0).OrderBy(b => b.Bucket).ToList();
        var total = ordered.Sum(b => b.Count);
        if (total == 0)
        {
            return null;
        }
        var rank = Math.Max(1, (long)Math.Ceiling(q * total));
        long seen = 0;
        foreach (var (bucket, count) in ordered)
        {
            seen += count;
            if (seen >= rank)
            {
                return MidpointMilliseconds(bucket);
            }
        }
        return MidpointMilliseconds(ordered[^1].Bucket);
    }
}
