using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using TorchLip.Modules;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Evaluation
{
    /// <summary>
    /// Certifies any model built of layers with a known bound: a sound upper bound of its L2 Lipschitz constant as the
    /// product of rigorous per-layer bounds, with the table of how each was obtained. It works for a plain TorchSharp
    /// network (<c>nn.Linear</c>, <c>nn.Conv1d/2d</c>, activations, pooling, flatten, dropout, eval-mode batch
    /// normalization, nested <c>nn.Sequential</c>) as for a TorchLip one, so that an unconstrained model gets honest
    /// certificates: usually tiny, because its bound is the product of its layers' norms.
    /// </summary>
    /// <remarks>
    /// Every layer's bound comes from <see cref="LipschitzBounds"/> (one home for every module's bound): a TorchLip layer's
    /// certified constant times its rounding allowance, a plain weight layer's float64 certificate of σ_max (times a
    /// convolution's read-count gain), a fixed map's proven constant. Containers other than <c>nn.Sequential</c> and
    /// <see cref="Modules.Sequential"/> are refused: their forward is arbitrary code (a residual connection, a
    /// concatenation), so the product of their children's bounds does not bound them. A layer with no known bound is an
    /// error naming it, never a silent 1.
    /// </remarks>
    public static class ModelCertification
    {
        /// <summary>
        /// The model's bound and per-layer table. With <paramref name="input_shape"/>, one forward pass of zeros (in eval
        /// mode) records each layer's input size, and convolutions and adaptive pooling are bounded for that size
        /// exactly; without it, for every input size they accept.
        /// </summary>
        /// <param name="model">A sequential model (plain or TorchLip) or a single layer.</param>
        /// <param name="input_shape">One sample's shape, e.g. (1, 28, 28), or null.</param>
        /// <exception cref="NotSupportedException">A layer whose bound is unknown (named, with the reason).</exception>
        /// <exception cref="InvalidOperationException">A batch normalization in train mode, or another layer whose map is not fixed.</exception>
        public static ModelBound Of(nn.Module model, long[]? input_shape = null)
        {
            ArgumentNullException.ThrowIfNull(model);
            foreach (var (name, module) in Modules(model))
                if (module is TorchSharp.Modules.BatchNorm { training: true })
                    throw new InvalidOperationException($"certify_model: layer ({Name(name)}) {module.GetType().Name} is in train mode, where it normalizes each batch by the batch's own statistics, so the map to certify is not fixed. Call model.eval() first: the bound is that of the eval-mode map, which uses the running statistics.");
            using var mode = new EvalModeScope(model);
            Dictionary<nn.Module, long[]> shapes = new();
            if (input_shape is not null)
            {
                if (model is not nn.Module<Tensor, Tensor> tensorModel)
                    throw new ArgumentException($"certify_model: input_shape needs a model taking one tensor; {model.GetName()} does not.", nameof(input_shape));
                shapes = LayerSpectra.InputShapes(tensorModel, Modules(model).ToList(), input_shape);
            }
            var rows = new List<LayerBound>();
            Walk("", model, shapes, rows);
            return new ModelBound(rows, input_shape?.ToArray());
        }

        private static IEnumerable<(string name, nn.Module module)> Modules(nn.Module model) =>
            new[] { ("", model) }.Concat(model.named_modules());

        private static void Walk(string name, nn.Module module, Dictionary<nn.Module, long[]> shapes, List<LayerBound> rows)
        {
            if (module is TorchSharp.Modules.Sequential or TorchLip.Modules.Sequential)
            {
                foreach (var (child, m) in module.named_children()) Walk(name.Length == 0 ? child : name + "." + child, m, shapes, rows);
                return;
            }
            string kind = module.GetType().Name;   // TorchSharp 0.107 names a BatchNorm2d "BatchNorm1d"
            switch (module)
            {
                case LipschitzModule lipschitz:
                {
                    double allowance = LipschitzEvaluation.RoundingAllowance(module);
                    string how = allowance == 1 ? "TorchLip layer: its constant" : FormattableString.Invariant($"TorchLip layer: its certified constant {lipschitz.lipschitz_constant:G6} × rounding allowance (1 + {SpectralCertificate.Tolerance:G2})");
                    rows.Add(Checked(name, kind, lipschitz.lipschitz_constant * allowance, how));
                    return;
                }
                case PadConv pad:
                    rows.Add(Checked(name, kind, pad.lipschitz_bound, "convolution with explicit padding: √(most reads of one sample) × float64 certificate of σ_max(kernel)"));
                    return;
            }
            var explained = PlainModules.Explain(module, shapes.TryGetValue(module, out var shape) ? shape : null);
            if (explained is not var (bound, text))
            {
                string containerHint = module.children().Any()
                    ? " It holds submodules, but its forward is its own code (a residual connection or a concatenation is not the product of its parts); express the model as an nn.Sequential of supported layers."
                    : " Supported: Linear, Conv1d/Conv2d (and transposed), ReLU, ReLU6, LeakyReLU, PReLU, ELU, CELU, GELU, SiLU, Tanh, Sigmoid, Hardtanh, Hardswish, Hardsigmoid, Softplus, Softsign, LogSigmoid, Softmax, MaxPool1d/2d, AvgPool1d/2d, LPPool2d, AdaptiveAvgPool1d/2d, AdaptiveMaxPool1d/2d, Flatten, Unflatten, Identity, Dropout, BatchNorm1d/2d (eval mode), pixel (un)shuffle, ZeroPad2d, nn.Sequential and every TorchLip layer.";
                throw new NotSupportedException($"certify_model: layer ({Name(name)}) {kind} has no known Lipschitz bound, so the model cannot be certified.{containerHint}");
            }
            rows.Add(Checked(name, kind, bound, text));
        }

        private static LayerBound Checked(string name, string kind, double bound, string how)
        {
            if (double.IsNaN(bound) || bound < 0)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"certify_model: layer ({Name(name)}) {kind} has no finite bound ({bound}): its weights are not finite numbers."));
            if (double.IsPositiveInfinity(bound))
                throw new NotSupportedException($"certify_model: layer ({Name(name)}) {kind} cannot be bounded: {how}.");
            return new LayerBound(name, kind, bound, how);
        }

        private static string Name(string name) => name.Length == 0 ? "the model itself" : name;
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// A sound upper bound of any sequential model's L2 Lipschitz constant, plain TorchSharp layers included, with the
        /// per-layer table (name, type, bound, how). See <see cref="Evaluation.ModelCertification.Of"/>.
        /// </summary>
        /// <param name="model">A sequential model (plain or TorchLip) or a single layer.</param>
        /// <param name="input_shape">One sample's shape, e.g. (1, 28, 28): convolutions and adaptive pooling are then
        /// bounded for that size exactly; null: for every size they accept.</param>
        public static Evaluation.ModelBound certify_model(nn.Module model, long[]? input_shape = null) => Evaluation.ModelCertification.Of(model, input_shape);
    }
}
