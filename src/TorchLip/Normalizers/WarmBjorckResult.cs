using System;
using TorchSharp;
using static TorchSharp.torch;

namespace TorchLip.Normalizers
{
    /// <summary>
    /// Outcome of <see cref="WarmBjorck.Orthonormalize"/>: the orthonormalized weight kept as a product of the raw weight
    /// W (out, ...) and a small square factor F, F·W when out ≤ in (F is out×out), W·Fᵀ otherwise (F is in×in).
    /// </summary>
    /// <remarks>
    /// Forming F·W costs as much as a batch of size out through the layer, and its backward twice that. A linear layer
    /// whose batch is smaller than the side F removes applies the factors one after the other instead (<see cref="Linear"/>):
    /// the same linear map, without the large products with W that the weight itself needs.
    /// </remarks>
    public sealed class WarmBjorckResult
    {
        private readonly Tensor _source;
        private readonly bool _tall;

        internal WarmBjorckResult(Tensor source, Tensor factor, bool tall, Tensor preconditioner, int iterations, double residual)
        {
            _source = source;
            _tall = tall;
            Factor = factor;
            Preconditioner = preconditioner;
            Iterations = iterations;
            Residual = residual;
        }

        /// <summary>F, certified: σ_max of the product is at most 1 + 1e-5 (it includes any certificate rescale).</summary>
        public Tensor Factor { get; }

        /// <summary>The m×m matrix P to start the next call from: F = P unless the certificate rescaled it.</summary>
        public Tensor Preconditioner { get; }

        /// <summary>Björck steps taken.</summary>
        public int Iterations { get; }

        /// <summary>‖P A Pᵀ − I‖_F at exit (A = W Wᵀ), measured, or bounded when a third-order step ended the iteration; σ_max² ≤ 1 + Residual.</summary>
        public double Residual { get; }

        /// <summary>The orthonormalized weight, formed (one product with W) on each call; same shape as W.</summary>
        public Tensor Weight()
        {
            var m = _source.reshape(_source.size(0), -1);
            return (_tall ? m.mm(Factor.t()) : Factor.mm(m)).reshape(Sizes.Of(_source));
        }

        /// <summary>
        /// input·(k·Weight)ᵀ + bias for a 2-D weight, in whichever order costs fewer operations: through the factors when
        /// the input has fewer rows than the side F removes, through the formed weight otherwise.
        /// </summary>
        /// <param name="input">Input (*, in).</param>
        /// <param name="bias">Bias (out), or null.</param>
        /// <param name="k">Scale of the weight (the layer's Lipschitz constant).</param>
        public Tensor Linear(Tensor input, Tensor? bias, double k = 1.0)
        {
            if (_source.dim() != 2)
                throw new InvalidOperationException($"WarmBjorckResult.Linear needs a 2-D weight, got shape {Checks.Shape(_source)}.");
            var factor = Factor;
            if (k != 1.0)
            {
                using var scale = k.ToScalar();
                factor = factor.mul(scale);
            }
            long rows = input.numel() / Math.Max(1, input.size(-1));
            long removed = _tall ? _source.size(0) : _source.size(1);
            if (rows >= removed)
                return nn.functional.linear(input, _tall ? _source.mm(factor.t()) : factor.mm(_source), bias);
            // (F·W)ᵀ = Wᵀ·Fᵀ, so x·(F·W)ᵀ = (x·Wᵀ)·Fᵀ; (W·Fᵀ)ᵀ = F·Wᵀ, so x·(W·Fᵀ)ᵀ = (x·F)·Wᵀ.
            return _tall
                ? nn.functional.linear(nn.functional.linear(input, factor.t()), _source, bias)
                : nn.functional.linear(nn.functional.linear(input, _source), factor, bias);
        }
    }
}
