using System.Buffers.Binary;
using System.Text;

namespace PgxcBot.Gtm.Protocol;

/// <summary>
/// Reads a GTM message body. The GTM mixes two byte orders: integers it sends with pq_sendint are in network
/// order (big-endian), while values it copies out of C structs with pq_sendbytes/memcpy (node types, ports,
/// everything inside a serialised node entry) are in the server's native order, little-endian on every
/// platform these builds run on (x86-64, arm64). Every read checks the remaining length and throws
/// <see cref="GtmProtocolException"/> instead of reading past the end.
/// </summary>
internal sealed class GtmReader(ReadOnlyMemory<byte> data, string what)
{
    private int _offset;

    /// <summary>Bytes not read yet.</summary>
    public int Remaining => data.Length - _offset;

    /// <summary>An int32 sent with pq_sendint (network order).</summary>
    public int Int32BigEndian() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    /// <summary>An int32 copied from a C struct (native order, little-endian).</summary>
    public int Int32Native() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

    /// <summary>A uint32 copied from a C struct.</summary>
    public uint UInt32Native() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

    /// <summary>An int64 copied from a C struct.</summary>
    public long Int64Native() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

    /// <summary>One byte.</summary>
    public byte Byte() => Take(1)[0];

    /// <summary><paramref name="count"/> raw bytes.</summary>
    public ReadOnlySpan<byte> Bytes(int count)
    {
        if (count < 0) throw new GtmProtocolException($"{what}: negative length {count}");
        return Take(count);
    }

    /// <summary>A string of <paramref name="length"/> bytes without terminator (paths are bytes; shown as
    /// UTF-8, invalid sequences replaced).</summary>
    public string String(int length, int maxLength)
    {
        if (length < 0 || length > maxLength)
            throw new GtmProtocolException($"{what}: string length {length} outside 0-{maxLength}");
        return Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>A NUL-terminated string (error fields).</summary>
    public string CString()
    {
        var rest = data.Span[_offset..];
        var end = rest.IndexOf((byte)0);
        if (end < 0) throw new GtmProtocolException($"{what}: string without terminator");
        var text = Encoding.UTF8.GetString(rest[..end]);
        _offset += end + 1;
        return text;
    }

    /// <summary>Fails unless every byte was read: a layout that leaves bytes over is not the one we expect.</summary>
    public void End()
    {
        if (Remaining != 0) throw new GtmProtocolException($"{what}: {Remaining} unexpected byte(s) after the expected fields");
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (Remaining < count)
            throw new GtmProtocolException($"{what}: needed {count} more byte(s), only {Remaining} left");
        var span = data.Span.Slice(_offset, count);
        _offset += count;
        return span;
    }
}
