using System;
using System.Collections.Generic;
using System.Linq;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>Batches drawn fresh for every step (synthetic data: a generator function instead of a data set).</summary>
public sealed class GeneratedBatches : IBatchSource
{
    private readonly Func<(Tensor X, Tensor Y)> _draw;
    private readonly Generator[] _generators;

    /// <summary>Creates the source.</summary>
    /// <param name="draw">Draws one batch.</param>
    /// <param name="batchesPerEpoch">Steps per epoch (≥ 1).</param>
    /// <param name="generators">The generators <paramref name="draw"/> draws with, so that a checkpoint saves their states (see <see cref="IBatchSource.Generators"/>).</param>
    public GeneratedBatches(Func<(Tensor X, Tensor Y)> draw, int batchesPerEpoch, params Generator[] generators)
    {
        ArgumentNullException.ThrowIfNull(generators);
        _generators = generators.Select(g => g ?? throw new ArgumentNullException(nameof(generators), "GeneratedBatches: a generator is null.")).ToArray();
        ArgumentNullException.ThrowIfNull(draw);
        if (batchesPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(batchesPerEpoch), batchesPerEpoch, "GeneratedBatches: an epoch needs at least one batch.");
        (_draw, BatchesPerEpoch) = (draw, batchesPerEpoch);
    }

    /// <inheritdoc/>
    public int BatchesPerEpoch { get; }

    /// <inheritdoc/>
    public IReadOnlyList<Generator> Generators => _generators;

    /// <inheritdoc/>
    public IEnumerable<(Tensor X, Tensor Y)> NextEpoch()
    {
        for (int b = 0; b < BatchesPerEpoch; b++) yield return _draw();
    }
}
