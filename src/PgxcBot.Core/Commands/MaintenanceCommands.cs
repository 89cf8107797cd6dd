using PgxcBot.Core.Monitoring;

namespace PgxcBot.Core.Commands;

/// <summary>The catalogue entries of maintenance windows, silences and acknowledgements, and their parsing
/// rules beyond the generic ones (<c>--all</c> instead of a datanode, --for as a duration, --reason required).</summary>
public static class MaintenanceCommands
{
    /// <summary>Who may set windows and silences, as help and the README say it.</summary>
    public const string ApproverNote = "on: a requester asks, another approver approves (approve); off: one approver, at once";

    private static readonly IReadOnlyList<string> OnOff = ["on", "off", "approve"];

    private static CommandOption Request { get; } = new("request", "The request number the Approve button was made for (set by the button).", IsFlag: false);

    private static CommandOption For { get; } = new("for", "How long: 30m, 2h, 1h30m, 1d (default 1h, at most 7d); it ends by itself.", IsFlag: false);

    private static CommandOption Reason { get; } = new("reason", "Why (required with on): shown in status, alerts and history.", IsFlag: false) { IsText = true };

    public static CommandSpec Maintenance { get; } = new("maintenance",
        "Planned work: no automatic degrade, re-sync, failover or pages for a pair (or --all) until it ends.",
        [new CommandArgument("datanode", "The datanode pair (leave out with --all).", ArgumentKind.Datanode, Required: false),
         new CommandArgument("state", "on (asks for it), approve (a second person sets it) or off.", ArgumentKind.Choice, Required: true, OnOff)],
        [new CommandOption("all", "The whole cluster instead of one pair."), For, Reason, Request],
        NeedsApproval: true, Available: true)
    {
        ApprovalNote = ApproverNote,
    };

    public static CommandSpec Silence { get; } = new("silence",
        "Mute one alert kind of one pair (e.g. datanode1/lag) until it ends; automatic actions stay on.",
        [new CommandArgument("alert", "subject/kind as alerts name it, e.g. datanode1/lag.", ArgumentKind.Incident, Required: true),
         new CommandArgument("state", "on (asks for it), approve (a second person sets it) or off.", ArgumentKind.Choice, Required: true, OnOff)],
        [For, Reason, Request],
        NeedsApproval: true, Available: true)
    {
        ApprovalNote = ApproverNote,
    };

    public static CommandSpec Ack { get; } = new("ack",
        "Own an open incident: you are shown as its owner; reminders stop paging, a worse state still pages.",
        [new CommandArgument("incident", "subject/kind as the alert names it, e.g. datanode1/slave-lost.", ArgumentKind.Incident, Required: true)],
        [new CommandOption("note", "What you are doing about it (shown with the owner).", IsFlag: false) { IsText = true }],
        NeedsApproval: false, Available: true);

    public static CommandSpec Unack { get; } = new("unack",
        "Hand an acknowledged incident back: its reminders page the on-call again.",
        [new CommandArgument("incident", "subject/kind, e.g. datanode1/slave-lost.", ArgumentKind.Incident, Required: true)],
        [], NeedsApproval: false, Available: true);

    /// <summary>The longest reason or note: it is shown in every alert of the window.</summary>
    public const int LongestText = 200;

    /// <summary>Checks an incident key: subject/kind; with <paramref name="knownKind"/>, a kind of <see cref="AlertKinds.All"/>
    /// (a silence of a misspelt kind would mute nothing; an ack is checked against the open incidents instead).</summary>
    public static string? CheckIncident(string value, string argument, bool knownKind)
    {
        var (subject, kind) = MaintenanceState.Split(value);
        if (subject.Length > 0 && kind.Length > 0 && !value.Any(char.IsWhiteSpace) && (!knownKind || AlertKinds.All.Contains(kind, StringComparer.Ordinal))) return null;
        return $"{argument} '{value}' is not an alert: write subject/kind as the alert names it, e.g. datanode1/slave-lost. Kinds: {string.Join(", ", AlertKinds.All)}.";
    }

    /// <summary>Builds the command from the generic parse; null error means success.</summary>
    internal static (ChatCommand? Command, string? Error) Create(CommandSpec spec, IReadOnlyList<string> positional, Func<string, (string? Value, string? Error)> checkDatanode,
        IReadOnlySet<string> flags, IReadOnlyDictionary<string, string> words)
    {
        var text = words.GetValueOrDefault(spec.Name == "ack" ? "note" : "reason");
        if (text is not null && (text.Trim().Length == 0 || text.Length > LongestText))
            return (null, $"--{(spec.Name == "ack" ? "note" : "reason")} must be 1 to {LongestText} characters; quote it when it has spaces (--reason \"kernel update\"). Usage: {spec.Usage}");
        text = text?.Trim();
        switch (spec.Name)
        {
            case "ack":
            case "unack":
            {
                if (positional.Count != 1) return (null, $"{spec.Name} needs one incident, e.g. datanode1/slave-lost. Usage: {spec.Usage}");
                if (CheckIncident(positional[0], "incident", knownKind: false) is { } bad) return (null, bad);
                return (spec.Name == "ack" ? new AckCommand(positional[0], text) : new UnackCommand(positional[0]), null);
            }
            default:
            {
                var all = flags.Contains("all");
                var expected = spec.Name == "maintenance" && all ? 1 : 2;
                if (positional.Count != expected)
                    return (null, spec.Name == "maintenance"
                        ? $"maintenance needs a datanode and on or off (or --all and on or off), e.g. /pgxc maintenance datanode1 on --for 2h --reason \"kernel update\". Usage: {spec.Usage}"
                        : $"silence needs an alert and on or off, e.g. /pgxc silence datanode1/lag on --for 1h --reason \"bulk load\". Usage: {spec.Usage}");
                var state = positional[^1].ToLowerInvariant();
                if (state is not ("on" or "off" or "approve")) return (null, $"state '{positional[^1]}' must be on, off or approve. Usage: {spec.Usage}");
                var on = state == "on";
                long? request = null;
                if (words.GetValueOrDefault("request") is { } number)
                {
                    if (state != "approve") return (null, $"--request goes with approve (the Approve button sets it). Usage: {spec.Usage}");
                    if (!long.TryParse(number.TrimStart('#'), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id) || id <= 0)
                        return (null, $"--request '{number}' is not a request number; the request message shows it (e.g. 3). Usage: {spec.Usage}");
                    request = id;
                }
                if (state == "approve" && (words.ContainsKey("for") || text is not null))
                    return (null, $"--for and --reason are the requester's; approve takes the request as it is (or ask again with on). Usage: {spec.Usage}");
                var (duration, durationError) = MaintenanceDuration.Parse(words.GetValueOrDefault("for"));
                if (durationError is not null) return (null, durationError);
                if (!on && (words.ContainsKey("for") || text is not null))
                    return (null, $"--for and --reason go with on; {spec.Name} ... off ends it now. Usage: {spec.Usage}");
                if (on && text is null)
                    return (null, $"--reason is required with on: say why (--reason \"kernel update\"); status, alerts and history show it. Usage: {spec.Usage}");
                if (spec.Name == "silence")
                {
                    if (CheckIncident(positional[0], "alert", knownKind: true) is { } bad) return (null, bad);
                    var (subject, kind) = MaintenanceState.Split(positional[0]);
                    return state == "approve"
                        ? (new ApproveMuteCommand(MaintenanceCommands.Silence, subject, kind, request), null)
                        : (new SilenceCommand(subject, kind, on, duration!.Value, text), null);
                }
                string? datanode = null;
                if (!all)
                {
                    var (checkedName, error) = checkDatanode(positional[0]);
                    if (error is not null) return (null, error);
                    datanode = checkedName;
                }
                return state == "approve"
                    ? (new ApproveMuteCommand(MaintenanceCommands.Maintenance, datanode ?? Mute.EveryDatanode, null, request), null)
                    : (new MaintenanceCommand(datanode, on, duration!.Value, text), null);
            }
        }
    }
}

/// <summary><c>/pgxc maintenance datanode|--all on|off [--for D] [--reason TEXT]</c>; <see cref="Datanode"/> null: --all.</summary>
public sealed record MaintenanceCommand(string? Datanode, bool On, TimeSpan For, string? Reason) : ChatCommand(MaintenanceCommands.Maintenance);

/// <summary><c>/pgxc silence subject/kind on|off [--for D] [--reason TEXT]</c>.</summary>
public sealed record SilenceCommand(string Subject, string Kind, bool On, TimeSpan For, string? Reason) : ChatCommand(MaintenanceCommands.Silence);

/// <summary><c>/pgxc maintenance datanode|--all approve [--request N]</c> or <c>/pgxc silence subject/kind approve
/// [--request N]</c>: a second authorised person approves the awaiting request, which sets the window from now.</summary>
/// <param name="Subject">A datanode, or <see cref="Mute.EveryDatanode"/> for --all.</param>
/// <param name="Kind">The silenced kind; null for maintenance.</param>
/// <param name="Request">The request the button was made for: refused when another one awaits now; null: whichever awaits.</param>
public sealed record ApproveMuteCommand(CommandSpec Of, string Subject, string? Kind, long? Request) : ChatCommand(Of);

/// <summary><c>/pgxc ack subject/kind [--note TEXT]</c>.</summary>
public sealed record AckCommand(string IncidentKey, string? Note) : ChatCommand(MaintenanceCommands.Ack);

/// <summary><c>/pgxc unack subject/kind</c>.</summary>
public sealed record UnackCommand(string IncidentKey) : ChatCommand(MaintenanceCommands.Unack);
