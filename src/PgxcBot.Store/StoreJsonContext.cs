using System.Text.Json;
using System.Text.Json.Serialization;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Store;

/// <summary>
/// The serializer's code for every document the stores keep, generated at build time: no reflection when a document is
/// written or read, so the same code runs in the ahead-of-time compiled bot (System.Text.Json source generation,
/// https://learn.microsoft.com/dotnet/standard/serialization/system-text-json/source-generation). The documents are
/// those of <see cref="RunbookJson.DocumentTypes"/>; the derived step and probe kinds are listed because
/// <see cref="RunbookJson"/> declares them as polymorphic at run time, and the string lists because
/// <see cref="ShellCommandJsonConverter"/> writes a command as one. Settings as before the generator: web defaults
/// (camelCase names, case-insensitive reading), enums as their names.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, UseStringEnumConverter = true, Converters = [typeof(ShellCommandJsonConverter)])]
[JsonSerializable(typeof(Operation))]
[JsonSerializable(typeof(ChatMessage))]
[JsonSerializable(typeof(Incident))]
[JsonSerializable(typeof(IncidentEvent))]
[JsonSerializable(typeof(OperationRefusal))]
[JsonSerializable(typeof(AsyncSwitchRecord))]
[JsonSerializable(typeof(MasterSighting))]
[JsonSerializable(typeof(StoredRoles))]
[JsonSerializable(typeof(RunCommand))]
[JsonSerializable(typeof(RunSql))]
[JsonSerializable(typeof(WaitOnly))]
[JsonSerializable(typeof(GtmUnregister))]
[JsonSerializable(typeof(SqlProbe))]
[JsonSerializable(typeof(CommandProbe))]
[JsonSerializable(typeof(UnreachableProbe))]
[JsonSerializable(typeof(AllOf))]
[JsonSerializable(typeof(WalReceivedProbe))]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(IReadOnlyList<string>))]
internal sealed partial class StoreJsonContext : JsonSerializerContext;
