using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Tests.Support;

/// <summary>Empirical Lipschitz measurements used by the property tests.</summary>
public static class Lipschitz
{
    /// <summary>max over i of ‖f(x_i) − f(y_i)‖ / ‖x_i − y_i‖, with all 2N points evaluated in ONE forward.</summary>
    public static double MaxPairRatio(Func<Tensor, Tensor> f, Tensor x, Tensor y)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        long n = x.shape[0];
        var outputs = f(cat(new[] { x, y })).reshape(2 * n, -1);
        var num = (outputs[..(int)n] - outputs[(int)n..]).norm(1, false, 2.0f);
        var den = (x - y).reshape(n, -1).norm(1, false, 2.0f);
        return (num / den).max().to_type(ScalarType.Float64).item<double>();
    }

    /// <summary>Spectral norm of the Jacobian of f at a single point x (shape (1, ...)), in float64.</summary>
    public static double JacobianNorm(Func<Tensor, Tensor> f, Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = x.detach().clone().requires_grad_(true);
        var output = f(input).reshape(-1);
        var rows = new Tensor[output.shape[0]];
        for (int i = 0; i < rows.Length; i++)
        {
            var grad = torch.autograd.grad(new[] { output[i] }, new[] { input }, retain_graph: true)[0];
            rows[i] = grad.reshape(-1);
        }
        return linalg.matrix_norm(stack(rows).to_type(ScalarType.Float64), 2).item<double>();
    }
}
