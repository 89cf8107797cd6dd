using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace PgxcBot.Lab.Coordinator;

/// <summary>The built-in type OIDs the simulator produces, and how their values look on the wire.</summary>
internal static class PgTypes
{
    public const uint Bool = 16, Char = 18, Name = 19, Int8 = 20, Int2 = 21, Int4 = 23, Text = 25, Oid = 26,
        Float4 = 700, Float8 = 701, Unknown = 705, Bpchar = 1042, Varchar = 1043;

    /// <summary>A SQL type name (as in a <c>::cast</c>) to its OID and the name PostgreSQL gives the column.</summary>
    public static (uint Oid, string ColumnName) FromName(string name) => name switch
    {
        "text" => (Text, "text"),
        "varchar" => (Varchar, "varchar"),
        "name" => (Name, "name"),
        "\"char\"" => (Char, "char"),
        "char" or "bpchar" => (Bpchar, "bpchar"),
        "int" or "int4" or "integer" => (Int4, "int4"),
        "int8" or "bigint" => (Int8, "int8"),
        "int2" or "smallint" => (Int2, "int2"),
        "bool" or "boolean" => (Bool, "bool"),
        "oid" => (Oid, "oid"),
        "float8" => (Float8, "float8"),
        "float4" or "real" => (Float4, "float4"),
        _ => throw new SimulatedPgException("42704", $"type \"{name.Trim('"')}\" does not exist"),
    };

    /// <summary>Converts a value to the .NET representation of a type (the simulator's cast).</summary>
    public static object? Convert(object? value, uint oid)
    {
        if (value is null) return null;
        try
        {
            return oid switch
            {
                Bool => value is bool b ? b : ParseBool(ToText(value)),
                Int2 => System.Convert.ToInt16(value is string s2 ? s2.Trim() : value, CultureInfo.InvariantCulture),
                Int4 => System.Convert.ToInt32(value is string s4 ? s4.Trim() : value, CultureInfo.InvariantCulture),
                Int8 => System.Convert.ToInt64(value is string s8 ? s8.Trim() : value, CultureInfo.InvariantCulture),
                Oid => System.Convert.ToUInt32(value, CultureInfo.InvariantCulture),
                Float8 => System.Convert.ToDouble(value, CultureInfo.InvariantCulture),
                Float4 => System.Convert.ToSingle(value, CultureInfo.InvariantCulture),
                Char => ToText(value) is { Length: > 0 } c ? c[0] : '\0',
                _ => ToText(value),
            };
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidCastException)
        {
            throw new SimulatedPgException("22P02", $"invalid input syntax for type {oid switch { Bool => "boolean", Int2 => "smallint", Int4 => "integer", Int8 => "bigint", _ => "oid " + oid }}: \"{ToText(value)}\"");
        }
    }

    public static bool ParseBool(string text) => text.Trim().ToLowerInvariant() switch
    {
        "t" or "true" or "on" or "yes" or "y" or "1" => true,
        "f" or "false" or "off" or "no" or "n" or "0" => false,
        _ => throw new FormatException(),
    };

    /// <summary>PostgreSQL's text output format of a value.</summary>
    public static string ToText(object value) => value switch
    {
        bool b => b ? "t" : "f",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };

    public static byte[]? Encode(object? value, uint oid, bool binary)
    {
        if (value is null) return null;
        if (!binary) return Encoding.UTF8.GetBytes(ToText(value));
        var typed = Convert(value, oid);
        switch (typed)
        {
            case bool b: return [b ? (byte)1 : (byte)0];
            case char c: return [(byte)c];
            case short s: { var buf = new byte[2]; BinaryPrimitives.WriteInt16BigEndian(buf, s); return buf; }
            case int i: { var buf = new byte[4]; BinaryPrimitives.WriteInt32BigEndian(buf, i); return buf; }
            case long l: { var buf = new byte[8]; BinaryPrimitives.WriteInt64BigEndian(buf, l); return buf; }
            case uint u: { var buf = new byte[4]; BinaryPrimitives.WriteUInt32BigEndian(buf, u); return buf; }
            case double d: { var buf = new byte[8]; BinaryPrimitives.WriteDoubleBigEndian(buf, d); return buf; }
            case float f: { var buf = new byte[4]; BinaryPrimitives.WriteSingleBigEndian(buf, f); return buf; }
            default: return Encoding.UTF8.GetBytes(ToText(typed!)); // text-like types: binary == text
        }
    }

    /// <summary>Decodes a Bind parameter. Text format is kept as a string (like an untyped literal).</summary>
    public static object? DecodeParameter(byte[]? data, bool binary, uint oid)
    {
        if (data is null) return null;
        if (!binary) return Encoding.UTF8.GetString(data);
        return oid switch
        {
            Bool => data[0] != 0,
            Char => (char)data[0],
            Int2 => BinaryPrimitives.ReadInt16BigEndian(data),
            Int4 => BinaryPrimitives.ReadInt32BigEndian(data),
            Int8 => BinaryPrimitives.ReadInt64BigEndian(data),
            Oid => BinaryPrimitives.ReadUInt32BigEndian(data),
            Float8 => BinaryPrimitives.ReadDoubleBigEndian(data),
            Float4 => BinaryPrimitives.ReadSingleBigEndian(data),
            0 or Text or Varchar or Name or Bpchar or Unknown => Encoding.UTF8.GetString(data),
            _ => throw SimulatedPgException.NotSupported($"a binary parameter of type OID {oid}"),
        };
    }

    /// <summary>The OID for a .NET value (a parameter, or a value relayed from a datanode).</summary>
    public static uint OidOf(object? value) => value switch
    {
        bool => Bool,
        char => Char,
        short => Int2,
        int => Int4,
        long => Int8,
        uint => Oid,
        double => Float8,
        float => Float4,
        _ => Text,
    };
}
