using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Store;

/// <summary>
/// JSON for stored operations. The plan is stored exactly as approved, so that a resumed operation runs
/// the approved commands and not a re-planned variant. Polymorphism is declared here, not in the domain.
/// </summary>
internal static class RunbookJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddDerivedTypes } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new ShellCommandConverter());
        return options;
    }

    private static void AddDerivedTypes(JsonTypeInfo info)
    {
        if (info.Type == typeof(StepAction))
            Polymorphic(info, (typeof(RunCommand), "command"), (typeof(RunSql), "sql"), (typeof(WaitOnly), "wait"), (typeof(GtmUnregister), "gtm-unregister"));
        else if (info.Type == typeof(Probe))
            Polymorphic(info, (typeof(SqlProbe), "sql"), (typeof(CommandProbe), "command"), (typeof(UnreachableProbe), "unreachable"), (typeof(AllOf), "all"),
                (typeof(WalReceivedProbe), "wal-received"));
    }

    private static void Polymorphic(JsonTypeInfo info, params (Type Type, string Name)[] derived)
    {
        info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$kind" };
        foreach (var (type, name) in derived) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, name));
    }

    /// <summary>A command is stored as its argument list and rebuilt through <see cref="ShellCommand.Of"/>.</summary>
    private sealed class ShellCommandConverter : JsonConverter<ShellCommand>
    {
        public override ShellCommand Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var arguments = JsonSerializer.Deserialize<string[]>(ref reader, options);
            if (arguments is not { Length: > 0 }) throw new JsonException("a stored shell command has no program");
            return ShellCommand.Of(arguments[0], arguments[1..]);
        }

        public override void Write(Utf8JsonWriter writer, ShellCommand value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Arguments, options);
    }
}
