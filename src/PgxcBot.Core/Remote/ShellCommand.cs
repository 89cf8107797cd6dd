using System.Text;
using System.Text.RegularExpressions;

namespace PgxcBot.Core.Remote;

/// <summary>
/// A command line built from separate arguments, each quoted for a POSIX shell when rendered. There is no
/// way to build one from a raw string: every value that reaches a remote shell passes through
/// <see cref="Quote"/>, so a data directory or application name can never inject a second command.
/// </summary>
public sealed partial record ShellCommand
{
    private ShellCommand(IReadOnlyList<string> arguments) => Arguments = arguments;

    public IReadOnlyList<string> Arguments { get; }

    public static ShellCommand Of(string program, params string[] arguments)
    {
        ArgumentException.ThrowIfNullOrEmpty(program);
        var all = new List<string>(arguments.Length + 1) { program };
        foreach (var argument in arguments)
        {
            ArgumentNullException.ThrowIfNull(argument);
            if (argument.Contains('\0'))
                throw new ArgumentException("a shell argument cannot contain a NUL character", nameof(arguments));
            all.Add(argument);
        }
        return new ShellCommand(all);
    }

    /// <summary>The line as the remote shell receives it.</summary>
    public string Text => string.Join(' ', Arguments.Select(Quote));

    public override string ToString() => Text;

    /// <summary>Quotes one argument for a POSIX shell; plain words stay readable, the rest is single-quoted.</summary>
    public static string Quote(string argument)
    {
        if (argument.Length > 0 && PlainWord().IsMatch(argument)) return argument;
        var quoted = new StringBuilder(argument.Length + 2).Append('\'');
        foreach (var c in argument)
        {
            // A single quote cannot appear inside '...': close, emit an escaped quote, reopen.
            if (c == '\'') quoted.Append("'\\''");
            else quoted.Append(c);
        }
        return quoted.Append('\'').ToString();
    }

    [GeneratedRegex("^[A-Za-z0-9_@%+=:,./-]+$")]
    private static partial Regex PlainWord();
}
