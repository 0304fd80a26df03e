using System.Collections.Generic;

namespace TorchLip.Training;

/// <summary>One epoch's figures, keyed by metric name ("loss" always present).</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Train">Means over the epoch's training batches, weighted by batch size (train mode).</param>
/// <param name="Validation">The figures on the whole validation set (eval mode, in batches; the trainer's ValidationColumns), or null without one.</param>
/// <param name="TrainSeconds">Wall time of the training steps.</param>
/// <param name="ValidationSeconds">Wall time of the validation.</param>
public sealed record EpochRecord(int Epoch, IReadOnlyDictionary<string, double> Train, IReadOnlyDictionary<string, double>? Validation,
    double TrainSeconds, double ValidationSeconds)
{
    /// <summary>Wall time of the epoch.</summary>
    public double Seconds => TrainSeconds + ValidationSeconds;
}
