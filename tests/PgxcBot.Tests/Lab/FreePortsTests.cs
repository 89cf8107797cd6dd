using PgxcBot.Lab.Pairs;

namespace PgxcBot.Tests.Lab;

public sealed class FreePortsTests
{
    [Fact]
    public void Ports_handed_out_but_not_yet_bound_are_not_handed_out_again()
    {
        // None of these is bound: the kernel is free to offer any of them again, as it did in CI (an XL standby's
        // pooler port given to another server).
        var ports = Enumerable.Range(0, 1000).Select(_ => FreePorts.Pick()).ToArray();

        Assert.Equal(ports.Length, ports.Distinct().Count());
        Assert.All(ports, p => Assert.InRange(p, 1024, 65535));
    }
}
