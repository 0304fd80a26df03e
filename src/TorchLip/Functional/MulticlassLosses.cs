using System;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Multiclass Kantorovich–Rubinstein loss of the tutorial's API (deel-torchlip 0.1): the mean over the classes c
        /// of mean(input[:, c] over the samples of class c) − mean(input[:, c] over the other samples). For a 1-Lipschitz
        /// network it estimates the average one-vs-all Wasserstein-1 distance; training maximizes it.
        /// </summary>
        /// <remarks>
        /// A class absent from the batch does not give NaN (deel-torchlip 0.1 does): its positive mean counts as 0, as in
        /// <see cref="kr_loss"/> and deel-torchlip 1.x. Targets in {−1, +1} give the same value as {0, 1} (deel-torchlip
        /// 0.1 used the target as a weight and was wrong for them).
        /// </remarks>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices, shape (N), int64; or one-hot rows, shape (N, C), in {0, 1} or {−1, +1}.</param>
        /// <returns>A scalar tensor.</returns>
        public static Tensor kr_multiclass_loss(Tensor input, Tensor target)
        {
            var positive = MulticlassTargets.Positive(input, target, nameof(kr_multiclass_loss));
            return MulticlassLossMath.KR(input, positive).mean();
        }

        /// <summary>
        /// Multiclass hinge loss of the tutorial's API (deel-torchlip 0.1): the mean over the N·C entries of
        /// w · relu(<paramref name="min_margin"/> − s·input), s = +1 on the true class and −1 elsewhere, w = C − 1 on the
        /// true class and 1 elsewhere (one-vs-all with the true class weighted as all the others together). Full margin:
        /// the 1.x class <see cref="HingeMulticlassLoss"/> halves it.
        /// </summary>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices, shape (N), int64; or one-hot rows, shape (N, C), in {0, 1} or {−1, +1}.</param>
        /// <param name="min_margin">The margin m ≥ 0.</param>
        /// <returns>A scalar tensor.</returns>
        public static Tensor hinge_multiclass_loss(Tensor input, Tensor target, double min_margin = 1.0)
        {
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            var positive = MulticlassTargets.Positive(input, target, nameof(hinge_multiclass_loss));
            return MulticlassLossMath.Hinge(input, positive, min_margin).mean();
        }

        /// <summary>
        /// Multiclass HKR loss of the tutorial's API (deel-torchlip 0.1):
        /// <paramref name="alpha"/> · <see cref="hinge_multiclass_loss"/>(min_margin) − <see cref="kr_multiclass_loss"/>.
        /// <c>alpha = +∞</c> gives the hinge term alone, <c>alpha = 0</c> the negated KR term alone.
        /// </summary>
        /// <remarks>
        /// α is the 0.1 weight (any value ≥ 0). The 1.x class <see cref="HKRMulticlassLoss"/> takes α in [0, 1] and a
        /// halved margin: <c>HKRMulticlassLoss(a, 2m)</c> = (1 − a) · <c>hkr_multiclass_loss(a / (1 − a), m)</c>.
        /// </remarks>
        /// <param name="input">Class scores, shape (N, C) with C ≥ 2.</param>
        /// <param name="target">Class indices, shape (N), int64; or one-hot rows, shape (N, C), in {0, 1} or {−1, +1}.</param>
        /// <param name="alpha">Weight of the hinge term (≥ 0, or +∞ for the hinge term alone).</param>
        /// <param name="min_margin">Hinge margin.</param>
        /// <returns>A scalar tensor.</returns>
        public static Tensor hkr_multiclass_loss(Tensor input, Tensor target, double alpha = 0.0, double min_margin = 1.0)
        {
            if (double.IsNaN(alpha) || alpha < 0)
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "hkr_multiclass_loss: alpha must be >= 0 (or +infinity for the hinge term alone).");
            ArgumentChecks.NonNegativeFinite(min_margin, nameof(min_margin));
            var positive = MulticlassTargets.Positive(input, target, nameof(hkr_multiclass_loss));
            if (double.IsPositiveInfinity(alpha)) return MulticlassLossMath.Hinge(input, positive, min_margin).mean();
            var kr = MulticlassLossMath.KR(input, positive).mean();
            if (alpha == 0) return kr.neg();
            return MulticlassLossMath.Hinge(input, positive, min_margin).mean().mul(ScalarCache.Of(alpha)).sub(kr);
        }

        /// <summary>
        /// Turns labels into the per-entry Kantorovich–Rubinstein weights of the whole batch, for losses computed on
        /// shards of it (several devices, or a batch accumulated in parts) with <c>multi_gpu: true</c>: N / n_c where the
        /// label is positive, −N / (N − n_c) elsewhere, n_c the number of positives of column c in the whole batch.
        /// With <c>reduction: "sum"</c> the shards' losses then add up to the loss of the whole batch (N × its mean).
        /// </summary>
        /// <param name="labels">The labels of the whole batch: one-hot rows (N, C) in {0, 1} or {−1, +1}, binary labels
        /// (N, 1), or class indices (N) of int64 with <paramref name="num_classes"/>.</param>
        /// <param name="num_classes">The number of classes C, required for class indices.</param>
        /// <returns>The weights, shape (N, C), float32 (or the labels' floating dtype); their sign is the label.</returns>
        public static Tensor process_labels_for_multi_gpu(Tensor labels, long num_classes = -1)
        {
            const string who = nameof(process_labels_for_multi_gpu);
            Tensor positive;
            if (labels.dim() == 1 && !labels.is_floating_point() && labels.dtype != ScalarType.Bool)
            {
                if (num_classes < 1)
                    throw new ArgumentException($"{who}: labels of shape {ArgumentChecks.Shape(labels)} are class indices; pass num_classes (the number of outputs C).", nameof(num_classes));
                positive = MulticlassTargets.FromIndices(labels, num_classes, who);
            }
            else if (labels.dim() == 2 && labels.size(0) > 0)
            {
                MulticlassTargets.CheckSignedValues(labels, who, "labels");
                positive = labels.gt(ScalarCache.Of(0.0));
            }
            else
                throw new ArgumentException(
                    $"{who}: labels must be one-hot rows (N, C) or binary labels (N, 1) in {{0, 1}} or {{-1, +1}}, or class indices (N) of int64 with num_classes, got shape {ArgumentChecks.Shape(labels)} of dtype {labels.dtype}.", nameof(labels));
            var dtype = labels.is_floating_point() ? labels.dtype : ScalarType.Float32;
            return MulticlassLossMath.KRWeights(positive, dtype);
        }
    }

    /// <summary>Per-sample formulas shared by the multiclass losses (functions of deel-torchlip 0.1, classes of 1.x).</summary>
    internal static class MulticlassLossMath
    {
        /// <summary>s·x with s = +1 on the true class and −1 elsewhere.</summary>
        public static Tensor Signed(Tensor x, Tensor positive) => torch.where(positive, x, x.neg());

        /// <summary>
        /// Per sample: mean over the classes of x·w, w = N / n_c on the true class and −N / (N − n_c) elsewhere. Its batch
        /// mean is the mean over classes of E[x_c | class c] − E[x_c | other]; an absent side counts as 0 (the weight it
        /// would take is never used, so the clamp only avoids a division by zero).
        /// </summary>
        public static Tensor KR(Tensor x, Tensor positive) => x.mul(KRWeights(positive, x.dtype)).mean(new long[] { 1 });

        /// <summary>Per sample, with weights from <see cref="torchlip.process_labels_for_multi_gpu"/>: mean over classes of x·w.</summary>
        public static Tensor KRPreprocessed(Tensor x, Tensor weights) => x.mul(weights).mean(new long[] { 1 });

        public static Tensor KRWeights(Tensor positive, ScalarType dtype)
        {
            var one = ScalarCache.Of(1.0);
            var n = ScalarCache.Of(positive.size(0));
            var nPositive = positive.to_type(dtype).sum(0, keepdim: true);
            var nNegative = positive.logical_not().to_type(dtype).sum(0, keepdim: true);
            return torch.where(positive, nPositive.clamp_min(one).reciprocal().mul(n), nNegative.clamp_min(one).reciprocal().mul(n).neg());
        }

        /// <summary>Per sample: mean over classes of w · relu(margin − s·x), w = C − 1 on the true class, 1 elsewhere.</summary>
        public static Tensor Hinge(Tensor x, Tensor positive, double margin)
        {
            var hinge = nn.functional.relu(Signed(x, positive).neg().add(ScalarCache.Of(margin), ScalarCache.Of(1.0)));
            hinge = torch.where(positive, hinge.mul(ScalarCache.Of(x.size(1) - 1)), hinge);
            return hinge.mean(new long[] { 1 });
        }
    }

    /// <summary>The label forms the multiclass losses take, checked, with errors that name the expected shapes and the fix.</summary>
    internal static class MulticlassTargets
    {
        /// <summary>Checks class scores: floating point, (N, C) with N ≥ 1 and C ≥ 2.</summary>
        public static void CheckInput(Tensor input, string who)
        {
            ArgumentChecks.FloatingPoint(input, nameof(input), who);
            if (input.dim() != 2 || input.size(1) < 2)
                throw new ArgumentException(
                    $"{who}: input must hold the class scores, shape (N, C) with C >= 2 classes, got {ArgumentChecks.Shape(input)}. " +
                    "For a network with a single output use the binary losses (kr_loss, hinge_margin_loss, hkr_loss).", nameof(input));
            if (input.size(0) == 0) throw new ArgumentException($"{who}: the batch is empty.", nameof(input));
        }

        /// <summary>
        /// The (N, C) boolean mask of the true class, from class indices (N) or one-hot rows (N, C) in {0, 1} or {−1, +1}
        /// with exactly one positive entry per row.
        /// </summary>
        public static Tensor Positive(Tensor input, Tensor target, string who)
        {
            CheckInput(input, who);
            long n = input.size(0), c = input.size(1);
            if (target.dim() == 1 && target.size(0) == n)
            {
                if (target.is_floating_point() || target.dtype == ScalarType.Bool)
                    throw new ArgumentException(
                        $"{who}: a target of shape (N) = [{n}] holds class indices and must be an integer tensor, got dtype {target.dtype}. " +
                        "Convert it with y.to_type(ScalarType.Int64), or pass one-hot rows of shape (N, C).", "target");
                return FromIndices(target, c, who);
            }
            if (target.dim() == 2 && target.size(0) == n && target.size(1) == c)
            {
                CheckSignedValues(target, who, "target");
                CheckOnePositivePerRow(target, who);
                return target.gt(ScalarCache.Of(0.0));
            }
            throw new ArgumentException(
                $"{who}: target must be class indices of shape (N) = [{n}] (int64, values 0 to {c - 1}) or one-hot rows of shape " +
                $"(N, C) = [{n}, {c}] with values in {{0, 1}} or {{-1, +1}}, got shape {ArgumentChecks.Shape(target)} of dtype {target.dtype}. " +
                $"One-hot encode class indices with nn.functional.one_hot(y, {c}), or take them back from one-hot rows with y.argmax(1); " +
                "check that inputs and labels come from the same batch.", "target");
        }

        public static Tensor FromIndices(Tensor target, long c, string who)
        {
            var indices = target.to_type(ScalarType.Int64);
            using (var scope = torch.NewDisposeScope())
            {
                var outside = indices.lt(ScalarCache.Of(0.0)) | indices.ge(ScalarCache.Of(c));
                if (outside.any().item<bool>())
                {
                    long bad = indices.masked_select(outside)[0].item<long>();
                    throw new ArgumentException(
                        $"{who}: class indices must be in [0, {c - 1}] for {c} outputs, found {bad}. " +
                        "Check that the network has one output per class.", "target");
                }
            }
            return nn.functional.one_hot(indices, c).to_type(ScalarType.Bool);
        }

        /// <summary>Values all in {0, 1} or all in {−1, +1}.</summary>
        public static void CheckSignedValues(Tensor target, string who, string name)
        {
            using var scope = torch.NewDisposeScope();
            var one = target.eq(ScalarCache.Of(1.0));
            var zeroOrOne = one | target.eq(ScalarCache.Of(0.0));
            var minusOrOne = one | target.eq(ScalarCache.Of(-1.0));
            if (zeroOrOne.all().item<bool>() || minusOrOne.all().item<bool>()) return;
            var bad = ~(zeroOrOne | minusOrOne);
            string found = bad.any().item<bool>()
                ? $"found {target.masked_select(bad)[0].to_type(ScalarType.Float64).item<double>()}"
                : "found 0 and -1 together";
            throw new ArgumentException(
                $"{who}: one-hot {name} must hold only 0 and 1, or only -1 and +1, {found}. " +
                "Build them with nn.functional.one_hot(y, C) (0/1), or 2 * one_hot - 1 (-1/+1).", name);
        }

        public static void CheckOnePositivePerRow(Tensor target, string who)
        {
            using var scope = torch.NewDisposeScope();
            var counts = target.gt(ScalarCache.Of(0.0)).sum(1);
            var wrong = counts.ne(ScalarCache.Of(1.0));
            if (!wrong.any().item<bool>()) return;
            long row = wrong.nonzero()[0, 0].item<long>();
            throw new ArgumentException(
                $"{who}: each row of a one-hot target has exactly one positive entry (the true class); row {row} has {counts[row].item<long>()}. " +
                "Multi-label targets are not multiclass labels: train each output with the binary losses instead.", "target");
        }

        /// <summary>
        /// Labels already processed by <see cref="torchlip.process_labels_for_multi_gpu"/>: (N, C) floating weights, none
        /// zero (their sign is the label). Returns the mask of the positive entries.
        /// </summary>
        public static Tensor Preprocessed(Tensor input, Tensor target, string who)
        {
            CheckInput(input, who);
            const string fix = "with multi_gpu: true pass the labels of the whole batch through process_labels_for_multi_gpu(labels) first, then shard them with the inputs";
            if (target.dim() != 2 || target.size(0) != input.size(0) || target.size(1) != input.size(1) || !target.is_floating_point())
                throw new ArgumentException(
                    $"{who}: target must be KR weights of shape (N, C) = [{input.size(0)}, {input.size(1)}] (floating point), got shape " +
                    $"{ArgumentChecks.Shape(target)} of dtype {target.dtype}; {fix}.", "target");
            using (var scope = torch.NewDisposeScope())
            {
                if (target.eq(ScalarCache.Of(0.0)).any().item<bool>())
                    throw new ArgumentException($"{who}: target holds zeros, so it is not the output of process_labels_for_multi_gpu; {fix}.", "target");
            }
            return target.gt(ScalarCache.Of(0.0));
        }
    }

    /// <summary>The reductions of the loss classes and the deel-torchlip 1.x α convention.</summary>
    internal static class LossOptions
    {
        /// <summary>"none", "mean" or "sum"; anything else is an error that names the choices.</summary>
        public static string Reduction(string reduction, string who) => reduction is "none" or "mean" or "sum"
            ? reduction
            : throw new ArgumentException(
                $"{who}: reduction must be \"none\", \"mean\" or \"sum\", got {(reduction is null ? "null" : $"\"{reduction}\"")} (deel-torchlip's \"auto\" is \"mean\").",
                nameof(reduction));

        public static Tensor Reduce(Tensor perSample, string reduction) => reduction switch
        {
            "mean" => perSample.mean(),
            "sum" => perSample.sum(),
            _ => perSample,
        };

        public static nn.Reduction Torch(string reduction) => reduction switch
        {
            "mean" => nn.Reduction.Mean,
            "sum" => nn.Reduction.Sum,
            _ => nn.Reduction.None,
        };

        /// <summary>
        /// deel-torchlip 1.x's α in [0, 1] (loss = α·hinge − (1 − α)·KR). A value above 1 is the deprecated
        /// "α·hinge − KR" weight: replaced by α / (1 + α) with a warning, as deel-torchlip does (+∞ gives 1).
        /// </summary>
        public static double Alpha(double alpha, string who)
        {
            if (double.IsNaN(alpha) || alpha < 0)
                throw new ArgumentOutOfRangeException(nameof(alpha), alpha, $"{who}: alpha must be in [0, 1] (1: hinge only, 0: KR only), got {alpha}.");
            if (alpha <= 1) return alpha;
            double replaced = double.IsPositiveInfinity(alpha) ? 1.0 : alpha / (alpha + 1.0);
            Warnings.Warn(
                $"{who}: alpha = {alpha} is outside [0, 1], the deprecated 'alpha * hinge - KR' form; it is replaced by alpha / (1 + alpha) = {replaced} " +
                "(the old loss divided by 1 + alpha). Pass a value in [0, 1].");
            return replaced;
        }
    }
}
