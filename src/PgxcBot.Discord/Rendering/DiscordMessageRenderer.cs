using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Discord.Interactions;

namespace PgxcBot.Discord.Rendering;

/// <summary>How one message is sent: to the asker only, with the on-call role mentioned, with the buttons of a
/// message it replaces shown disabled.</summary>
public sealed record RenderOptions(bool Ephemeral = false, string? MentionRoleId = null, JsonArray? DisabledComponents = null);

/// <summary>A file sent with a message (multipart/form-data <c>files[n]</c>).</summary>
public sealed record DiscordAttachment(string FileName, byte[] Content, string ContentType = "text/plain; charset=utf-8");

/// <summary>A rendered message and the files that go with it (none when everything fits).</summary>
public sealed record RenderedMessage(JsonObject Payload, IReadOnlyList<DiscordAttachment> Files);

/// <summary>
/// Renders a chat-neutral <see cref="ChatMessage"/> as a Discord message: one embed (title, colour by severity,
/// fields, the lines as description, tables as code blocks) and the actions as buttons. Every Discord limit is
/// met by truncating with a visible note, never by failing; <c>allowed_mentions</c> is always explicit, so
/// nothing in a message can ping anyone except the on-call role when asked.
/// </summary>
public static class DiscordMessageRenderer
{
    public const int EphemeralFlag = 64;
    private const string Cut = "… (truncated to fit Discord; the console and /pgxc history show everything)";

    /// <summary>
    /// Renders without ever hiding a line from the reader: when the message does not fit one Discord message,
    /// the embed shows its compact form (<see cref="ChatMessage.Compact"/>: one line per step) and the whole
    /// message, every step and command, goes with it as an attached text file. An approver thus always has the
    /// whole plan in front of them.
    /// </summary>
    public static RenderedMessage RenderWhole(ChatMessage message, RenderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Fits(message)) return WithImages(message, Render(message, options), []);
        var name = message.AttachmentName ?? "message.txt";
        var shown = message with
        {
            Lines = [.. message.Compact ?? message.Lines, "", $"Too long for one Discord message: the whole of it, every step and command, is attached as {name}."],
        };
        var payload = Render(shown, options);
        payload["attachments"] = new JsonArray(new JsonObject { ["id"] = 0, ["filename"] = name, ["description"] = "the whole message" });
        return WithImages(message, payload, [new DiscordAttachment(name, Encoding.UTF8.GetBytes(PlainTextRenderer.Render(message)))]);
    }

    /// <summary>The message's pictures as PNG attachments after <paramref name="files"/> (each described in
    /// <c>attachments</c>, ids in file order); the first one shown inside the embed (<c>attachment://name</c>).</summary>
    private static RenderedMessage WithImages(ChatMessage message, JsonObject payload, IReadOnlyList<DiscordAttachment> files)
    {
        if (message.Images.Count == 0) return new RenderedMessage(payload, files);
        var all = files.ToList();
        var attachments = payload["attachments"] as JsonArray ?? new JsonArray();
        foreach (var image in message.Images.Take(DiscordLimits.Attachments - all.Count))
        {
            // Discord names attachments by file name; ours are letters, digits, '-' and '.' already.
            attachments.Add((JsonNode)new JsonObject
            {
                ["id"] = all.Count,
                ["filename"] = image.FileName,
                ["description"] = Fit(image.Description, DiscordLimits.AttachmentDescription, "…"),
            });
            all.Add(new DiscordAttachment(image.FileName, image.Png, "image/png"));
        }
        payload["attachments"] = attachments;
        if (payload["embeds"] is JsonArray { Count: > 0 } embeds && embeds[0] is JsonObject embed)
            embed["image"] = new JsonObject { ["url"] = "attachment://" + message.Images[0].FileName };
        return new RenderedMessage(payload, all);
    }

    /// <summary>True when every line and table of <paramref name="message"/> fits the embed (nothing would be cut).</summary>
    public static bool Fits(ChatMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var embed = Embed(message);
        var description = embed["description"]?.GetValue<string>() ?? "";
        return !description.Contains(Cut, StringComparison.Ordinal) && !description.EndsWith('…');
    }

    public static JsonObject Render(ChatMessage message, RenderOptions? options = null)
    {
        options ??= new RenderOptions();
        var payload = new JsonObject();
        var mentions = new JsonObject { ["parse"] = new JsonArray() };
        if (options.MentionRoleId is { } role)
        {
            payload["content"] = $"<@&{role}>";
            mentions["roles"] = new JsonArray(role);
        }
        else
        {
            payload["content"] = "";
        }
        payload["embeds"] = new JsonArray(Embed(message));
        var components = Buttons(message.Actions);
        payload["components"] = components.Count == 0 && options.DisabledComponents is { } old ? Disable(old) : components;
        payload["allowed_mentions"] = mentions;
        if (options.Ephemeral) payload["flags"] = EphemeralFlag;
        return payload;
    }

    /// <summary>Plain text content (e.g. an error before any embed), cut to 2000 characters.</summary>
    public static JsonObject Text(string text, bool ephemeral) => new()
    {
        ["content"] = Fit(text, DiscordLimits.Content, "…"),
        ["allowed_mentions"] = new JsonObject { ["parse"] = new JsonArray() },
        ["flags"] = ephemeral ? EphemeralFlag : 0,
    };

    public static int Color(Severity severity) => severity switch
    {
        Severity.Ok => 0x2ECC71,
        Severity.Info => 0x3498DB,
        Severity.Warning => 0xF1C40F,
        _ => 0xE74C3C,
    };

    private static JsonObject Embed(ChatMessage message)
    {
        var title = Fit(SeverityText.Marker(message.Severity) + " " + message.Title, DiscordLimits.EmbedTitle, "…");
        var budget = DiscordLimits.EmbedTotal - title.Length - 100; // 100: room for the footer's note
        var fields = new JsonArray();
        foreach (var field in message.Fields.Take(DiscordLimits.EmbedFields))
        {
            var name = Fit(Escape(field.Name), DiscordLimits.FieldName, "…");
            var value = Fit(field.Value.Length == 0 ? "-" : Escape(field.Value), DiscordLimits.FieldValue, "…");
            if (name.Length + value.Length > budget - 200) break; // keep room for the description's note
            budget -= name.Length + value.Length;
            fields.Add((JsonNode)new JsonObject { ["name"] = name, ["value"] = value, ["inline"] = field.Inline });
        }
        var embed = new JsonObject
        {
            ["title"] = title,
            ["color"] = Color(message.Severity),
            ["description"] = Description(message, Math.Min(DiscordLimits.EmbedDescription, budget)),
        };
        if (fields.Count > 0) embed["fields"] = fields;
        if (fields.Count < message.Fields.Count)
            embed["footer"] = new JsonObject { ["text"] = $"{message.Fields.Count - fields.Count} more field(s) left out to fit Discord's limits." };
        return embed;
    }

    /// <summary>Wider than this, a table is written as one line per row: a phone shows about 40-60 characters of
    /// a code block and scrolls the rest out of sight, while text wraps.</summary>
    public const int PhoneTableWidth = 56;

    // Tables first (the repoint result matters most), then as many lines as fit, with a note when cut.
    private static string Description(ChatMessage message, int budget)
    {
        var tables = message.Tables.Select(t => Width(t) <= PhoneTableWidth ? "```\n" + Table(t) + "```" : RowsAsLines(t)).ToList();
        var tableText = string.Join("\n", tables);
        if (tableText.Length > budget / 2 && tableText.Length > budget - 200)
            tableText = "```\n" + Fit(string.Join("\n", message.Tables.Select(Table)), budget / 2 - 10, "\n" + Cut) + "```";
        var lineBudget = budget - tableText.Length - (tableText.Length > 0 ? 1 : 0);
        var lines = new StringBuilder();
        for (var i = 0; i < message.Lines.Count; i++)
        {
            var line = Escape(message.Lines[i]);
            var left = message.Lines.Count - i;
            if (lines.Length + line.Length + 1 > lineBudget - Cut.Length - 40)
            {
                lines.Append(CultureInfo.InvariantCulture, $"{Cut} [{left} more line(s)]\n");
                break;
            }
            lines.Append(line).Append('\n');
        }
        var text = lines.ToString().TrimEnd('\n');
        if (tableText.Length > 0) text = text.Length == 0 ? tableText : text + "\n" + tableText;
        return Fit(text.Length == 0 ? "-" : text, DiscordLimits.EmbedDescription, "…");
    }

    /// <summary>The widest cell of each column, header included.</summary>
    private static int[] ColumnWidths(Core.Messages.MessageTable table)
    {
        var columns = Math.Max(table.Header.Count, table.Rows.Select(r => r.Count).DefaultIfEmpty(0).Max());
        var widths = new int[columns];
        foreach (var row in table.Rows.Prepend(table.Header))
            for (var i = 0; i < row.Count; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        return widths;
    }

    /// <summary>A row's length when the table is written as aligned columns (two spaces between them).</summary>
    private static int Width(Core.Messages.MessageTable table)
    {
        var widths = ColumnWidths(table);
        return widths.Sum() + 2 * Math.Max(0, widths.Length - 1);
    }

    /// <summary>"**datanode1**: coord1 127.0.0.1:42977 · coord2 ✗ 127.0.0.1:1", one line per row.</summary>
    private static string RowsAsLines(Core.Messages.MessageTable table) =>
        string.Join("\n", table.Rows.Select(row => $"**{Escape(row.Count > 0 ? row[0] : "")}**: " +
            string.Join(" · ", row.Skip(1).Select((cell, i) => $"{Escape(i + 1 < table.Header.Count ? table.Header[i + 1] : "")} {Escape(cell)}".Trim()))));

    private static string Table(Core.Messages.MessageTable table)
    {
        var widths = ColumnWidths(table);
        var text = new StringBuilder();
        void Row(IReadOnlyList<string> row) =>
            text.Append(string.Join("  ", widths.Select((w, i) => (i < row.Count ? row[i] : "").PadRight(w))).TrimEnd()).Append('\n');
        Row(table.Header);
        text.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
        foreach (var row in table.Rows) Row(row);
        return text.ToString().Replace("```", "'''", StringComparison.Ordinal);
    }

    private static JsonArray Buttons(IReadOnlyList<ChatAction> actions)
    {
        var rows = new JsonArray();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        JsonArray? current = null;
        foreach (var action in actions)
        {
            var id = CustomIds.Encode(action.Command);
            if (id is null || !seen.Add(id)) continue; // custom_ids are unique within a message
            if (current is null || current.Count == DiscordLimits.ButtonsPerRow)
            {
                if (rows.Count == DiscordLimits.ActionRows) break;
                current = new JsonArray();
                rows.Add((JsonNode)new JsonObject { ["type"] = 1, ["components"] = current });
            }
            current.Add((JsonNode)new JsonObject
            {
                ["type"] = 2,
                ["style"] = action.Style switch { ActionStyle.Primary => 1, ActionStyle.Success => 3, ActionStyle.Danger => 4, _ => 2 },
                ["label"] = Fit(action.Label, DiscordLimits.ButtonLabel, "…"),
                ["custom_id"] = id,
            });
        }
        return rows;
    }

    /// <summary>The same components with every button disabled: a decided plan keeps its buttons visible but dead.</summary>
    public static JsonArray Disable(JsonArray components)
    {
        var copy = (JsonArray)components.DeepClone();
        foreach (var row in copy.OfType<JsonObject>())
            if (row["components"] is JsonArray buttons)
                foreach (var button in buttons.OfType<JsonObject>())
                    button["disabled"] = true;
        return copy;
    }

    // Discord markdown would turn datanode_a ... datanode_b into italics.
    private static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (c is '\\' or '*' or '_' or '~' or '`' or '|') escaped.Append('\\');
            escaped.Append(c);
        }
        return escaped.ToString();
    }

    internal static string Fit(string text, int max, string note) =>
        text.Length <= max ? text : text[..Math.Max(0, max - note.Length)] + note;
}
