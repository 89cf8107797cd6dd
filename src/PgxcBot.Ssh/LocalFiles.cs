using System.Runtime.InteropServices;

namespace PgxcBot.Ssh;

/// <summary>What a path on this machine is (statx's file type): a file the bot reads must be a regular file.</summary>
public enum LocalFileKind { Missing, Regular, Directory, Fifo, Socket, CharacterDevice, BlockDevice, Unknown }

/// <summary>
/// Checks on the files the bot reads on its own machine (configuration, SSH key, secret files, the store):
/// what kind of file a path is and its permission bits, without opening it. Opening a FIFO blocks until
/// someone writes to it, and a device never ends, so "check-config --config /some/fifo" must look first.
/// Uses Linux statx(2) through libc (its layout is the same on every architecture); where that is not
/// available, falls back to what .NET can tell (directory or not), and the caller's size limit.
/// </summary>
public static class LocalFiles
{
    // statx(2): AT_FDCWD, mask STATX_TYPE | STATX_MODE; stx_mode is a u16 at byte 28 of struct statx.
    private const int AtFdCwd = -100;
    private const uint StatxTypeAndMode = 0x1 | 0x2;
    private const int ModeOffset = 28;
    private const int ENOENT = 2, ENOTDIR = 20;

    [UnmanagedFunctionPointer(CallingConvention.Cdecl, SetLastError = true)]
    private delegate int StatxFunction(int dirfd, [MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags, uint mask, byte[] buffer);

    // Looked up once; immutable afterwards.
    private static readonly StatxFunction? Statx = LoadStatx();

    private static StatxFunction? LoadStatx()
    {
        if (!OperatingSystem.IsLinux()) return null;
        foreach (var name in new[] { "libc.so.6", "libc" })
            if (NativeLibrary.TryLoad(name, out var handle) && NativeLibrary.TryGetExport(handle, "statx", out var function))
                return Marshal.GetDelegateForFunctionPointer<StatxFunction>(function);
        return null;
    }

    /// <summary>The kind of <paramref name="path"/> (symbolic links followed) and its permission bits
    /// (null when unknown).</summary>
    public static (LocalFileKind Kind, UnixFileMode? Mode) Inspect(string path)
    {
        if (Statx is { } statx)
        {
            var buffer = new byte[256];
            if (statx(AtFdCwd, path, 0, StatxTypeAndMode, buffer) == 0)
            {
                var mode = BitConverter.ToUInt16(buffer, ModeOffset);
                var kind = (mode & 0xF000) switch
                {
                    0x8000 => LocalFileKind.Regular,
                    0x4000 => LocalFileKind.Directory,
                    0x1000 => LocalFileKind.Fifo,
                    0xC000 => LocalFileKind.Socket,
                    0x2000 => LocalFileKind.CharacterDevice,
                    0x6000 => LocalFileKind.BlockDevice,
                    _ => LocalFileKind.Unknown,
                };
                return (kind, (UnixFileMode)(mode & 0xFFF));
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno is ENOENT or ENOTDIR) return (LocalFileKind.Missing, null);
        }
        if (Directory.Exists(path)) return (LocalFileKind.Directory, null);
        if (!File.Exists(path)) return (LocalFileKind.Missing, null);
        return (LocalFileKind.Regular, OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(path));
    }

    /// <summary>"a directory", "a FIFO (named pipe)", ... for messages.</summary>
    public static string Describe(LocalFileKind kind) => kind switch
    {
        LocalFileKind.Regular => "a regular file",
        LocalFileKind.Directory => "a directory",
        LocalFileKind.Fifo => "a FIFO (named pipe)",
        LocalFileKind.Socket => "a socket",
        LocalFileKind.CharacterDevice => "a character device",
        LocalFileKind.BlockDevice => "a block device",
        LocalFileKind.Missing => "missing",
        _ => "not a regular file",
    };

    /// <summary>Why <paramref name="path"/> cannot be read as a regular file (missing, a directory, a FIFO,
    /// a device...), or null when it can be opened without blocking. <paramref name="what"/> names the file
    /// in the message ("the SSH key", "the secret file").</summary>
    public static string? NotARegularFile(string path, string what)
    {
        var (kind, _) = Inspect(path);
        return kind switch
        {
            LocalFileKind.Regular => null,
            LocalFileKind.Missing => $"{what} {path} does not exist.",
            _ => $"{what} {path} is {Describe(kind)}, not a regular file; the bot reads it whole and would block or fail. Give the path of a regular file.",
        };
    }

    /// <summary>Permission bits for group or others: OpenSSH refuses a private key with any of them.</summary>
    public const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The mode as chmod writes it (0644).</summary>
    public static string Octal(UnixFileMode mode) => "0" + Convert.ToString((int)mode & 0xFFF, 8).PadLeft(3, '0');
}
