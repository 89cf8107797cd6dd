using System.Text.Json;
using System.Text.Json.Serialization;
using PgxcBot.Core.Observation;

namespace PgxcBot.Cli;

/// <summary>A WAL position as PostgreSQL writes it (<c>"0/3000148"</c>), for the documents operators read.</summary>
/// <exception cref="FormatException">Reading: the text is not a WAL position.</exception>
internal sealed class LsnTextJsonConverter : JsonConverter<Lsn>
{
    public override Lsn Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Lsn.Parse(reader.GetString() ?? "");

    public override void Write(Utf8JsonWriter writer, Lsn value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
