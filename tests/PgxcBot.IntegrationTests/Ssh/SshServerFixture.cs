using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace PgxcBot.IntegrationTests.Ssh;

/// <summary>
/// A real OpenSSH server on loopback for one test class: its own host key, its own client key in its own
/// authorized_keys, a free port, and a login user with a shell. Needs root (sshd switches users) and
/// /usr/sbin/sshd (tests/run-tests.sh installs openssh-server).
/// </summary>
public sealed class SshServer : IAsyncDisposable
{
    public const string DefaultUser = "pgxcbot-ssh";

    private readonly System.Text.StringBuilder _log = new();
    private Process? _sshd;

    /// <summary>What sshd printed (-e sends its log to stderr): the first place to look when a test fails.</summary>
    public string Log { get { lock (_log) return _log.ToString(); } }

    private SshServer(string folder, string user, int port, string fingerprint)
    {
        Folder = folder;
        User = user;
        Port = port;
        HostKeyFingerprint = fingerprint;
    }

    public string Folder { get; }
    public string User { get; }
    public int Port { get; }
    public string HostKeyFingerprint { get; }
    public string ClientKeyFile => Path.Combine(Folder, "client_key");

    public Host Host(string name = "node01", string? fingerprint = null, string? keyFile = null) => new(
        name, "127.0.0.1", TransportKind.Ssh, Port, User, fingerprint ?? HostKeyFingerprint, keyFile ?? ClientKeyFile, KeyPassphrase: null);

    public static async Task<SshServer> StartAsync(string user = DefaultUser, CancellationToken cancellationToken = default)
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            throw new InvalidOperationException("The SSH integration tests run a real sshd and need root (run them through tests/run-tests.sh).");
        if (!File.Exists("/usr/sbin/sshd"))
            throw new InvalidOperationException("/usr/sbin/sshd is missing: apt-get install openssh-server (tests/run-tests.sh does it).");

        await EnsureLoginUserAsync(user, cancellationToken);
        var folder = Directory.CreateTempSubdirectory("pgxcbot-sshd-").FullName;
        await RunAsync("ssh-keygen", cancellationToken, "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "host_key"));
        await RunAsync("ssh-keygen", cancellationToken, "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(folder, "client_key"));
        File.Copy(Path.Combine(folder, "client_key.pub"), Path.Combine(folder, "authorized_keys"));
        // sshd reads authorized_keys as the login user; the temp folder is created 0700 for root.
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(folder, "authorized_keys"), (UnixFileMode)0b110_100_100);
        Directory.CreateDirectory("/run/sshd");

        var server = new SshServer(folder, user, FreePort(), Fingerprint(Path.Combine(folder, "host_key.pub")));
        await File.WriteAllTextAsync(Path.Combine(folder, "sshd_config"), $"""
            Port {server.Port}
            ListenAddress 127.0.0.1
            HostKey {folder}/host_key
            PidFile {folder}/sshd.pid
            AuthorizedKeysFile {folder}/authorized_keys
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PermitRootLogin no
            AllowUsers {user}
            LogLevel VERBOSE
            """, cancellationToken);
        await server.StartDaemonAsync(cancellationToken);
        return server;
    }

    /// <summary>Makes another client key with ssh-keygen (PEM format with <paramref name="pem"/>, as
    /// <c>ssh-keygen -m PEM</c> writes RSA keys with a passphrase: AES-128-CBC) and authorizes it; returns its path.</summary>
    public async Task<string> AuthorizeNewKeyAsync(string name, string passphrase = "", bool pem = false, CancellationToken cancellationToken = default)
    {
        var key = Path.Combine(Folder, name);
        var arguments = new List<string> { "-q", "-t", pem ? "rsa" : "ed25519", "-N", passphrase, "-f", key };
        if (pem) arguments.AddRange(["-b", "2048", "-m", "PEM"]);
        await RunAsync("ssh-keygen", cancellationToken, [.. arguments]);
        await File.AppendAllTextAsync(Path.Combine(Folder, "authorized_keys"), await File.ReadAllTextAsync(key + ".pub", cancellationToken), cancellationToken);
        return key;
    }

    /// <summary>Starts sshd (again) on the same port, e.g. after <see cref="StopDaemon"/>.</summary>
    public async Task StartDaemonAsync(CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo("/usr/sbin/sshd") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-D", "-e", "-f", Path.Combine(Folder, "sshd_config") }) start.ArgumentList.Add(a);
        _sshd = Process.Start(start)!;
        _sshd.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_log) _log.AppendLine(e.Data); };
        _sshd.BeginErrorReadLine();
        _sshd.BeginOutputReadLine();

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            if (_sshd.HasExited) throw new InvalidOperationException($"sshd exited at start with code {_sshd.ExitCode}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>Kills the daemon and every session it has open: clients see their connection drop.</summary>
    public void StopDaemon()
    {
        if (_sshd is null) return;
        // Sessions are children of the listener; killing the tree drops open connections like a host reboot.
        try { _sshd.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _sshd.WaitForExit();
        _sshd.Dispose();
        _sshd = null;
    }

    public ValueTask DisposeAsync()
    {
        StopDaemon();
        try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
        return ValueTask.CompletedTask;
    }

    private static async Task EnsureLoginUserAsync(string user, CancellationToken cancellationToken)
    {
        if ((await RunAsync("id", cancellationToken, allowFailure: true, "-u", user)).ExitCode != 0)
            await RunAsync("useradd", cancellationToken, allowFailure: true, "--system", "--create-home", "--shell", "/bin/sh", user);
        // A user created elsewhere with nologin cannot run commands over SSH, and sshd (without PAM)
        // refuses accounts whose password is locked ("!"); "*" means no password but not locked.
        await RunAsync("usermod", cancellationToken, "--shell", "/bin/sh", "--password", "*", user);
    }

    private static string Fingerprint(string publicKeyFile)
    {
        var blob = Convert.FromBase64String(File.ReadAllText(publicKeyFile).Split(' ')[1]);
        return "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static Task<(int ExitCode, string Output)> RunAsync(string program, CancellationToken cancellationToken, params string[] arguments) =>
        RunAsync(program, cancellationToken, allowFailure: false, arguments);

    private static async Task<(int ExitCode, string Output)> RunAsync(string program, CancellationToken cancellationToken, bool allowFailure, params string[] arguments)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken) + await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0 && !allowFailure)
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} failed ({process.ExitCode}): {output}");
        return (process.ExitCode, output);
    }
}
