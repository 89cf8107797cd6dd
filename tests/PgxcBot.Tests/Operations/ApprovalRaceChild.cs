using PgxcBot.Core.Remote;

namespace PgxcBot.Tests.Operations;

/// <summary>
/// One bot process of the multi-process approval race: it opens the shared store file, says "ready", and for
/// every "go ID" line on stdin does what a freshly started <c>pgxcbot run "/pgxc approve ID"</c> does
/// (recover, then approve), printing "RESULT ID won STATE" or "RESULT ID lost WHY". Every runbook command it
/// runs is appended to its own ledger file (ledger-dir/PID.log), so the parent can count who ran what.
/// </summary>
internal static class ApprovalRaceChild
{
    public const string Role = "approve-race";

    /// <param name="args">store file, ledger directory, approver name</param>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output)
    {
        if (args is not [var storePath, var ledgerDir, var approverName]) return 64;
        var lab = new OperationLab(TimeProvider.System).WithDatanode2Lost();
        var store = await SqliteStore.OpenAsync(storePath, null, default);
        var ledger = Path.Combine(ledgerDir, $"{Environment.ProcessId}.log");
        long current = 0;
        var shell = new HookedShell(lab.Cluster, command =>
        {
            // "true" is the planner asking whether the host answers; everything else changes the cluster.
            if (command.Text != "true") File.AppendAllText(ledger, $"{Interlocked.Read(ref current)} {command.Text}\n");
            return Task.CompletedTask;
        });
        var service = lab.Service(new SqliteOperationStore(store), new SqliteTopologyStore(store), shell: shell);
        var approver = new Actor(approverName, approverName, ["dba"]);

        // Warm up (plan once, take and release the write lock) so the approvals race each other, not the JIT.
        await service.PreviewAsync("promote", "datanode1", [], default);
        await (await new SqliteOperationStore(store).BeginAsync(default)).DisposeAsync();

        await output.WriteLineAsync("ready");
        await output.FlushAsync();
        while (await input.ReadLineAsync() is { } line)
        {
            if (!line.StartsWith("go ", StringComparison.Ordinal) || !long.TryParse(line[3..], out var id)) continue;
            Interlocked.Exchange(ref current, id);
            string result;
            try
            {
                await service.RecoverAsync(default);
                var reply = await service.ApproveAsync(id, null, approver, [], default);
                result = reply.IsRefused ? $"lost {reply.Refusal}" : $"won {reply.Operation!.State}";
            }
            catch (Exception e)
            {
                result = $"error {e.GetType().Name}: {e.Message}";
            }
            await output.WriteLineAsync($"RESULT {id} {result.ReplaceLineEndings(" ")}");
            await output.FlushAsync();
        }
        return 0;
    }
}
