using System;
using System.Linq;
using TorchLip.Modules;
using static TorchSharp.torch;

namespace TorchLip.Training.Metrics;

/// <summary>What an <see cref="IEvaluationMetric"/> learns about the evaluation: the model and its Lipschitz bounds.</summary>
public sealed class EvaluationContext
{
    /// <summary>
    /// The rounding allowance of each constrained layer, as the library's certificates apply it: a layer claiming k is
    /// certified for σ_max ≤ k·(1 + 1e-5) (<c>SpectralCertificate.Tolerance</c>, internal to the library).
    /// </summary>
    public const double RoundingAllowance = 1e-5;

    private readonly Lazy<(double Map, double Output)> _bounds;

    /// <summary>Creates the context of an evaluation of <paramref name="model"/>.</summary>
    /// <param name="model">The model evaluated.</param>
    public EvaluationContext(nn.Module<Tensor, Tensor> model)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        _bounds = new Lazy<(double, double)>(() => BoundsOf(model));
    }

    /// <summary>The model evaluated (in eval mode, without gradient, while the evaluation runs).</summary>
    public nn.Module<Tensor, Tensor> Model { get; }

    /// <summary>A true L2 bound of the whole map, rounding allowance included (computed on first use).</summary>
    /// <exception cref="InvalidOperationException">The model is not a TorchLip model, or has no finite bound.</exception>
    public double LipschitzBound => _bounds.Value.Map;

    /// <summary>A true L2 bound of each output, rounding allowance included.</summary>
    /// <exception cref="InvalidOperationException">The model is not a TorchLip model, or has no finite bound.</exception>
    public double OutputLipschitzBound => _bounds.Value.Output;

    // The rule of torchlip's certificates (Certificates.Bounds): the model's claimed bounds times (1 + allowance) per
    // constrained layer. tests/.../Training/EvaluationMetricTests checks the result against provable_robust_accuracy.
    private static (double, double) BoundsOf(nn.Module<Tensor, Tensor> model)
    {
        if (model is not LipschitzModule lipschitz)
            throw new InvalidOperationException($"EvaluationContext: {model.GetName()} is not a TorchLip model, so its Lipschitz bound is unknown and certificates cannot be computed; evaluate the TorchLip model itself.");
        double map = lipschitz.lipschitz_constant, output = lipschitz.output_lipschitz_constant;
        if (!double.IsFinite(map) && !double.IsFinite(output))
            throw new InvalidOperationException("EvaluationContext: the model has no finite Lipschitz bound (a layer that is not a Lipschitz layer breaks every certificate).");
        int constrained = (model is ConstrainedModule ? 1 : 0) + model.named_modules().Count(c => c.module is ConstrainedModule);
        double allowance = Math.Pow(1 + RoundingAllowance, constrained);
        // The map's bound is the library's own certified upper bound (the same product and allowance).
        return (torchlip.lipschitz_upper_bound(model), output * allowance);
    }
}
