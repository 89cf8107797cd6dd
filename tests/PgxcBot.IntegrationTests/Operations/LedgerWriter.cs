namespace PgxcBot.IntegrationTests.Operations;

/// <summary>The lab's ledger writer (<see cref="LabLedgerWriter"/>) on a harness's master.</summary>
public static class LedgerWriter
{
    public static Task<LabLedgerWriter> StartAsync(OperationHarness lab, CancellationToken cancellationToken) =>
        LabLedgerWriter.StartAsync(lab.Pair.Master, cancellationToken);

    /// <summary>How many acknowledged rows <paramref name="server"/> has.</summary>
    public static Task<long> CountOnAsync(this LabLedgerWriter writer, OperationHarness lab, LabServer server, CancellationToken cancellationToken) =>
        writer.CountOnAsync(server, cancellationToken);
}
