using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks.Planners;
using PgxcBot.Tests.Support;

namespace PgxcBot.Tests.Store;

/// <summary>
/// The stores' JSON is generated at build time now (for the ahead-of-time compiled bot). A store written by an earlier
/// bot holds documents its reflection-based serializer wrote, and an approved plan must run exactly as approved, so
/// the generated serializer must write byte for byte what that one wrote, and read it. The reflection serializer is
/// rebuilt here with the settings the store had: web defaults, enums as names, steps and probes tagged "$kind",
/// a shell command as its argument list.
/// </summary>
public sealed partial class SqliteOperationStoreTests
{
    public static TheoryData<string> StoredPlans() => ["promote-xl", "switchover-xl", "switchover-xc", "promote-pg"];

    [Theory]
    [MemberData(nameof(StoredPlans))]
    public async Task An_operation_is_stored_byte_for_byte_as_the_reflection_serializer_wrote_it(string plan)
    {
        var operation = New(Plan(plan));
        var store = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var created = await store.CreateAsync(operation, default);

        var stored = await StoredDocumentAsync(created.Id);

        Assert.Equal(JsonSerializer.Serialize(created, Reflection), stored);
        Assert.Contains("\"$kind\":\"command\"", stored);
        Assert.Contains("\"$kind\":\"sql\"", stored);
        Assert.Contains("\"state\":\"AwaitingApproval\"", stored);
    }

    [Fact]
    public async Task A_document_the_reflection_serializer_wrote_reads_back_to_the_same_plan()
    {
        var operation = New(Plan("switchover-xl"));
        var store = new SqliteOperationStore(await SqliteStore.OpenAsync(DbPath, null, default));
        var created = await store.CreateAsync(operation, default);
        await ReplaceDocumentAsync(created.Id, JsonSerializer.Serialize(created, Reflection).Replace("\"alice\"", "\"carol\"", StringComparison.Ordinal));

        var loaded = (await store.GetAsync(created.Id, default))!;

        Assert.Equal("carol", loaded.RequestedBy.DisplayName);
        Assert.Equal(created.Plan.Fingerprint, loaded.Plan.Fingerprint);
        Assert.Equal(created.Plan.Steps.Select(s => (s.Action.Text, s.Verify?.GetType())), loaded.Plan.Steps.Select(s => (s.Action.Text, s.Verify?.GetType())));
    }

    private static Runbook Plan(string name) => name switch
    {
        "promote-xl" => PromotePlan(Flavor.PostgresXl),
        "promote-pg" => PromotePlan(Flavor.PostgreSql),
        "switchover-xl" => Switchover(Flavor.PostgresXl),
        "switchover-xc" => Switchover(Flavor.PostgresXc),
        _ => throw new ArgumentException(name),
    };

    private static Runbook Switchover(Flavor flavor)
    {
        var topology = RunbookTopologies.TwoNodes(flavor);
        return SwitchoverPlanner.Plan(topology, new FakeCluster(topology).Snapshot(topology), new LifecycleRequest("datanode1")).Runbook!;
    }

    private async Task<string> StoredDocumentAsync(long id)
    {
        await using var connection = await SqliteFile.OpenAsync(DbPath);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT document FROM operation WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    private async Task ReplaceDocumentAsync(long id, string document)
    {
        await using var connection = await SqliteFile.OpenAsync(DbPath);
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE operation SET document = $doc WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$doc", document);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    /// <summary>The store's serializer before it was generated (commit b4a83a4, RunbookJson.Create).</summary>
    private static readonly JsonSerializerOptions Reflection = CreateReflection();

    private static JsonSerializerOptions CreateReflection()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { AddDerivedTypes } },
        };
        options.Converters.Add(new JsonStringEnumConverter());
        options.Converters.Add(new ShellCommandConverter());
        return options;

        static void AddDerivedTypes(JsonTypeInfo info)
        {
            if (info.Type == typeof(StepAction))
                Polymorphic(info, (typeof(RunCommand), "command"), (typeof(RunSql), "sql"), (typeof(WaitOnly), "wait"), (typeof(GtmUnregister), "gtm-unregister"));
            else if (info.Type == typeof(Probe))
                Polymorphic(info, (typeof(SqlProbe), "sql"), (typeof(CommandProbe), "command"), (typeof(UnreachableProbe), "unreachable"), (typeof(AllOf), "all"),
                    (typeof(WalReceivedProbe), "wal-received"));
        }

        static void Polymorphic(JsonTypeInfo info, params (Type Type, string Name)[] derived)
        {
            info.PolymorphismOptions = new JsonPolymorphismOptions { TypeDiscriminatorPropertyName = "$kind" };
            foreach (var (type, name) in derived) info.PolymorphismOptions.DerivedTypes.Add(new JsonDerivedType(type, name));
        }
    }

    private sealed class ShellCommandConverter : JsonConverter<ShellCommand>
    {
        public override ShellCommand Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var arguments = JsonSerializer.Deserialize<string[]>(ref reader, options)!;
            return ShellCommand.Of(arguments[0], arguments[1..]);
        }

        public override void Write(Utf8JsonWriter writer, ShellCommand value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Arguments, options);
    }
}
