namespace PgxcBot.Core.Gtm;

/// <summary>The outcome of <see cref="IGtmClient.ListNodesAsync"/>.</summary>
/// <param name="Status"><see cref="GtmCallStatus.Ok"/> when <paramref name="Nodes"/> is the GTM's list.</param>
/// <param name="Nodes">Every registration the GTM holds, in the GTM's order; empty unless Ok.</param>
/// <param name="Elapsed">Wall time of the whole exchange.</param>
/// <param name="Error">Why it failed, in one sentence; null when Ok.</param>
public sealed record GtmNodeListResult(
    GtmCallStatus Status, IReadOnlyList<GtmNodeRegistration> Nodes, TimeSpan Elapsed, string? Error)
{
    /// <summary>True when the list came back.</summary>
    public bool IsOk => Status == GtmCallStatus.Ok;

    /// <summary>The registration of <paramref name="name"/> as <paramref name="type"/>, or null. Names compare
    /// exactly, as the GTM compares them (strcmp in register_common.c, pgxcnode_find_info).</summary>
    public GtmNodeRegistration? Find(GtmNodeType type, string name) =>
        Nodes.FirstOrDefault(n => n.Type == type && string.Equals(n.Name, name, StringComparison.Ordinal));
}
