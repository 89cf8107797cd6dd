namespace PgxcBot.Lab.Coordinator;

/// <summary>
/// Answers the type-loading batch Npgsql sends on the first open in its default compatibility mode
/// (pg_type, composite fields, enum labels) with the built-in types only, so default-mode clients work
/// without the simulator having a pg_catalog.
/// </summary>
internal static class NpgsqlTypeCatalog
{
    static readonly (string Name, uint Oid, char Kind, uint Elem)[] Types =
    [
        ("bool", 16, 'b', 0), ("bytea", 17, 'b', 0), ("char", 18, 'b', 0), ("name", 19, 'b', 0),
        ("int8", 20, 'b', 0), ("int2", 21, 'b', 0), ("int4", 23, 'b', 0), ("regproc", 24, 'b', 0),
        ("text", 25, 'b', 0), ("oid", 26, 'b', 0), ("tid", 27, 'b', 0), ("xid", 28, 'b', 0), ("cid", 29, 'b', 0),
        ("json", 114, 'b', 0), ("xml", 142, 'b', 0), ("float4", 700, 'b', 0), ("float8", 701, 'b', 0),
        ("unknown", 705, 'b', 0), ("money", 790, 'b', 0), ("inet", 869, 'b', 0), ("cidr", 650, 'b', 0),
        ("macaddr", 829, 'b', 0), ("bpchar", 1042, 'b', 0), ("varchar", 1043, 'b', 0), ("date", 1082, 'b', 0),
        ("time", 1083, 'b', 0), ("timestamp", 1114, 'b', 0), ("timestamptz", 1184, 'b', 0),
        ("interval", 1186, 'b', 0), ("timetz", 1266, 'b', 0), ("bit", 1560, 'b', 0), ("varbit", 1562, 'b', 0),
        ("numeric", 1700, 'b', 0), ("regtype", 2206, 'b', 0), ("uuid", 2950, 'b', 0), ("pg_lsn", 3220, 'b', 0),
        ("jsonb", 3802, 'b', 0), ("record", 2249, 'p', 0), ("void", 2278, 'p', 0),
        ("_bool", 1000, 'a', 16), ("_char", 1002, 'a', 18), ("_name", 1003, 'a', 19), ("_int2", 1005, 'a', 21),
        ("_int4", 1007, 'a', 23), ("_text", 1009, 'a', 25), ("_varchar", 1015, 'a', 1043),
        ("_int8", 1016, 'a', 20), ("_float8", 1022, 'a', 701), ("_oid", 1028, 'a', 26),
    ];

    public static bool TryAnswer(string sql, out StatementResult result)
    {
        result = StatementResult.Command("SELECT 0");
        if (!sql.Contains("pg_type", StringComparison.OrdinalIgnoreCase)) return false;
        if (sql.Contains("typnotnull", StringComparison.OrdinalIgnoreCase) && sql.Contains("nspname", StringComparison.OrdinalIgnoreCase))
        {
            result = StatementResult.Select(
                [new("nspname", PgTypes.Name), new("oid", PgTypes.Oid), new("typname", PgTypes.Name),
                 new("typtype", PgTypes.Char), new("typnotnull", PgTypes.Bool), new("elemtypoid", PgTypes.Oid)],
                Types.Select(t => new object?[] { "pg_catalog", t.Oid, t.Name, t.Kind, false, t.Elem == 0 ? null : t.Elem }).ToArray());
            return true;
        }
        if (sql.Contains("attname", StringComparison.OrdinalIgnoreCase))
        {
            result = StatementResult.Select([new("oid", PgTypes.Oid), new("attname", PgTypes.Name), new("atttypid", PgTypes.Oid)], []);
            return true;
        }
        if (sql.Contains("enumlabel", StringComparison.OrdinalIgnoreCase))
        {
            result = StatementResult.Select([new("oid", PgTypes.Oid), new("enumlabel", PgTypes.Name)], []);
            return true;
        }
        return false;
    }
}
