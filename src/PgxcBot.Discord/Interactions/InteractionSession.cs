using System.Text.Json.Nodes;
using PgxcBot.Discord.Rest;

namespace PgxcBot.Discord.Interactions;

/// <summary>Where an interaction's answer goes: a new message (slash command), or the message whose button was
/// clicked (approve, cancel, resume: the plan message itself shows the decision and the progress).</summary>
public enum AnswerTarget { NewMessage, SourceMessage }

/// <summary>
/// The answers to one interaction, in order: the first one within Discord's 3 seconds (the message itself when
/// it is ready, otherwise a deferral), then edits of the same message. Serialised, so a progress event and
/// the deadline's deferral never race. A refusal goes to the asker only (ephemeral).
/// </summary>
/// <param name="firstAnswered">Called once the first answer was sent, or failed (then nothing can follow it either).</param>
internal sealed class InteractionSession(Interaction interaction, AnswerTarget target, DiscordApi api, Action? firstAnswered = null)
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private bool _responded;

    public AnswerTarget Target => target;

    /// <summary>Whether the first answer was given.</summary>
    public bool Responded => _responded;

    /// <summary>Sends the first answer (with the files its message carries); whatever happens, the interaction no longer waits for one.</summary>
    private async Task FirstAsync(JsonObject response, CancellationToken cancellationToken, IReadOnlyList<Rendering.DiscordAttachment>? files = null)
    {
        try
        {
            await api.CreateInteractionResponseAsync(interaction.Id, interaction.Token, response, cancellationToken, files).ConfigureAwait(false);
            _responded = true;
        }
        finally
        {
            firstAnswered?.Invoke();
        }
    }

    /// <summary>Shows <paramref name="message"/> to everyone in the channel: the first answer, or an edit of it.</summary>
    public Task ShowAsync(JsonObject message, CancellationToken cancellationToken) =>
        ShowAsync(new Rendering.RenderedMessage(message, []), cancellationToken);

    /// <summary>Shows a message and its files (the whole plan when it does not fit an embed).</summary>
    public async Task ShowAsync(Rendering.RenderedMessage rendered, CancellationToken cancellationToken)
    {
        var message = rendered.Payload;
        var files = rendered.Files.Count == 0 ? null : rendered.Files;
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_responded)
            {
                var type = target == AnswerTarget.NewMessage ? 4 : 7; // CHANNEL_MESSAGE_WITH_SOURCE | UPDATE_MESSAGE
                await FirstAsync(new JsonObject { ["type"] = type, ["data"] = message }, cancellationToken, files).ConfigureAwait(false);
            }
            else
            {
                await api.EditOriginalAsync(interaction.ApplicationId, interaction.Token, message, cancellationToken, files).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>At the deadline: tells Discord the answer is coming (no-op when something was already sent).</summary>
    public async Task DeferAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_responded) return;
            var type = target == AnswerTarget.NewMessage ? 5 : 6; // DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE | DEFERRED_UPDATE_MESSAGE
            await FirstAsync(new JsonObject { ["type"] = type }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Tells only the asker (ephemeral) why not. After a deferral of a new message the loading message
    /// becomes the refusal, since it is already visible; after a button deferral it is an ephemeral follow-up.</summary>
    public async Task RefuseAsync(JsonObject ephemeralMessage, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!_responded)
            {
                await FirstAsync(new JsonObject { ["type"] = 4, ["data"] = ephemeralMessage }, cancellationToken).ConfigureAwait(false);
            }
            else if (target == AnswerTarget.NewMessage)
            {
                var visible = (JsonObject)ephemeralMessage.DeepClone();
                visible.Remove("flags");
                await api.EditOriginalAsync(interaction.ApplicationId, interaction.Token, visible, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await api.CreateFollowupAsync(interaction.ApplicationId, interaction.Token, ephemeralMessage, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>An answer that needs no deferral logic (autocomplete).</summary>
    public Task RespondRawAsync(JsonObject response, CancellationToken cancellationToken) => FirstAsync(response, cancellationToken);
}
