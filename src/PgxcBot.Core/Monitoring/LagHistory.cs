using PgxcBot.Core.Assessment;

namespace PgxcBot.Core.Monitoring;

/// <summary>One reading of a pair's replication lag by the monitor: bytes of WAL the slave is behind and its replay
/// delay in seconds (each null when the poll could not tell, e.g. the slave was down).</summary>
public sealed record LagSample(string Datanode, DateTimeOffset At, long? Bytes, double? Seconds);

/// <summary>
/// The lag the monitor saw, kept for the pictures (the last hour of each pair). Bounded: each append drops what is older
/// than its <c>keepFrom</c>, so the store never holds more than the retention's worth of samples.
/// </summary>
public interface ILagHistoryStore
{
    /// <summary>Appends <paramref name="samples"/> and removes every sample older than <paramref name="keepFrom"/>, in one transaction.</summary>
    /// <exception cref="Operations.StoreUnavailableException">The store cannot be written.</exception>
    Task AppendAsync(IReadOnlyList<LagSample> samples, DateTimeOffset keepFrom, CancellationToken cancellationToken);

    /// <summary>Samples from <paramref name="since"/> on, oldest first; every pair when <paramref name="datanode"/> is null.</summary>
    Task<IReadOnlyList<LagSample>> GetAsync(string? datanode, DateTimeOffset since, CancellationToken cancellationToken);
}

/// <summary>Decides which polls become lag samples (pure): at most one per pair every <see cref="Every"/>, kept
/// for <see cref="Retention"/>.</summary>
public sealed class LagSampler(TimeSpan every, TimeSpan retention)
{
    /// <summary>One sample every 5 s, kept 1 h: 720 rows per pair at most, enough for a one-hour picture.</summary>
    public static LagSampler Default { get; } = new(TimeSpan.FromSeconds(5), TimeSpan.FromHours(1));

    public TimeSpan Every { get; } = every;

    public TimeSpan Retention { get; } = retention;

    /// <summary>The samples of <paramref name="assessment"/> taken at <paramref name="now"/> when the last one was taken
    /// at <paramref name="last"/> (null: never); empty when it is too early for the next one.</summary>
    public IReadOnlyList<LagSample> Take(ClusterAssessment assessment, DateTimeOffset now, DateTimeOffset? last)
    {
        ArgumentNullException.ThrowIfNull(assessment);
        if (last is { } previous && now - previous < Every) return [];
        return assessment.Pairs.Select(p => new LagSample(p.Datanode, now, p.Lag?.Bytes, p.Lag?.Time?.TotalSeconds)).ToArray();
    }
}
