using System.Collections;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using PgxcBot.Core.Text;

namespace PgxcBot.Core.Topology;

/// <summary>The options as read from JSON, plus every type mistake and unknown key met on the way.</summary>
/// <param name="Unreadable">True when the file is not a JSON object at all (a syntax error, a list at the
/// top): then <see cref="Errors"/> holds that one error and nothing else is worth saying about the file.</param>
public sealed record ConfigLoadResult(PgxcBotOptions Options, IReadOnlyList<ConfigIssue> Errors, bool Unreadable = false);

/// <summary>
/// Reads the JSON configuration into <see cref="PgxcBotOptions"/>. It never throws for bad input: a value of
/// the wrong type or an unknown key becomes a <see cref="ConfigIssue"/> with its JSON path, the rest of the
/// file is still read, so the operator sees every mistake at once. Comments and trailing commas are
/// allowed; keys match the camelCase names case-insensitively.
/// <para>Every string, whatever its field, is refused when it holds an invisible character (a line break,
/// a tab, a control or zero-width character) or begins or ends with a space: such a value cannot be typed
/// in chat and must not reach a shell. The value the operator meant (without them) is still bound, so that
/// later checks do not report false follow-on errors. Inside a secret reference no value is ever repeated:
/// it may be the secret itself.</para>
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
            errors.Add(new ConfigIssue("", json.Trim().Length == 0
                ? "the file is empty; it must hold one JSON object { \"flavor\": ..., \"hosts\": [...], ... } (see config/pgxcbot.example.json)."
                : $"{where}the file is not valid JSON ({FirstSentence(e.Message)}). " +
                  "Check for a missing comma, quote or bracket just before that position."));
            return new ConfigLoadResult(new PgxcBotOptions(), errors, Unreadable: true);
        }

        using (document)
        {
            var options = new PgxcBotOptions();
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ConfigIssue("", $"the file must hold one JSON object {{ \"flavor\": ..., \"hosts\": [...], ... }}, not {Describe(document.RootElement)}."));
                return new ConfigLoadResult(options, errors, Unreadable: true);
            }
            new Binder(errors).Fill(document.RootElement, options, "", secret: false);
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

    /// <summary>The variable and file names deploy/pgxcbot.env.example uses for the secret at <paramref name="path"/>.</summary>
    internal static (string Env, string File) ExampleReference(string path) => path switch
    {
        _ when path.EndsWith("token", StringComparison.Ordinal) => ("PGXCBOT_DISCORD_TOKEN", "/etc/pgxcbot/discord.token"),
        _ when path.EndsWith("keyPassphrase", StringComparison.Ordinal) => ("PGXCBOT_SSH_KEY_PASSPHRASE", "/etc/pgxcbot/ssh-key.passphrase"),
        _ when path.EndsWith("publicKeyFrom", StringComparison.Ordinal) => ("PGXCBOT_DISCORD_PUBLIC_KEY", "/etc/pgxcbot/discord.public-key"),
        _ => ("PGXCBOT_DB_PASSWORD", "/etc/pgxcbot/db.password"),
    };

    /// <summary>What is wrong with a string as text (invisible characters, outer spaces), or null.
    /// <paramref name="secret"/>: say where, never what.</summary>
    internal static string? TextProblem(string value, bool secret)
    {
        var index = -1;
        for (var i = 0; i < value.Length && index < 0; i++)
            if (ConfigRules.Invisible(value[i]) is not null) index = i;
        var cleaned = new string(value.Where(c => ConfigRules.Invisible(c) is null).ToArray()).Trim();
        var fix = secret || cleaned.Length == 0 ? "remove it." : $"remove it: \"{cleaned}\".";
        if (index >= 0)
        {
            var c = value[index];
            var what = c switch
            {
                '\n' => "a line break (\\n)",
                '\r' => "a carriage return (\\r)",
                '\t' => "a tab (\\t)",
                _ => $"an invisible character ({ConfigRules.Invisible(c)})",
            };
            var where = index == value.Length - 1 ? "at the end" : index == 0 ? "at the start" : $"at position {index + 1}";
            var shown = secret ? "the value" : $"\"{ConfigRules.Show(value)}\"";
            return $"{shown} contains {what} {where}, which cannot be typed in chat and must not reach a shell command; {fix}";
        }
        if (value.Length > 0 && (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1])))
            return $"{(secret ? "the value" : $"\"{value}\"")} begins or ends with a space; {fix}";
        return null;
    }

    /// <summary>Binds by reflection over the configuration's own classes. The trim analyzer cannot follow a walk from
    /// property type to property type, so its warnings are suppressed here on these grounds: every class the walk meets
    /// is in this assembly (<c>ConfigTypesTests</c> walks <see cref="PgxcBotOptions"/> and fails otherwise), and the
    /// published bot keeps this assembly whole (<c>TrimmerRootAssembly</c> in src/PgxcBot/PgxcBot.csproj), public
    /// properties and constructors included.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2062", Justification = "Configuration classes are in PgxcBot.Core, kept whole by the published bot.")]
    [UnconditionalSuppressMessage("Trimming", "IL2067", Justification = "Configuration classes are in PgxcBot.Core, kept whole by the published bot.")]
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Configuration classes are in PgxcBot.Core, kept whole by the published bot.")]
    private sealed class Binder(List<ConfigIssue> errors)
    {
        /// <param name="secret">Inside a <see cref="SecretReference"/>: messages never repeat a value.</param>
        public void Fill(JsonElement element, object target, string path, bool secret)
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
                    errors.Add(new ConfigIssue(ConfigRules.Show(memberPath),
                        $"unknown key; {hint}Use one of the keys allowed here: {string.Join(", ", known)}."));
                    continue;
                }
                var canonicalPath = Join(path, CamelCase(property.Name));
                if (!seen.Add(member.Name))
                {
                    errors.Add(new ConfigIssue(canonicalPath, "given twice in the same object; keep one."));
                    continue;
                }
                if (TryConvert(member.Value, property.PropertyType, canonicalPath, secret, out var value) && value is not null)
                    property.SetValue(target, value);
            }
        }

        private bool TryConvert(JsonElement element, Type type, string path, bool secret, out object? value)
        {
            value = null;
            if (element.ValueKind == JsonValueKind.Null)
                return true; // keeps the default; the validator says if the value was required
            var underlying = Nullable.GetUnderlyingType(type) ?? type;

            if (underlying == typeof(string))
                return Text(element, path, secret, out value);
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
                errors.Add(new ConfigIssue(path, $"{(secret ? "the value" : Describe(element))} is not true or false; write true or false without quotes."));
                return false;
            }
            if (underlying == typeof(SecretReference))
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    // A string, a number, a list: whatever it is, it is in the place of the secret, so it is
                    // probably the secret. Never repeated, whatever its type.
                    var (env, file) = ExampleReference(path);
                    errors.Add(new ConfigIssue(path,
                        "a secret must not be written in the config file (the value is not repeated here). Give it by reference: " +
                        $"{{\"env\": \"{env}\"}} (an environment variable) or " +
                        $"{{\"file\": \"{file}\"}} (a file readable only by the bot). " +
                        "If that was the real secret, change it: it has been written in the config file."));
                    return false;
                }
                secret = true;
            }
            if (underlying.IsGenericType && underlying.GetGenericTypeDefinition() == typeof(List<>))
                return List(element, underlying, path, secret, out value);
            if (underlying.IsClass)
            {
                if (element.ValueKind != JsonValueKind.Object)
                {
                    errors.Add(new ConfigIssue(path, $"expected an object {{ ... }}, got {Describe(element)}."));
                    return false;
                }
                value = Activator.CreateInstance(underlying)!;
                Fill(element, value, path, secret);
                return true;
            }
            throw new InvalidOperationException($"ConfigLoader cannot bind {type} at {path}");
        }

        private bool List(JsonElement element, Type listType, string path, bool secret, out object? value)
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
                // A broken item is kept (empty, or null for a string) so that later items keep their index in
                // messages; a string has no empty constructor to call.
                if (TryConvert(item, itemType, itemPath, secret, out var converted) && converted is not null)
                    list.Add(converted);
                else
                    list.Add(itemType == typeof(string) ? null : Activator.CreateInstance(itemType));
            }
            value = list;
            return true;
        }

        /// <summary>A string: the right JSON type, and clean text (see <see cref="TextProblem"/>).</summary>
        private bool Text(JsonElement element, string path, bool secret, out object? value)
        {
            value = null;
            if (element.ValueKind != JsonValueKind.String)
            {
                var shown = secret ? "the value" : Describe(element);
                var fix = element.ValueKind switch
                {
                    // The raw text keeps every digit: a snowflake as a JSON number may already have lost some.
                    JsonValueKind.Number when !secret => $"write it in quotes: \"{element.GetRawText()}\".",
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => "write it in quotes.",
                    _ => "expected a string in quotes.",
                };
                errors.Add(new ConfigIssue(path, $"{shown} is not a string; {fix}"));
                return false;
            }
            var text = element.GetString()!;
            if (TextProblem(text, secret) is { } problem)
            {
                errors.Add(new ConfigIssue(path, problem));
                // Bound as meant, so that references to it do not fail too; the error above blocks the config.
                text = new string(text.Where(c => ConfigRules.Invisible(c) is null).ToArray()).Trim();
            }
            value = text;
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
                errors.Add(new ConfigIssue(path, $"{Describe(element)} is not {expected} in range; write {expected} without quotes, e.g. 20006."));
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
