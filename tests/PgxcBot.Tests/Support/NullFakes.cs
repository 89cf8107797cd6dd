using PgxcBot.Core.Operations;
using PgxcBot.Core.Topology;

namespace PgxcBot.Tests.Support;

/// <summary>A pair sink that does nothing after a successful operation (tests that do not look at pair states).
/// For operation events that go nowhere, use <see cref="NoOperationObserver.Instance"/>.</summary>
public sealed class NullPairOperationSink : IPairOperationSink
{
    /// <summary>The one instance (it keeps no state).</summary>
    public static readonly NullPairOperationSink Instance = new();

    /// <inheritdoc />
    public Task OperationSucceededAsync(Operation operation, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>Resolves every secret reference to nothing: for labs whose servers need no password (trust auth).
/// Linked into the integration tests and the benchmarks.</summary>
public sealed class NullSecrets : ISecretResolver
{
    /// <summary>The one instance (it keeps no state).</summary>
    public static readonly NullSecrets Instance = new();

    /// <inheritdoc />
    public string? Resolve(SecretReference? reference) => null;
}

/// <summary>The approval policies the unit tests build their operation services with.</summary>
public static class TestApprovals
{
    /// <summary>Requesters and approvers by chat role (no user is named), no self-approval, 10 minutes to approve,
    /// the default kinds needing approval. <paramref name="approverRoles"/> defaults to the requester roles.</summary>
    public static ApprovalPolicy ByRoles(IEnumerable<string> requesterRoles, IEnumerable<string>? approverRoles = null)
    {
        var requesters = requesterRoles.ToHashSet();
        return new ApprovalPolicy(new HashSet<string>(), requesters, new HashSet<string>(), approverRoles?.ToHashSet() ?? requesters,
            AllowSelfApproval: false, TimeSpan.FromMinutes(10), ApprovalPolicy.DefaultKindsNeedingApproval);
    }

    /// <summary><see cref="ByRoles"/> with one role that both requests and approves.</summary>
    public static ApprovalPolicy ByRole(string role) => ByRoles([role]);
}
