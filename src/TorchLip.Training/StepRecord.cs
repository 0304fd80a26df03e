using System.Collections.Generic;

namespace TorchLip.Training;

/// <summary>What the progress callback learns after each training step.</summary>
/// <param name="Epoch">1-based epoch number.</param>
/// <param name="Step">1-based step within the epoch.</param>
/// <param name="StepsPerEpoch">Steps in the epoch.</param>
/// <param name="Batch">The batch's own figures (computed before the optimizer step, on the weights that produced the output).</param>
/// <param name="RunningMeans">The epoch's means so far.</param>
public sealed record StepRecord(int Epoch, int Step, int StepsPerEpoch, IReadOnlyDictionary<string, double> Batch, IReadOnlyDictionary<string, double> RunningMeans);
