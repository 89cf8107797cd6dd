namespace PgxcBot.Lab.Coordinator;

/// <summary>Who is connected and the session's settings (SET/SHOW, ParameterStatus).</summary>
internal sealed class SessionInfo(string user, string database, int backendPid)
{
    public string User { get; } = user;
    public string Database { get; } = database;
    public int BackendPid { get; } = backendPid;

    /// <summary>Settings by lower-case name; the reported ones keep PostgreSQL's spelling in <see cref="Reported"/>.</summary>
    public Dictionary<string, string> Settings { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>ParameterStatus messages sent after authentication, in order.</summary>
    public List<KeyValuePair<string, string>> Reported { get; } = [];

    public void Report(string name, string value)
    {
        Reported.Add(new(name, value));
        Settings[name] = value;
    }
}
