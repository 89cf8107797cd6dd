using System.Buffers.Binary;
using System.Text;

namespace PgxcBot.Lab.Coordinator;

/// <summary>A frontend message body with big-endian readers, as the v3 protocol frames them.</summary>
internal sealed class MessageBody(byte[] data)
{
    int _pos;

    public bool AtEnd => _pos >= data.Length;

    public byte ReadByte() => data[Check(1)];

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(data.AsSpan(Check(2)));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(data.AsSpan(Check(4)));

    public byte[] ReadBytes(int count) => data.AsSpan(Check(count), count).ToArray();

    public string ReadCString()
    {
        var end = Array.IndexOf(data, (byte)0, _pos);
        if (end < 0) throw Malformed();
        var s = Encoding.UTF8.GetString(data, _pos, end - _pos);
        _pos = end + 1;
        return s;
    }

    int Check(int count)
    {
        if (count < 0 || _pos + count > data.Length) throw Malformed();
        var start = _pos;
        _pos += count;
        return start;
    }

    static SimulatedPgException Malformed() => new("08P01", "invalid message format", severity: "FATAL");
}

/// <summary>Reads the startup packet and typed frontend messages from the client's stream.</summary>
internal sealed class FrontendReader(Stream stream)
{
    const int MaxMessageLength = 16 * 1024 * 1024;
    readonly byte[] _header = new byte[5];

    /// <summary>The untyped startup/SSL/cancel packet body (after its length), or null at EOF.</summary>
    public async Task<MessageBody?> ReadStartupAsync(CancellationToken ct)
    {
        if (!await FillAsync(_header.AsMemory(0, 4), ct).ConfigureAwait(false)) return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(_header);
        return await ReadBodyAsync(length - 4, ct).ConfigureAwait(false);
    }

    /// <summary>The next typed message, or null when the client closed the connection.</summary>
    public async Task<(char Type, MessageBody Body)?> ReadMessageAsync(CancellationToken ct)
    {
        if (!await FillAsync(_header, ct).ConfigureAwait(false)) return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(1));
        var body = await ReadBodyAsync(length - 4, ct).ConfigureAwait(false);
        return body is null ? null : ((char)_header[0], body);
    }

    async Task<MessageBody?> ReadBodyAsync(int length, CancellationToken ct)
    {
        if (length is < 0 or > MaxMessageLength)
            throw new SimulatedPgException("08P01", $"invalid message length {length}", severity: "FATAL");
        var body = new byte[length];
        return await FillAsync(body, ct).ConfigureAwait(false) ? new MessageBody(body) : null;
    }

    async Task<bool> FillAsync(Memory<byte> buffer, CancellationToken ct)
    {
        try
        {
            await stream.ReadExactlyAsync(buffer, ct).ConfigureAwait(false);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }
}

/// <summary>
/// Buffers backend messages and writes them in one go on <see cref="FlushAsync"/> (at ReadyForQuery,
/// Flush, or before closing).
/// </summary>
internal sealed class BackendWriter(Stream stream)
{
    readonly MemoryStream _buffer = new();

    public void Raw(byte b) => _buffer.WriteByte(b);

    public void AuthenticationOk() => Message('R', m => m.Int32(0));

    public void AuthenticationCleartext() => Message('R', m => m.Int32(3));

    public void AuthenticationMd5(byte[] salt) => Message('R', m => { m.Int32(5); m.Bytes(salt); });

    public void ParameterStatus(string name, string value) => Message('S', m => { m.CString(name); m.CString(value); });

    public void BackendKeyData(int pid, int key) => Message('K', m => { m.Int32(pid); m.Int32(key); });

    public void ReadyForQuery(byte status) => Message('Z', m => m.Byte(status));

    public void ParseComplete() => Message('1', _ => { });

    public void BindComplete() => Message('2', _ => { });

    public void CloseComplete() => Message('3', _ => { });

    public void NoData() => Message('n', _ => { });

    public void EmptyQueryResponse() => Message('I', _ => { });

    public void CommandComplete(string tag) => Message('C', m => m.CString(tag));

    public void ParameterDescription(IReadOnlyList<uint> oids) => Message('t', m =>
    {
        m.Int16((short)oids.Count);
        foreach (var oid in oids) m.Int32((int)oid);
    });

    public void RowDescription(IReadOnlyList<ResultColumn> columns, Func<int, bool> binary) => Message('T', m =>
    {
        m.Int16((short)columns.Count);
        for (var i = 0; i < columns.Count; i++)
        {
            m.CString(columns[i].Name);
            m.Int32(0);
            m.Int16(0);
            m.Int32((int)columns[i].TypeOid);
            m.Int16(TypeSize(columns[i].TypeOid));
            m.Int32(-1);
            m.Int16(binary(i) ? (short)1 : (short)0);
        }
    });

    public void DataRow(IReadOnlyList<ResultColumn> columns, object?[] row, Func<int, bool> binary) => Message('D', m =>
    {
        m.Int16((short)row.Length);
        for (var i = 0; i < row.Length; i++)
        {
            var bytes = PgTypes.Encode(row[i], columns[i].TypeOid, binary(i));
            if (bytes is null) { m.Int32(-1); continue; }
            m.Int32(bytes.Length);
            m.Bytes(bytes);
        }
    });

    public void Error(SimulatedPgException e) => Fields('E', e.Severity, e.SqlState, e.Message, e.Hint);

    public void Notice(SimulatedNotice n) => Fields('N', n.Severity, n.SqlState, n.Message, null);

    void Fields(char type, string severity, string code, string message, string? hint) => Message(type, m =>
    {
        m.Byte((byte)'S'); m.CString(severity);
        m.Byte((byte)'V'); m.CString(severity);
        m.Byte((byte)'C'); m.CString(code);
        m.Byte((byte)'M'); m.CString(message);
        if (hint is not null) { m.Byte((byte)'H'); m.CString(hint); }
        m.Byte(0);
    });

    public async Task FlushAsync(CancellationToken ct)
    {
        if (_buffer.Length == 0) return;
        await stream.WriteAsync(_buffer.GetBuffer().AsMemory(0, (int)_buffer.Length), ct).ConfigureAwait(false);
        await stream.FlushAsync(ct).ConfigureAwait(false);
        _buffer.SetLength(0);
    }

    static short TypeSize(uint oid) => oid switch
    {
        PgTypes.Bool or PgTypes.Char => 1,
        PgTypes.Int2 => 2,
        PgTypes.Int4 or PgTypes.Oid or PgTypes.Float4 => 4,
        PgTypes.Int8 or PgTypes.Float8 => 8,
        PgTypes.Name => 64,
        _ => -1,
    };

    void Message(char type, Action<MessageBuilder> body)
    {
        _buffer.WriteByte((byte)type);
        var lengthAt = _buffer.Position;
        _buffer.Write(stackalloc byte[4]);
        body(new MessageBuilder(_buffer));
        var end = _buffer.Position;
        Span<byte> len = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(len, (int)(end - lengthAt));
        _buffer.Position = lengthAt;
        _buffer.Write(len);
        _buffer.Position = end;
    }

    readonly struct MessageBuilder(MemoryStream s)
    {
        public void Byte(byte b) => s.WriteByte(b);
        public void Bytes(byte[] b) => s.Write(b);
        public void Int16(short v) { Span<byte> b = stackalloc byte[2]; BinaryPrimitives.WriteInt16BigEndian(b, v); s.Write(b); }
        public void Int32(int v) { Span<byte> b = stackalloc byte[4]; BinaryPrimitives.WriteInt32BigEndian(b, v); s.Write(b); }
        public void CString(string v) { s.Write(Encoding.UTF8.GetBytes(v)); s.WriteByte(0); }
    }
}
