using System.Globalization;
using System.Text;

namespace PgxcBot.Core.Messages;

/// <summary>Renders a <see cref="ChatMessage"/> as plain text for a terminal: title with its severity
/// marker, fields, lines, tables with aligned columns, and the actions as the commands they would run.</summary>
public static class PlainTextRenderer
{
    public static string Render(ChatMessage message)
    {
        var text = new StringBuilder();
        text.Append(SeverityText.Marker(message.Severity)).Append(' ').AppendLine(message.Title);
        if (message.Fields.Count > 0)
            text.AppendLine(string.Join("   ", message.Fields.Select(f => $"{f.Name}: {f.Value}")));
        foreach (var line in message.Lines)
            text.AppendLine(line);
        foreach (var table in message.Tables)
        {
            text.AppendLine();
            RenderTable(text, table);
        }
        if (message.Actions.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("Suggested: " + string.Join("   ", message.Actions.Select(a => a.Command)));
        }
        return text.ToString();
    }

    private static void RenderTable(StringBuilder text, MessageTable table)
    {
        var columns = Math.Max(table.Header.Count, table.Rows.Select(r => r.Count).DefaultIfEmpty(0).Max());
        var widths = new int[columns];
        foreach (var row in table.Rows.Prepend(table.Header))
            for (var i = 0; i < row.Count; i++)
                widths[i] = Math.Max(widths[i], Width(row[i]));

        WriteRow(text, table.Header, widths);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))).TrimEnd());
        foreach (var row in table.Rows)
            WriteRow(text, row, widths);
    }

    private static void WriteRow(StringBuilder text, IReadOnlyList<string> row, int[] widths)
    {
        var cells = widths.Select((w, i) => i < row.Count ? row[i] + new string(' ', w - Width(row[i])) : new string(' ', w));
        text.AppendLine(string.Join("  ", cells).TrimEnd());
    }

    // Text elements, not UTF-16 units: ✗ and → are one column each.
    private static int Width(string cell) => new StringInfo(cell).LengthInTextElements;
}
