using PgxcBot.IntegrationTests.Operations;

namespace PgxcBot.IntegrationTests.Assessment;

/// <summary>A prepared (two-phase) transaction left on a datanode survives the promote (it is in the WAL the
/// slave replayed) and keeps its locks on the new master: the bot lists it, and /pgxc resolve-2pc applies
/// pgxc_clean's rule, which on plain PostgreSQL (no datanode can tell how another ended) leaves both to a person and
/// says why.</summary>
public sealed class PreparedAcrossPromoteTests : OperationLabTest
{
    private const string Implicit = "_$XC$4242";
    private const string Explicit = "client_batch_7";

    private async Task ExecuteAsync(LabServer server, string sql)
    {
        await using var connection = new NpgsqlConnection(server.ConnectionString + ";Pooling=false");
        await connection.OpenAsync(Ct);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Ct);
    }

    [Fact]
    public async Task A_prepared_transaction_left_across_a_promote_is_listed_on_the_new_master_and_resolved_by_the_rule()
    {
        var master = Lab.Pair.Master;
        await ExecuteAsync(master, "CREATE TABLE accounts (id int PRIMARY KEY, balance int); INSERT INTO accounts VALUES (1, 100), (2, 100)");
        // One as a coordinator makes them (implicit gid), one a client prepared itself; both wait for the sync slave.
        await ExecuteAsync(master, $"BEGIN; UPDATE accounts SET balance = 150 WHERE id = 1; PREPARE TRANSACTION '{Implicit}'");
        await ExecuteAsync(master, $"BEGIN; UPDATE accounts SET balance = 50 WHERE id = 2; PREPARE TRANSACTION '{Explicit}'");
        await Lab.ObserveAsync(Ct);

        await KillMasterAsync();
        var requested = (await Lab.Service.RequestAsync("promote", "datanode1", [], OperationHarness.Alice, Ct)).Operation!;
        var promoted = (await Lab.Service.ApproveAsync(requested.Id, requested.Nonce, OperationHarness.Bob, [], Ct)).Operation!;
        Assert.True(promoted.State == OperationState.Succeeded, Explain(promoted));
        // The final message already says it: the in-doubt transactions first (they hold locks), then the rebuild.
        Assert.EndsWith("Next: /pgxc resolve-2pc datanode1, then /pgxc rebuild datanode1.", promoted.Result);

        // On the new master they survived, and still hold their row locks.
        var slave = Lab.Pair.Slave;
        Assert.Equal(2L, await Lab.QueryAsync<long>(slave, "SELECT count(*) FROM pg_prepared_xacts", Ct));
        var blocked = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync(slave, "SET lock_timeout = '200ms'; UPDATE accounts SET balance = 0 WHERE id = 1"));
        Assert.Equal("55P03", blocked.SqlState); // lock_not_available

        // Status lists them at once (prepared before the promote: in doubt, whatever their age).
        var status = await Lab.ObserveAsync(Ct);
        var inDoubt = Assert.Single(status.AllProblems, p => p.Code == ProblemCodes.PreparedTransactionStuck);
        Assert.Contains($"'{Implicit}'", inDoubt.Sentence);
        Assert.Contains($"'{Explicit}'", inDoubt.Sentence);
        Assert.Contains("prepared before the promote (operation 1", inDoubt.Sentence);
        Assert.Equal("/pgxc resolve-2pc datanode1", inDoubt.Command);
        Assert.Contains("→ next: /pgxc resolve-2pc datanode1", PlainTextRenderer.Render(StatusMessageBuilder.Build(status)));
        Assert.Contains(AlertRules.From(status), c => c.Kind == AlertKinds.PreparedTransactions);

        // By pgxc_clean's rule the bot finishes neither: on PostgreSQL no other datanode can say how either ended,
        // and one prepared everywhere it is known may still be finished by its coordinator. The refusal says why, per gid.
        var resolve = await Lab.Service.RequestAsync("resolve-2pc", "datanode1", [], OperationHarness.Alice, Ct);
        Assert.Null(resolve.Operation);
        Assert.Contains("can be resolved by the rule", resolve.Refusal);
        Assert.Contains($"a coordinator prepared '{Implicit}'", resolve.Refusal);
        Assert.Contains($"a client prepared '{Explicit}' itself", resolve.Refusal);
        Assert.Equal(2L, await Lab.QueryAsync<long>(slave, "SELECT count(*) FROM pg_prepared_xacts", Ct)); // nothing was touched

        // A person decides as the refusal says.
        await ExecuteAsync(slave, $"COMMIT PREPARED '{Implicit}'");
        Assert.Equal(150, await Lab.QueryAsync<int>(slave, "SELECT balance FROM accounts WHERE id = 1", Ct)); // committed
        Assert.Equal(Explicit, await Lab.QueryAsync<string>(slave, "SELECT string_agg(gid, ',') FROM pg_prepared_xacts", Ct));
        await ExecuteAsync(slave, "SET lock_timeout = '2s'; UPDATE accounts SET balance = 0 WHERE id = 1"); // the lock is gone
        // What is left is for a person, and the advice says so in words (no command that would only be refused).
        var after = await Lab.ObserveAsync(Ct);
        var left = Assert.Single(after.AllProblems, p => p.Code == ProblemCodes.PreparedTransactionStuck);
        Assert.Null(left.Command);
        Assert.Contains($"a client prepared '{Explicit}' itself", left.NextStep);
    }
}
