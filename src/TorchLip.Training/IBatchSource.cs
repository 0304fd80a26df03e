using System;
using System.Collections.Generic;
using static TorchSharp.torch;

namespace TorchLip.Training;

/// <summary>What a <see cref="Trainer"/> trains on: the batches of one epoch at a time.</summary>
public interface IBatchSource
{
    /// <summary>Number of batches (training steps) per epoch.</summary>
    int BatchesPerEpoch { get; }

    /// <summary>
    /// The batches of the next epoch, in order. Each is created inside the step's dispose scope, so tensors made for
    /// it are freed with the step.
    /// </summary>
    IEnumerable<(Tensor X, Tensor Y)> NextEpoch();

    /// <summary>
    /// The generators the batches are drawn with (the batch order's, a synthetic source's), in a fixed order: a
    /// <see cref="Checkpoint"/> saves and restores their states so that a resumed run draws the same batches. Empty
    /// when the source draws nothing of its own.
    /// </summary>
    IReadOnlyList<Generator> Generators => Array.Empty<Generator>();
}
