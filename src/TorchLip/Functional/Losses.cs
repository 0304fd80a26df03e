using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Kantorovich–Rubinstein loss of a binary classifier (deel-torchlip 0.1 semantics, the tutorial's):
        /// mean(input[target == a]) − mean(input[target == b]) with (a, b) = <paramref name="true_values"/>.
        /// For a 1-Lipschitz network it estimates (a lower bound of) the Wasserstein-1 distance between the classes.
        /// </summary>
        /// <remarks>
        /// A batch in which one class is absent does not yield NaN: the absent class's mean is taken as 0, so the
        /// loss is the mean of the present class (with its sign). This matches deel-torchlip 1.x.
        /// </remarks>
        /// <param name="input">Network outputs, shape (N, 1) or (N).</param>
        /// <param name="target">Labels, same number of elements, values in <paramref name="true_values"/>.</param>
        /// <param name="true_values">(a, b): the label of the class whose mean is added, then the subtracted one. Default (1, −1).</param>
        /// <returns>A scalar tensor.</returns>
        public static Tensor kr_loss(Tensor input, Tensor target, (double first, double second)? true_values = null)
        {
            var (a, b) = true_values ?? (1.0, -1.0);
            var (x, y) = LossInputs.Binary(input, target, nameof(kr_loss));
            LossInputs.CheckLabels(y, a, b, nameof(kr_loss), $"pass true_values: (label of the first class, label of the second), e.g. (1, 0) for 0/1 labels");
            return KR(x, y, a, b);
        }

        // Per-step code: every constant goes through the Scalar cache (implicit double -> Scalar conversions leave
        // native objects to the finalizer).
        private static Tensor KR(Tensor x, Tensor y, double a, double b) =>
            MeanWhere(x, y.eq(ScalarCache.Of(a))).sub(MeanWhere(x, y.eq(ScalarCache.Of(b))));

        private static Tensor Hinge(Tensor x, Tensor y, double min_margin) =>
            nn.functional.relu(y.to_type(x.dtype).mul(x).neg().add(ScalarCache.Of(min_margin), ScalarCache.Of(1.0))).mean();

        private static Tensor MeanWhere(Tensor x, Tensor mask)
        {
            var m = mask.to_type(x.dtype);
            return x.mul(m).sum().div(m.sum().clamp_min(ScalarCache.Of(1.0)));
        }

        /// <summary>The negated <see cref="kr_loss"/>: minimizing it maximizes the Wasserstein estimate.</summary>
        /// <param name="input">Network outputs, shape (N, 1) or (N).</param>
        /// <param name="target">Labels in <paramref name="true_values"/>.</param>
        /// <param name="true_values">(a, b), default (1, −1).</param>
        public static Tensor neg_kr_loss(Tensor input, Tensor target, (double first, double second)? true_values = null)
            => kr_loss(input, target, true_values).neg();

        /// <summary>
        /// Hinge margin loss: mean(relu(<paramref name="min_margin"/> − y·f)) with labels y ∈ {−1, +1}
        /// (full margin, deel-torchlip 0.1 semantics; 1.x halves it).
        /// </summary>
        /// <param name="input">Network outputs, shape (N, 1) or (N).</param>
        /// <param name="target">Labels in {−1, +1}.</param>
        /// <param name="min_margin">The margin m ≥ 0 (the certified radius the loss asks for).</param>
        public static Tensor hinge_margin_loss(Tensor input, Tensor target, double min_margin = 1.0)
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            var (x, y) = LossInputs.Binary(input, target, nameof(hinge_margin_loss));
            LossInputs.CheckLabels(y, 1.0, -1.0, nameof(hinge_margin_loss), "map 0/1 labels to -1/+1 first (y = 2 * y - 1)");
            return Hinge(x, y, min_margin);
        }

        /// <summary>
        /// HKR loss of the tutorial: alpha · hinge_margin_loss(min_margin) − kr_loss with labels in {−1, +1}
        /// (KR = mean over +1 minus mean over −1). <c>alpha = +∞</c> gives the hinge term alone.
        /// </summary>
        /// <param name="input">Network outputs, shape (N, 1) or (N).</param>
        /// <param name="target">Labels in {−1, +1}.</param>
        /// <param name="alpha">Weight of the hinge term (≥ 0, or +∞).</param>
        /// <param name="min_margin">Hinge margin.</param>
        public static Tensor hkr_loss(Tensor input, Tensor target, double alpha, double min_margin = 1.0)
        {
            if (double.IsNaN(alpha) || alpha < 0)
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "hkr_loss: alpha must be >= 0 (or +infinity for the hinge term alone).");
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            var (x, y) = LossInputs.Binary(input, target, nameof(hkr_loss));
            LossInputs.CheckLabels(y, 1.0, -1.0, nameof(hkr_loss), "map 0/1 labels to -1/+1 first (y = 2 * y - 1)");
            var hinge = Hinge(x, y, min_margin);
            if (double.IsPositiveInfinity(alpha)) return hinge;
            return hinge.mul(ScalarCache.Of(alpha)).sub(KR(x, y, 1.0, -1.0));
        }
    }

    /// <summary>Shape and label checks shared by the binary losses.</summary>
    internal static class LossInputs
    {
        public static (Tensor input, Tensor target) Binary(Tensor input, Tensor target, string who)
        {
            ArgumentChecks.FloatingPoint(input, nameof(input), who);
            if (input.dim() == 0 || input.dim() > 2 || (input.dim() == 2 && input.size(1) != 1))
                throw new ArgumentException(
                    $"{who}: input must hold one score per sample, shape (N, 1) or (N), got {ArgumentChecks.Shape(input)}. " +
                    "These losses are for binary classifiers: give the network a single output.", nameof(input));
            long n = input.size(0);
            if (target.dim() == 0 || target.size(0) != n || target.numel() != n)
                throw new ArgumentException(
                    $"{who}: target must hold one label per sample ({n} samples, shape (N, 1) or (N)), got shape {ArgumentChecks.Shape(target)}. " +
                    "Check that inputs and labels come from the same batch.", nameof(target));
            if (n == 0) throw new ArgumentException($"{who}: the batch is empty.", nameof(input));
            return (input.reshape(n), target.reshape(n));
        }

        public static void CheckLabels(Tensor target, double a, double b, string who, string fix)
        {
            if (a == b) throw new ArgumentException($"{who}: the two true values must differ, got ({a}, {b}).", "true_values");
            using var scope = torch.NewDisposeScope();
            if (!(target.eq(ScalarCache.Of(a)) | target.eq(ScalarCache.Of(b))).all().item<bool>())
            {
                var bad = target.masked_select(~(target.eq(ScalarCache.Of(a)) | target.eq(ScalarCache.Of(b))))[0].to_type(ScalarType.Float64).item<double>();
                throw new ArgumentException($"{who}: labels must be {a} or {b}, found {bad}; {fix}.", "target");
            }
        }
    }
}
