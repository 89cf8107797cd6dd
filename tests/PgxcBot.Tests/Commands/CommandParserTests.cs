using PgxcBot.Core.Commands;

namespace PgxcBot.Tests.Commands;

public class CommandParserTests
{
    private readonly CommandParser parser = new(["datanode1", "datanode2"]);

    private ChatCommand Parsed(string line)
    {
        var result = parser.Parse(line);
        Assert.True(result.Success, result.Error);
        return result.Command!;
    }

    private static OperationCommand Op(OperationKind kind, string datanode, params string[] flags) => new(kind, datanode, flags);

    private string Error(string line)
    {
        var result = parser.Parse(line);
        Assert.False(result.Success);
        return result.Error!;
    }

    [Theory]
    [InlineData("/pgxc status")]
    [InlineData("  /pgxc   status  ")]
    [InlineData("status")]
    [InlineData("/PGXC Status")]
    public void Status_is_parsed_with_or_without_prefix(string line) =>
        Assert.Equal(new StatusCommand(null), Parsed(line));

    [Fact]
    public void Status_of_one_datanode() =>
        Assert.Equal(new StatusCommand("datanode2"), Parsed("/pgxc status datanode2"));

    [Fact]
    public void Datanode_names_are_matched_case_insensitively_and_returned_as_configured() =>
        Assert.Equal(Op(OperationKinds.Sync, "datanode1"), Parsed("/pgxc sync DataNode1"));

    [Fact]
    public void Unknown_command_suggests_the_closest_and_lists_the_valid_ones()
    {
        Assert.Equal(
            "unknown command 'promte'; did you mean promote? Valid: status, help, plan, promote, sync, async, repoint, add-slave, rebuild, switchover, stop, start, resolve-2pc, approve, cancel, resume, history, timeline, maintenance, silence, ack, unack.",
            Error("/pgxc promte datanode1"));
    }

    [Fact]
    public void Unknown_command_without_a_close_match_lists_the_valid_ones()
    {
        var error = Error("/pgxc frobnicate");
        Assert.DoesNotContain("did you mean", error);
        Assert.Contains("Valid: status, help", error);
    }

    [Fact]
    public void Missing_datanode_lists_the_configured_ones() =>
        Assert.Equal(
            "promote needs a datanode (configured: datanode1, datanode2). Usage: /pgxc promote <datanode> [--accept-data-loss]",
            Error("/pgxc promote"));

    [Fact]
    public void Unknown_datanode_suggests_and_lists_the_configured_ones() =>
        Assert.Equal(
            "no datanode 'datanod1' in the configuration; did you mean datanode1? Configured: datanode1, datanode2.",
            Error("/pgxc promote datanod1"));

    [Fact]
    public void Promote_flag_is_parsed()
    {
        Assert.Equal(Op(OperationKinds.Promote, "datanode1"), Parsed("/pgxc promote datanode1"));
        Assert.Equal(Op(OperationKinds.Promote, "datanode1", OperationService.AcceptDataLoss), Parsed("/pgxc promote datanode1 --accept-data-loss"));
        Assert.Equal(Op(OperationKinds.Promote, "datanode1", OperationService.AcceptDataLoss), Parsed("/pgxc promote --accept-data-loss datanode1"));
    }

    [Fact]
    public void Unknown_option_suggests_the_valid_one() =>
        Assert.Contains("did you mean --accept-data-loss?", Error("/pgxc promote datanode1 --accept-dataloss"));

    [Fact]
    public void Option_on_a_command_without_options_is_an_error() =>
        Assert.Contains("sync has no options", Error("/pgxc sync datanode1 --force"));

    [Fact]
    public void Flag_with_a_value_is_an_error() =>
        Assert.Contains("takes no value", Error("/pgxc promote datanode1 --accept-data-loss=yes"));

    [Theory]
    [InlineData("/pgxc status \"datanode1\"")]
    [InlineData("/pgxc status 'datanode1'")]
    [InlineData("/pgxc status “datanode1”")]
    public void Arguments_may_be_quoted(string line) =>
        Assert.Equal(new StatusCommand("datanode1"), Parsed(line));

    [Fact]
    public void A_quoted_argument_with_spaces_stays_one_argument() =>
        Assert.Contains("no datanode 'data node1'", Error("/pgxc status \"data node1\""));

    [Fact]
    public void Unclosed_quote_is_an_error() =>
        Assert.Contains("not closed", Error("/pgxc status \"datanode1"));

    [Fact]
    public void Too_many_arguments_is_an_error() =>
        Assert.Contains("sync takes one argument, got 2", Error("/pgxc sync datanode1 datanode2"));

    [Theory]
    [InlineData("/pgxc history datanode1 --limit 5", 5)]
    [InlineData("/pgxc history datanode1 --limit=7", 7)]
    [InlineData("/pgxc history datanode1", HistoryCommand.DefaultLimit)]
    public void History_limit(string line, int limit) =>
        Assert.Equal(new HistoryCommand("datanode1", limit), Parsed(line));

    [Theory]
    [InlineData("/pgxc history datanode1 --limit many")]
    [InlineData("/pgxc history datanode1 --limit 0")]
    [InlineData("/pgxc history datanode1 --limit")]
    public void History_limit_must_be_a_positive_number(string line) =>
        Assert.Contains("--limit needs", Error(line));

    [Fact]
    public void Plan_takes_an_operation_and_a_datanode()
    {
        Assert.Equal(new PlanCommand("promote", "datanode2"), Parsed("/pgxc plan promote datanode2"));
        Assert.Equal("'promot' is not a valid operation; did you mean promote? Valid: promote, sync, async, repoint, add-slave, rebuild, switchover, stop, start, resolve-2pc.",
            Error("/pgxc plan promot datanode2"));
    }

    [Fact]
    public void Lifecycle_commands_carry_their_options()
    {
        Assert.Equal(Op(OperationKinds.AddSlave, "datanode1", OperationService.MoveAside), Parsed("/pgxc add-slave datanode1 --move-aside"));
        Assert.Equal(Op(OperationKinds.Rebuild, "datanode2", OperationService.BaseBackup, OperationService.AsyncOnly), Parsed("/pgxc rebuild datanode2 --base-backup --async-only"));
        Assert.Equal(Op(OperationKinds.Switchover, "datanode1"), Parsed("/pgxc switchover datanode1"));
        Assert.Equal(Op(OperationKinds.Stop, "datanode1"), Parsed("/pgxc stop datanode1"));
        Assert.Equal(Op(OperationKinds.Start, "datanode1"), Parsed("/pgxc start datanode1"));
        Assert.Equal(new PlanCommand("switchover", "datanode1"), Parsed("/pgxc plan switchover datanode1"));
        Assert.Contains("did you mean --move-aside?", Error("/pgxc add-slave datanode1 --move-asid"));
        Assert.Contains("switchover has no options", Error("/pgxc switchover datanode1 --force"));
    }

    [Fact]
    public void Help_topic_must_be_a_command()
    {
        Assert.Equal(new HelpCommand("promote"), Parsed("/pgxc help PROMOTE"));
        Assert.Contains("did you mean status?", Error("/pgxc help stauts"));
    }

    [Fact]
    public void Empty_line_says_what_is_valid() => Assert.Contains("Valid: status", Error("/pgxc"));

    public static TheoryData<string> CatalogueNames() => new(CommandCatalogue.All.Select(c => c.Name));

    [Theory]
    [MemberData(nameof(CatalogueNames))]
    public void Every_catalogue_command_parses_to_its_own_spec(string name)
    {
        var spec = CommandCatalogue.Find(name)!;
        var args = spec.Arguments.Where(a => a.Required).Select(a => a.Kind switch
        {
            ArgumentKind.Datanode => "datanode1",
            ArgumentKind.Choice => a.Choices![0],
            ArgumentKind.OperationId => "12",
            _ => "status",
        });
        var line = name switch
        {
            // Their own syntax: a datanode or --all, a duration and a required reason; an incident key.
            "maintenance" => "/pgxc maintenance datanode1 on --reason x",
            "silence" => "/pgxc silence datanode1/lag on --reason x",
            "ack" or "unack" => $"/pgxc {name} datanode1/slave-lost",
            _ => $"/pgxc {name} {string.Join(' ', args)}",
        };
        var command = Parsed(line);
        Assert.Same(spec, command.Spec);
    }

    [Fact]
    public void Every_command_is_available_and_promote_and_async_need_approval()
    {
        Assert.All(CommandCatalogue.All, c => Assert.True(c.Available, c.Name));
        Assert.All(new[] { "promote", "async" }, name => Assert.True(CommandCatalogue.Find(name)!.NeedsApproval, name));
        Assert.All(new[] { "status", "plan", "approve", "cancel", "history" }, name => Assert.False(CommandCatalogue.Find(name)!.NeedsApproval, name));
    }

    [Fact]
    public void Approve_takes_an_operation_number_its_plan_version_and_acknowledgements()
    {
        var approve = Assert.IsType<ApproveCommand>(Parsed("/pgxc approve #12 --plan ab12cd --fencing-unverified"));
        Assert.Equal(12, approve.OperationId);
        Assert.Equal("ab12cd", approve.PlanNonce);
        Assert.Equal(["fencing-unverified"], approve.Acknowledgements);
        Assert.Null(Assert.IsType<ApproveCommand>(Parsed("/pgxc approve 12")).PlanNonce);
        Assert.Contains("is not an operation number", Error("/pgxc approve datanode1"));
        Assert.Contains("one word", Error("/pgxc approve 3 --plan 'x y'"));
        Assert.Equal(new ResumeCommand(7), Parsed("/pgxc resume 7"));
        Assert.Equal(new HistoryCommand(null, 10), Parsed("/pgxc history"));
    }

    [Fact]
    public void Catalogue_fits_discord_slash_command_limits()
    {
        var names = new System.Text.RegularExpressions.Regex(@"^[-_a-z0-9]{1,32}$");
        foreach (var spec in CommandCatalogue.All)
        {
            Assert.Matches(names, spec.Name);
            Assert.InRange(spec.Description.Length, 1, 100);
            foreach (var argument in spec.Arguments)
            {
                Assert.Matches(names, argument.Name);
                Assert.InRange(argument.Description.Length, 1, 100);
            }
            foreach (var option in spec.Options)
            {
                Assert.Matches(names, option.Name);
                Assert.InRange(option.Description.Length, 1, 100);
            }
        }
    }
}
