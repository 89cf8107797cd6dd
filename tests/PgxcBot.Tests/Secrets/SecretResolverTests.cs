using PgxcBot.Secrets;

namespace PgxcBot.Tests.Secrets;

public sealed class SecretResolverTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("pgxcbot-secrets-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [Fact]
    public void Null_reference_resolves_to_null() => Assert.Null(new SecretResolver(_ => "x").Resolve(null));

    [Fact]
    public void Environment_variable_is_read()
    {
        var resolver = new SecretResolver(name => name == "PGXCBOT_DB_PASSWORD" ? "pw" : null);
        Assert.Equal("pw", resolver.Resolve(new SecretReference { Env = "PGXCBOT_DB_PASSWORD" }));
    }

    [Fact]
    public void Missing_environment_variable_is_named()
    {
        var resolver = new SecretResolver(_ => null);
        var e = Assert.Throws<SecretUnavailableException>(() => resolver.Resolve(new SecretReference { Env = "PGXCBOT_DB_PASSWORD" }));
        Assert.Contains("PGXCBOT_DB_PASSWORD", e.Message);
    }

    [Fact]
    public void File_is_read_without_its_trailing_newline()
    {
        var file = Path.Combine(directory, "db.password");
        File.WriteAllText(file, "p@ss word\n");
        Assert.Equal("p@ss word", new SecretResolver(_ => null).Resolve(new SecretReference { File = file }));
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var file = Path.Combine(directory, "absent");
        var e = Assert.Throws<SecretUnavailableException>(() => new SecretResolver(_ => null).Resolve(new SecretReference { File = file }));
        Assert.Contains(file, e.Message);
    }

    [Fact]
    public void Empty_file_is_an_error_naming_the_file()
    {
        var file = Path.Combine(directory, "empty");
        File.WriteAllText(file, "\n");
        var e = Assert.Throws<SecretUnavailableException>(() => new SecretResolver(_ => null).Resolve(new SecretReference { File = file }));
        Assert.Contains("empty", e.Message);
    }

    [Fact]
    public void Unreadable_file_is_named_and_its_content_is_not_shown()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName == "root") return; // root reads anything
        var file = Path.Combine(directory, "locked");
        File.WriteAllText(file, "topsecret");
        File.SetUnixFileMode(file, UnixFileMode.None);
        var e = Assert.Throws<SecretUnavailableException>(() => new SecretResolver(_ => null).Resolve(new SecretReference { File = file }));
        Assert.Contains(file, e.Message);
        Assert.DoesNotContain("topsecret", e.Message);
    }
}
