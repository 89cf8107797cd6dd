namespace PgxcBot.Benchmarks;

/// <summary>Order statistics of a sample, in milliseconds.</summary>
internal sealed record Stats(int Count, double Median, double P95, double Min, double Max)
{
    /// <summary>Median and 95th percentile by the nearest-rank method (no interpolation: every value
    /// reported was actually measured).</summary>
    public static Stats Of(IReadOnlyCollection<double> samples)
    {
        if (samples.Count == 0) throw new ArgumentException("No samples.", nameof(samples));
        var sorted = samples.Order().ToArray();
        double Rank(double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
        var median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
        return new Stats(sorted.Length, median, Rank(0.95), sorted[0], sorted[^1]);
    }
}
