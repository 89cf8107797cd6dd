using System.Text.Json;
using System.Text.Json.Serialization;

namespace PgxcBot.Cli;

/// <summary>The serializer's code for <c>timeline --json</c>, generated at build time (no reflection): web defaults
/// (camelCase), indented, enums as their names, empty fields left out.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TimelineDocument))]
internal sealed partial class TimelineJsonContext : JsonSerializerContext;
