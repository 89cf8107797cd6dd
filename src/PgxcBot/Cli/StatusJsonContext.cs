using System.Text.Json;
using System.Text.Json.Serialization;

namespace PgxcBot.Cli;

/// <summary>The serializer's code for <c>status --json</c> and <c>/status.json</c>, generated at build time (no
/// reflection, so the ahead-of-time compiled bot writes the same document): web defaults (camelCase), indented, enums
/// as their names, WAL positions as PostgreSQL writes them.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true, UseStringEnumConverter = true, Converters = [typeof(LsnTextJsonConverter)])]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
