
namespace PgxcBot.Benchmarks;

/// <summary>The two people of the benchmarks that go through approval, as in the lab: alice requests, bob approves
/// (a second person, as the approval policy demands).</summary>
internal static class Approvers
{
    public static readonly Actor Alice = Actor.Console("alice");
    public static readonly Actor Bob = Actor.Console("bob");
}
