using System;
using System.Linq;
using TorchSharp;
using static TorchSharp.torch;
using TorchLip.Internal;
using TorchLip.Modules;
using TorchLip.Normalizers;

namespace TorchLip.Evaluation
{
    /// <summary>
    /// Certified robustness radii of Lipschitz classifiers: for each sample x, an L2 radius r(x) such that no input
    /// within distance r(x) of x changes the predicted class (a provable lower bound of the distance to the decision
    /// boundary, not an estimate).
    /// </summary>
    /// <remarks>
    /// <para>
    /// The bound used is the model's own claim: for a TorchLip model, its <see cref="LipschitzModule.lipschitz_constant"/>
    /// (map) and <see cref="LipschitzModule.output_lipschitz_constant"/> (each output), times (1 + 1e-5) per constrained
    /// layer, the rounding allowance every TorchLip layer certifies its weight to. A plain module (an export, or a model of
    /// your own) needs its bound passed explicitly, since nothing else can vouch for it: certificates computed with the
    /// bound of an unconstrained model are meaningless (deel-torchlip issue "How to compare lipschitz and vanilla trained
    /// models?").
    /// </para>
    /// <para>
    /// The radius is that of the network in exact arithmetic with the weights it applies. The float32 evaluation of f(x)
    /// itself carries an absolute error of order 1e-6 relative to the activations' size, so radii below about 1e-5 certify
    /// nothing in practice. Inputs are (N, ...); the model runs in eval mode without gradient, and every submodule gets its
    /// previous mode back.
    /// </para>
    /// </remarks>
    public static class Certificates
    {
        /// <summary>
        /// Binary classifier f with one output (shape (N) or (N, 1)), class sign(f(x)):
        /// r(x) = |f(x)| / L, with L the bound of the output.
        /// </summary>
        /// <param name="model">The classifier: a TorchLip model, or any module when <paramref name="lipschitz_constant"/> is given.</param>
        /// <param name="x">Samples, shape (N, ...), floating point.</param>
        /// <param name="lipschitz_constant">A true L2 Lipschitz bound of the output; required for a module that is not a TorchLip model.</param>
        /// <returns>The radii, float64, shape (N), on the outputs' device.</returns>
        public static Tensor Binary(nn.Module<Tensor, Tensor> model, Tensor x, double? lipschitz_constant = null)
        {
            const string who = "binary_certificates";
            var bounds = Bounds(model, lipschitz_constant, lipschitz_constant, who);
            using var scope = torch.NewDisposeScope();
            var f = Outputs(model, x, who);
            if (f.dim() != 1)
                throw new ArgumentException($"{who}: a binary classifier has one output, shape (N) or (N, 1); got (N, {f.shape[1]}) (use multiclass_certificates for C outputs).", nameof(model));
            return BinaryRadii(f, bounds).MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Multiclass classifier f with C ≥ 2 outputs (shape (N, C)), class argmax f(x): r(x) = (f_top1 − f_top2) / c,
        /// with c = min(2·L_out, √2·L): the margin f_i − f_j moves at most twice as fast as one output (each output is
        /// L_out-Lipschitz), and at most √2 times as fast as the whole map (L-Lipschitz). A last layer with disjoint
        /// neurons (<c>FrobeniusLinear</c>) bounds its outputs separately, so c = 2·L_out; an orthogonal one gives √2·L.
        /// </summary>
        /// <param name="model">The classifier: a TorchLip model, or any module when <paramref name="lipschitz_constant"/> is given.</param>
        /// <param name="x">Samples, shape (N, ...), floating point.</param>
        /// <param name="lipschitz_constant">A true L2 bound of the whole map; required for a module that is not a TorchLip model.</param>
        /// <param name="output_lipschitz_constant">A true bound of each output; defaults to <paramref name="lipschitz_constant"/>.</param>
        /// <returns>The radii, float64, shape (N), on the outputs' device.</returns>
        public static Tensor Multiclass(nn.Module<Tensor, Tensor> model, Tensor x, double? lipschitz_constant = null,
            double? output_lipschitz_constant = null)
        {
            const string who = "multiclass_certificates";
            var bounds = Bounds(model, lipschitz_constant, output_lipschitz_constant, who);
            using var scope = torch.NewDisposeScope();
            var f = Outputs(model, x, who);
            if (f.dim() != 2)
                throw new ArgumentException($"{who}: a multiclass classifier has outputs of shape (N, C), C ≥ 2; got one output (use binary_certificates).", nameof(model));
            return MulticlassRadii(f, bounds).radius.MoveToOuterDisposeScope();
        }

        /// <summary>
        /// Provable robust accuracy at L2 radius ε: the share of samples classified correctly whose certificate exceeds ε
        /// (at ε = 0, the accuracy, ties excepted). A model with one output is a binary classifier: a label y &gt; 0 is class
        /// +1, any other class −1 (±1 or 1/0 labels). With C ≥ 2 outputs, <paramref name="y"/> holds class indices (N) or
        /// one-hot rows (N, C).
        /// </summary>
        /// <param name="model">The classifier (see <see cref="Binary"/> and <see cref="Multiclass"/>).</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="y">Labels, see above.</param>
        /// <param name="epsilon">The radius ε ≥ 0.</param>
        /// <param name="lipschitz_constant">A true bound of the map; required for a module that is not a TorchLip model.</param>
        /// <param name="output_lipschitz_constant">A true bound of each output (multiclass only).</param>
        public static double ProvableRobustAccuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, double epsilon,
            double? lipschitz_constant = null, double? output_lipschitz_constant = null)
        {
            const string who = "provable_robust_accuracy";
            ArgumentNullException.ThrowIfNull(y);
            ArgumentChecks.NonNegativeFinite(epsilon, nameof(epsilon));
            var bounds = Bounds(model, lipschitz_constant, output_lipschitz_constant, who);
            using var scope = torch.NewDisposeScope();
            var f = Outputs(model, x, who);
            long n = f.shape[0];
            Tensor correct, radius;
            if (f.dim() == 1)
            {
                var zero = ScalarCache.Of(0.0);
                correct = f.gt(zero).eq(Labels(y, n, who).to(f.device).gt(zero)) & f.ne(zero);
                radius = BinaryRadii(f, bounds);
            }
            else
            {
                var classes = y.dim() == 2 && y.shape[0] == n && y.shape[1] == f.shape[1] ? y.argmax(1) : Labels(y, n, who);
                var (top1, margin) = MulticlassRadii(f, bounds);
                correct = top1.eq(classes.to(f.device).to_type(ScalarType.Int64));
                radius = margin;
            }
            using var eps = epsilon.ToScalar();
            return (correct & radius.gt(eps)).to_type(ScalarType.Float64).mean().item<double>();
        }

        private static Tensor BinaryRadii(Tensor f, (double map, double output) bounds)
        {
            using var bound = bounds.output.ToScalar();
            return f.abs().div(bound);
        }

        private static (Tensor top1, Tensor radius) MulticlassRadii(Tensor f, (double map, double output) bounds)
        {
            var (values, indices) = f.topk(2, dim: 1);
            using var speed = Math.Min(2 * bounds.output, Math.Sqrt(2) * bounds.map).ToScalar();
            return (indices[TensorIndex.Colon, 0], (values[TensorIndex.Colon, 0] - values[TensorIndex.Colon, 1]).div(speed));
        }

        /// <summary>The model's outputs in eval mode, float64: (N) for one output, (N, C) for C ≥ 2.</summary>
        private static Tensor Outputs(nn.Module<Tensor, Tensor> model, Tensor x, string who)
        {
            CheckSamples(x, who);
            Tensor f;
            using (new EvalModeScope(model)) f = model.call(x);
            long n = x.shape[0];
            if (f.dim() == 1 && f.shape[0] == n || f.dim() == 2 && f.shape[0] == n && f.shape[1] == 1)
                return f.reshape(n).to_type(ScalarType.Float64);
            if (f.dim() == 2 && f.shape[0] == n)
                return f.to_type(ScalarType.Float64);
            throw new ArgumentException($"{who}: a classifier's output must be (N), (N, 1) or (N, C) for N = {n} samples, got {ArgumentChecks.Shape(f)}.", nameof(model));
        }

        private static void CheckSamples(Tensor x, string who)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentChecks.FloatingPoint(x, nameof(x), who);
            if (x.dim() < 1 || x.shape[0] < 1)
                throw new ArgumentException($"{who}: x must hold at least one sample along dimension 0, got shape {ArgumentChecks.Shape(x)}.", nameof(x));
        }

        private static Tensor Labels(Tensor y, long n, string who)
        {
            if (y.dim() == 0 || y.numel() != n)
                throw new ArgumentException($"{who}: y must hold one label per sample ({n}), got shape {ArgumentChecks.Shape(y)}.", nameof(y));
            return y.reshape(n);
        }

        /// <summary>The map's and each output's bound, with the rounding allowance of every constrained layer.</summary>
        private static (double map, double output) Bounds(nn.Module<Tensor, Tensor> model, double? map, double? output, string who)
        {
            ArgumentNullException.ThrowIfNull(model);
            if (map is { } m) ArgumentChecks.PositiveFinite(m, "lipschitz_constant");
            if (output is { } o) ArgumentChecks.PositiveFinite(o, "output_lipschitz_constant");
            if (map is not null) return (map.Value, Math.Min(output ?? map.Value, map.Value));
            if (model is not LipschitzModule lipschitz)
                throw new ArgumentException($"{who}: {model.GetName()} is not a TorchLip model, so its Lipschitz bound is unknown; certify the TorchLip model itself, or pass lipschitz_constant (a true bound, e.g. the TorchLip model's, for its vanilla_export()).", nameof(model));
            double mapBound = lipschitz.lipschitz_constant, outputBound = lipschitz.output_lipschitz_constant;
            if (!double.IsFinite(mapBound) && !double.IsFinite(outputBound))
                throw new ArgumentException($"{who}: the model has no finite Lipschitz bound ({Describe(model)}); a layer that is not a Lipschitz layer breaks every certificate. Replace it by a TorchLip layer.", nameof(model));
            double allowance = LipschitzEvaluation.RoundingAllowance(model);
            return (mapBound * allowance, outputBound * allowance);
        }

        private static string Describe(nn.Module model) =>
            "unbounded: " + string.Join(", ", model.named_children()
                .Where(c => !double.IsFinite(LipschitzBounds.Map(c.module)))
                .Select(c => $"({c.name}) {c.module.GetName()}"));
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>Certified L2 radii of a binary classifier: |f(x)| / L. See <see cref="Evaluation.Certificates.Binary"/>.</summary>
        /// <param name="model">The classifier (one output).</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="lipschitz_constant">A true bound, required for a module that is not a TorchLip model.</param>
        public static Tensor binary_certificates(nn.Module<Tensor, Tensor> model, Tensor x, double? lipschitz_constant = null)
            => Evaluation.Certificates.Binary(model, x, lipschitz_constant);

        /// <summary>Certified L2 radii of a multiclass classifier: (top1 − top2) / min(2·L_out, √2·L). See <see cref="Evaluation.Certificates.Multiclass"/>.</summary>
        /// <param name="model">The classifier (C ≥ 2 outputs).</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="lipschitz_constant">A true bound of the map, required for a module that is not a TorchLip model.</param>
        /// <param name="output_lipschitz_constant">A true bound of each output.</param>
        public static Tensor multiclass_certificates(nn.Module<Tensor, Tensor> model, Tensor x, double? lipschitz_constant = null,
            double? output_lipschitz_constant = null)
            => Evaluation.Certificates.Multiclass(model, x, lipschitz_constant, output_lipschitz_constant);

        /// <summary>Share of samples classified correctly with a certificate above ε. See <see cref="Evaluation.Certificates.ProvableRobustAccuracy"/>.</summary>
        /// <param name="model">The classifier.</param>
        /// <param name="x">Samples, shape (N, ...).</param>
        /// <param name="y">Labels: ±1 for one output, class indices or one-hot rows for C outputs.</param>
        /// <param name="epsilon">The radius ε ≥ 0.</param>
        /// <param name="lipschitz_constant">A true bound of the map, required for a module that is not a TorchLip model.</param>
        /// <param name="output_lipschitz_constant">A true bound of each output (multiclass).</param>
        public static double provable_robust_accuracy(nn.Module<Tensor, Tensor> model, Tensor x, Tensor y, double epsilon,
            double? lipschitz_constant = null, double? output_lipschitz_constant = null)
            => Evaluation.Certificates.ProvableRobustAccuracy(model, x, y, epsilon, lipschitz_constant, output_lipschitz_constant);
    }
}
