using System;
using System.Collections.Generic;
using System.Linq;
using TorchLip.Internal;
using TorchLip.Modules;
using TorchLip.Operators;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Evaluation
{
    /// <summary>How the singular values of a <see cref="LayerSpectrum"/> were obtained.</summary>
    public enum SpectrumMethod
    {
        /// <summary>Float64 SVD of the weight matrix a dense layer applies: exact.</summary>
        WeightMatrix,

        /// <summary>Float64 SVD of a convolution's operator matrix for the given input shape: exact.</summary>
        OperatorMatrix,

        /// <summary>Power iteration on a convolution's operator and its adjoint (input too large for its matrix): the
        /// largest singular value from below, the smallest unknown (NaN).</summary>
        PowerIteration,
    }

    /// <summary>The extreme singular values of one layer's linear map (deel-lip's <c>compute_layer_sv</c>).</summary>
    /// <param name="Layer">The layer's name in the model (its <c>named_modules</c> key; "" for the model itself).</param>
    /// <param name="Kind">The layer's type, e.g. <c>SpectralConv2d</c>.</param>
    /// <param name="Min">Smallest singular value (of the min(inputs, outputs) the map has); NaN when unknown.</param>
    /// <param name="Max">Largest singular value: the layer's operator norm without bias.</param>
    /// <param name="Method">How they were computed.</param>
    /// <param name="InputShape">The per-sample input shape a convolution was analysed for; null for a dense layer.</param>
    public sealed record LayerSpectrum(string Layer, string Kind, double Min, double Max, SpectrumMethod Method, long[]? InputShape);

    /// <summary>
    /// Exact singular values of the linear maps in a model: a dense layer's applied weight matrix, a convolution's TRUE
    /// operator on a given input shape (not its reshaped kernel, whose norm times the read-count gain only bounds it).
    /// </summary>
    /// <remarks>
    /// Layers are found through <see cref="LipschitzBounds.AppliedWeight"/> (TorchLip layers with their eval-mode weight, k
    /// included; plain <c>nn.Linear</c> and convolutions). A convolution's operator matrix has C·H·W rows; up to
    /// <see cref="MaxExactInputs"/> of them (and <see cref="MaxExactEntries"/> entries) it is built from impulse responses
    /// and decomposed in float64, beyond that only its largest singular value is approached by power iteration.
    /// </remarks>
    public static class LayerSpectra
    {
        /// <summary>Largest input size (C·H·W) for which a convolution's operator matrix is decomposed.</summary>
        public const long MaxExactInputs = 4096;

        /// <summary>Largest number of entries of a convolution's operator matrix that is decomposed.</summary>
        public const long MaxExactEntries = 1L << 24;

        /// <summary>The singular values of one layer's map.</summary>
        /// <param name="layer">A dense or convolution layer (TorchLip or plain).</param>
        /// <param name="input_shape">A convolution's input shape per sample, (C, L) or (C, H, W) (a leading batch size is
        /// ignored); not needed for a dense layer.</param>
        /// <param name="seed">Seed of the power iteration's start vector (large inputs only).</param>
        /// <exception cref="ArgumentException">A layer without a linear map, or a convolution without an input shape.</exception>
        public static LayerSpectrum Of(nn.Module layer, long[]? input_shape = null, long seed = 0)
        {
            ArgumentNullException.ThrowIfNull(layer);
            using var mode = new EvalModeScope(layer);
            return Analyse("", layer, input_shape, seed)
                ?? throw new ArgumentException($"compute_layer_sv: {layer.GetName()} applies no weight (a TorchLip dense or convolution layer, nn.Linear or a TorchSharp convolution).", nameof(layer));
        }

        /// <summary>
        /// The singular values of every dense and convolution layer of <paramref name="model"/>, in module order. The input
        /// shape of each convolution is read from one forward pass of zeros of <paramref name="input_shape"/>.
        /// </summary>
        /// <param name="model">A TorchLip or plain model.</param>
        /// <param name="input_shape">The model's input shape per sample (needed when it holds a convolution).</param>
        /// <param name="seed">Seed of the power iterations (large inputs only).</param>
        public static IReadOnlyList<LayerSpectrum> OfModel(nn.Module<Tensor, Tensor> model, long[]? input_shape = null, long seed = 0)
        {
            ArgumentNullException.ThrowIfNull(model);
            using var mode = new EvalModeScope(model);
            var modules = new List<(string name, nn.Module module)> { ("", model) };
            modules.AddRange(model.named_modules());
            var shapes = input_shape is null ? new Dictionary<nn.Module, long[]>() : InputShapes(model, modules, input_shape);
            var result = new List<LayerSpectrum>();
            foreach (var (name, m) in modules)
                if (Analyse(name, m, shapes.TryGetValue(m, out var s) ? s : null, seed) is { } spectrum) result.Add(spectrum);
            return result;
        }

        private static LayerSpectrum? Analyse(string name, nn.Module m, long[]? inputShape, long seed)
        {
            if (OperatorNorms.TryParts(m) is var (weight, op, channels))
            {
                if (inputShape is null)
                    throw new ArgumentException($"compute_layer_sv: layer ({name}) {m.GetName()} is a convolution, whose singular values depend on its input size; pass input_shape (C, H, W) of its input, or the model's to compute_model_sv.", "input_shape");
                var sample = inputShape.Length == op.Dims + 2 ? inputShape.Skip(1).ToArray() : inputShape;
                if (sample.Length != op.Dims + 1 || sample[0] != channels)
                    throw new ArgumentException($"compute_layer_sv: layer ({name}) {m.GetName()} takes inputs ({channels}, {string.Join(", ", Enumerable.Repeat("·", op.Dims))}) per sample, got input_shape ({string.Join(", ", inputShape)}).", "input_shape");
                var (min, max, method) = ConvSpectrum(weight, op, channels, sample.Skip(1).ToArray(), seed);
                return new LayerSpectrum(name, m.GetName(), min, max, method, sample);
            }
            if (LipschitzBounds.AppliedWeight(m) is not var (matrix, _)) return null;
            var (lo, hi) = SingularValues.Extremes(matrix);
            return new LayerSpectrum(name, m.GetName(), lo, hi, SpectrumMethod.WeightMatrix, null);
        }

        private static (double min, double max, SpectrumMethod method) ConvSpectrum(Tensor weight, ConvOperator op, long channels, long[] spatial, long seed)
        {
            op.CheckSpatial(spatial, "compute_layer_sv");
            long inputs = channels * spatial.Aggregate(1L, (p, s) => p * s);
            long outputs = weight.shape[op.Transposed ? 1 : 0] * (op.Transposed ? op.Groups : 1) * op.OutputSize(spatial).Aggregate(1L, (p, s) => p * s);
            if (inputs <= MaxExactInputs && inputs * outputs <= MaxExactEntries)
            {
                using var noGrad = torch.no_grad();
                using var scope = torch.NewDisposeScope();
                var w = weight.detach().to_type(ScalarType.Float64);
                // Row i of the operator's matrix is its response to the i-th unit input.
                var impulses = torch.eye(inputs, dtype: ScalarType.Float64, device: w.device).reshape(new[] { inputs, channels }.Concat(spatial).ToArray());
                var s = torch.linalg.svdvals(op.Apply(impulses, w, null).reshape(inputs, -1));
                return (s.min().item<double>(), s.max().item<double>(), SpectrumMethod.OperatorMatrix);
            }
            using var generator = new Generator((ulong)seed, weight.device);
            // The iteration reaches the adjoint through autograd, which aborts the process under no_grad.
            using var gradients = torch.enable_grad();
            return (double.NaN, op.PowerIterationNorm(weight, channels, spatial, 200, generator), SpectrumMethod.PowerIteration);
        }

        // The input shape (without batch) of every module, from one forward pass of zeros through hooks.
        internal static Dictionary<nn.Module, long[]> InputShapes(nn.Module<Tensor, Tensor> model, List<(string name, nn.Module module)> modules, long[] inputShape)
        {
            if (inputShape.Length == 0 || inputShape.Any(d => d < 1))
                throw new ArgumentException($"compute_model_sv: input_shape must list the positive sizes of one sample, e.g. (1, 28, 28); got ({string.Join(", ", inputShape)}).", "input_shape");
            var shapes = new Dictionary<nn.Module, long[]>();
            var removals = new List<Action>();
            foreach (var (_, m) in modules)
                if (m is nn.Module<Tensor, Tensor> tm)
                {
                    var hook = tm.register_forward_pre_hook((module, input) =>
                    {
                        shapes[module] = input.shape.Skip(1).ToArray();
                        return input;
                    });
                    removals.Add(() => hook.remove());
                }
            try
            {
                using var scope = torch.NewDisposeScope();
                var parameter = model.parameters().FirstOrDefault();
                model.call(torch.zeros(new[] { 1L }.Concat(inputShape).ToArray(), dtype: parameter?.dtype ?? ScalarType.Float32, device: parameter?.device));
            }
            finally
            {
                foreach (var remove in removals) remove();
            }
            return shapes;
        }
    }
}

namespace TorchLip
{
    public static partial class torchlip
    {
        /// <summary>
        /// Exact smallest and largest singular value of one layer's map (a convolution's true operator on
        /// <paramref name="input_shape"/>). See <see cref="Evaluation.LayerSpectra.Of"/>.
        /// </summary>
        /// <param name="layer">A dense or convolution layer.</param>
        /// <param name="input_shape">A convolution's per-sample input shape (C, H, W).</param>
        public static Evaluation.LayerSpectrum compute_layer_sv(nn.Module layer, long[]? input_shape = null) => Evaluation.LayerSpectra.Of(layer, input_shape);

        /// <summary>
        /// Exact smallest and largest singular value of every dense and convolution layer of a model. See
        /// <see cref="Evaluation.LayerSpectra.OfModel"/>.
        /// </summary>
        /// <param name="model">The model.</param>
        /// <param name="input_shape">The model's per-sample input shape (needed when it holds a convolution).</param>
        public static IReadOnlyList<Evaluation.LayerSpectrum> compute_model_sv(nn.Module<Tensor, Tensor> model, long[]? input_shape = null)
            => Evaluation.LayerSpectra.OfModel(model, input_shape);
    }
}
