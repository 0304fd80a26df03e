using System;
using System.Collections.Generic;
using TorchLip.Cli.Output;

namespace TorchLip.Cli.Jobs;

/// <summary>
/// The certificate of a 1-Lipschitz scalar field, checked geometrically in the plane: |f(x)| is at most the distance
/// from x to the zero level set. The zero set is estimated from a grid: on every grid edge whose end values change
/// sign, the linearly interpolated crossing point. A true zero lies on the same edge (intermediate values), so the
/// distance to the true zero set is at most the distance to the estimate plus the grid's step, and
/// |f(x)| ≤ dist(x, estimate) + step must hold at every grid point.
/// </summary>
/// <param name="Points">Grid points checked.</param>
/// <param name="Crossings">Points of the zero set's estimate.</param>
/// <param name="Step">The grid's resolution (largest spacing).</param>
/// <param name="Violations">Grid points where |f(x)| exceeds dist(x, estimate) + step.</param>
/// <param name="WorstSlack">The smallest dist(x, estimate) + step − |f(x)| over the grid (negative on a violation).</param>
/// <param name="LargestRatio">The largest |f(x)| / (dist(x, estimate) + step): at most 1 for a 1-Lipschitz field.</param>
public sealed record ZeroLevelCertificate(int Points, int Crossings, double Step, int Violations, double WorstSlack, double LargestRatio)
{
    /// <summary>Checks <paramref name="grid"/>.</summary>
    /// <param name="grid">The field's values on a regular grid.</param>
    public static ZeroLevelCertificate Check(FieldGrid grid)
    {
        ArgumentNullException.ThrowIfNull(grid);
        var crossings = ZeroCrossings(grid);
        double step = grid.Step, worst = double.PositiveInfinity, ratio = 0;
        int violations = 0;
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Columns; c++)
            {
                double x = grid.X(c), y = grid.Y(r), nearest = double.PositiveInfinity;
                foreach (var (px, py) in crossings)
                    nearest = Math.Min(nearest, (px - x) * (px - x) + (py - y) * (py - y));
                double allowed = Math.Sqrt(nearest) + step, value = Math.Abs(grid.Values[r, c]);
                if (value > allowed) violations++;
                worst = Math.Min(worst, allowed - value);
                ratio = Math.Max(ratio, value / allowed);
            }
        return new ZeroLevelCertificate(grid.Rows * grid.Columns, crossings.Count, step, violations, worst, ratio);
    }

    private static List<(double X, double Y)> ZeroCrossings(FieldGrid grid)
    {
        var points = new List<(double, double)>();
        var v = grid.Values;
        for (int r = 0; r < grid.Rows; r++)
            for (int c = 0; c < grid.Columns; c++)
            {
                if (v[r, c] == 0) points.Add((grid.X(c), grid.Y(r)));
                if (c + 1 < grid.Columns && v[r, c] * v[r, c + 1] < 0)
                {
                    double t = v[r, c] / (v[r, c] - v[r, c + 1]);
                    points.Add((grid.X(c) + t * (grid.X(c + 1) - grid.X(c)), grid.Y(r)));
                }
                if (r + 1 < grid.Rows && v[r, c] * v[r + 1, c] < 0)
                {
                    double t = v[r, c] / (v[r, c] - v[r + 1, c]);
                    points.Add((grid.X(c), grid.Y(r) + t * (grid.Y(r + 1) - grid.Y(r))));
                }
            }
        return points;
    }
}
