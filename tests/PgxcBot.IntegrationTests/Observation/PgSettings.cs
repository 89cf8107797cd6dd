namespace PgxcBot.IntegrationTests.Observation;

/// <summary>Settings read the long way (pg_settings: value and unit), to check the probe's own cheaper reading.</summary>
internal static class PgSettings
{
    /// <summary>The setting in bytes when it has a size unit, else as it is (a count of segments).</summary>
    public static async Task<long> BytesAsync(string connectionString, string name, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString + ";Pooling=false");
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT (setting::numeric * CASE coalesce(unit, '') WHEN '' THEN 1 WHEN 'B' THEN 1 WHEN 'kB' THEN 1024 WHEN '8kB' THEN 8192 " +
            "WHEN 'MB' THEN 1048576 WHEN '16MB' THEN 16777216 END)::bigint FROM pg_settings WHERE name = @name", connection);
        command.Parameters.AddWithValue("name", name);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
