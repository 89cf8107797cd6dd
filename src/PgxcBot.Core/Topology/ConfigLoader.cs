using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using PgxcBot.Core.Text;

namespace PgxcBot.Core.Topology;

/// <summary>The options as read from JSON, plus every type mistake and unknown key met on the way.</summary>
public sealed record ConfigLoadResult(PgxcBotOptions Options, IReadOnlyList<ConfigIssue> Errors);

/// <summary>
/// Reads the JSON configuration into <see cref="PgxcBotOptions"/>. It never throws for bad input: a value of
/// the wrong type or an unknown key becomes a <see cref="ConfigIssue"/> with its JSON path, the rest of the
/// file is still read, so the operator sees every mistake at once. Comments and trailing commas are
/// allowed; keys match the camelCase names case-insensitively.
/// </summary>
public static class ConfigLoader
{
    private static readonly JsonDocumentOptions DocumentOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Parses <paramref name="json"/>; see the type summary.</summary>
    public static ConfigLoadResult Parse(string json)
    {
        var errors = new List<ConfigIssue>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, DocumentOptions);
        }
        catch (JsonException e)
        {
            // The parser's own message names line and byte position; we restate it 1-based.
            var where = e.LineNumber is { } line
                ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}: "
                : "";
            errors.Add(new ConfigIssue("", $"{where}the file is not valid JSON ({FirstSentence(e.Message)}). " +
                "Check for a missing comma, quote or bracket just before that position."));
            return new ConfigLoadResult(new PgxcBotOptions(), errors);
        }

        using (document)
        {
            var options = new PgxcBotOptions();
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                errors.Add(new ConfigIssue("", $"the file must hold one JSON object {{ \"flavor\": ..., \"hosts\": [...], ... }}, not {Describe(document.RootElement)}."));
            else
                new Binder(errors).Fill(document.RootElement, options, "");
            return new ConfigLoadResult(options, errors);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". ", StringComparison.Ordinal);
        return (end < 0 ? message : message[..end]).TrimEnd('.');
    }

    internal static string CamelCase(string name) => char.ToLowerInvariant(name[0]) + name[1..];

    private static string Describe(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => Truncate(element.GetRawText()),
    };

    private static string Truncate(string raw) => raw.Length <= 40 ? raw : raw[..37] + "...";

    private sealed class Binder(List<ConfigIssue> errors)
    {
        public void Fill(JsonElement element, object target, string path)
        {
            var properties = target.GetType()
                .GetProperties(BindingFlags.Public | BindingFlags.Instance)
                .Where(p => p.CanWrite)
                .ToDictionary(p => CamelCase(p.Name), StringComparer.OrdinalIgnoreCase);
            var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

            foreach (var member in element.EnumerateObject())
            {
                var memberPath = Join(path, member.Name);
                if (!properties.TryGetValue(member.Name, out var property))
                {
                    var known = properties.Keys.Order(StringComparer.Ordinal).ToArray();
                    var suggestion = Suggestions.Closest(member.Name, known);
                    var hint = suggestion is null ? "" : $"did you mean \"{suggestion}\"? ";
                    errors.Add(new ConfigIssue(memberPath,
                        $"unknown key; {hint}Keys allowed here: {string.Join(", ", known)}."));
                    continue;
                }
                var canonicalPath = Join(path, CamelCase(property.Name));
                if (!seen.Add(member.Name))
                {
                    errors.Add(new ConfigIssue(canonicalPath, "given twice in the same object; keep one."));
                    continue;
                }
                if (TryConvert(member.Value, property.PropertyType, canonicalPath, out var value) && value is not null)
                    property.SetValue(target, value);
            }
        }

        private bool TryConvert(JsonElement element, Type type, string path, out object? value)
        {
            value = null;
            if (element.ValueKind == JsonValueKind.Null)
                return true; // keeps the default; the validator says if the value was required
            var underlying = Nullable.GetUnderlyingType(type) ?? type;

            if (underlying == typeof(string))
                return Scalar(element, JsonValueKind.String, "a string in quotes", path, e => e.GetString(), out value);
            if (underlying == typeof(int))
                return Number(element, path, "a whole number", e => e.TryGetInt32(out var i) ? i : null, out value);
            if (underlying == typeof(long))
                return Number(element, path, "a whole number", e => e.TryGetInt64(out var l) ? l : null, out value);
            if (underlying == typeof(double))
                return Number(element, path, "a number", e => e.TryGetDouble(out var d) ? d : null, out value);
            if (underlying == typeof(bool))
            {
                if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    value = element.GetBoolean();
                    return true;
                }
                errors.Add(new ConfigIssue(path, $"expected true or false (without quotes), got {Describe(element)}."));
                return false;
            }
            if (underlying == typeof(SecretReference) && element.ValueKind == JsonValueKind.String)
            {
                errors.Add(new ConfigIssue(path,
                    "a secret must not be written in the config file. Give it by reference: " +
                    "{\"env\": \"PGXCBOT_DB_PASSWORD\"} (an environment variable) or " +
                    "{\"file\": \"/etc/pgxcbot/db.password\"} (a file readable only by the bot)."));
                return false;
            }
            if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
                return List(element, underlying, path, out value);
            if (underlying.IsClass)
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ConfigIssue(path, $"expected an object {{ ... }}, got {Describe(element)}."));
                    return false;
                }
                value = Activator.CreateInstance(underlying)!;
                Fill(element, value, path);
                return true;
            }
            throw new InvalidOperationException($"ConfigLoader cannot bind {type} at {path}");
        }

        private bool List(JsonElement element, Type listType, string path, out object? value)
        {
            value = null;
            if (element.ValueKind != JsonValueKind.Array)
            {
                errors.Add(new ConfigIssue(path, $"expected a list [ ... ], got {Describe(element)}."));
                return false;
            }
            var list = (IList)Activator.CreateInstance(listType)!;
            var itemType = listType.GetGenericArguments()[0];
            var index = 0;
            foreach (var item in element.EnumerateArray())
            {
                var itemPath = $"{path}[{index++}]";
                if (item.ValueKind == JsonValueKind.Null)
                {
                    errors.Add(new ConfigIssue(itemPath, "null in a list; remove it."));
                    continue;
                }
                // A broken item is kept (empty) so that later items keep their index in messages.
                if (TryConvert(item, itemType, itemPath, out var converted) && converted is not null)
                    list.Add(converted);
                else
                    list.Add(Activator.CreateInstance(itemType)!);
            }
            value = list;
            return true;
        }

        private bool Scalar(JsonElement element, JsonValueKind kind, string expected, string path,
            Func<JsonElement, object?> read, out object? value)
        {
            value = null;
            if (element.ValueKind != kind)
            {
                errors.Add(new ConfigIssue(path, $"{Describe(element)} is not {expected}."));
                return false;
            }
            value = read(element);
            return true;
        }

        private bool Number(JsonElement element, string path, string expected,
            Func<JsonElement, object?> read, out object? value)
        {
            value = null;
            if (element.ValueKind == JsonValueKind.Number)
            {
                value = read(element);
                if (value is not null) return true;
                errors.Add(new ConfigIssue(path, $"{Describe(element)} is not {expected}."));
                return false;
            }
            var fix = $"expected {expected}, written without quotes (e.g. 20006).";
            if (element.ValueKind == JsonValueKind.String &&
                double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                fix = $"write it without quotes: {element.GetString()}.";
            errors.Add(new ConfigIssue(path, $"{Describe(element)} is not a number; {fix}"));
            return false;
        }

        private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";
    }
}
