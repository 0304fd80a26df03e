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
}
