using System;
using TorchLip.Internal;
using TorchLip.Normalizers;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Constraints
{
    /// <summary>
    /// A weight on its way through a constraint's chain, and at the end of it the certified weight a layer applies: either
    /// formed (a tensor times an exact float64 scale) or factored (x ↦ s·x·(F·V)ᵀ with a small square F and the raw
    /// weight's wide view V, so that a linear layer never forms F·V in training).
    /// </summary>
    /// <remarks>
    /// <para>
    /// <see cref="Bound"/> is a rigorous upper bound on the spectral norm of the map the value stands for (+∞ while
    /// unknown). Multiplying by a constant (<see cref="Times"/>) is exact: the scale is a float64 number applied once,
    /// when the weight is formed or to a linear layer's output. <see cref="Certified"/> ends every chain: what is applied
    /// afterwards is certified k-Lipschitz, rounding included, whatever the stages did.
    /// </para>
    /// <para>
    /// A formed value is rounded to the weight's dtype once (<see cref="Certified"/>); its bound then covers the rounded
    /// tensor: re-certified from its float64 Gram matrix (<see cref="ContractionGuard"/>), or, for a bound on Frobenius
    /// or row norms (<see cref="BoundKind.Norm"/>), carried over with the one rounding's relative error.
    /// </para>
    /// </remarks>
    public sealed class ConstrainedWeight
    {
        /// <summary>What <see cref="Bound"/> bounds.</summary>
        public enum BoundKind
        {
            /// <summary>The spectral norm only: rounding the weight requires a new certificate.</summary>
            Spectral,

            /// <summary>The Frobenius norm (or every row's norm), which bounds the spectral norm and moves by at most the relative rounding.</summary>
            Norm,
        }

        private readonly Tensor? _weight;    // formed: the (pending) weight, before Scale
        private readonly Tensor? _view;      // factored: the wide view V (W itself when out ≤ in, else Wᵀ)
        private readonly Tensor? _factor;    // factored: F
        private readonly bool _tall;
        private readonly long[] _shape;
        private readonly ScalarType _dtype;
        private readonly bool _applyFactors;
        private Tensor? _formed;             // the certified formed weight, once computed
        private double _certifiedFor = double.NaN;

        private ConstrainedWeight(Tensor? weight, Tensor? view, Tensor? factor, bool tall, long[] shape, ScalarType dtype,
            double scale, double bound, BoundKind kind, bool applyFactors)
        {
            _weight = weight;
            _view = view;
            _factor = factor;
            _tall = tall;
            _shape = shape;
            _dtype = dtype;
            Scale = scale;
            Bound = bound;
            Kind = kind;
            _applyFactors = applyFactors;
        }

        /// <summary>A formed weight, to be applied as Scale·<paramref name="weight"/> rounded to <paramref name="dtype"/>.</summary>
        /// <param name="weight">The weight (any float dtype; float64 stays exact until <see cref="Certified"/>).</param>
        /// <param name="dtype">The dtype the layer applies it in.</param>
        /// <param name="bound">A rigorous bound on the exact value's norm of the given kind (+∞ when unknown).</param>
        /// <param name="kind">What the bound bounds.</param>
        public static ConstrainedWeight Formed(Tensor weight, ScalarType dtype, double bound = double.PositiveInfinity, BoundKind kind = BoundKind.Spectral)
            => new(weight, null, null, false, TensorSizes.Of(weight), dtype, 1.0, bound, kind, false);

        /// <summary>
        /// The factors of W = F·V (wide weights) or W = (F·V)ᵀ (tall ones, V = Wᵀ), with a bound on σ_max of the exact product.
        /// </summary>
        /// <param name="view">V, the weight's wide view (m ≤ n rows).</param>
        /// <param name="factor">F (m×m).</param>
        /// <param name="tall">Whether the weight is V transposed.</param>
        /// <param name="shape">The weight's shape.</param>
        /// <param name="dtype">The dtype the layer applies it in.</param>
        /// <param name="bound">A rigorous bound on σ_max(F·V).</param>
        /// <param name="applyFactors">
        /// Whether a linear layer may apply the factors one after the other; false when F is kept in a higher precision
        /// than the weight (an ill-conditioned raw weight): the weight is then formed once in that precision.
        /// </param>
        public static ConstrainedWeight Factored(Tensor view, Tensor factor, bool tall, long[] shape, ScalarType dtype, double bound, bool applyFactors = true)
            => new(null, view, factor, tall, shape, dtype, 1.0, bound, BoundKind.Spectral, applyFactors);

        /// <summary>The exact float64 scale applied on top of the weight or the factors.</summary>
        public double Scale { get; }

        /// <summary>A rigorous upper bound on the spectral norm of the map (Scale included), or +∞ when not known yet.</summary>
        public double Bound { get; }

        /// <summary>What <see cref="Bound"/> bounds.</summary>
        public BoundKind Kind { get; }

        /// <summary>Whether the weight is kept as factors.</summary>
        public bool IsFactored => _factor is not null;

        /// <summary>Whether <see cref="Linear"/> applies the factors one after the other (else the formed weight).</summary>
        public bool AppliesFactors => IsFactored && _applyFactors;

        /// <summary>
        /// A formed value's tensor before its scale (what the next stage of a chain transforms); an error for factors.
        /// </summary>
        public Tensor Value => _weight ?? _formed
            ?? throw new InvalidOperationException("ConstrainedWeight.Value: a factored weight has no formed value; this stage must come before the orthonormalization.");

        /// <summary>F (without the scale) when <see cref="IsFactored"/>, else null.</summary>
        public Tensor? Factor => _factor;

        /// <summary>The same map times <paramref name="c"/> (&gt; 0), exactly.</summary>
        /// <param name="c">The multiplier: a Lipschitz constant, a convolution coefficient.</param>
        public ConstrainedWeight Times(double c)
        {
            ArgumentChecks.PositiveFinite(c, nameof(c));
            return new(_weight, _view, _factor, _tall, _shape, _dtype, Scale * c, Bound * c, Kind, _applyFactors);
        }

        /// <summary>
        /// The certified end of a chain: σ_max of what <see cref="Linear"/> and <see cref="Weight"/> apply is at most
        /// k·(1 + 1e-5), rounding included. Factors with a bound above it are scaled down by the bound; a formed weight
        /// is rounded once and certified (and rescaled, by a tight bound, if needed).
        /// </summary>
        /// <param name="k">The constant to certify against.</param>
        public ConstrainedWeight Certified(double k)
        {
            ArgumentChecks.PositiveFinite(k, nameof(k));
            if (IsFactored && _applyFactors)
            {
                var certified = Bound <= SpectralCertificate.Allowed(k) ? this : double.IsFinite(Bound) ? Times(k / Bound) : null;
                if (certified is not null)
                    return new(null, certified._view, certified._factor, _tall, _shape, _dtype, certified.Scale, certified.Bound, Kind, true) { _certifiedFor = k };
            }
            var formed = Form(k, out double bound);
            return new(formed, null, null, false, _shape, _dtype, 1.0, bound, BoundKind.Spectral, false) { _formed = formed, _certifiedFor = k };
        }

        /// <summary>
        /// The weight as a tensor of the layer's shape and dtype, certified against k·(1 + 1e-5) (k as given to
        /// <see cref="Certified"/>). Factors are multiplied in float64 and rounded once, on each call.
        /// </summary>
        public Tensor Weight()
        {
            if (_formed is not null) return _formed;
            if (double.IsNaN(_certifiedFor))
                throw new InvalidOperationException("ConstrainedWeight.Weight: certify the value first (Certified(k)): only a certified weight is ever applied.");
            return Form(_certifiedFor, out _);
        }

        /// <summary>input·Wᵀ + bias for a 2-D weight, through the factors when the value has usable ones.</summary>
        /// <param name="input">Input (*, in).</param>
        /// <param name="bias">Bias (out), or null.</param>
        public Tensor Linear(Tensor input, Tensor? bias)
        {
            if (_shape.Length != 2)
                throw new InvalidOperationException($"ConstrainedWeight.Linear needs a 2-D weight, got shape [{string.Join(", ", _shape)}].");
            if (!IsFactored || !_applyFactors) return nn.functional.linear(input, Weight(), bias);
            // (F·V)ᵀ = Vᵀ·Fᵀ, so x·(F·V)ᵀ = (x·Vᵀ)·Fᵀ for the wide W = F·V; for the tall W = (F·V)ᵀ, x·Wᵀ = (x·F)·V.
            var scaledBias = Scale == 1.0 ? bias : null;
            var z = _tall
                ? nn.functional.linear(nn.functional.linear(input, _factor!.t()), _view!.t(), scaledBias)
                : nn.functional.linear(nn.functional.linear(input, _view!), _factor!, scaledBias);
            if (Scale == 1.0) return z;
            var s = ScalarCache.Of(Scale);
            return bias is null ? z.mul(s) : bias.add(z, s);
        }

        // Scale·W (or Scale·F·V) in float64, rounded once to the dtype, then certified against k.
        private Tensor Form(double k, out double bound)
        {
            if (_formed is not null && _certifiedFor == k)
            {
                bound = Bound;
                return _formed;
            }
            using var scope = torch.NewDisposeScope();
            Tensor exact;
            if (IsFactored)
            {
                var wide = _factor!.to_type(ScalarType.Float64).mm(_view!.to_type(ScalarType.Float64));
                exact = (_tall ? wide.t() : wide).reshape(_shape);
            }
            else exact = _weight!.to_type(ScalarType.Float64);
            var weight = (Scale == 1.0 ? exact : exact.mul(ScalarCache.Of(Scale))).to_type(_dtype);
            if (Kind == BoundKind.Norm && !IsFactored && Bound * (1 + 2 * UnitRoundoff(_dtype)) <= SpectralCertificate.Allowed(k))
            {
                // ‖fl(x)‖ ≤ (1 + u)‖x‖ for every norm of a vector or row: the Frobenius (row) bound survives the rounding.
                bound = Bound * (1 + 2 * UnitRoundoff(_dtype));
                return weight.MoveToOuterDisposeScope();
            }
            var certified = ContractionGuard.TryEnforce(weight, k, out double sigma);
            certified = certified
                ?? throw new InvalidOperationException("ConstrainedWeight: the formed weight is not finite although its parts are; please report this.");
            bound = k * sigma;
            return certified.MoveToOuterDisposeScope();
        }

        private static double UnitRoundoff(ScalarType dtype) => dtype switch
        {
            ScalarType.Float64 => 1.1102230246251565e-16,
            ScalarType.Float32 => 5.9604644775390625e-08,
            _ => 1.0 / 256,
        };

        internal ConstrainedWeight MoveToOuterDisposeScope(DisposeScope scope)
        {
            Move(_weight, scope);
            Move(_view, scope);
            Move(_factor, scope);
            Move(_formed, scope);
            return this;
        }

        // Tensors made inside a call leave its scope; the caller's own (the raw weight itself) stay where they are.
        private static void Move(Tensor? t, DisposeScope scope)
        {
            if (t is not null && scope.Contains(t)) t.MoveToOuterDisposeScope();
        }
    }
}
