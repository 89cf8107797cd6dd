namespace PgxcBot.Tests.Support;

/// <summary>The people of the unit tests' chats, as <see cref="TestApprovals.ByRole"/>("dba") sees them: Alice
/// and Bob are DBAs (each may request and approve, never their own request); Mallory is listed nowhere.</summary>
public static class TestActors
{
    public static readonly Actor Alice = new("alice", "alice", ["dba"]);
    public static readonly Actor Bob = new("bob", "bob", ["dba"]);
    public static readonly Actor Mallory = new("mallory", "mallory", ["guest"]);
}
