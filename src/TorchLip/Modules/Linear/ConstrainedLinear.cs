using System;
using TorchLip.Constraints;
using TorchLip.Internal;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Modules
{
    /// <summary>
    /// A linear layer y = x·Wᵀ + b with a constrained weight W (out_features, in_features): the
    /// <see cref="ConstrainedModule"/> that applies its weight as a matrix, through the factors in training when the
    /// constraint keeps them, and exports to <c>nn.Linear</c>.
    /// </summary>
    public abstract class ConstrainedLinear : ConstrainedModule
    {
        /// <summary>Creates the layer.</summary>
        /// <param name="name">Module name.</param>
        /// <param name="in_features">Input size.</param>
        /// <param name="out_features">Output size.</param>
        /// <param name="bias">Whether to learn an additive bias.</param>
        /// <param name="constraint">How the raw weight becomes the applied weight.</param>
        /// <param name="k_coef_lip">Lipschitz constant of the layer.</param>
        protected ConstrainedLinear(string name, long in_features, long out_features, bool bias, WeightConstraint constraint, double k_coef_lip)
            : base(name, new[] { Positive(out_features, nameof(out_features)), Positive(in_features, nameof(in_features)) }, bias, constraint, k_coef_lip)
        {
            this.in_features = in_features;
            this.out_features = out_features;
        }

        /// <summary>Input size.</summary>
        public long in_features { get; }

        /// <summary>Output size.</summary>
        public long out_features { get; }

        /// <inheritdoc/>
        protected override void CheckInput(Tensor input)
        {
            if (input.dim() == 0 || input.size(-1) != in_features)
                throw new ArgumentException(
                    $"{this}: the input's last dimension must be in_features = {in_features}, got shape {ArgumentChecks.Shape(input)}. " +
                    "Flatten the input (nn.Flatten()) or build the layer with the right in_features.", nameof(input));
            if (!input.is_floating_point())
                throw new ArgumentException($"{this}: the input must be a floating-point tensor, got dtype {input.dtype}. Convert it with .to_type(ScalarType.Float32).", nameof(input));
        }

        /// <inheritdoc/>
        protected override Tensor ApplyTraining(Tensor input, ConstrainedWeight weight) => weight.Linear(input, bias);

        /// <inheritdoc/>
        protected override Tensor ApplyWeight(Tensor input, Tensor weight) => nn.functional.linear(input, weight, bias);

        /// <inheritdoc/>
        protected override nn.Module<Tensor, Tensor> ExportModule(Tensor weight, Tensor? bias)
        {
            var linear = nn.Linear(in_features, out_features, hasBias: bias is not null, dtype: weight.dtype, device: weight.device);
            using (torch.no_grad())
            {
                linear.weight!.copy_(weight);
                if (bias is not null) linear.bias!.copy_(bias);
            }
            return linear;
        }

        /// <inheritdoc/>
        protected override string extra_repr() =>
            $"in_features={in_features}, out_features={out_features}, bias={PythonRepr.Bool(bias is not null)}" + KRepr();

        private static long Positive(long value, string name)
        {
            ArgumentChecks.Positive(value, name);
            return value;
        }
    }
}
