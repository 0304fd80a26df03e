using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>
/// Projected gradient ascent on the Lipschitz ratio ‖f(x) − f(y)‖ / ‖x − y‖ (or its largest output coordinate) over
/// pairs of inputs in a ball, in float64: the adversary of the soundness tests.
/// </summary>
public static class AdversarialAscent
{
    /// <summary>The largest ratio seen over every pair and every step.</summary>
    /// <param name="f">The map, float64 in and out, (N, inputs) → (N, outputs).</param>
    /// <param name="inputs">Input size.</param>
    /// <param name="radius">Radius of the ball the pairs live in (the training inputs' scale).</param>
    /// <param name="seed">Seed of the starting pairs.</param>
    /// <param name="perOutput">Ascend on max_i |f_i(x) − f_i(y)| / ‖x − y‖ instead of the whole difference.</param>
    /// <param name="pairs">Pairs ascended together.</param>
    /// <param name="steps">Ascent steps.</param>
    public static double MaxRatio(Func<Tensor, Tensor> f, long inputs, double radius, long seed, bool perOutput = false, int pairs = 16, int steps = 60)
    {
        using var scope = torch.NewDisposeScope();
        using var generator = new Generator((ulong)seed);
        var x0 = torch.randn(pairs, inputs, dtype: ScalarType.Float64, generator: generator) * (radius / Math.Sqrt(inputs));
        // Half the pairs start close (the local slope), half far apart (the global one).
        var gap = torch.randn(pairs, inputs, dtype: ScalarType.Float64, generator: generator) * (radius / Math.Sqrt(inputs));
        gap[..(pairs / 2)].mul_(1e-3);
        var x = nn.Parameter(x0.clone());
        var y = nn.Parameter(x0 + gap);
        using var optimizer = torchlip.Adam(new[] { x, y }, lr: 0.02 * radius);
        double best = 0;
        for (int step = 0; step <= steps; step++)
        {
            using var inner = torch.NewDisposeScope();
            var ratio = Ratio(f, x, y, perOutput);
            best = Math.Max(best, ratio.max().item<double>());
            if (step == steps) break;
            optimizer.zero_grad();
            (-(ratio + 1e-300).log().sum()).backward();
            optimizer.step();
            using (torch.no_grad())
            {
                Project(x, radius);
                Project(y, radius);
                // Keep the pairs apart: a pair that met would give 0/0.
                var apart = (x - y).norm(1, true, 2.0f);
                var tooClose = apart.lt(1e-9 * radius).to_type(ScalarType.Float64);
                y.add_(tooClose * 1e-6 * radius);
            }
        }
        return best;
    }

    private static Tensor Ratio(Func<Tensor, Tensor> f, Tensor x, Tensor y, bool perOutput)
    {
        long n = x.size(0);
        var outputs = f(torch.cat(new[] { x, y })).reshape(2 * n, -1);
        var difference = outputs[..(int)n] - outputs[(int)n..];
        var numerator = perOutput ? difference.abs().max(1).values : difference.norm(1, false, 2.0f);
        return numerator / (x - y).norm(1, false, 2.0f);
    }

    private static void Project(Tensor points, double radius)
    {
        var norms = points.norm(1, true, 2.0f);
        points.mul_(torch.where(norms > radius, radius / norms, torch.ones_like(norms)));
    }
}
