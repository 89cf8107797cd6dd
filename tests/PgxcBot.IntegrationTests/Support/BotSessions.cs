using Npgsql;

namespace PgxcBot.IntegrationTests.Support;

/// <summary>The bot's sessions on a lab server, by the application name each kind of session sets (pgxcbot for the
/// observer's and the runbooks' pools, pgxcbot-commit-watch, pgxcbot-slave-link), read from pg_stat_activity over a
/// connection of the test's own.</summary>
internal static class BotSessions
{
    /// <summary>The backend pids of the sessions named <paramref name="applicationName"/> on <paramref name="server"/>, sorted.</summary>
    public static async Task<IReadOnlyList<int>> PidsAsync(LabServer server, string applicationName, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT pid FROM pg_stat_activity WHERE application_name = $1 ORDER BY pid", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = applicationName });
        var pids = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) pids.Add(reader.GetInt32(0));
        return pids;
    }

    /// <summary>How many sessions named <paramref name="applicationName"/> <paramref name="server"/> has.</summary>
    public static async Task<int> CountAsync(LabServer server, string applicationName, CancellationToken cancellationToken) =>
        (await PidsAsync(server, applicationName, cancellationToken)).Count;
}
