using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using PgxcBot.Core.Assessment;
using PgxcBot.Core.Messages;
using PgxcBot.Core.Monitoring;
using PgxcBot.Core.Operations;
using PgxcBot.Core.Remote;
using PgxcBot.Core.Runbooks;

namespace PgxcBot.Store;

/// <summary>
/// JSON for stored operations. The plan is stored exactly as approved, so that a resumed operation runs
/// the approved commands and not a re-planned variant. Polymorphism is declared here, not in the domain. The
/// serializer's code is generated (<see cref="StoreJsonContext"/>); <see cref="Info{T}"/> gives it per type.
/// </summary>
internal static class RunbookJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    /// <summary>Every type the stores keep as a JSON document with <see cref="Options"/>.</summary>
    internal static IReadOnlyList<Type> DocumentTypes { get; } =
    [
        typeof(Operation), typeof(ChatMessage), typeof(Incident), typeof(IncidentEvent), typeof(OperationRefusal),
        typeof(AsyncSwitchRecord), typeof(MasterSighting), typeof(StoredRoles),
    ];

    /// <summary>
    /// Builds the serializer's metadata for every stored document type and every type they hold (derived step and
    /// probe kinds included), then writes and reads back one small operation, which compiles the serializer's shared
    /// code. Measured on the 2-core lab host with the reflection-based serializer (before <see cref="StoreJsonContext"/>,
    /// whose metadata is generated code, still built on first use): the first write and read of an operation cost 92 ms (35 ms once the
    /// metadata was built), the second 0.6 ms; the first incident after a start pays that on its way to the async
    /// switch (its alert, its timeline entry, its operation). Pure CPU, no I/O. Returns the types prepared.
    /// </summary>
    internal static IReadOnlyCollection<Type> WarmUp()
    {
        var seen = new HashSet<Type>();
        foreach (var type in DocumentTypes) Prepare(type);
        var operation = new Operation(0, "async", "warm-up", OperationState.Planned, new Actor("warm-up", "warm-up", []), DateTimeOffset.UnixEpoch,
            null, null, null, "warm-up", new Runbook("async", "warm-up", "warm-up", [], [], []), [], null, []);
        JsonSerializer.Deserialize(JsonSerializer.Serialize(operation, Info<Operation>()), Info<Operation>());
        return seen;

        void Prepare(Type type)
        {
            if (!seen.Add(type)) return;
            var info = Options.GetTypeInfo(type);
            foreach (var property in info.Properties) Prepare(property.PropertyType);
            if (info.PolymorphismOptions is { } polymorphism)
                foreach (var derived in polymorphism.DerivedTypes) Prepare(derived.DerivedType);
            if (info.ElementType is { } element) Prepare(element);
            if (info.KeyType is { } key) Prepare(key);
        }
    }

    /// <summary>The serializer's metadata for <typeparamref name="T"/> under <paramref name="options"/> (default:
    /// <see cref="Options"/>), from <see cref="StoreJsonContext"/>: the typed overloads of <see cref="JsonSerializer"/>
    /// need no reflection.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not one of the context's types.</exception>
    internal static JsonTypeInfo<T> Info<T>(JsonSerializerOptions? options = null) =>
        (JsonTypeInfo<T>)(options ?? Options).GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create() =>
        new(StoreJsonContext.Default.Options) { TypeInfoResolver = StoreJsonContext.Default.WithAddedModifier(AddDerivedTypes) };

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
}
