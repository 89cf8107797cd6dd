namespace PgxcBot.Core.Commands;

/// <summary>What an argument names; the parser checks the value against it.</summary>
public enum ArgumentKind
{
    /// <summary>A configured datanode; the parser lists the configured ones when it is wrong.</summary>
    Datanode,
    /// <summary>One of <see cref="CommandArgument.Choices"/>.</summary>
    Choice,
    /// <summary>A catalogue command name (help's topic).</summary>
    Command,
    /// <summary>An operation number (a positive whole number).</summary>
    OperationId,
    /// <summary>An incident as alerts name it: subject/kind (e.g. datanode1/slave-lost).</summary>
    Incident,
}

/// <summary>A positional argument of a chat command.</summary>
public sealed record CommandArgument(
    string Name,
    string Description,
    ArgumentKind Kind,
    bool Required,
    IReadOnlyList<string>? Choices = null);

/// <summary>A <c>--name</c> option. A flag has no value; a valued option is written
/// <c>--name VALUE</c> or <c>--name=VALUE</c> and is a positive whole number when
/// <see cref="IsNumber"/>, otherwise a word.</summary>
public sealed record CommandOption(string Name, string Description, bool IsFlag = true, bool IsNumber = false)
{
    /// <summary>A valued option that takes free text (quoted when it has spaces), e.g. a reason.</summary>
    public bool IsText { get; init; }

    /// <summary>How usage and help write its value: N, WORD or TEXT (empty for a flag).</summary>
    public string ValueName => IsFlag ? "" : IsNumber ? "N" : IsText ? "TEXT" : "WORD";
}

/// <summary>
/// One entry of the command catalogue: enough to parse it, to explain it in help, and to register it as a
/// Discord slash command (name, description, typed arguments and options).
/// </summary>
/// <param name="NeedsApproval">The operation changes the cluster and waits for a second person.</param>
/// <param name="Available">False for commands that are declared (parsed, listed) but not implemented yet.</param>
public sealed record CommandSpec(
    string Name,
    string Description,
    IReadOnlyList<CommandArgument> Arguments,
    IReadOnlyList<CommandOption> Options,
    bool NeedsApproval,
    bool Available)
{
    /// <summary>When approval depends on the situation: says when (help and the README say the same).</summary>
    public string? ApprovalNote { get; init; }

    /// <summary>The command only reads (the servers and the store) and changes nothing, so a standby replica may
    /// answer it; every other command acts and runs only on the active replica. False unless declared: a new
    /// command is taken as acting until someone checks that it writes nothing.</summary>
    public bool ReadOnly { get; init; }

    /// <summary>The usage line, e.g. <c>/pgxc promote &lt;datanode&gt; [--accept-data-loss]</c>.</summary>
    public string Usage
    {
        get
        {
            var parts = new List<string> { CommandCatalogue.Prefix, Name };
            parts.AddRange(Arguments.Select(a => a.Required ? $"<{a.Name}>" : $"[{a.Name}]"));
            parts.AddRange(Options.Select(o => o.IsFlag ? $"[--{o.Name}]" : $"[--{o.Name} {o.ValueName}]"));
            return string.Join(' ', parts);
        }
    }
}
