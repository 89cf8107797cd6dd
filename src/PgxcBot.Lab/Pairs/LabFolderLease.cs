using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;

namespace PgxcBot.Lab.Pairs;

/// <summary>Another lab uses the folder (running, or left behind); the message says how to free it.</summary>
public sealed class LabFolderInUseException(string message) : Exception(message);

/// <summary>
/// A running lab's claim on its folder: one lab per folder. The folder must be absent or empty; the lab
/// then holds an exclusive lock on <c>.lab.lock</c> inside it for as long as it runs (the operating system
/// drops the lock when the process dies, however it dies) and writes its pid beside it. A second lab in
/// the same folder is refused with the command that frees it, instead of deleting the first lab's store.
/// </summary>
public sealed class LabFolderLease : IDisposable
{
    private const string LockName = ".lab.lock";
    private const string PidName = ".lab.pid";
    private readonly FileStream _lock;

    private LabFolderLease(string root, FileStream @lock)
    {
        Root = root;
        _lock = @lock;
    }

    public string Root { get; }

    /// <summary>Claims <paramref name="root"/>, creating it. Throws <see cref="LabFolderInUseException"/>
    /// when it holds anything: a running lab (its lock is held) or one left behind (kept with --keep, or
    /// killed). <paramref name="downCommand"/> is the command that frees it, quoted in the message.</summary>
    public static LabFolderLease Claim(string root, string downCommand)
    {
        if (Directory.Exists(root) && Directory.EnumerateFileSystemEntries(root).Any())
        {
            if (IsLocked(root))
            {
                var pid = ReadPid(root);
                throw new LabFolderInUseException(
                    $"{root} is in use by a running lab{(pid is null ? "" : $" (pid {pid})")}. End that lab (exit in its console, or Ctrl+C), " +
                    $"or stop its servers from here with: {downCommand}. To run a second lab beside it: pgxcbot lab --folder DIR");
            }
            throw new LabFolderInUseException(
                $"{root} holds a lab left behind (kept with --keep, or its console was killed): its servers may still run. Remove it with: {downCommand}");
        }
        Directory.CreateDirectory(root);
        var stream = new FileStream(Path.Combine(root, LockName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        File.WriteAllText(Path.Combine(root, PidName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        return new LabFolderLease(root, stream);
    }

    /// <summary>Ends the claim; with <paramref name="removeFolder"/> the whole folder goes too.</summary>
    public void Release(bool removeFolder)
    {
        _lock.Dispose();
        if (removeFolder) LabFolders.DeleteQuietly(Root, NullLogger.Instance);
        else
        {
            try { File.Delete(Path.Combine(Root, PidName)); } catch (IOException) { }
        }
    }

    public void Dispose() => _lock.Dispose();

    private static bool IsLocked(string root)
    {
        var path = Path.Combine(root, LockName);
        if (!File.Exists(path)) return false;
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return true; // another user's running lab
        }
    }

    private static int? ReadPid(string root)
    {
        try
        {
            return int.TryParse(File.ReadAllText(Path.Combine(root, PidName)), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
