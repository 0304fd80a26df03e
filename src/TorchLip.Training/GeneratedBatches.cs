using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>Batches drawn fresh for every step (synthetic data: a generator function instead of a data set).</summary>
public sealed class GeneratedBatches : IBatchSource
{
    private readonly Func<(Tensor X, Tensor Y)> _draw;

    /// <summary>Creates the source.</summary>
    /// <param name="draw">Draws one batch.</param>
    /// <param name="batchesPerEpoch">Steps per epoch (≥ 1).</param>
    public GeneratedBatches(Func<(Tensor X, Tensor Y)> draw, int batchesPerEpoch)
    {
        ArgumentNullException.ThrowIfNull(draw);
        if (batchesPerEpoch < 1)
            throw new ArgumentOutOfRangeException(nameof(batchesPerEpoch), batchesPerEpoch, "GeneratedBatches: an epoch needs at least one batch.");
        (_draw, BatchesPerEpoch) = (draw, batchesPerEpoch);
    }

    /// <inheritdoc/>
    public int BatchesPerEpoch { get; }

    /// <inheritdoc/>
    public IEnumerable<(Tensor X, Tensor Y)> NextEpoch()
    {
        for (int b = 0; b < BatchesPerEpoch; b++) yield return _draw();
    }
}
