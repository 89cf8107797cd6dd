namespace PgxcBot.Tests.Timeline;

public sealed class IncidentHistoryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 3, 0, 0, TimeSpan.Zero);

    private static Incident Pending(string kind = AlertKinds.SlaveLost) =>
        new($"datanode1/{kind}", IncidentStatus.Pending, new AlertCandidate("datanode1", kind, Severity.Critical, "t", [], "", []), T0, T0, 1, 0, null, null, null, 0, Severity.Critical);

    [Fact]
    public void A_pending_incident_has_no_event_and_its_raise_is_one()
    {
        Assert.Empty(IncidentHistory.Changes(null, Pending()));
        var open = Pending() with { Status = IncidentStatus.Open, RaisedAt = T0.AddSeconds(2), LastNotifiedAt = T0.AddSeconds(2) };
        var e = Assert.Single(IncidentHistory.Changes(Pending(), open));
        Assert.Equal((IncidentEventKind.Raised, T0.AddSeconds(2), "datanode1", AlertKinds.SlaveLost), (e.Kind, e.At, e.Subject, e.AlertKind));
    }

    [Fact]
    public void A_reminder_a_reopen_and_a_clear_are_each_one_event_and_an_unchanged_save_none()
    {
        var open = Pending() with { Status = IncidentStatus.Open, RaisedAt = T0, LastNotifiedAt = T0 };
        Assert.Empty(IncidentHistory.Changes(open, open with { ConsecutiveSeen = 9 }));

        var reminded = open with { LastNotifiedAt = T0.AddMinutes(5) };
        Assert.Equal(IncidentEventKind.Reminded, Assert.Single(IncidentHistory.Changes(open, reminded)).Kind);

        var cleared = reminded with { Status = IncidentStatus.Resolving, ClearedAt = T0.AddMinutes(6) };
        var clear = Assert.Single(IncidentHistory.Changes(reminded, cleared));
        Assert.Equal((IncidentEventKind.Cleared, T0.AddMinutes(6)), (clear.Kind, clear.At));

        var back = cleared with { Status = IncidentStatus.Open, ClearedAt = null, LastSeenAt = T0.AddMinutes(7), Reopens = 1 };
        Assert.Equal((IncidentEventKind.Reopened, T0.AddMinutes(7)), Assert.Single(IncidentHistory.Changes(cleared, back)) is var r ? (r.Kind, r.At) : default);
    }

    [Fact]
    public void After_a_closed_incident_the_same_key_raised_again_is_a_new_raise()
    {
        var closed = Pending() with { Status = IncidentStatus.Closed, RaisedAt = T0, ClearedAt = T0.AddMinutes(1) };
        var again = Pending() with { Status = IncidentStatus.Open, RaisedAt = T0.AddHours(1), LastNotifiedAt = T0.AddHours(1) };
        Assert.Equal(IncidentEventKind.Raised, Assert.Single(IncidentHistory.Changes(closed, again)).Kind);
    }
}
