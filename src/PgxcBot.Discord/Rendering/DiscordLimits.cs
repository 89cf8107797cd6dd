namespace PgxcBot.Discord.Rendering;

/// <summary>Discord's message limits; breaking one gets the whole message refused (400), so we truncate first.</summary>
public static class DiscordLimits
{
    public const int Content = 2000;
    public const int EmbedTitle = 256;
    public const int EmbedDescription = 4096;
    public const int EmbedFields = 25;
    public const int FieldName = 256;
    public const int FieldValue = 1024;
    public const int FooterText = 2048;
    public const int EmbedTotal = 6000;
    public const int ActionRows = 5;
    public const int ButtonsPerRow = 5;
    public const int ButtonLabel = 80;
    public const int AutocompleteChoices = 25;
    /// <summary>Files per message (Discord's "Uploading Files").</summary>
    public const int Attachments = 10;
    /// <summary>An attachment's description (alt text).</summary>
    public const int AttachmentDescription = 1024;
}
