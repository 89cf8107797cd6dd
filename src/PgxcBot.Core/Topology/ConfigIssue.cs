namespace PgxcBot.Core.Topology;

/// <summary>One mistake (or doubt) in the configuration, located by its JSON path.</summary>
/// <param name="Path">JSON path such as <c>datanodes[0].master.port</c>; empty for the file as a whole.</param>
/// <param name="Message">What is wrong, what is expected and how to fix it.</param>
public sealed record ConfigIssue(string Path, string Message)
{
    public override string ToString() => Path.Length == 0 ? Message : $"{Path}: {Message}";
}

/// <summary>
/// The outcome of loading and validating a configuration: every error and warning found, and the
/// <see cref="ClusterTopology"/> when there is no error. Warnings never block.
/// </summary>
public sealed record ConfigReport(
    IReadOnlyList<ConfigIssue> Errors,
    IReadOnlyList<ConfigIssue> Warnings,
    ClusterTopology? Topology)
{
    public bool HasErrors => Errors.Count > 0;

    /// <summary>A report for a file that could not be read or parsed at all.</summary>
    public static ConfigReport Failed(params ConfigIssue[] errors) => new(errors, [], null);
}
