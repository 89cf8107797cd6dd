using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PgxcBot.Tests.Secrets;

namespace PgxcBot.Tests.Deploy;

/// <summary>The files in deploy/ work as written: the image can start the app, the unit is valid systemd.</summary>
public partial class DeployFilesTests
{
    private static string Deploy(string file) => Path.Combine(TestConfigs.RepoConfigDirectory(), "..", "deploy", file);

    /// <summary>The shared frameworks each .NET image provides (Microsoft's image families).</summary>
    private static readonly Dictionary<string, string[]> ImageFrameworks = new()
    {
        ["runtime-deps"] = [],
        ["runtime"] = ["Microsoft.NETCore.App"],
        ["aspnet"] = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
        ["sdk"] = ["Microsoft.NETCore.App", "Microsoft.AspNetCore.App"],
    };

    [GeneratedRegex(@"^FROM\s+mcr\.microsoft\.com/dotnet/(?<family>[a-z-]+):(?<tag>[0-9.]+)", RegexOptions.Multiline)]
    private static partial Regex DotnetFrom();

    [Fact]
    public void The_final_image_provides_every_framework_in_the_apps_runtimeconfig()
    {
        var dockerfile = File.ReadAllText(Deploy("Dockerfile"));
        var final = DotnetFrom().Matches(dockerfile).Last(); // the last stage is the image that runs
        var family = final.Groups["family"].Value;
        var tag = final.Groups["tag"].Value;

        var runtimeConfig = Path.ChangeExtension(typeof(CliApp).Assembly.Location, ".runtimeconfig.json");
        using var json = JsonDocument.Parse(File.ReadAllText(runtimeConfig));
        var options = json.RootElement.GetProperty("runtimeOptions");
        var frameworks = options.TryGetProperty("frameworks", out var list)
            ? list.EnumerateArray().ToArray()
            : [options.GetProperty("framework")];

        Assert.Contains(frameworks, f => f.GetProperty("name").GetString() == "Microsoft.AspNetCore.App"); // what the old runtime image lacked
        foreach (var framework in frameworks)
        {
            var name = framework.GetProperty("name").GetString()!;
            var version = framework.GetProperty("version").GetString()!;
            Assert.True(ImageFrameworks[family].Contains(name), $"the final image dotnet/{family}:{tag} does not provide {name}; use dotnet/aspnet");
            Assert.StartsWith(tag + ".", version + "."); // 10.0 image for a 10.0.x framework
        }
    }

    [SkippableFact]
    public async Task The_systemd_unit_passes_systemd_analyze_verify()
    {
        const string tool = "/usr/bin/systemd-analyze";
        Skip.IfNot(File.Exists(tool), $"{tool} is not installed here (Debian: apt-get install systemd); the unit is verified where it is.");
        if (OperatingSystem.IsWindows()) return;
        // The unit as written, except that its binary points at a stub: verify checks that ExecStart is
        // executable, and the app is not installed in /opt/pgxcbot on a test machine.
        var folder = Directory.CreateTempSubdirectory("pgxcbot-unit-").FullName;
        try
        {
            var stub = Path.Combine(folder, "pgxcbot");
            await File.WriteAllTextAsync(stub, "#!/bin/sh\nexit 0\n");
            File.SetUnixFileMode(stub, (UnixFileMode)0b111_101_101);
            var unit = Path.Combine(folder, "pgxcbot.service");
            await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(Deploy("pgxcbot.service"))).Replace("/opt/pgxcbot/pgxcbot", stub, StringComparison.Ordinal));

            var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in new[] { "verify", unit }) start.ArgumentList.Add(a);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();

            Assert.True(process.ExitCode == 0, output);
            // verify only warns (exit 0) about unknown keys and bad values: any line about our unit is a mistake.
            Assert.DoesNotContain(output.Split('\n'), line => line.Contains("pgxcbot.service", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void The_unit_keeps_the_store_in_its_state_directory_and_the_config_read_only()
    {
        var unit = File.ReadAllText(Deploy("pgxcbot.service"));
        Assert.Contains("StateDirectory=pgxcbot\n", unit);
        Assert.Contains("ReadOnlyPaths=/etc/pgxcbot\n", unit);
        Assert.Contains("EnvironmentFile=/etc/pgxcbot/pgxcbot.env\n", unit);
        Assert.Contains("ExecStartPre=/opt/pgxcbot/pgxcbot check-config --config /etc/pgxcbot/pgxcbot.json\n", unit);
    }
}
