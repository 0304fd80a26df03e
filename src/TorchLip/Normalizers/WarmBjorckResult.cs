using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Outcome of <see cref="WarmBjorck.Orthonormalize"/>: a certified orthonormalized weight, kept either as factors
    /// (a small square F and the raw weight W, the map x ↦ s·x·(F·W)ᵀ with an exact float64 scale s) or, when the weight's
    /// precision could not represent F, as the weight formed once in float64 and rounded.
    /// </summary>
    /// <remarks>
    /// In the factored form the layer applies the factors one after the other, (x·Wᵀ)·Fᵀ (tall weights: (x·F)·Wᵀ): the same
    /// linear map without the products of W's size that forming F·W and its gradient would cost. <see cref="LipschitzBound"/>
    /// is certified for exactly what <see cref="Linear"/> applies.
    /// </remarks>
    public sealed class WarmBjorckResult
    {
        private Tensor? _view;      // the weight in its wide view (out ≤ in: W itself; else Wᵀ)
        private readonly bool _tall;
        private readonly long[] _shape;
        private readonly double _k;
        private Tensor? _factor, _formed, _preconditioner;

        private WarmBjorckResult(Tensor? view, bool tall, long[] shape, Tensor? factor, double scale, double k, Tensor? formed,
            Tensor preconditioner, int iterations, double bound)
        {
            _k = k;
            _view = view;
            _tall = tall;
            _shape = shape;
            _factor = factor;
            Scale = scale;
            _formed = formed;
            _preconditioner = preconditioner;
            Iterations = iterations;
            LipschitzBound = bound;
        }

        internal static WarmBjorckResult Factored(Tensor view, bool tall, long[] shape, Tensor factor, double scale, double k, Tensor preconditioner, int iterations, double bound)
            => new(view, tall, shape, factor, scale, k, null, preconditioner, iterations, bound);

        internal static WarmBjorckResult Formed(Tensor weight, double k, Tensor preconditioner, int iterations, double bound)
            => new(null, false, Sizes.Of(weight), null, 1.0, k, weight, preconditioner, iterations, bound);

        /// <summary>F (m×m, without the scale), or null when the weight was formed (<see cref="IsFormed"/>).</summary>
        public Tensor? Factor => _factor;

        /// <summary>The exact scale s applied to x·(F·W)ᵀ: k, or less when the step budget ran out and the certificate had to shrink it.</summary>
        public double Scale { get; }

        /// <summary>Whether the weight was formed in float64 (an ill-conditioned raw weight) rather than kept as factors.</summary>
        public bool IsFormed => _formed is not null;

        /// <summary>The m×m matrix to start the next call from.</summary>
        public Tensor Preconditioner => _preconditioner!;

        /// <summary>Björck steps taken (in all precisions).</summary>
        public int Iterations { get; }

        /// <summary>A certified upper bound on the spectral norm of the map that <see cref="Linear"/> applies (k·(1 + 1e-5) at most).</summary>
        public double LipschitzBound { get; }

        /// <summary>
        /// The weight, same shape as W. In the factored form it is computed on each call (in float64, rounded once to W's
        /// dtype) and certified again, so that the rounding of the formed tensor is covered too.
        /// </summary>
        public Tensor Weight()
        {
            if (_formed is not null) return _formed;
            using var scope = torch.NewDisposeScope();
            var view64 = _view!.to_type(ScalarType.Float64);
            var wide = _factor!.to_type(ScalarType.Float64).mm(view64);
            using var s = Scale.ToScalar();
            var weight = (_tall ? wide.t() : wide).reshape(_shape).mul(s).to_type(_view.dtype);
            var certified = ContractionGuard.TryEnforce(weight, _k, out _)
                ?? throw new InvalidOperationException("WarmBjorckResult: the formed weight is not finite; please report this.");
            return certified.MoveToOuterDisposeScope();
        }

        /// <summary>input·Wᵀ + bias for a 2-D weight, with W the certified weight (through the factors when it has them).</summary>
        /// <param name="input">Input (*, in).</param>
        /// <param name="bias">Bias (out), or null.</param>
        public Tensor Linear(Tensor input, Tensor? bias)
        {
            if (_shape.Length != 2)
                throw new InvalidOperationException($"WarmBjorckResult.Linear needs a 2-D weight, got shape [{string.Join(", ", _shape)}].");
            if (_formed is not null) return nn.functional.linear(input, _formed, bias);
            // (F·V)ᵀ = Vᵀ·Fᵀ, so x·(F·V)ᵀ = (x·Vᵀ)·Fᵀ for the wide W = V; for the tall W = (F·V)ᵀ, x·W ᵀ = (x·F)·V.
            var scaledBias = Scale == 1.0 ? bias : null;
            var z = _tall
                ? nn.functional.linear(nn.functional.linear(input, _factor!.t()), _view!.t(), scaledBias)
                : nn.functional.linear(nn.functional.linear(input, _view!), _factor!, scaledBias);
            if (Scale == 1.0) return z;
            using var s = Scale.ToScalar();
            return bias is null ? z.mul(s) : bias.add(z, s);
        }

        internal WarmBjorckResult MoveToOuterDisposeScope(DisposeScope scope)
        {
            _view = Move(_view, scope);
            _factor = Move(_factor, scope);
            _formed = Move(_formed, scope);
            _preconditioner = Move(_preconditioner, scope);
            return this;
        }

        // Tensors made inside the call leave its scope; the caller's own (the weight itself) stay where they are.
        private static Tensor? Move(Tensor? t, DisposeScope scope) =>
            t is not null && scope.Contains(t) ? t.MoveToOuterDisposeScope() : t;
    }
}
