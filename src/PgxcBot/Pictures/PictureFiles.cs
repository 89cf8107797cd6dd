using PgxcBot.Core.Messages;

namespace PgxcBot.Pictures;

/// <summary>Writes a message's pictures as PNG files for a terminal, which cannot show them: the console prints their path.</summary>
public static class PictureFiles
{
    /// <summary>Where the console puts pictures: <c>$TMPDIR/pgxcbot-pictures</c> (created when missing).</summary>
    public static string DefaultDirectory => Path.Combine(Path.GetTempPath(), "pgxcbot-pictures");

    /// <summary>Writes each image of <paramref name="message"/> into <paramref name="directory"/>; returns one line per file
    /// ("Picture: /tmp/pgxcbot-pictures/lag-datanode1-....png (1000×560): what it shows").</summary>
    /// <exception cref="IOException">The directory or a file cannot be written.</exception>
    public static async Task<IReadOnlyList<string>> SaveAsync(ChatMessage message, string directory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.Images.Count == 0) return [];
        Directory.CreateDirectory(directory);
        var lines = new List<string>();
        foreach (var image in message.Images)
        {
            // The name is ours (kind, datanode, time); GetFileName keeps it inside the directory whatever it holds.
            var path = Path.GetFullPath(Path.Combine(directory, Path.GetFileName(image.FileName)));
            await File.WriteAllBytesAsync(path, image.Png, cancellationToken).ConfigureAwait(false);
            lines.Add($"Picture: {path} ({image.Width}x{image.Height}): {image.Description}");
        }
        return lines;
    }

    /// <summary>Writes the first image of <paramref name="message"/> to <paramref name="file"/> (the CLI's --png FILE).</summary>
    /// <exception cref="InvalidOperationException">The message has no picture.</exception>
    public static async Task<string> SaveFirstAsync(ChatMessage message, string file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var image = message.Images.FirstOrDefault() ?? throw new InvalidOperationException("there is no picture to write");
        var path = Path.GetFullPath(file);
        var folder = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(folder)) Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(path, image.Png, cancellationToken).ConfigureAwait(false);
        return $"Picture: {path} ({image.Width}x{image.Height}): {image.Description}";
    }
}
