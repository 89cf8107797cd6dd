using PgxcBot.Core.Commands;

namespace PgxcBot.Tests.Messages;

public class HelpAndRendererTests
{
    [Fact]
    public void Help_lists_every_catalogue_command_with_its_notes()
    {
        var lines = HelpMessageBuilder.Build().Lines;
        foreach (var spec in CommandCatalogue.All)
            Assert.Contains(lines, l => l.StartsWith(spec.Usage, StringComparison.Ordinal));
        Assert.Contains("/pgxc promote <datanode> [--accept-data-loss]  (needs approval)", lines);
        Assert.Contains("/pgxc status [datanode] [--chart]", lines);
    }

    [Fact]
    public void Help_for_one_command_lists_arguments_and_options()
    {
        var message = HelpMessageBuilder.Build(CommandCatalogue.History);
        Assert.Equal("/pgxc history", message.Title);
        Assert.Contains(message.Lines, l => l.StartsWith("  datanode (optional): ", StringComparison.Ordinal));
        Assert.Contains(message.Lines, l => l.StartsWith("  --limit N: ", StringComparison.Ordinal));
    }

    [Fact]
    public void Tables_are_aligned_by_visible_width()
    {
        var message = new ChatMessage("t", Severity.Info, [new MessageField("A", "1"), new MessageField("B", "2")], ["a line"],
            [new MessageTable(["x", "long header"], [["✗ yy", "z"], ["w"]])],
            [new ChatAction("go", "/pgxc status")]);

        Assert.Equal("""
            [INFO] t
            A: 1   B: 2
            a line

            x     long header
            ----  -----------
            ✗ yy  z
            w

            Suggested: /pgxc status

            """.ReplaceLineEndings(), PlainTextRenderer.Render(message).ReplaceLineEndings());
    }

    [Fact]
    public void Not_yet_available_says_nothing_changed()
    {
        var message = HelpMessageBuilder.NotYetAvailable(OperationKinds.Promote.Command);
        Assert.Equal("/pgxc promote is not yet available", message.Title);
        Assert.Contains(message.Lines, l => l.Contains("nothing was changed", StringComparison.Ordinal));
    }
}
