using System;
using TorchLip.Cli.Jobs;
using TorchLip.Cli.Output;
using Xunit;

namespace TorchLip.Tests.Cli;

/// <summary>The geometric check accepts 1-Lipschitz fields and catches ones that are not.</summary>
public class ZeroLevelCertificateTests
{
    private static FieldGrid Grid(Func<double, double, double> f, int n = 60)
    {
        var grid = new FieldGrid(-2, 2, -1, 3, new double[n, n]);
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                grid.Values[r, c] = f(grid.X(c), grid.Y(r));
        return grid;
    }

    [Fact]
    public void ASignedDistanceHoldsWithRatioNearOne()
    {
        // f = distance to the circle of radius 1 around (0, 1), signed: exactly 1-Lipschitz.
        var check = ZeroLevelCertificate.Check(Grid((x, y) => Math.Sqrt(x * x + (y - 1) * (y - 1)) - 1));
        Assert.Equal(0, check.Violations);
        Assert.InRange(check.LargestRatio, 0.9, 1.0);
        Assert.True(check.Crossings > 20);
    }

    [Fact]
    public void AFieldSteeperThanOneIsCaught()
    {
        var check = ZeroLevelCertificate.Check(Grid((x, y) => 1.5 * (x - 0.3)));
        Assert.True(check.Violations > 0);
        Assert.True(check.LargestRatio > 1);
        Assert.True(check.WorstSlack < 0);
    }
}
