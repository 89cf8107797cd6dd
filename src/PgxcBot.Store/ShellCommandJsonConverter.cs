using System.Text.Json;
using System.Text.Json.Serialization;
using PgxcBot.Core.Remote;

namespace PgxcBot.Store;

/// <summary>A command is stored as its argument list (<c>["pg_ctl", "-D", "/data", "promote"]</c>) and rebuilt through
/// <see cref="ShellCommand.Of"/>, which validates it again.</summary>
/// <exception cref="JsonException">Reading: the stored list is empty or not a list of strings.</exception>
internal sealed class ShellCommandJsonConverter : JsonConverter<ShellCommand>
{
    public override ShellCommand Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var arguments = JsonSerializer.Deserialize(ref reader, RunbookJson.Info<string[]>(options));
        if (arguments is not { Length: > 0 }) throw new JsonException("a stored shell command has no program");
        return ShellCommand.Of(arguments[0], arguments[1..]);
    }

    public override void Write(Utf8JsonWriter writer, ShellCommand value, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(writer, value.Arguments, RunbookJson.Info<IReadOnlyList<string>>(options));
}
